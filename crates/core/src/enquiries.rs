//! Enquiries led by the person: opening, allocation, the person's desired
//! outcomes in their own words (revisited, with history), and the
//! conclusion proposed by the lead and signed off by a manager.

use safeguard_domain::Actor;
use safeguard_domain::enquiry::{
    EnquiryEvent, EnquiryKind, EnquiryState, RawConclusion, RawOutcome, Recorded,
};
use safeguard_domain::person::iso_date;
use safeguard_domain::policy::{Action, Basis, Decision, decide};
use safeguard_store::Tx;
use safeguard_store::concerns::ChronologyRow;
use safeguard_store::enquiries::{ConclusionRow, EnquiryRow, OutcomeHistoryRow, OutcomeRow};
use time::OffsetDateTime;

use crate::concerns::parse_date;
use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

/// Everything on an enquiry's page.
#[derive(Clone, Debug)]
pub struct EnquiryView {
    /// The enquiry.
    pub enquiry: EnquiryRow,
    /// Its state.
    pub state: EnquiryState,
    /// The person's name.
    pub person_name: String,
    /// The concern's reference.
    pub concern_reference: String,
    /// Desired outcomes, dropped ones too.
    pub outcomes: Vec<OutcomeRow>,
    /// How the outcomes changed, oldest first.
    pub history: Vec<OutcomeHistoryRow>,
    /// The conclusion, once proposed.
    pub conclusion: Option<ConclusionRow>,
    /// The lead's name.
    pub lead_name: Option<String>,
    /// The agency caused to make it.
    pub caused_agency: Option<String>,
    /// The parts the viewer may read: `None` for council case workers (all
    /// of it), the parts shared with a partner's agency otherwise.
    pub parts: Option<Vec<safeguard_domain::sharing::SharedPart>>,
    /// Why the viewer may open it.
    basis: Basis,
    /// Where its other parts are read from, only through the methods below.
    store: safeguard_store::Store,
}

/// What an enquiry recorded that its conclusion carries over: the "were
/// they asked" answer and its capacity assessments' findings.
fn recorded_from(
    e: &EnquiryRow,
    records: &[safeguard_store::enquiries::EnquiryRecordRow],
) -> Recorded {
    let findings: Vec<bool> = capacity_assessments(records)
        .iter()
        .map(|(_, a)| a.lacks_capacity)
        .collect();
    Recorded::new(e.asked.as_deref(), &findings)
}

/// The decision-specific capacity assessments among an enquiry's records,
/// oldest first: (record id, assessment).
pub fn capacity_assessments(
    records: &[safeguard_store::enquiries::EnquiryRecordRow],
) -> Vec<(&str, safeguard_domain::safeguards::CapacityAssessment)> {
    records
        .iter()
        .filter(|r| r.kind == "capacity")
        .filter_map(|r| Some((r.id.as_str(), serde_json::from_str(&r.data).ok()?)))
        .collect()
}

/// The opened enquiry is the capability to read its parts: only
/// [`Safeguard::enquiry_view`] makes one, after the access check and with
/// the view audited, and each part is read through it, filtered to what the
/// viewer may read.
impl EnquiryView {
    /// The people alleged to have caused harm, recorded on the enquiry's
    /// concern (council case workers only: not partners it was shared with).
    pub async fn alleged(&self) -> CoreResult<Vec<safeguard_store::patterns::AllegedRow>> {
        if self.parts.is_some() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .alleged_for_concern(&self.enquiry.concern_id)
            .await?)
    }

    /// The large-scale enquiries this adult's enquiry is part of (council
    /// case workers).
    pub async fn large_scale(
        &self,
    ) -> CoreResult<Vec<safeguard_store::large_scale::LargeScaleRow>> {
        if self.parts.is_some() {
            return Ok(Vec::new());
        }
        Ok(self.store.large_scale_for_enquiry(&self.enquiry.id).await?)
    }

    /// Why the viewer may open it (for the audit trail and the page).
    pub fn basis(&self) -> Basis {
        self.basis
    }

    fn reads(&self, part: safeguard_domain::sharing::SharedPart) -> bool {
        self.parts.as_ref().is_none_or(|ps| ps.contains(&part))
    }

    /// Whether the viewer is council staff with the whole enquiry.
    fn council(&self) -> bool {
        self.parts.is_none()
    }

    /// Its records (advocacy, capacity, consent, risk, meetings,
    /// involvement), oldest first: council staff only.
    pub async fn records(&self) -> CoreResult<Vec<safeguard_store::enquiries::EnquiryRecordRow>> {
        if !self.council() {
            return Ok(Vec::new());
        }
        Ok(self.store.enquiry_records(&self.enquiry.id).await?)
    }

    /// What the conclusion carries over from `records` (read through
    /// [`EnquiryView::records`]).
    pub fn recorded(&self, records: &[safeguard_store::enquiries::EnquiryRecordRow]) -> Recorded {
        recorded_from(&self.enquiry, records)
    }

    /// Its plan's actions, for council staff and partners it was shared with.
    pub async fn actions(&self) -> CoreResult<Vec<safeguard_store::enquiries::PlanActionRow>> {
        if !self.reads(safeguard_domain::sharing::SharedPart::Plan) {
            return Ok(Vec::new());
        }
        Ok(self.store.plan_actions(&self.enquiry.id).await?)
    }

    /// The shares recorded on it: council staff only.
    pub async fn shares(&self) -> CoreResult<Vec<safeguard_store::access::ShareListRow>> {
        if !self.council() {
            return Ok(Vec::new());
        }
        Ok(self.store.shares_for_enquiry(&self.enquiry.id).await?)
    }

    /// Its need-to-know team.
    pub async fn members(&self) -> CoreResult<Vec<safeguard_store::access::NamedUserRow>> {
        Ok(self.store.enquiry_members(&self.enquiry.id).await?)
    }

    /// When it was discussed in supervision, by whom, and the decisions
    /// (never the session's private notes): council staff only.
    pub async fn supervision(
        &self,
    ) -> CoreResult<Vec<safeguard_store::supervision::DiscussionRow>> {
        if !self.council() {
            return Ok(Vec::new());
        }
        Ok(self.store.enquiry_discussions(&self.enquiry.id).await?)
    }

    /// Its conclusions returned for changes, newest first (why, by whom,
    /// when): council staff only.
    pub async fn returns(&self) -> CoreResult<Vec<safeguard_store::enquiries::ReturnRow>> {
        if !self.council() {
            return Ok(Vec::new());
        }
        Ok(self.store.conclusion_returns(&self.enquiry.id).await?)
    }

    /// Its documents, photos and recordings, oldest first: council staff,
    /// and partners it was shared with (when the share names documents).
    pub async fn attachments(
        &self,
    ) -> CoreResult<Vec<safeguard_store::attachments::AttachmentRow>> {
        if !self.reads(safeguard_domain::sharing::SharedPart::Documents) {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .attachments_of("enquiry", &self.enquiry.id)
            .await?)
    }

    /// One of its released attachments, if the viewer may read its files.
    pub(crate) fn attachment(
        &self,
        row: safeguard_store::attachments::AttachmentRow,
    ) -> CoreResult<crate::attachments::Readable> {
        let owned = self.reads(safeguard_domain::sharing::SharedPart::Documents)
            && row.owner_kind == "enquiry"
            && row.owner_id == self.enquiry.id;
        crate::attachments::readable_if(row, owned)
    }

    /// The person's feedback on it: council staff only.
    pub async fn feedback(&self) -> CoreResult<Vec<safeguard_store::enquiries::FeedbackRow>> {
        if !self.council() {
            return Ok(Vec::new());
        }
        Ok(self.store.feedback(&self.enquiry.id).await?)
    }
}

impl Safeguard {
    /// Opens an enquiry for a person from a concern's triage decision, in
    /// the decision's transaction.
    pub(crate) async fn open_enquiry(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        concern_id: &str,
        person_id: &str,
        kind: EnquiryKind,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let id = new_uuid(now)?.to_string();
        tx.insert_enquiry(&EnquiryRow {
            id: id.clone(),
            concern_id: concern_id.into(),
            person_id: person_id.into(),
            kind: kind.code().into(),
            state: EnquiryState::Open.code().into(),
            lead_user_id: None,
            caused_agency_id: None,
            started_on: iso_date(self.today(now)),
            asked: None,
            created_at: unix_ms(now),
            next_review_on: None,
        })
        .await?;
        tx.add_chronology(&ChronologyRow {
            id: new_uuid(now)?.to_string(),
            person_id: person_id.into(),
            at: unix_ms(now),
            kind: "enquiry".into(),
            summary: format!("{} opened", kind.label()),
            actor_name: actor.display_name.clone(),
            concern_id: Some(concern_id.into()),
        })
        .await?;
        Ok(id)
    }

    pub(crate) async fn enquiry_for(
        &self,
        actor: &Actor,
        id: &str,
        action: Action,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<EnquiryRow> {
        Ok(self.enquiry_and_basis(actor, id, action, ctx, now).await?.0)
    }

    /// As `enquiry_for`, with why the actor may see it (for the audit trail).
    /// Members of an enquiry's need-to-know team (partner staff included)
    /// may see it; working on it still takes the action's permission.
    async fn enquiry_and_basis(
        &self,
        actor: &Actor,
        id: &str,
        action: Action,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(EnquiryRow, Basis)> {
        let verb = if action == Action::ViewEnquiries {
            "view"
        } else {
            "update"
        };
        let Some(enquiry) = self.store.enquiry(id).await? else {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    (verb, "enquiry", Some(id.into())),
                    CoreError::NotFound,
                )
                .await;
        };
        let basis = self
            .require_enquiry(
                actor,
                &enquiry,
                ctx,
                now,
                (verb, "enquiry", Some(id.into())),
            )
            .await?;
        if action != Action::ViewEnquiries && decide(actor, action) == Decision::Deny {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "enquiry", Some(id.into())),
                    CoreError::Forbidden,
                )
                .await;
        }
        Ok((enquiry, basis))
    }

    fn state_of(e: &EnquiryRow) -> CoreResult<EnquiryState> {
        EnquiryState::parse(&e.state).ok_or_else(|| CoreError::Internal("bad enquiry state".into()))
    }

    /// Enquiries in a state (all when `None`), oldest first.
    pub async fn enquiry_list(
        &self,
        actor: &Actor,
        state: Option<EnquiryState>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<(EnquiryRow, String)>> {
        self.require_as(
            actor,
            Action::ViewEnquiries,
            ctx,
            now,
            ("view", "enquiry", None),
        )
        .await?;
        let viewer = Self::viewer(actor, now);
        let rows = self
            .store
            .enquiries(state.map(|s| s.code()), Some(&viewer), 500)
            .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.person_id.clone()).collect();
        let names: std::collections::HashMap<String, String> =
            self.store.person_names(&ids).await?.into_iter().collect();
        let out: Vec<(EnquiryRow, String)> = rows
            .into_iter()
            .map(|r| {
                let name = names.get(&r.person_id).cloned().unwrap_or_default();
                (r, name)
            })
            .collect();
        if !out.is_empty() {
            self.record(
                Self::event(actor, ctx, now, "view", "enquiry", None, "success")?
                    .with_detail(format!("list of {}", out.len())),
            )
            .await?;
        }
        Ok(out)
    }

    /// Refuses the part of an opened enquiry a partner agency was not
    /// shown (its page of safeguards, meetings or the team): audited as a
    /// denial, and answered as not found, as a hidden record is.
    pub async fn refuse_enquiry_part(
        &self,
        actor: &Actor,
        view: &EnquiryView,
        part: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreError {
        let attempted = (
            "view",
            "enquiry",
            Some(format!("{}#{part}", view.enquiry.id)),
        );
        match self
            .refuse::<()>(actor, ctx, now, attempted, CoreError::NotFound)
            .await
        {
            Err(e) => e,
            Ok(()) => CoreError::NotFound,
        }
    }

    /// An enquiry's page (the view is audited).
    pub async fn enquiry_view(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<EnquiryView> {
        let (enquiry, basis) = self
            .enquiry_and_basis(actor, id, Action::ViewEnquiries, ctx, now)
            .await?;
        let state = Self::state_of(&enquiry)?;
        let person_name = match enquiry.person_id.parse() {
            Ok(pid) => self
                .store
                .find_person(safeguard_domain::PersonScope::All, pid)
                .await?
                .map(|p| p.details.full_name()),
            Err(_) => None,
        }
        .unwrap_or_default();
        let concern_reference = self
            .store
            .concern(
                &safeguard_store::concerns::ConcernScope::All,
                &enquiry.concern_id,
            )
            .await?
            .map(|c| c.reference)
            .unwrap_or_default();
        let lead_name = match &enquiry.lead_user_id {
            Some(u) => self.store.user_by_id(u).await?.map(|u| u.display_name),
            None => None,
        };
        let caused_agency = match &enquiry.caused_agency_id {
            Some(a) => self
                .store
                .list_agencies()
                .await?
                .into_iter()
                .find(|x| &x.id == a)
                .map(|x| x.name),
            None => None,
        };
        // Partner staff read only the parts shared with them.
        let parts = self.readable_parts(actor, id).await?;
        let reads = |p: safeguard_domain::sharing::SharedPart| {
            parts.as_ref().is_none_or(|ps| ps.contains(&p))
        };
        let (outcomes, history) = if reads(safeguard_domain::sharing::SharedPart::Outcomes) {
            (
                self.store.outcomes(id).await?,
                self.store.outcome_history(id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let conclusion = if reads(safeguard_domain::sharing::SharedPart::Conclusion) {
            self.store.conclusion(id).await?
        } else {
            None
        };
        self.record_view(actor, ctx, now, "enquiry", id.into(), basis)
            .await?;
        Ok(EnquiryView {
            enquiry,
            state,
            person_name,
            concern_reference,
            outcomes,
            history,
            conclusion,
            lead_name,
            caused_agency,
            parts,
            basis,
            store: self.store.clone(),
        })
    }

    /// Allocates the lead (a council practitioner or manager, by username),
    /// or causes the enquiry to be made by a partner agency (by name); the
    /// council keeps oversight either way.
    pub async fn allocate_enquiry(
        &self,
        actor: &Actor,
        id: &str,
        allocation: Allocation<'_>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let Allocation {
            lead,
            agency,
            competence_reason,
        } = allocation;
        let e = self
            .enquiry_for(actor, id, Action::SignOffEnquiry, ctx, now)
            .await?;
        if Self::state_of(&e)? == EnquiryState::Concluded {
            return Err(invalid(
                "lead",
                "The enquiry is concluded and cannot change",
            ));
        }
        let lead_id = match lead.trim() {
            "" => None,
            name => {
                let u = self.store.user_by_username(&name.to_lowercase()).await?;
                match u {
                    Some(u) if crate::accounts::council_case_worker(&u) => Some(u),
                    _ => return Err(invalid("lead", "Choose a council practitioner or manager")),
                }
            }
        };
        let agency_id = match agency.trim() {
            "" => None,
            name => match self
                .store
                .list_agencies()
                .await?
                .into_iter()
                .find(|a| !a.is_owner && a.name.eq_ignore_ascii_case(name))
            {
                Some(a) => Some(a.id),
                None => return Err(invalid("agency", "Choose a partner agency")),
            },
        };
        if lead_id.is_none() && agency_id.is_none() {
            return Err(invalid(
                "lead",
                "Choose an enquiry lead, or a partner agency to make the enquiry",
            ));
        }
        // A lead without the required current competence needs the manager's reason.
        let competence = match &lead_id {
            Some(u) => {
                self.lead_competence(actor, id, &u.id, &u.display_name, competence_reason, now)
                    .await?
            }
            None => None,
        };
        let lead_id = lead_id.map(|u| u.id);
        let mut tx = self.store.begin_audited().await?;
        tx.allocate(id, lead_id.as_deref(), agency_id.as_deref())
            .await?;
        if let Some(o) = &competence {
            tx.insert_competence_override(o).await?;
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "enquiry",
                Some(id.into()),
                "success",
            )?
            .with_detail(if competence.is_some() {
                "allocated without the required competence"
            } else {
                "allocated"
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revise(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<EnquiryRow> {
        let e = self
            .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        Self::state_of(&e)?
            .apply(EnquiryEvent::ReviseOutcomes)
            .map_err(|m| invalid("text", m))?;
        Ok(e)
    }

    /// Records whether the person (or their representative) was asked what
    /// they want to happen (SG4a part 1).
    pub async fn set_asked(
        &self,
        actor: &Actor,
        id: &str,
        asked: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.revise(actor, id, ctx, now).await?;
        let a = safeguard_domain::enquiry::Asked::parse(asked.trim())
            .ok_or_else(|| invalid("asked", "Select whether they were asked"))?;
        let mut tx = self.store.begin_audited().await?;
        tx.set_asked(id, a.code()).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "enquiry",
                Some(id.into()),
                "success",
            )?
            .with_detail(format!("asked {}", a.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a desired outcome in the person's own words.
    pub async fn add_outcome(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawOutcome,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let e = self.revise(actor, id, ctx, now).await?;
        let o = raw.parse().map_err(CoreError::Invalid)?;
        let position = self.store.outcomes(id).await?.len() as i32;
        let oid = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_outcome(&OutcomeRow {
            id: oid.clone(),
            enquiry_id: id.into(),
            position,
            text: o.text.clone(),
            expressed_by: o.expressed_by.code().into(),
            representative: o.representative.clone(),
            expressed_on: iso_date(self.today(now)),
            active: true,
            achievement: None,
            comment: None,
        })
        .await?;
        tx.set_asked(id, safeguard_domain::enquiry::Asked::YesExpressed.code())
            .await?;
        self.outcome_history(
            &mut tx,
            actor,
            &e,
            &oid,
            "added",
            &format!("Desired outcome added: “{}”", o.text),
            &o.text,
            now,
        )
        .await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "update",
            "enquiry",
            Some(id.into()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(oid)
    }

    /// Keeps a change to a desired outcome in its history, and on the
    /// person's chronology as `line`.
    #[allow(clippy::too_many_arguments)]
    async fn outcome_history(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        e: &EnquiryRow,
        outcome_id: &str,
        change: &str,
        line: &str,
        text: &str,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        tx.insert_outcome_history(&OutcomeHistoryRow {
            id: new_uuid(now)?.to_string(),
            outcome_id: outcome_id.into(),
            at: unix_ms(now),
            by_name: actor.display_name.clone(),
            change: change.into(),
            text: text.into(),
        })
        .await?;
        tx.add_chronology(&ChronologyRow {
            id: new_uuid(now)?.to_string(),
            person_id: e.person_id.clone(),
            at: unix_ms(now),
            kind: "outcome".into(),
            summary: line.into(),
            actor_name: actor.display_name.clone(),
            concern_id: Some(e.concern_id.clone()),
        })
        .await?;
        Ok(())
    }

    /// Rewords a desired outcome (the earlier words stay in the history).
    pub async fn reword_outcome(
        &self,
        actor: &Actor,
        id: &str,
        outcome_id: &str,
        text: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let e = self.revise(actor, id, ctx, now).await?;
        let o = RawOutcome {
            text: Some(text.into()),
            ..RawOutcome::default()
        }
        .parse()
        .map_err(CoreError::Invalid)?;
        let before = self
            .store
            .outcomes(id)
            .await?
            .into_iter()
            .find(|x| x.id == outcome_id)
            .map(|x| x.text)
            .ok_or(CoreError::NotFound)?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.reword_outcome(id, outcome_id, &o.text).await? {
            return Err(CoreError::NotFound);
        }
        self.outcome_history(
            &mut tx,
            actor,
            &e,
            outcome_id,
            "reworded",
            &format!("Desired outcome reworded: “{before}” is now “{}”", o.text),
            &o.text,
            now,
        )
        .await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "update",
            "enquiry",
            Some(id.into()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops a desired outcome the person no longer wants (kept in the history).
    pub async fn drop_outcome(
        &self,
        actor: &Actor,
        id: &str,
        outcome_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let e = self.revise(actor, id, ctx, now).await?;
        let text = self
            .store
            .outcomes(id)
            .await?
            .into_iter()
            .find(|o| o.id == outcome_id)
            .map(|o| o.text)
            .ok_or(CoreError::NotFound)?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.drop_outcome(id, outcome_id).await? {
            return Err(CoreError::NotFound);
        }
        self.outcome_history(
            &mut tx,
            actor,
            &e,
            outcome_id,
            "dropped",
            &format!("Desired outcome no longer wanted: “{text}”"),
            &text,
            now,
        )
        .await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "update",
            "enquiry",
            Some(id.into()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the enquiry already recorded that its conclusion carries over.
    pub(crate) async fn recorded_answers(&self, e: &EnquiryRow) -> CoreResult<Recorded> {
        Ok(recorded_from(e, &self.store.enquiry_records(&e.id).await?))
    }

    /// The lead proposes the conclusion; the domain checks it against the
    /// SAC rules and the person's outcomes.
    pub async fn propose_conclusion(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawConclusion,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let e = self
            .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        let next = Self::state_of(&e)?
            .apply(EnquiryEvent::ProposeConclusion)
            .map_err(|m| invalid("action_result", m))?;
        let active: Vec<String> = self
            .store
            .outcomes(id)
            .await?
            .into_iter()
            .filter(|o| o.active)
            .map(|o| o.id)
            .collect();
        let recorded = self.recorded_answers(&e).await?;
        let c = raw
            .parse_with(
                &active,
                parse_date(&e.started_on),
                self.today(now),
                &recorded,
            )
            .map_err(CoreError::Invalid)?;
        if let Some(p) = &c.provider_id
            && self.store.provider(p).await?.is_none()
        {
            return Err(invalid("provider_id", "Choose a provider that exists"));
        }
        let join = |v: Vec<&str>| v.join(",");
        let mut tx = self.store.begin_audited().await?;
        if !tx.move_enquiry(id, e.state.as_str(), next.code()).await? {
            return Err(CoreError::Conflict);
        }
        tx.put_conclusion(&ConclusionRow {
            enquiry_id: id.into(),
            risk_types: join(c.risk_types.iter().map(|t| t.code()).collect()),
            locations: join(c.locations.iter().map(|t| t.code()).collect()),
            sources: join(c.sources.iter().map(|t| t.code()).collect()),
            provider_id: c.provider_id.clone(),
            action_result: c.action_result.code().into(),
            risk_outcome: c.risk_outcome.map(|r| r.code().into()),
            capacity: c.capacity.code().into(),
            capacity_support: c.capacity_support,
            asked: c.asked.code().into(),
            achievement: safeguard_domain::sac::enquiry_achievement(
                &c.achievements
                    .iter()
                    .map(|(_, a, _)| *a)
                    .collect::<Vec<_>>(),
            )
            .map(|a| a.code().into()),
            concluded_on: iso_date(c.concluded_on),
            proposed_by: actor.user_id.to_string(),
            proposed_at: unix_ms(now),
            signed_off_by: None,
            signed_off_at: None,
            change_reason: c.change_reason.clone(),
        })
        .await?;
        if let Some(reason) = &c.change_reason {
            tx.add_chronology(&ChronologyRow {
                id: new_uuid(now)?.to_string(),
                person_id: e.person_id.clone(),
                at: unix_ms(now),
                kind: "enquiry".into(),
                summary: format!(
                    "Conclusion differs from what the enquiry recorded ({}): {reason}",
                    c.changed.join("; ")
                ),
                actor_name: actor.display_name.clone(),
                concern_id: Some(e.concern_id.clone()),
            })
            .await?;
        }
        tx.set_asked(id, c.asked.code()).await?;
        for (oid, a, comment) in &c.achievements {
            tx.set_achievement(oid, Some(a.code()), comment.as_deref())
                .await?;
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "enquiry",
                Some(id.into()),
                "success",
            )?
            .with_detail("conclusion proposed"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A manager signs the conclusion off (the enquiry is then concluded) or
    /// returns it for more work, saying what needs to change: the lead sees
    /// it on their home page and the enquiry (and by email when they have an
    /// address), the chronology notes it, and what they proposed stays to be
    /// changed rather than typed again.
    pub async fn sign_off_enquiry(
        &self,
        actor: &Actor,
        id: &str,
        approve: bool,
        reason: &Option<String>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let e = self
            .enquiry_for(actor, id, Action::SignOffEnquiry, ctx, now)
            .await?;
        let reason = if approve {
            None
        } else {
            let mut errors = safeguard_domain::validation::FieldErrors::new();
            let r = safeguard_domain::text::required_field(
                &mut errors,
                "return_reason",
                "what needs to change",
                reason,
                2000,
                true,
            );
            if !errors.is_empty() {
                return Err(CoreError::Invalid(errors));
            }
            Some(r)
        };
        let event = if approve {
            EnquiryEvent::SignOff
        } else {
            EnquiryEvent::ReturnForChanges
        };
        let next = Self::state_of(&e)?
            .apply(event)
            .map_err(|m| invalid("sign_off", m))?;
        let conclusion = self
            .store
            .conclusion(id)
            .await?
            .ok_or_else(|| invalid("sign_off", "There is no proposed conclusion"))?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.move_enquiry(id, e.state.as_str(), next.code()).await? {
            return Err(CoreError::Conflict);
        }
        if let Some(reason) = &reason {
            tx.insert_conclusion_return(
                &new_uuid(now)?.to_string(),
                id,
                reason,
                &actor.user_id.to_string(),
                unix_ms(now),
            )
            .await?;
            tx.add_chronology(&ChronologyRow {
                id: new_uuid(now)?.to_string(),
                person_id: e.person_id.clone(),
                at: unix_ms(now),
                kind: "enquiry".into(),
                summary: format!("Conclusion returned for changes: {reason}"),
                actor_name: actor.display_name.clone(),
                concern_id: Some(e.concern_id.clone()),
            })
            .await?;
            if let Some(lead) = &e.lead_user_id
                && let Some(u) = self.store.user_by_id(lead).await?
                && let Some(to) = u.email.clone()
            {
                tx.queue_email(&safeguard_store::concerns::EmailRow {
                    id: new_uuid(now)?.to_string(),
                    created_at: unix_ms(now),
                    to_address: to,
                    subject: "A conclusion was returned for changes".into(),
                    body: format!(
                        "Hello {},\n\nA manager returned the conclusion of an enquiry you lead, \
                         saying what needs to change. See it at {{PUBLIC_URL}}/enquiries/{id}\n",
                        u.display_name
                    ),
                    sent_at: None,
                    attempts: 0,
                    last_error: None,
                })
                .await?;
            }
        }
        if approve {
            tx.sign_off(id, &actor.user_id.to_string(), unix_ms(now))
                .await?;
            let result = safeguard_domain::enquiry::ActionResult::parse(&conclusion.action_result)
                .map(|a| a.label())
                .unwrap_or("");
            tx.add_chronology(&ChronologyRow {
                id: new_uuid(now)?.to_string(),
                person_id: e.person_id.clone(),
                at: unix_ms(now),
                kind: "enquiry".into(),
                summary: format!("Enquiry concluded and signed off: {result}"),
                actor_name: actor.display_name.clone(),
                concern_id: Some(e.concern_id.clone()),
            })
            .await?;
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                if approve { "sign_off" } else { "return" },
                "enquiry",
                Some(id.into()),
                "success",
            )?
            .with_detail(if approve {
                "signed off"
            } else {
                "returned for changes"
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A case on the lead's home page.
#[derive(Clone, Debug)]
pub struct WorkCase {
    /// The enquiry.
    pub id: String,
    /// The person's name.
    pub person: String,
    /// Open or waiting for sign-off.
    pub state: EnquiryState,
    /// The next review, `YYYY-MM-DD`.
    pub next_review: Option<String>,
    /// The review date has passed.
    pub review_overdue: bool,
}

/// A plan action due soon or overdue on one of the lead's cases.
#[derive(Clone, Debug)]
pub struct WorkAction {
    /// The enquiry.
    pub enquiry_id: String,
    /// The person's name.
    pub person: String,
    /// What.
    pub description: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// The date has passed.
    pub overdue: bool,
}

/// What a practitioner's or manager's home page lists.
#[derive(Clone, Debug, Default)]
pub struct WorkList {
    /// The enquiries the user leads that are not concluded.
    pub mine: Vec<WorkCase>,
    /// Plan actions on them due within a week or overdue.
    pub actions: Vec<WorkAction>,
    /// Conclusions waiting for sign-off (managers).
    pub awaiting: Vec<(String, String)>,
    /// Enquiries with no lead and no partner agency (managers).
    pub to_allocate: Vec<(String, String, String)>,
}

impl Safeguard {
    /// What the user's home page lists: their cases with reviews, actions
    /// due, and for managers the conclusions to sign off and enquiries to
    /// allocate. One audited view of the list.
    pub async fn work_list(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<WorkList> {
        if decide(actor, Action::ViewEnquiries) != Decision::Allow {
            return Ok(WorkList::default());
        }
        let viewer = Self::viewer(actor, now);
        let mut rows = self
            .store
            .enquiries(Some(EnquiryState::Open.code()), Some(&viewer), 500)
            .await?;
        rows.extend(
            self.store
                .enquiries(
                    Some(EnquiryState::AwaitingSignOff.code()),
                    Some(&viewer),
                    500,
                )
                .await?,
        );
        let ids: Vec<String> = rows.iter().map(|r| r.person_id.clone()).collect();
        let names: std::collections::HashMap<String, String> =
            self.store.person_names(&ids).await?.into_iter().collect();
        let name = |e: &EnquiryRow| names.get(&e.person_id).cloned().unwrap_or_default();
        let me = actor.user_id.to_string();
        let today = self.today(now);
        let manager = decide(actor, Action::SignOffEnquiry) == Decision::Allow;
        let mut w = WorkList::default();
        for e in &rows {
            let state = Self::state_of(e)?;
            if e.lead_user_id.as_deref() == Some(me.as_str()) {
                w.mine.push(WorkCase {
                    id: e.id.clone(),
                    person: name(e),
                    state,
                    review_overdue: e
                        .next_review_on
                        .as_deref()
                        .and_then(safeguard_domain::person::parse_iso_date)
                        .is_some_and(|d| d < today),
                    next_review: e.next_review_on.clone(),
                });
            }
            if manager && state == EnquiryState::AwaitingSignOff {
                w.awaiting.push((e.id.clone(), name(e)));
            }
            if manager
                && state == EnquiryState::Open
                && e.lead_user_id.is_none()
                && e.caused_agency_id.is_none()
            {
                w.to_allocate
                    .push((e.id.clone(), name(e), e.started_on.clone()));
            }
        }
        let week = iso_date(today + time::Duration::days(7));
        let people: std::collections::HashMap<&str, &str> = w
            .mine
            .iter()
            .map(|c| (c.id.as_str(), c.person.as_str()))
            .collect();
        w.actions = self
            .store
            .actions_due_for(&me, &week)
            .await?
            .into_iter()
            .filter_map(|(eid, description, due_on)| {
                let person = people.get(eid.as_str())?.to_string();
                Some(WorkAction {
                    overdue: safeguard_domain::person::parse_iso_date(&due_on)
                        .is_some_and(|d| d < today),
                    enquiry_id: eid,
                    person,
                    description,
                    due_on,
                })
            })
            .collect();
        let shown = w.mine.len() + w.awaiting.len() + w.to_allocate.len();
        if shown > 0 {
            self.record(
                Self::event(actor, ctx, now, "view", "enquiry", None, "success")?
                    .with_detail(format!("work list of {shown}")),
            )
            .await?;
        }
        Ok(w)
    }

    /// The conclusions returned to `actor` that wait for them (the home
    /// page): enquiries they lead, the latest reason each.
    pub async fn returned_conclusions(
        &self,
        actor: &Actor,
    ) -> CoreResult<Vec<safeguard_store::enquiries::ReturnedRow>> {
        if decide(actor, Action::WorkOnEnquiry) != Decision::Allow {
            return Ok(Vec::new());
        }
        Ok(self.store.returned_to(&actor.user_id.to_string()).await?)
    }
}

/// An allocation as asked for: the lead (a username) or a partner agency
/// (by name), and why a lead without the required current competence is
/// allocated anyway.
#[derive(Clone, Copy, Debug, Default)]
pub struct Allocation<'a> {
    /// The lead's username; blank for none.
    pub lead: &'a str,
    /// A partner agency caused to make the enquiry; blank for none.
    pub agency: &'a str,
    /// The manager's reason, needed when the lead lacks the level.
    pub competence_reason: &'a str,
}

/// A record to add to an enquiry.
#[derive(Clone, Debug)]
pub enum EnquiryRecordInput {
    /// The Care Act s68 advocacy check.
    Advocacy(safeguard_domain::safeguards::RawAdvocacy),
    /// A mental capacity assessment (with best interests when capacity is lacking).
    Capacity(safeguard_domain::safeguards::RawCapacity),
    /// Consent.
    Consent(safeguard_domain::safeguards::RawConsent),
    /// A risk assessment from the person's view, with any positive risk-taking agreement.
    Risk(safeguard_domain::plan::RawRisk),
    /// A strategy discussion, meeting or review.
    Meeting(safeguard_domain::plan::RawMeeting),
    /// Who the person wants involved or excluded, and how their communication needs were honoured.
    Involvement(safeguard_domain::plan::RawInvolvement),
}

impl Safeguard {
    /// The capacity assessment with record id `record_id` on an enquiry,
    /// for a consent decision that names it; none named, none. A name that
    /// is not one of the enquiry's capacity assessments is a field error.
    pub(crate) async fn capacity_assessment(
        &self,
        enquiry_id: &str,
        record_id: Option<&str>,
    ) -> CoreResult<Option<safeguard_domain::safeguards::CapacityAssessment>> {
        let Some(rid) = record_id.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let records = self.store.enquiry_records(enquiry_id).await?;
        capacity_assessments(&records)
            .into_iter()
            .find(|(id, _)| *id == rid)
            .map(|(_, a)| Some(a))
            .ok_or_else(|| {
                invalid(
                    "capacity_id",
                    "Choose a capacity assessment recorded on this enquiry",
                )
            })
    }

    /// Adds an advocacy check, capacity assessment or consent record to an
    /// open enquiry, validated by the domain; capacity conclusions and
    /// consent go on the person's chronology too.
    pub async fn add_enquiry_record(
        &self,
        actor: &Actor,
        id: &str,
        input: &EnquiryRecordInput,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let e = self
            .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        Self::state_of(&e)?
            .apply(EnquiryEvent::ReviseOutcomes)
            .map_err(|m| invalid("record", m))?;
        let today = self.today(now);
        let mut next_review = None;
        let (kind, data, line) = match input {
            EnquiryRecordInput::Meeting(raw) => {
                let m = raw.parse(today).map_err(CoreError::Invalid)?;
                next_review = m.next_review_on;
                let line = match m.next_review_on {
                    Some(d) => format!(
                        "{} held on {}; next review {}",
                        m.kind.label(),
                        safeguard_domain::dates::long_date(m.held_on),
                        safeguard_domain::dates::long_date(d)
                    ),
                    None => format!(
                        "{} held on {}",
                        m.kind.label(),
                        safeguard_domain::dates::long_date(m.held_on)
                    ),
                };
                ("meeting", to_json(&m)?, Some(line))
            }
            EnquiryRecordInput::Involvement(raw) => {
                let i = raw.parse().map_err(CoreError::Invalid)?;
                ("involvement", to_json(&i)?, None)
            }
            EnquiryRecordInput::Advocacy(raw) => {
                let a = raw.parse(today).map_err(CoreError::Invalid)?;
                let line = if a.advocate_required {
                    "Advocacy check: an independent advocate is required"
                } else {
                    "Advocacy check: no independent advocate required"
                };
                ("advocacy", to_json(&a)?, Some(line.to_string()))
            }
            EnquiryRecordInput::Capacity(raw) => {
                let c = raw.parse(today).map_err(CoreError::Invalid)?;
                let line = format!(
                    "Capacity assessment about \"{}\": {}",
                    c.decision,
                    if c.lacks_capacity {
                        "lacks capacity for this decision; best-interests decision recorded"
                    } else {
                        "has capacity for this decision"
                    }
                );
                ("capacity", to_json(&c)?, Some(line))
            }
            EnquiryRecordInput::Risk(raw) => {
                let r = raw.parse(today).map_err(CoreError::Invalid)?;
                let line = match &r.agreement {
                    Some((_, review)) => format!(
                        "Risk assessed: \"{}\"; positive risk-taking agreement, review on {}",
                        r.risk,
                        safeguard_domain::dates::long_date(*review)
                    ),
                    None => format!("Risk assessed: \"{}\"", r.risk),
                };
                ("risk", to_json(&r)?, Some(line))
            }
            EnquiryRecordInput::Consent(raw) => {
                let assessment = self
                    .capacity_assessment(id, raw.capacity_id.as_deref())
                    .await?;
                let c = raw
                    .parse_with(today, assessment.as_ref())
                    .map_err(CoreError::Invalid)?;
                let mut line = format!(
                    "Consent to {}: {}",
                    c.subject.label().to_lowercase(),
                    c.status.label().to_lowercase()
                );
                if let Some(a) = assessment.filter(|_| c.capacity_id.is_some()) {
                    line.push_str(&format!(
                        " (capacity assessment about \"{}\": {})",
                        a.decision,
                        if a.lacks_capacity {
                            "lacks capacity"
                        } else {
                            "has capacity"
                        }
                    ));
                }
                ("consent", to_json(&c)?, Some(line))
            }
        };
        let rid = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_enquiry_record(&safeguard_store::enquiries::EnquiryRecordRow {
            id: rid.clone(),
            enquiry_id: id.into(),
            kind: kind.into(),
            data,
            at: unix_ms(now),
            by_user: actor.user_id.to_string(),
            by_name: actor.display_name.clone(),
        })
        .await?;
        if let Some(d) = next_review {
            tx.set_next_review(id, &iso_date(d)).await?;
        }
        if let Some(line) = line {
            tx.add_chronology(&ChronologyRow {
                id: new_uuid(now)?.to_string(),
                person_id: e.person_id.clone(),
                at: unix_ms(now),
                kind: kind.into(),
                summary: line,
                actor_name: actor.display_name.clone(),
                concern_id: Some(e.concern_id.clone()),
            })
            .await?;
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "enquiry_record",
                Some(id.into()),
                "success",
            )?
            .with_detail(kind),
        )
        .await?;
        tx.commit().await?;
        Ok(rid)
    }
}

/// Serialises a validated record for storage.
fn to_json<T: serde::Serialize>(v: &T) -> CoreResult<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Internal(format!("record: {e}")))
}

impl Safeguard {
    /// Adds an action to the safeguarding plan (with the less restrictive options considered).
    pub async fn add_plan_action(
        &self,
        actor: &Actor,
        id: &str,
        raw: &safeguard_domain::plan::RawAction,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let e = self
            .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        Self::state_of(&e)?
            .apply(EnquiryEvent::ReviseOutcomes)
            .map_err(|m| invalid("description", m))?;
        let a = raw.parse().map_err(CoreError::Invalid)?;
        if let Some(o) = &a.outcome_id
            && !self
                .store
                .outcomes(id)
                .await?
                .iter()
                .any(|x| &x.id == o && x.active)
        {
            return Err(invalid(
                "outcome_id",
                "Choose one of the person's desired outcomes",
            ));
        }
        let person_name = self
            .store
            .person_name(&e.person_id)
            .await?
            .map(|n| n.full_name())
            .unwrap_or_default();
        let owner = self.resolve_action_owner(&a.owner, &person_name).await?;
        let aid = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_plan_action(&safeguard_store::enquiries::PlanActionRow {
            id: aid.clone(),
            enquiry_id: id.into(),
            description: a.description.clone(),
            owner: owner.label.clone(),
            owner_user_id: owner.user_id.clone(),
            owner_agency_id: owner.agency_id.clone(),
            due_on: iso_date(a.due_on),
            status: safeguard_domain::plan::ActionStatus::Planned.code().into(),
            outcome_id: a.outcome_id.clone(),
            less_restrictive: a.less_restrictive.clone(),
            created_at: unix_ms(now),
            created_by: actor.user_id.to_string(),
            updated_at: unix_ms(now),
        })
        .await?;
        tx.add_chronology(&ChronologyRow {
            id: new_uuid(now)?.to_string(),
            person_id: e.person_id.clone(),
            at: unix_ms(now),
            kind: "plan".into(),
            summary: format!(
                "Plan action agreed: {} ({}, due {})",
                a.description,
                owner.label,
                safeguard_domain::dates::long_date(a.due_on)
            ),
            actor_name: actor.display_name.clone(),
            concern_id: Some(e.concern_id.clone()),
        })
        .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "plan_action",
                Some(id.into()),
                "success",
            )?
            .with_detail(aid.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(aid)
    }

    /// Moves a plan action on (planned, in progress, done, cancelled): those
    /// who work on the enquiry, or the action's owner (see
    /// [`Safeguard::update_owned_action`]).
    pub async fn set_plan_action_status(
        &self,
        actor: &Actor,
        id: &str,
        action_id: &str,
        status: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let action = self
            .store
            .plan_action(action_id)
            .await?
            .filter(|a| a.enquiry_id == id);
        if let Some(a) = &action
            && safeguard_domain::policy::owns_action(
                actor,
                a.owner_user_id.as_deref(),
                a.owner_agency_id.as_deref(),
            )
        {
            return self.move_owned_action(actor, a, status, ctx, now).await;
        }
        let e = self
            .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        let a = action.ok_or(CoreError::NotFound)?;
        self.move_action_on(actor, &e, &a, status, ctx, now).await
    }

    /// How many enquiry reviews are overdue (for case workers' home pages).
    pub async fn overdue_reviews(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> CoreResult<Option<i64>> {
        if decide(actor, Action::ViewEnquiries) == Decision::Deny {
            return Ok(None);
        }
        Ok(Some(
            self.store
                .overdue_reviews(&iso_date(self.today(now)))
                .await?,
        ))
    }

    /// How many plan actions are overdue (for case workers' home pages).
    pub async fn overdue_plan_actions(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> CoreResult<Option<i64>> {
        if decide(actor, Action::ViewEnquiries) == Decision::Deny {
            return Ok(None);
        }
        Ok(Some(
            self.store
                .overdue_actions(&iso_date(self.today(now)))
                .await?,
        ))
    }
}

/// How long a one-time feedback link lasts: the MSP outcomes framework asks
/// within 8 weeks of closure.
const FEEDBACK_LINK_DAYS: i64 = 56;
const FEEDBACK_QUESTIONS_KEY: &str = "feedback.questions";
const SUMMARY_TRANSLATIONS_KEY: &str = "summary.translations";

impl Safeguard {
    /// The feedback questions: the organisation's, or the defaults.
    pub async fn feedback_questions(
        &self,
    ) -> CoreResult<Vec<safeguard_domain::feedback::Question>> {
        match self.store.setting(FEEDBACK_QUESTIONS_KEY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| CoreError::Internal(format!("questions: {e}"))),
            None => Ok(safeguard_domain::feedback::default_questions()),
        }
    }

    /// Sets the organisation's feedback questions (administrators and managers).
    pub async fn set_feedback_questions(
        &self,
        actor: &Actor,
        questions: &[safeguard_domain::feedback::Question],
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ManageCalendar,
            ctx,
            now,
            ("update", "settings", None),
        )
        .await?;
        let qs =
            safeguard_domain::feedback::parse_questions(questions).map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        tx.set_setting(FEEDBACK_QUESTIONS_KEY, &to_json(&qs)?)
            .await?;
        tx.audit(
            Self::event(actor, ctx, now, "update", "settings", None, "success")?
                .with_detail("feedback questions"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The approved translations of the plan summary's fixed text.
    pub async fn summary_translations(
        &self,
    ) -> CoreResult<Vec<safeguard_domain::summary::Translation>> {
        match self.store.setting(SUMMARY_TRANSLATIONS_KEY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| CoreError::Internal(format!("translations: {e}"))),
            None => Ok(Vec::new()),
        }
    }

    /// Adds or replaces the approved translation for the language tagged
    /// `lang` (administrators and managers).
    pub async fn save_summary_translation(
        &self,
        actor: &Actor,
        lang: &str,
        raw: &safeguard_domain::summary::RawTranslation,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<safeguard_domain::summary::Translation> {
        self.require_as(
            actor,
            Action::ManageCalendar,
            ctx,
            now,
            ("update", "settings", None),
        )
        .await?;
        let t = safeguard_domain::summary::parse_translation(lang, raw, &iso_date(self.today(now)))
            .map_err(CoreError::Invalid)?;
        let mut all = self.summary_translations().await?;
        if all
            .iter()
            .any(|o| o.lang != t.lang && o.language.eq_ignore_ascii_case(&t.language))
        {
            return Err(invalid(
                "language",
                "There is already a translation for this language under another code",
            ));
        }
        all.retain(|o| o.lang != t.lang);
        all.push(t.clone());
        all.sort_by(|a, b| a.language.cmp(&b.language));
        self.put_summary_translations(
            actor,
            &all,
            &format!("summary translation {} saved", t.lang),
            ctx,
            now,
        )
        .await?;
        Ok(t)
    }

    /// Removes the translation tagged `lang`; `NotFound` if there is none.
    pub async fn remove_summary_translation(
        &self,
        actor: &Actor,
        lang: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ManageCalendar,
            ctx,
            now,
            ("update", "settings", None),
        )
        .await?;
        let mut all = self.summary_translations().await?;
        let before = all.len();
        all.retain(|o| o.lang != lang);
        if all.len() == before {
            return Err(CoreError::NotFound);
        }
        self.put_summary_translations(
            actor,
            &all,
            &format!("summary translation {lang} removed"),
            ctx,
            now,
        )
        .await
    }

    async fn put_summary_translations(
        &self,
        actor: &Actor,
        all: &[safeguard_domain::summary::Translation],
        detail: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut tx = self.store.begin_audited().await?;
        tx.set_setting(SUMMARY_TRANSLATIONS_KEY, &to_json(&all)?)
            .await?;
        tx.audit(
            Self::event(actor, ctx, now, "update", "settings", None, "success")?
                .with_detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn feedback_allowed(e: &EnquiryRow) -> CoreResult<()> {
        match Self::state_of(e)? {
            EnquiryState::Open => Err(invalid(
                "respondent",
                "Feedback is asked for at or after closure: propose the conclusion first",
            )),
            _ => Ok(()),
        }
    }

    async fn store_feedback(
        &self,
        tx: &mut Tx,
        e: &EnquiryRow,
        f: &safeguard_domain::feedback::Feedback,
        method: &str,
        by: Option<&Actor>,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let id = new_uuid(now)?.to_string();
        tx.insert_feedback(&safeguard_store::enquiries::FeedbackRow {
            id: id.clone(),
            enquiry_id: e.id.clone(),
            respondent: f.respondent.code().into(),
            representative: f.representative.clone(),
            answers: to_json(&f.answers)?,
            comment: f.comment.clone(),
            method: method.into(),
            at: unix_ms(now),
            recorded_by: by.map(|a| a.user_id.to_string()),
        })
        .await?;
        tx.add_chronology(&ChronologyRow {
            id: new_uuid(now)?.to_string(),
            person_id: e.person_id.clone(),
            at: unix_ms(now),
            kind: "feedback".into(),
            summary: format!("Feedback given by {}", f.respondent.label().to_lowercase()),
            actor_name: by
                .map(|a| a.display_name.clone())
                .unwrap_or_else(|| "by one-time link".into()),
            concern_id: Some(e.concern_id.clone()),
        })
        .await?;
        Ok(id)
    }

    /// Records feedback answered on paper with the practitioner.
    pub async fn record_feedback(
        &self,
        actor: &Actor,
        id: &str,
        raw: &safeguard_domain::feedback::RawFeedback,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let e = self
            .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        Self::feedback_allowed(&e)?;
        let f = raw
            .parse(&self.feedback_questions().await?)
            .map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        let fid = self
            .store_feedback(&mut tx, &e, &f, "paper", Some(actor), now)
            .await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "create",
            "feedback",
            Some(id.into()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(fid)
    }

    /// Makes a one-time link for the person (or their representative) to give feedback; returns the token.
    pub async fn feedback_link(
        &self,
        actor: &Actor,
        id: &str,
        respondent: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let e = self
            .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        Self::feedback_allowed(&e)?;
        let r = safeguard_domain::feedback::Respondent::parse(respondent.trim())
            .ok_or_else(|| invalid("respondent", "Select who the link is for"))?;
        let token = crate::random_token()?;
        let mut tx = self.store.begin_audited().await?;
        tx.insert_feedback_link(&safeguard_store::enquiries::FeedbackLinkRow {
            token_hash: crate::token_hash(&token),
            enquiry_id: id.into(),
            respondent: r.code().into(),
            created_at: unix_ms(now),
            expires_at: unix_ms(now) + FEEDBACK_LINK_DAYS * 24 * 3600 * 1000,
            used_at: None,
        })
        .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "feedback_link",
                Some(id.into()),
                "success",
            )?
            .with_detail(r.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// What a one-time link shows: for whom (its questions' wording), if it is still usable.
    pub async fn feedback_link_questions(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> CoreResult<(
        safeguard_domain::feedback::Respondent,
        Vec<safeguard_domain::feedback::Question>,
    )> {
        let l = self
            .store
            .feedback_link(&crate::token_hash(token))
            .await?
            .ok_or(CoreError::NotFound)?;
        if l.used_at.is_some() || l.expires_at <= unix_ms(now) {
            return Err(CoreError::Conflict);
        }
        let r = safeguard_domain::feedback::Respondent::parse(&l.respondent)
            .ok_or_else(|| CoreError::Internal("bad respondent".into()))?;
        Ok((r, self.feedback_questions().await?))
    }

    /// Feedback through a one-time link (no account); the link then stops working.
    pub async fn submit_feedback_by_link(
        &self,
        token: &str,
        raw: &safeguard_domain::feedback::RawFeedback,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let hash = crate::token_hash(token);
        let l = self
            .store
            .feedback_link(&hash)
            .await?
            .ok_or(CoreError::NotFound)?;
        let e = self
            .store
            .enquiry(&l.enquiry_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let mut raw = raw.clone();
        raw.respondent = Some(l.respondent.clone());
        let f = raw
            .parse(&self.feedback_questions().await?)
            .map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.use_feedback_link(&hash, unix_ms(now)).await? {
            return Err(CoreError::Conflict);
        }
        self.store_feedback(&mut tx, &e, &f, "link", None, now)
            .await?;
        tx.audit(safeguard_store::audit::NewAuditEvent {
            id: new_uuid(now)?.to_string(),
            at: unix_ms(now),
            actor_id: None,
            actor_name: "feedback link".into(),
            actor_role: "public".into(),
            action: "create".into(),
            subject_type: "feedback".into(),
            subject_id: Some(e.id.clone()),
            outcome: "success".into(),
            reason: None,
            request_id: ctx.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
