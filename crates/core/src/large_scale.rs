//! Large-scale (organisational) enquiries about a provider or place:
//! opened by a manager (by hand or from a pattern alert), linking the
//! individual adults' enquiries, with their own meetings, actions (the
//! provider's among them) and closure. Each adult's own enquiry, and its
//! counting in the SAC, is unchanged.

use safeguard_domain::Actor;
use safeguard_domain::large_scale::{
    RawLargeScale, RawLsAction, RawLsClosure, RawLsMeeting, parse_status,
};
use safeguard_domain::patterns::AlertDecision;
use safeguard_domain::plan::ActionStatus;
use safeguard_domain::policy::{Action, Decision, decide};
use safeguard_store::concerns::ProviderRow;
use safeguard_store::enquiries::EnquiryRow;
use time::OffsetDateTime;

pub use safeguard_store::large_scale::{LargeScaleRow, LsActionRow, LsMeetingRow};

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

/// A large-scale enquiry, opened (only [`Safeguard::large_scale_view`]
/// makes one, after the check and with the view audited).
#[derive(Clone, Debug)]
pub struct LargeScaleView {
    /// The enquiry.
    pub lse: LargeScaleRow,
    /// The provider or place it is about.
    pub provider: ProviderRow,
    /// How many adults' enquiries are linked in all.
    pub linked_total: i64,
    /// The linked enquiries the reader may see, with the adult's name.
    pub linked: Vec<(EnquiryRow, String)>,
    /// Enquiries from concerns about the provider, not yet linked, that the
    /// reader may see (to link).
    pub candidates: Vec<(EnquiryRow, String)>,
    /// Its actions, by due date.
    pub actions: Vec<LsActionRow>,
    /// Its meetings, oldest first.
    pub meetings: Vec<LsMeetingRow>,
}

impl Safeguard {
    /// Audits a change to a large-scale enquiry in its write's transaction:
    /// `(verb, id)` and what changed.
    async fn audit_lse(
        tx: &mut safeguard_store::Tx,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        (verb, id): (&str, String),
        detail: String,
    ) -> CoreResult<()> {
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                verb,
                "large_scale_enquiry",
                Some(id),
                "success",
            )?
            .with_detail(detail),
        )
        .await?;
        Ok(())
    }

    async fn require_lse(
        &self,
        actor: &Actor,
        action: Action,
        id: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Option<LargeScaleRow>> {
        let verb = if action == Action::ViewEnquiries {
            "view"
        } else {
            "update"
        };
        if decide(actor, action) == Decision::Deny {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    (verb, "large_scale_enquiry", id.map(str::to_string)),
                    CoreError::Forbidden,
                )
                .await;
        }
        match id {
            None => Ok(None),
            Some(id) => Ok(Some(
                self.store
                    .large_scale(id)
                    .await?
                    .ok_or(CoreError::NotFound)?,
            )),
        }
    }

    /// Opens a large-scale enquiry about a provider (council managers).
    /// Opened from an undecided alert, it decides the alert as "a
    /// large-scale enquiry" with the same reasons.
    pub async fn open_large_scale(
        &self,
        actor: &Actor,
        raw: &RawLargeScale,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        self.require_lse(actor, Action::RunLargeScaleEnquiries, None, ctx, now)
            .await?;
        let l = raw.parse().map_err(CoreError::Invalid)?;
        if self.store.provider(&l.provider_id).await?.is_none() {
            return Err(invalid("provider_id", "Choose a provider that exists"));
        }
        let alert = match &l.alert_id {
            Some(a) => Some(
                self.store
                    .alert(a)
                    .await?
                    .ok_or_else(|| invalid("alert_id", "Choose an alert that exists"))?,
            ),
            None => None,
        };
        let id = new_uuid(now)?.to_string();
        let at = unix_ms(now);
        let mut tx = self.store.begin_audited().await?;
        tx.insert_large_scale(&LargeScaleRow {
            id: id.clone(),
            provider_id: l.provider_id.clone(),
            reason: l.reason.clone(),
            alert_id: l.alert_id.clone(),
            state: "open".into(),
            opened_at: at,
            opened_by: actor.user_id.to_string(),
            opened_by_name: actor.display_name.clone(),
            outcome: None,
            closure_summary: None,
            closed_at: None,
            closed_by_name: None,
        })
        .await?;
        Self::audit_lse(
            &mut tx,
            actor,
            ctx,
            now,
            ("create", id.clone()),
            format!("provider {}", l.provider_id),
        )
        .await?;
        if let Some(a) = alert.filter(|a| a.decided_at.is_none())
            && tx
                .decide_alert(
                    &a.id,
                    AlertDecision::LargeScale.code(),
                    &l.reason,
                    at,
                    &actor.user_id.to_string(),
                    &actor.display_name,
                )
                .await?
        {
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "decide",
                    "pattern_alert",
                    Some(a.id.clone()),
                    "success",
                )?
                .with_detail(format!("decision large_scale: {id}")),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Large-scale enquiries with their provider's name, open first
    /// (council case workers).
    pub async fn large_scale_list(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<(LargeScaleRow, String)>> {
        self.require_lse(actor, Action::ViewEnquiries, None, ctx, now)
            .await?;
        Ok(self.store.large_scale_enquiries().await?)
    }

    /// One large-scale enquiry: the adults' enquiries shown only as their
    /// need-to-know allows (the rest counted). Audited.
    pub async fn large_scale_view(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<LargeScaleView> {
        let lse = self
            .require_lse(actor, Action::ViewEnquiries, Some(id), ctx, now)
            .await?
            .ok_or(CoreError::NotFound)?;
        let provider = self
            .store
            .provider(&lse.provider_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let viewer = Self::viewer(actor, now);
        let (linked_total, rows) = self.store.large_scale_linked(id, &viewer).await?;
        let linked_ids: Vec<String> = rows.iter().map(|e| e.id.clone()).collect();
        // Enquiries from concerns about the provider, for the manager to link.
        let mut candidates = Vec::new();
        if lse.state == "open" && decide(actor, Action::RunLargeScaleEnquiries) == Decision::Allow {
            let scope = crate::concerns::scope_of(actor, now);
            let concern_ids: Vec<String> = self
                .store
                .concerns_for_provider(&scope, &provider.id)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect();
            for e in self.store.enquiries_for_concerns(&concern_ids).await? {
                if !linked_ids.contains(&e.id) && self.enquiry_visible(actor, &e, now).await? {
                    candidates.push(e);
                }
            }
        }
        let person_ids: Vec<String> = rows
            .iter()
            .chain(candidates.iter())
            .map(|e| e.person_id.clone())
            .collect();
        let names: std::collections::HashMap<String, String> = self
            .store
            .person_names(&person_ids)
            .await?
            .into_iter()
            .collect();
        let named = |v: Vec<EnquiryRow>| -> Vec<(EnquiryRow, String)> {
            v.into_iter()
                .map(|e| {
                    let n = names.get(&e.person_id).cloned().unwrap_or_default();
                    (e, n)
                })
                .collect()
        };
        let actions = self.store.large_scale_actions(id).await?;
        let meetings = self.store.large_scale_meetings(id).await?;
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "view",
                "large_scale_enquiry",
                Some(id.into()),
                "success",
            )?
            .with_detail(format!("enquiries shown: {}", linked_ids.join(","))),
        )
        .await?;
        Ok(LargeScaleView {
            lse,
            provider,
            linked_total,
            linked: named(rows),
            candidates: named(candidates),
            actions,
            meetings,
        })
    }

    /// Whether `actor` may see an adult's enquiry in full (without
    /// recording a refusal: used to choose what to offer).
    async fn enquiry_visible(
        &self,
        actor: &Actor,
        e: &EnquiryRow,
        now: OffsetDateTime,
    ) -> CoreResult<bool> {
        Ok(matches!(
            self.person_access(actor, &e.person_id, now).await?,
            safeguard_domain::policy::Access::Full(_)
        ))
    }

    /// An open large-scale enquiry, for a change.
    async fn open_lse(
        &self,
        actor: &Actor,
        action: Action,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<LargeScaleRow> {
        let lse = self
            .require_lse(actor, action, Some(id), ctx, now)
            .await?
            .ok_or(CoreError::NotFound)?;
        if lse.state != "open" {
            return Err(invalid(
                "state",
                "This large-scale enquiry is closed: nothing can be added",
            ));
        }
        Ok(lse)
    }

    /// Links an adult's enquiry (council managers who may see it); the
    /// adult's chronology notes it.
    pub async fn link_large_scale(
        &self,
        actor: &Actor,
        id: &str,
        enquiry_id: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let lse = self
            .open_lse(actor, Action::RunLargeScaleEnquiries, id, ctx, now)
            .await?;
        let Some(enquiry_id) = enquiry_id.map(str::trim).filter(|e| !e.is_empty()) else {
            return Err(invalid("enquiry_id", "Choose the adult's enquiry to link"));
        };
        let e = self
            .enquiry_for(actor, enquiry_id, Action::ViewEnquiries, ctx, now)
            .await?;
        let provider = self
            .store
            .provider(&lse.provider_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .link_large_scale(id, &e.id, unix_ms(now), &actor.display_name)
            .await?
        {
            return Err(invalid("enquiry_id", "That enquiry is already linked"));
        }
        self.chronicle(
            &mut tx,
            &e.person_id,
            now,
            "enquiry",
            &format!("Enquiry linked to the large-scale enquiry about {provider}"),
            actor,
            Some(&e.concern_id),
        )
        .await?;
        Self::audit_lse(
            &mut tx,
            actor,
            ctx,
            now,
            ("update", id.into()),
            format!("enquiry {} linked", e.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds an action to its plan (council case workers).
    pub async fn add_ls_action(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawLsAction,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        self.open_lse(actor, Action::WorkOnEnquiry, id, ctx, now)
            .await?;
        let a = raw.parse(self.today(now)).map_err(CoreError::Invalid)?;
        let aid = new_uuid(now)?.to_string();
        let at = unix_ms(now);
        let mut tx = self.store.begin_audited().await?;
        tx.insert_ls_action(&LsActionRow {
            id: aid.clone(),
            lse_id: id.into(),
            description: a.description,
            owner: a.owner,
            by_provider: a.by_provider,
            due_on: safeguard_domain::person::iso_date(a.due_on),
            status: ActionStatus::Planned.code().into(),
            created_at: at,
            updated_at: at,
            updated_by_name: actor.display_name.clone(),
        })
        .await?;
        Self::audit_lse(
            &mut tx,
            actor,
            ctx,
            now,
            ("update", id.into()),
            format!("action {aid} added"),
        )
        .await?;
        tx.commit().await?;
        Ok(aid)
    }

    /// Moves an action on (council case workers).
    pub async fn set_ls_action_status(
        &self,
        actor: &Actor,
        id: &str,
        action_id: &str,
        status: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.open_lse(actor, Action::WorkOnEnquiry, id, ctx, now)
            .await?;
        let s = parse_status(status).map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .set_ls_action_status(id, action_id, s.code(), unix_ms(now), &actor.display_name)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        Self::audit_lse(
            &mut tx,
            actor,
            ctx,
            now,
            ("update", id.into()),
            format!("action {action_id} {}", s.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a meeting (council case workers).
    pub async fn add_ls_meeting(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawLsMeeting,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        self.open_lse(actor, Action::WorkOnEnquiry, id, ctx, now)
            .await?;
        let m = raw.parse(self.today(now)).map_err(CoreError::Invalid)?;
        let mid = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_ls_meeting(&LsMeetingRow {
            id: mid.clone(),
            lse_id: id.into(),
            kind: m.kind.code().into(),
            held_on: safeguard_domain::person::iso_date(m.held_on),
            attendees: m.attendees,
            summary: m.summary,
            recorded_at: unix_ms(now),
            recorded_by_name: actor.display_name.clone(),
        })
        .await?;
        Self::audit_lse(
            &mut tx,
            actor,
            ctx,
            now,
            ("update", id.into()),
            format!("meeting {mid} recorded"),
        )
        .await?;
        tx.commit().await?;
        Ok(mid)
    }

    /// Closes it (council managers), once every action is done or
    /// cancelled, with how it ended and what changed.
    pub async fn close_large_scale(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawLsClosure,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.open_lse(actor, Action::RunLargeScaleEnquiries, id, ctx, now)
            .await?;
        let (outcome, summary) = raw.parse().map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        let open = tx.ls_open_actions(id).await?;
        if open > 0 {
            return Err(invalid(
                "outcome",
                format!(
                    "Finish or cancel the {} first",
                    safeguard_domain::text::count(open, "open action", "open actions")
                ),
            ));
        }
        if !tx
            .close_large_scale(
                id,
                outcome.code(),
                &summary,
                unix_ms(now),
                &actor.display_name,
            )
            .await?
        {
            return Err(CoreError::Conflict);
        }
        Self::audit_lse(
            &mut tx,
            actor,
            ctx,
            now,
            ("close", id.into()),
            format!("outcome {}", outcome.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
