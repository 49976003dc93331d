//! Person records: find, view, create, edit. Every view is audited.

use safeguard_domain::person::{Person, PersonDetails, PersonSummary, RawPerson};
use safeguard_domain::policy::{Action, Basis, Decision, decide, person_access, person_scope};
use safeguard_domain::{Actor, PersonId, PersonScope};
use time::OffsetDateTime;

use crate::search::DuplicateCheck;
use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

/// The most results a name search returns.
pub const SEARCH_LIMIT: i64 = 50;

/// What a create did: a new record, or (for a repeated submission of the
/// same form) the record the first submission made.
#[derive(Clone, Debug)]
pub enum Created {
    /// A new record.
    New(Box<Person>),
    /// The form was submitted before; nothing new was made.
    AlreadyExisted(PersonId),
    /// Existing records are likely the same person (most likely first, as
    /// the user may see them); nothing was made. Creating anyway
    /// ([`DuplicateCheck::CreateAnyway`]) puts each pair in the managers'
    /// review queue.
    PossibleDuplicates(Vec<PersonSummary>),
}

impl Created {
    /// The record's id, if there is one.
    pub fn id(&self) -> Option<PersonId> {
        match self {
            Created::New(p) => Some(p.id),
            Created::AlreadyExisted(id) => Some(*id),
            Created::PossibleDuplicates(_) => None,
        }
    }
}

/// A person's record, opened: only [`Safeguard::view_person`] makes one,
/// after the access check and with the view audited. It reads as the
/// [`Person`] it holds, and the record's other parts (its enquiries, its
/// restriction) are read only through it.
#[derive(Clone, Debug)]
pub struct OpenedPerson {
    person: Person,
    basis: Basis,
    /// Whether the access check found the record restricted (so an
    /// unrestricted record's page need not read a restriction).
    restricted: bool,
    store: safeguard_store::Store,
}

/// A person's page as [`Safeguard::view_person_page`] reads it: the opened
/// record and what the page shows beside it.
#[derive(Clone, Debug)]
pub struct PersonOverview {
    /// The record, opened.
    pub person: OpenedPerson,
    /// The records merged into it, newest first (with undone merges).
    pub merges: Vec<crate::merge::MergeSummary>,
    /// The newest chronology entries, newest first.
    pub recent_chronology: Vec<safeguard_store::concerns::RecentEntry>,
    /// How many chronology entries there are in all.
    pub chronology_total: i64,
    /// The enquiries about the person, newest first.
    pub enquiries: Vec<safeguard_store::enquiries::EnquiryRow>,
    /// Pattern alerts about the person, newest first.
    pub alerts: Vec<safeguard_store::patterns::AlertRow>,
}

/// A session and the person's page its user asked for, read together
/// ([`Safeguard::view_person_page_signed`]).
#[derive(Debug)]
pub struct SignedPage {
    /// The session, checked.
    pub session: crate::SessionInfo,
    /// The page, or why it may not be shown to the session's user.
    pub page: CoreResult<PersonOverview>,
}

impl std::ops::Deref for OpenedPerson {
    type Target = Person;

    fn deref(&self) -> &Person {
        &self.person
    }
}

impl OpenedPerson {
    /// Why the viewer may open it.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// The record itself.
    pub fn into_person(self) -> Person {
        self.person
    }

    /// Pattern alerts about the person (repeat concerns, a concern soon
    /// after an enquiry closed) and about them as someone alleged to have
    /// caused harm to several adults, newest first.
    pub async fn alerts(&self) -> CoreResult<Vec<safeguard_store::patterns::AlertRow>> {
        Ok(self
            .store
            .alerts_about_person(&self.person.id.to_string())
            .await?)
    }

    /// The enquiries about the person, oldest first.
    pub async fn enquiries(&self) -> CoreResult<Vec<safeguard_store::enquiries::EnquiryRow>> {
        Ok(self
            .store
            .enquiries_for_person(&self.person.id.to_string())
            .await?)
    }

    /// The entries of the person's chronology that `filter` keeps, newest
    /// first: `limit` of them (all with `None`) after skipping `offset`,
    /// and how many it keeps in all (read with the record, whose view was
    /// audited).
    pub async fn chronology_filtered(
        &self,
        filter: &safeguard_store::concerns::ChronologyFilter,
        limit: Option<i64>,
        offset: i64,
    ) -> CoreResult<(Vec<safeguard_store::concerns::ChronologyEntry>, i64)> {
        Ok(self
            .store
            .chronology_filtered(&self.person.id.to_string(), filter, limit, offset)
            .await?)
    }

    /// One entry of the person's chronology and how many are newer (read
    /// with the record, whose view was audited); `None` if not theirs.
    pub async fn chronology_entry(
        &self,
        entry_id: &str,
    ) -> CoreResult<Option<(safeguard_store::concerns::ChronologyEntry, i64)>> {
        Ok(self
            .store
            .chronology_entry(&self.person.id.to_string(), entry_id)
            .await?)
    }

    /// The person's contacts and case notes, newest first (read with the
    /// record, whose view was audited).
    pub async fn contacts(&self) -> CoreResult<Vec<safeguard_store::contacts::ContactRow>> {
        Ok(self.store.contacts(&self.person.id.to_string()).await?)
    }

    /// The documents, photos and recordings kept with the record, oldest
    /// first.
    pub async fn attachments(
        &self,
    ) -> CoreResult<Vec<safeguard_store::attachments::AttachmentRow>> {
        Ok(self
            .store
            .attachments_of("person", &self.person.id.to_string())
            .await?)
    }

    /// One of the record's released attachments, to read through
    /// [`Safeguard::open_attachment`].
    pub(crate) fn attachment(
        &self,
        row: safeguard_store::attachments::AttachmentRow,
    ) -> CoreResult<crate::attachments::Readable> {
        let owned = row.owner_kind == "person" && row.owner_id == self.person.id.to_string();
        crate::attachments::readable_if(row, owned)
    }

    /// The restriction on the record and its access list, if restricted.
    pub async fn restriction(&self) -> CoreResult<Option<crate::access::RestrictionView>> {
        if !self.restricted {
            return Ok(None);
        }
        crate::access::restriction_of(&self.store, &self.person.id.to_string()).await
    }
}

/// Names of the fields that differ between two versions of a record (for
/// the audit trail: which fields changed, never their contents).
fn changed_fields(a: &PersonDetails, b: &PersonDetails) -> Vec<&'static str> {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),+) => { $( if a.$f != b.$f { out.push(stringify!($f)); } )+ };
    }
    cmp!(
        given_name,
        family_name,
        other_names,
        date_of_birth,
        nhs_number,
        address_line_1,
        address_line_2,
        town,
        postcode,
        gender,
        gender_description,
        ethnicity,
        primary_support_reason,
        learning_disability,
        autism,
        asperger,
        preferred_language,
        interpreter_needed,
        communication_needs,
        communication_notes,
        what_matters_to_me,
        key_people
    );
    out
}

impl Safeguard {
    /// People who fit `query` (names, misspelt or sound-alike, a date of
    /// birth, NHS number or postcode), best first, each with why it was
    /// found. The search and the ids it returned are audited.
    pub async fn search_people(
        &self,
        actor: &Actor,
        query: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<PersonSummary>> {
        self.require_as(
            actor,
            Action::SearchPeople,
            ctx,
            now,
            ("search", "person", None),
        )
        .await?;
        let query = safeguard_domain::text::search_query(query);
        if query.trim().is_empty() || person_scope(actor) == PersonScope::Nothing {
            return Ok(Vec::new());
        }
        let found = self.find_people(&query, SEARCH_LIMIT as usize).await?;
        let out = self.shown_to(actor, found, now).await?;
        let ids: Vec<String> = out.iter().map(|p| p.id.to_string()).collect();
        let detail = format!("{} results: {}", ids.len(), ids.join(","));
        self.record(
            Self::event(actor, ctx, now, "search", "person", None, "success")?.with_detail(detail),
        )
        .await?;
        Ok(out)
    }

    /// A person's record. The view is audited before the record is returned;
    /// a record the actor may not see is "not found" (and the attempt is audited).
    pub async fn view_person(
        &self,
        actor: &Actor,
        id: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<OpenedPerson> {
        Ok(self.open_person(actor, id, ctx, now, None).await?.person)
    }

    /// A person's page: the record, opened as [`Safeguard::view_person`]
    /// opens it, with what the page shows beside it (the newest `recent`
    /// chronology entries, enquiries, alerts, merges) read in the same
    /// statement as the record.
    pub async fn view_person_page(
        &self,
        actor: &Actor,
        id: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
        recent: i64,
    ) -> CoreResult<PersonOverview> {
        self.open_person(actor, id, ctx, now, Some(recent)).await
    }

    /// Checks, reads and audits a view of a person's record (and, when
    /// `page` says how many chronology entries, the page's parts with it).
    async fn open_person(
        &self,
        actor: &Actor,
        id: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
        page: Option<i64>,
    ) -> CoreResult<PersonOverview> {
        if decide(actor, Action::ViewPerson) == Decision::Deny {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "person", Some(id.to_string())),
                    CoreError::NotFound,
                )
                .await;
        }
        let scope = person_scope(actor);
        let user = actor.user_id.to_string();
        // The record (with the page's parts, for a page) is read with the
        // facts that decide whether it may be shown (one statement, one
        // moment); it is dropped below if refused.
        let both = self
            .store
            .person_page_for(scope, id, &user, unix_ms(now), page)
            .await?;
        self.opened(actor, id, ctx, now, both).await
    }

    /// A person's page as [`Safeguard::view_person_page`] opens it, for
    /// the user of the session whose id is `session_token`: the session is
    /// read with the page (one trip to the database where the server holds
    /// the page's parts), then checked as [`Safeguard::session`] checks it,
    /// and the page weighed for its user, before anything read is used.
    /// `None` when there is no session that may be used (the caller asks
    /// the user to sign in); else the session, and the page or why not.
    pub async fn view_person_page_signed(
        &self,
        session_token: &str,
        id: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
        recent: i64,
    ) -> CoreResult<Option<SignedPage>> {
        let hash = crate::token_hash(session_token);
        let read = self
            .store
            .session_person_page(&hash, id, unix_ms(now), recent)
            .await?;
        let (session, both) = match read {
            Some((found, both)) => (self.session_of(found, now).await?, Some(both)),
            // No such session or record: each read as on any other path.
            None => (self.session(session_token, now).await?, None),
        };
        let Some(session) = session else {
            return Ok(None);
        };
        let actor = &session.actor;
        let page = match both {
            // Read for a reader whose scope reaches every record: used only
            // if this one's does, and the policy lets them view people.
            Some(both)
                if decide(actor, Action::ViewPerson) == Decision::Allow
                    && person_scope(actor) == PersonScope::All =>
            {
                self.opened(actor, id, ctx, now, both).await
            }
            _ => self.open_person(actor, id, ctx, now, Some(recent)).await,
        };
        Ok(Some(SignedPage { session, page }))
    }

    /// [`Safeguard::open_person`] once the record and its facts for
    /// `actor` are read (`both`): weighed, audited, and returned if granted.
    async fn opened(
        &self,
        actor: &Actor,
        id: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
        both: safeguard_store::people::PageForReader,
    ) -> CoreResult<PersonOverview> {
        let (row, read) = (both.facts, both.page);
        // A record merged into another leads to it, for whoever may open that one.
        if let Some(kept) = row.merged_into.as_deref() {
            self.require_person(
                actor,
                kept,
                ctx,
                now,
                ("view", "person", Some(id.to_string())),
            )
            .await?;
            return Err(CoreError::Merged(
                kept.parse().map_err(|_| CoreError::NotFound)?,
            ));
        }
        let facts = crate::access::case_facts_of(&row);
        let basis = self
            .grant(
                actor,
                person_access(actor, &facts),
                &id.to_string(),
                ctx,
                now,
                ("view", "person", Some(id.to_string())),
            )
            .await?;
        // Granted: the view is committed to the audit trail before anything
        // read is returned, so no one sees a record whose view was not
        // recorded.
        self.record_view(actor, ctx, now, "person", id.to_string(), basis)
            .await?;
        let page = read.ok_or(CoreError::NotFound)?;
        Ok(PersonOverview {
            merges: page
                .merges
                .into_iter()
                .map(crate::merge::summary)
                .collect::<CoreResult<_>>()?,
            recent_chronology: page.recent_chronology,
            chronology_total: page.chronology_total,
            enquiries: page.enquiries,
            alerts: page.alerts,
            person: OpenedPerson {
                person: page.person,
                basis,
                restricted: facts.restricted,
                store: self.store.clone(),
            },
        })
    }

    /// Creates a person record. `id` may be chosen by the caller (a form
    /// carries one, so submitting it twice makes one record); otherwise a
    /// new id is made.
    pub async fn create_person(
        &self,
        actor: &Actor,
        id: Option<PersonId>,
        raw: &RawPerson,
        check: DuplicateCheck,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Created> {
        self.require_as(
            actor,
            Action::CreatePerson,
            ctx,
            now,
            ("create", "person", None),
        )
        .await?;
        let details = raw.parse(self.today(now)).map_err(CoreError::Invalid)?;
        let id = match id {
            Some(id) => id,
            None => PersonId(new_uuid(now)?),
        };
        // A repeated submission is answered before any duplicate check.
        if self.store.person_name(&id.to_string()).await?.is_some() {
            return Ok(Created::AlreadyExisted(id));
        }
        let likely = self.likely_duplicates(&details, Some(id)).await?;
        if check == DuplicateCheck::Check && !likely.is_empty() {
            let ids: Vec<String> = likely.iter().map(|f| f.summary.id.to_string()).collect();
            let shown = self.shown_to(actor, likely, now).await?;
            self.record(
                Self::event(actor, ctx, now, "search", "person", None, "success")?.with_detail(
                    format!(
                        "likely duplicates of a new record: {} results: {}",
                        ids.len(),
                        ids.join(",")
                    ),
                ),
            )
            .await?;
            return Ok(Created::PossibleDuplicates(shown));
        }
        let mut tx = self.store.begin_audited().await?;
        // Inside the audited transaction, so two submissions cannot both pass this check.
        if tx.person_exists(id).await? {
            return Ok(Created::AlreadyExisted(id));
        }
        tx.insert_person(id, &details, &actor.user_id.to_string(), unix_ms(now))
            .await?;
        for f in &likely {
            let pair = safeguard_store::duplicates::DuplicateRow {
                id: new_uuid(now)?.to_string(),
                person_id: id.to_string(),
                other_id: f.summary.id.to_string(),
                score: i64::from(f.score),
                reasons: f
                    .reasons
                    .iter()
                    .map(|r| r.text.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                found_at: unix_ms(now),
                found_by: actor.user_id.to_string(),
                state: "open".into(),
                decided_by: None,
                decided_at: None,
            };
            tx.insert_duplicate(&pair).await?;
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "create",
                    "duplicate",
                    Some(pair.id.clone()),
                    "success",
                )?
                .with_detail(format!("{} may be {}", pair.person_id, pair.other_id)),
            )
            .await?;
        }
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "create",
            "person",
            Some(id.to_string()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(Created::New(Box::new(Person {
            id,
            version: 1,
            details,
        })))
    }

    /// Checks that `actor` may change the case of person `id` (the
    /// record, its contacts and chronology), auditing a refusal as
    /// `(verb, entity)`; why they may. A record merged away is changed only
    /// by undoing the merge.
    pub(crate) async fn may_change_case(
        &self,
        actor: &Actor,
        id: PersonId,
        verb_entity: (&str, &str),
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Basis> {
        let (verb, entity) = verb_entity;
        if decide(actor, Action::UpdatePerson) == Decision::Deny {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    (verb, entity, Some(id.to_string())),
                    CoreError::NotFound,
                )
                .await;
        }
        if let Some(kept) = self.store.merged_into(&id.to_string()).await? {
            return Err(CoreError::Merged(
                kept.parse().map_err(|_| CoreError::NotFound)?,
            ));
        }
        self.require_person(
            actor,
            &id.to_string(),
            ctx,
            now,
            (verb, entity, Some(id.to_string())),
        )
        .await
    }

    /// Changes a person record, if it is still at `expected_version`.
    pub async fn update_person(
        &self,
        actor: &Actor,
        id: PersonId,
        expected_version: i64,
        raw: &RawPerson,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Person> {
        let basis = self
            .may_change_case(actor, id, ("update", "person"), ctx, now)
            .await?;
        let before = self
            .store
            .find_person(person_scope(actor), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let details = raw.parse(self.today(now)).map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        let version = tx
            .update_person(id, expected_version, &details, unix_ms(now))
            .await?
            .ok_or(CoreError::Conflict)?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "person",
                Some(id.to_string()),
                "success",
            )?
            .with_reason(basis.code())
            .with_detail(format!(
                "changed: {}",
                changed_fields(&before.details, &details).join(", ")
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(Person {
            id,
            version,
            details,
        })
    }
}
