//! Need-to-know: who may open a person's case, restricted records,
//! emergency (break-glass) openings and their review, and enquiries'
//! need-to-know teams. The rules are `safeguard_domain::policy`; this
//! module gathers the facts, asks, audits and keeps the records.

use safeguard_domain::access_report::{
    BREAK_GLASS_FLAG, BURST_PER_HOUR, EventFacts, UNUSUAL_WINDOW_DAYS, describe, why,
};
use safeguard_domain::policy::{
    Access, Action, Basis, CaseFacts, Decision, decide, enquiry_access, may_change_restriction,
    person_access,
};
use safeguard_domain::text;
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Actor, Role, TeamId};
use safeguard_store::access::{
    BreakGlassListRow, BreakGlassRow, NamedUserRow, RestrictionRow, Viewer,
};
use safeguard_store::audit::{AuditEvent, AuditFilter};
use safeguard_store::concerns::EmailRow;
use safeguard_store::enquiries::EnquiryRow;
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

/// The longest reason or finding kept.
const MAX_TEXT: usize = 2_000;

/// What someone outside a record's need-to-know sees of it: that it
/// exists, the name, and who to contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitedRecord {
    /// The person's id.
    pub person_id: String,
    /// The person's name.
    pub name: String,
    /// The record is restricted (otherwise it is held by another team).
    pub restricted: bool,
    /// Who to contact about it.
    pub contact: String,
}

/// A restricted record's restriction and access list.
#[derive(Clone, Debug)]
pub struct RestrictionView {
    /// The restriction.
    pub restriction: RestrictionRow,
    /// Who marked it.
    pub restricted_by: String,
    /// Who may open it.
    pub access_list: Vec<NamedUserRow>,
}

/// The break-glass review queue.
#[derive(Clone, Debug)]
pub struct BreakGlassQueue {
    /// Openings awaiting a finding, oldest first.
    pub open: Vec<BreakGlassListRow>,
    /// The most recently reviewed openings.
    pub reviewed: Vec<BreakGlassListRow>,
}

/// One line of a person's access report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    /// When (Unix ms).
    pub at: i64,
    /// Who, by name.
    pub who: String,
    /// Their role, in words.
    pub role: String,
    /// Their agency.
    pub agency: String,
    /// What they did, in plain words.
    pub what: String,
    /// Why they were allowed: as recorded, or said from what they did and
    /// their role.
    pub why: &'static str,
}

/// "Who looked at my record": every user and agency that viewed or changed
/// a person's record, when, and on what basis.
#[derive(Clone, Debug)]
pub struct AccessReport {
    /// The person's name.
    pub person_name: String,
    /// Oldest first.
    pub entries: Vec<AccessEntry>,
    /// The agencies that appear, by name.
    pub agencies: Vec<String>,
    /// How many different people appear.
    pub people: usize,
}

/// A user whose access looks unusual, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnusualAccess {
    /// Username.
    pub username: String,
    /// What was seen, in words.
    pub finding: String,
    /// When (Unix ms): the hour of a burst, or the latest refusal or emergency opening.
    pub at: i64,
}

/// A required free-text field (trimmed, at most [`MAX_TEXT`] characters);
/// a refusal is recorded against `field` and the empty string returned.
fn required(errors: &mut FieldErrors, field: &str, label: &str, value: &str) -> String {
    text::required_field(
        errors,
        field,
        label,
        &Some(value.to_string()),
        MAX_TEXT,
        true,
    )
}

/// The restriction on a person's record and its access list (read through
/// an opened person, [`crate::people::OpenedPerson::restriction`]).
pub(crate) async fn restriction_of(
    store: &safeguard_store::Store,
    person_id: &str,
) -> CoreResult<Option<RestrictionView>> {
    let Some(restriction) = store.restriction(person_id).await? else {
        return Ok(None);
    };
    let restricted_by = store
        .user_by_id(&restriction.restricted_by)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let access_list = store.access_list(person_id).await?;
    Ok(Some(RestrictionView {
        restriction,
        restricted_by,
        access_list,
    }))
}

/// The policy's facts from the stored ones.
pub(crate) fn case_facts_of(f: &safeguard_store::access::CaseFactsRow) -> CaseFacts {
    CaseFacts {
        holding_teams: f
            .holding_teams
            .iter()
            .filter_map(|t| t.parse().ok().map(TeamId))
            .collect(),
        allocated: f.allocated,
        restricted: f.restricted,
        on_access_list: f.on_access_list,
        break_glass: f.break_glass,
        created: f.created,
        missing: f.missing,
    }
}

/// Who someone outside a case should contact about it: the restriction's
/// contact if the record is restricted, else the teams that hold it, else
/// the safeguarding adults team.
pub(crate) fn contact_for(restriction_contact: Option<String>, holding_teams: &[String]) -> String {
    match restriction_contact {
        Some(c) => c,
        None if holding_teams.is_empty() => "the safeguarding adults team".to_string(),
        None => holding_teams.join(", "),
    }
}

impl Safeguard {
    /// The actor as a list viewer, for need-to-know scoping in SQL.
    pub(crate) fn viewer(actor: &Actor, now: OffsetDateTime) -> Viewer {
        Viewer {
            user_id: actor.user_id.to_string(),
            team_id: actor.team_id.map(|t| t.to_string()),
            manager: actor.agency_is_owner && actor.role == Role::Manager,
            now: unix_ms(now),
        }
    }

    /// The facts the policy weighs for `actor` and a person.
    async fn case_facts(
        &self,
        actor: &Actor,
        person_id: &str,
        now: OffsetDateTime,
    ) -> CoreResult<CaseFacts> {
        let f = self
            .store
            .case_facts(person_id, &actor.user_id.to_string(), unix_ms(now))
            .await?;
        Ok(case_facts_of(&f))
    }

    /// How much of a person's case `actor` may see now.
    pub async fn person_access(
        &self,
        actor: &Actor,
        person_id: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Access> {
        Ok(person_access(
            actor,
            &self.case_facts(actor, person_id, now).await?,
        ))
    }

    /// What `actor` may see of a person's record outside its need-to-know:
    /// the name and who to contact. `None` when there is no such record.
    pub async fn limited_record(&self, person_id: &str) -> CoreResult<Option<LimitedRecord>> {
        let Some(name) = self.store.person_name(person_id).await? else {
            return Ok(None);
        };
        let restriction = self.store.restriction(person_id).await?;
        let teams = match &restriction {
            Some(_) => Vec::new(),
            None => self.store.holding_team_names(person_id).await?,
        };
        Ok(Some(LimitedRecord {
            person_id: person_id.to_string(),
            name: name.full_name(),
            restricted: restriction.is_some(),
            contact: contact_for(restriction.map(|r| r.contact), &teams),
        }))
    }

    /// Turns an access answer into the use case's go-ahead: the basis when
    /// full; otherwise the refusal is audited and returned as
    /// [`CoreError::Limited`] (the record's existence is known to council
    /// case workers) or [`CoreError::NotFound`].
    pub(crate) async fn grant(
        &self,
        actor: &Actor,
        access: Access,
        person_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
        attempted: (&str, &str, Option<String>),
    ) -> CoreResult<Basis> {
        let error = match access {
            Access::Full(basis) => return Ok(basis),
            Access::Limited => match self.limited_record(person_id).await? {
                Some(l) => CoreError::Limited(Box::new(l)),
                None => CoreError::NotFound,
            },
            Access::Hidden => CoreError::NotFound,
        };
        self.refuse(actor, ctx, now, attempted, error).await
    }

    /// Checks `actor` may see a person's case in full; why, if so.
    pub(crate) async fn require_person(
        &self,
        actor: &Actor,
        person_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
        attempted: (&str, &str, Option<String>),
    ) -> CoreResult<Basis> {
        let access = self.person_access(actor, person_id, now).await?;
        self.grant(actor, access, person_id, ctx, now, attempted)
            .await
    }

    /// Checks `actor` may see an enquiry in full (its person's case, or as a
    /// member of its need-to-know team); why, if so.
    pub(crate) async fn require_enquiry(
        &self,
        actor: &Actor,
        enquiry: &EnquiryRow,
        ctx: &Ctx,
        now: OffsetDateTime,
        attempted: (&str, &str, Option<String>),
    ) -> CoreResult<Basis> {
        let facts = self.case_facts(actor, &enquiry.person_id, now).await?;
        let member = self
            .store
            .is_enquiry_member(&enquiry.id, &actor.user_id.to_string())
            .await?;
        let shared = actor.role == Role::Partner
            && !self
                .store
                .shared_parts(&enquiry.id, &actor.agency_id.to_string())
                .await?
                .is_empty();
        let access = enquiry_access(actor, &facts, member, shared);
        self.grant(actor, access, &enquiry.person_id, ctx, now, attempted)
            .await
    }

    /// Whether `actor` may open this enquiry in full, asked without opening
    /// it (nothing is read from it and nothing audited): for deciding
    /// whether to show a reference to it, such as a case discussed in
    /// supervision. Opening it still goes through `require_enquiry`.
    pub(crate) async fn may_open_enquiry(
        &self,
        actor: &Actor,
        enquiry_id: &str,
        now: OffsetDateTime,
    ) -> CoreResult<bool> {
        let Some(enquiry) = self.store.enquiry(enquiry_id).await? else {
            return Ok(false);
        };
        let facts = self.case_facts(actor, &enquiry.person_id, now).await?;
        let member = self
            .store
            .is_enquiry_member(&enquiry.id, &actor.user_id.to_string())
            .await?;
        Ok(matches!(
            enquiry_access(actor, &facts, member, false),
            safeguard_domain::policy::Access::Full(_)
        ))
    }

    /// Opens a record outside `actor`'s need-to-know in an emergency, for
    /// the configured time, giving a reason. The opening is audited, lands
    /// in the managers' review queue and (when an address is configured) the
    /// safeguarding lead is emailed at once — the email names no one.
    pub async fn break_glass(
        &self,
        actor: &Actor,
        person_id: &str,
        reason: &str,
        code: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<BreakGlassRow> {
        self.require_as(
            actor,
            Action::BreakGlass,
            ctx,
            now,
            ("break_glass", "person", Some(person_id.to_string())),
        )
        .await?;
        match self.person_access(actor, person_id, now).await? {
            Access::Limited => {}
            Access::Full(_) | Access::Hidden => return Err(CoreError::NotFound),
        }
        let mut errors = FieldErrors::new();
        let reason = required(
            &mut errors,
            "reason",
            "why you need to open this record now",
            reason,
        );
        let step_up = self.config.break_glass_step_up;
        if step_up && !self.has_second_factor(actor).await? {
            errors.add(
                "code",
                "Set up two-factor sign-in first (Your account, Two-factor sign-in): opening a record in an emergency asks for a fresh code",
            );
        } else if step_up && code.trim().is_empty() {
            errors.add(
                "code",
                "Enter the 6-digit code your authenticator app shows now: opening a record in an emergency asks for a fresh one",
            );
        }
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let minutes = i64::try_from(self.config.break_glass.as_secs() / 60).unwrap_or(60);
        let row = BreakGlassRow {
            id: new_uuid(now)?.to_string(),
            person_id: person_id.to_string(),
            user_id: actor.user_id.to_string(),
            reason,
            opened_at: unix_ms(now),
            expires_at: unix_ms(now) + minutes * 60_000,
            reviewed_by: None,
            reviewed_at: None,
            justified: None,
            finding: None,
        };
        let mut tx = self.store.begin_audited().await?;
        if step_up {
            // The code is checked in the transaction that opens the record:
            // a wrong one is audited and counted, and opens nothing.
            tx = self
                .fresh_code(tx, actor, code, "break-glass", false, ctx, now)
                .await?
                .0;
        }
        tx.insert_break_glass(&row).await?;
        if let Some(to) = &self.config.lead_email {
            tx.queue_email(&EmailRow {
                id: new_uuid(now)?.to_string(),
                created_at: unix_ms(now),
                to_address: to.clone(),
                subject: "A record was opened in an emergency".into(),
                body: "Someone has opened a record outside their allocation in an emergency (break-glass).\n\n\
                       Review it in Safeguard: {PUBLIC_URL}/access/break-glass\n\n\
                       For privacy this email names no one. Please do not reply to it.\n"
                    .into(),
                sent_at: None,
                attempts: 0,
                last_error: None,
            })
            .await?;
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "break_glass",
                "person",
                Some(person_id.to_string()),
                "success",
            )?
            .with_reason("break_glass")
            .with_detail(format!("opening {} for {minutes} minutes", row.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Marks a person's record restricted (or changes the restriction), with
    /// a reason, who to contact, and the usernames (comma or space
    /// separated) who may open it. The manager doing it and the leads of the
    /// person's enquiries are always on the list.
    #[allow(clippy::too_many_arguments)]
    pub async fn restrict_person(
        &self,
        actor: &Actor,
        person_id: &str,
        reason: &str,
        contact: &str,
        usernames: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("restrict", "person", Some(person_id.to_string()));
        self.require_restriction_change(actor, person_id, ctx, now, attempted)
            .await?;
        let mut errors = FieldErrors::new();
        let reason = required(
            &mut errors,
            "reason",
            "why the record is restricted",
            reason,
        );
        let contact = if contact.trim().is_empty() {
            let team = self
                .store
                .user_by_id(&actor.user_id.to_string())
                .await?
                .and_then(|u| u.team_name);
            match team {
                Some(t) => format!("{}, {t}", actor.display_name),
                None => actor.display_name.clone(),
            }
        } else {
            required(&mut errors, "contact", "who to contact", contact)
        };
        let mut users = vec![actor.user_id.to_string()];
        let mut unknown = Vec::new();
        for name in usernames
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            match self.store.user_by_username(name).await? {
                Some(u) if !u.disabled => users.push(u.id),
                _ => unknown.push(name.to_string()),
            }
        }
        if !unknown.is_empty() {
            errors.add(
                "access_list",
                format!("No active account has the username {}", unknown.join(", ")),
            );
        }
        for e in self.store.enquiries_for_person(person_id).await? {
            if let Some(lead) = e.lead_user_id {
                users.push(lead);
            }
        }
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        users.sort();
        users.dedup();
        let mut tx = self.store.begin_audited().await?;
        tx.restrict(
            &RestrictionRow {
                person_id: person_id.to_string(),
                reason,
                contact,
                restricted_by: actor.user_id.to_string(),
                restricted_at: unix_ms(now),
            },
            &users,
        )
        .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "restrict",
                "person",
                Some(person_id.to_string()),
                "success",
            )?
            .with_detail(format!("access list of {}", users.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks `actor` may restrict a record, change its restriction or lift
    /// it: a manager with ordinary access to it (for a restricted record,
    /// on its access list), never through an emergency opening.
    async fn require_restriction_change(
        &self,
        actor: &Actor,
        person_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
        attempted: (&str, &str, Option<String>),
    ) -> CoreResult<()> {
        self.require_as(actor, Action::RestrictRecord, ctx, now, attempted.clone())
            .await?;
        let basis = self
            .require_person(actor, person_id, ctx, now, attempted.clone())
            .await?;
        if may_change_restriction(basis) {
            return Ok(());
        }
        self.refuse(actor, ctx, now, attempted, CoreError::Forbidden)
            .await
    }

    /// Lifts a restriction (a manager on its access list).
    pub async fn lift_restriction(
        &self,
        actor: &Actor,
        person_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("unrestrict", "person", Some(person_id.to_string()));
        self.require_restriction_change(actor, person_id, ctx, now, attempted)
            .await?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.lift_restriction(person_id).await? {
            return Err(CoreError::NotFound);
        }
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "unrestrict",
            "person",
            Some(person_id.to_string()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many emergency openings await a manager's review (for the home page).
    pub async fn break_glass_awaiting(&self, actor: &Actor) -> CoreResult<Option<i64>> {
        if decide(actor, Action::ReviewAccess) == Decision::Deny {
            return Ok(None);
        }
        Ok(Some(self.store.break_glass_awaiting_review().await?))
    }

    /// The break-glass review queue (audited).
    pub async fn break_glass_queue(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<BreakGlassQueue> {
        self.require_as(
            actor,
            Action::ReviewAccess,
            ctx,
            now,
            ("view", "break_glass", None),
        )
        .await?;
        let open = self.store.break_glass_openings(false, 500).await?;
        let reviewed = self.store.break_glass_openings(true, 50).await?;
        self.record(
            Self::event(actor, ctx, now, "view", "break_glass", None, "success")?
                .with_detail(format!("{} open, {} reviewed", open.len(), reviewed.len())),
        )
        .await?;
        Ok(BreakGlassQueue { open, reviewed })
    }

    /// One emergency opening for its reviewer, with what the user did to
    /// the record while it was open (from the audit trail). Audited.
    pub async fn break_glass_review(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(BreakGlassListRow, Vec<AuditEvent>)> {
        self.require_as(
            actor,
            Action::ReviewAccess,
            ctx,
            now,
            ("view", "break_glass", Some(id.to_string())),
        )
        .await?;
        let (Some(row), Some(raw)) = (
            self.store.break_glass_listed(id).await?,
            self.store.break_glass(id).await?,
        ) else {
            return Err(CoreError::NotFound);
        };
        let filter = AuditFilter {
            subject_id: Some(raw.person_id.clone()),
            actor_id: Some(raw.user_id.clone()),
            action: None,
        };
        let events: Vec<AuditEvent> = self
            .store
            .list_audit(&filter, 500)
            .await?
            .into_iter()
            .filter(|e| e.at >= raw.opened_at && e.at <= raw.expires_at)
            .collect();
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "break_glass",
            Some(id.to_string()),
            "success",
        )?)
        .await?;
        Ok((row, events))
    }

    /// Closes a break-glass opening's review with a finding: `justified` is
    /// "yes" or "no"; the finding says why.
    pub async fn review_break_glass(
        &self,
        actor: &Actor,
        id: &str,
        justified: &str,
        finding: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ReviewAccess,
            ctx,
            now,
            ("review", "break_glass", Some(id.to_string())),
        )
        .await?;
        let Some(opening) = self.store.break_glass(id).await? else {
            return Err(CoreError::NotFound);
        };
        let mut errors = FieldErrors::new();
        let justified = match justified {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.add("justified", "Say whether the opening was justified");
                None
            }
        };
        if opening.user_id == actor.user_id.to_string() {
            errors.add(
                "justified",
                "Someone else must review an emergency opening of your own",
            );
        }
        let finding = required(&mut errors, "finding", "your finding", finding);
        let (Some(justified), true) = (justified, errors.is_empty()) else {
            return Err(CoreError::Invalid(errors));
        };
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .review_break_glass(
                id,
                &actor.user_id.to_string(),
                unix_ms(now),
                justified,
                &finding,
            )
            .await?
        {
            return Err(CoreError::Conflict);
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "review",
                "break_glass",
                Some(id.to_string()),
                "success",
            )?
            .with_detail(if justified {
                "justified".to_string()
            } else {
                "not justified".to_string()
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Invites a named user (by username) into one enquiry's need-to-know
    /// team, with a reason: a council colleague from another team, or
    /// partner-agency staff, who may then open that enquiry (only).
    pub async fn invite_to_enquiry(
        &self,
        actor: &Actor,
        enquiry_id: &str,
        username: &str,
        reason: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("invite", "enquiry", Some(enquiry_id.to_string()));
        self.require_as(actor, Action::InviteToEnquiry, ctx, now, attempted.clone())
            .await?;
        let Some(enquiry) = self.store.enquiry(enquiry_id).await? else {
            return Err(CoreError::NotFound);
        };
        self.require_enquiry(actor, &enquiry, ctx, now, attempted)
            .await?;
        let mut errors = FieldErrors::new();
        let user = match self.store.user_by_username(username.trim()).await? {
            Some(u)
                if !u.disabled
                    && matches!(
                        Role::parse(&u.role),
                        Some(Role::Practitioner | Role::Manager | Role::Partner)
                    ) =>
            {
                Some(u)
            }
            _ => {
                errors.add(
                    "member_username",
                    "Enter the username of an active practitioner, manager or partner-agency account",
                );
                None
            }
        };
        let reason = required(
            &mut errors,
            "member_reason",
            "why they need to know",
            reason,
        );
        let (Some(user), true) = (user, errors.is_empty()) else {
            return Err(CoreError::Invalid(errors));
        };
        let mut tx = self.store.begin_audited().await?;
        let added = tx
            .add_enquiry_member(
                enquiry_id,
                &user.id,
                &reason,
                &actor.user_id.to_string(),
                unix_ms(now),
            )
            .await?;
        if added {
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "invite",
                    "enquiry",
                    Some(enquiry_id.to_string()),
                    "success",
                )?
                .with_detail(format!("member {}", user.username)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// People by name or NHS number, for the data protection officer to
    /// pick whose access report or subject access request to produce. The
    /// search is audited like any other.
    pub async fn dpo_find_people(
        &self,
        actor: &Actor,
        query: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<safeguard_domain::person::PersonSummary>> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("search", "person", None),
        )
        .await?;
        let query = safeguard_domain::text::search_query(query);
        if query.trim().is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<_> = self
            .find_people(&query, 50)
            .await?
            .into_iter()
            .map(|f| f.summary)
            .collect();
        let ids: Vec<String> = found.iter().map(|p| p.id.to_string()).collect();
        self.record(
            Self::event(actor, ctx, now, "search", "person", None, "success")?.with_detail(
                format!("data protection: {} results: {}", ids.len(), ids.join(",")),
            ),
        )
        .await?;
        Ok(found)
    }

    /// The person's access report, for the data protection officer to give
    /// the person or their advocate. Producing it is audited (and appears in it).
    pub async fn access_report(
        &self,
        actor: &Actor,
        person_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AccessReport> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("report", "person", Some(person_id.to_string())),
        )
        .await?;
        let Some(name) = self.store.person_name(person_id).await? else {
            return Err(CoreError::NotFound);
        };
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "report",
                "person",
                Some(person_id.to_string()),
                "success",
            )?
            .with_detail("access report"),
        )
        .await?;
        let rows = self.store.audit_about_person(person_id, 100_000).await?;
        // One row per viewing: the events one request wrote for one user (a
        // page that showed the record and its chronology) become the one
        // that says most, with the first basis any of them recorded.
        let groups = safeguard_domain::access_report::viewings(rows, |r| {
            r.request_id.clone().map(|id| (id, r.actor_name.clone()))
        });
        let mut agencies: Vec<String> = Vec::new();
        let mut people: Vec<String> = Vec::new();
        let entries = groups
            .into_iter()
            .filter_map(|g| {
                let reason = g.iter().find_map(|r| r.reason.clone());
                let r = g.into_iter().max_by_key(|r| {
                    (
                        safeguard_domain::access_report::weight(
                            &r.action,
                            &r.subject_type,
                            &r.outcome,
                        ),
                        std::cmp::Reverse(r.seq),
                    )
                })?;
                let agency = r.agency_name.clone().unwrap_or_default();
                if !agency.is_empty() && !agencies.contains(&agency) {
                    agencies.push(agency.clone());
                }
                if !people.contains(&r.actor_name) {
                    people.push(r.actor_name.clone());
                }
                let reason = if r.outcome == "denied" { None } else { reason };
                Some(AccessEntry {
                    at: r.at,
                    who: r
                        .display_name
                        .clone()
                        .unwrap_or_else(|| r.actor_name.clone()),
                    role: Role::parse(&r.actor_role)
                        .map(|x| x.label().to_string())
                        .unwrap_or_else(|| r.actor_role.clone()),
                    agency,
                    what: describe(&EventFacts {
                        action: &r.action,
                        subject_type: &r.subject_type,
                        outcome: &r.outcome,
                        reason: reason.as_deref(),
                    }),
                    why: why(reason.as_deref()).unwrap_or_else(|| {
                        safeguard_domain::access_report::why_else(
                            &r.action,
                            &r.subject_type,
                            &r.actor_role,
                            &r.outcome,
                        )
                    }),
                })
            })
            .collect();
        agencies.sort();
        Ok(AccessReport {
            person_name: name.full_name(),
            entries,
            agencies,
            people: people.len(),
        })
    }

    /// Unusual access over the last days, for managers: many records in one
    /// hour, refusals (opening records outside one's allocation) and
    /// emergency openings, per user. Audited.
    pub async fn unusual_access(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<UnusualAccess>> {
        self.require_as(
            actor,
            Action::ReviewAccess,
            ctx,
            now,
            ("view", "unusual_access", None),
        )
        .await?;
        let since = unix_ms(now) - UNUSUAL_WINDOW_DAYS * 86_400_000;
        let mut out = Vec::new();
        for (_, username, hour, n) in self.store.access_bursts(since, BURST_PER_HOUR).await? {
            out.push(UnusualAccess {
                username,
                finding: format!("opened {n} different records within one hour"),
                at: hour,
            });
        }
        for row in self.store.access_outside(since).await? {
            let (username, refused, glass) = (row.actor_name, row.refused, row.glass);
            if glass >= BREAK_GLASS_FLAG {
                out.push(UnusualAccess {
                    username: username.clone(),
                    finding: format!(
                        "opened {} in an emergency in the last {UNUSUAL_WINDOW_DAYS} days",
                        safeguard_domain::text::count(glass, "record", "records")
                    ),
                    at: row.glass_last.unwrap_or(since),
                });
            }
            if refused > 0 {
                out.push(UnusualAccess {
                    username,
                    finding: format!(
                        "was refused {} outside their allocation in the last {UNUSUAL_WINDOW_DAYS} days",
                        safeguard_domain::text::count(refused, "record", "records")
                    ),
                    at: row.refused_last.unwrap_or(since),
                });
            }
        }
        self.record(
            Self::event(actor, ctx, now, "view", "unusual_access", None, "success")?
                .with_detail(format!("{} findings", out.len())),
        )
        .await?;
        Ok(out)
    }
}
