//! Plan actions and who owns them: the person, a worker's account or a
//! partner agency. Owners see the actions they own with their due dates
//! and move them on without otherwise working on the enquiry.

use safeguard_domain::Actor;
use safeguard_domain::plan::ActionStatus;
use safeguard_domain::policy::{may_own_actions, owns_action};
use safeguard_store::Tx;
use safeguard_store::concerns::ChronologyRow;
use safeguard_store::enquiries::{EnquiryRow, OwnedActionRow, PlanActionRow};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

/// Who owns an action, resolved from the choice made on the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedOwner {
    /// The name shown.
    pub label: String,
    /// The worker's account, when a worker owns it.
    pub user_id: Option<String>,
    /// The partner agency, when an agency owns it.
    pub agency_id: Option<String>,
}

/// The value the form sends for "the person".
pub const PERSON: &str = "person";

impl Safeguard {
    /// Who may be named to own a plan action, as (value, label) choices:
    /// the person first, then council practitioners and managers, then
    /// partner agencies and their staff. Only active accounts.
    pub async fn action_owner_choices(&self) -> CoreResult<Vec<(String, String)>> {
        let mut out = vec![(
            PERSON.to_string(),
            "The person, with whoever they choose".to_string(),
        )];
        let users = self.store.list_users().await?;
        let usable = |u: &&safeguard_store::accounts::UserRow| {
            !u.disabled
                && !u.awaiting_approval
                && safeguard_domain::policy::Role::parse(&u.role).is_some_and(may_own_actions)
        };
        let mut council: Vec<_> = users
            .iter()
            .filter(usable)
            .filter(|u| u.agency_is_owner)
            .collect();
        council.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        out.extend(council.into_iter().map(|u| {
            let team = u
                .team_name
                .as_deref()
                .map(|t| format!(", {t}"))
                .unwrap_or_default();
            (u.username.clone(), format!("{}{team}", u.display_name))
        }));
        for agency in self
            .store
            .list_agencies()
            .await?
            .into_iter()
            .filter(|a| !a.is_owner)
        {
            out.push((agency.name.clone(), format!("{} (the agency)", agency.name)));
            let mut staff: Vec<_> = users
                .iter()
                .filter(usable)
                .filter(|u| u.agency_id == agency.id)
                .collect();
            staff.sort_by(|a, b| a.display_name.cmp(&b.display_name));
            out.extend(staff.into_iter().map(|u| {
                (
                    u.username.clone(),
                    format!("{}, {}", u.display_name, agency.name),
                )
            }));
        }
        Ok(out)
    }

    /// Resolves the owner chosen for an action on an enquiry about `person_name`:
    /// `person`, an active worker's username, or a partner agency's name.
    pub(crate) async fn resolve_action_owner(
        &self,
        choice: &str,
        person_name: &str,
    ) -> CoreResult<ResolvedOwner> {
        let choice = choice.trim();
        if choice.eq_ignore_ascii_case(PERSON) {
            return Ok(ResolvedOwner {
                label: format!("{person_name} (the person)"),
                user_id: None,
                agency_id: None,
            });
        }
        if let Some(u) = self.store.user_by_username(choice).await?
            && !u.disabled
            && !u.awaiting_approval
            && safeguard_domain::policy::Role::parse(&u.role).is_some_and(may_own_actions)
        {
            let label = if u.agency_is_owner {
                u.display_name.clone()
            } else {
                format!("{}, {}", u.display_name, u.agency_name)
            };
            return Ok(ResolvedOwner {
                label,
                user_id: Some(u.id),
                agency_id: None,
            });
        }
        if let Some(a) = self
            .store
            .list_agencies()
            .await?
            .into_iter()
            .find(|a| !a.is_owner && a.name.eq_ignore_ascii_case(choice))
        {
            return Ok(ResolvedOwner {
                label: a.name,
                user_id: None,
                agency_id: Some(a.id),
            });
        }
        Err(invalid(
            "owner",
            "Choose who will do it from the list: the person, a worker or a partner agency",
        ))
    }

    /// The plan actions `actor` owns (named, or their partner agency is),
    /// on enquiries not concluded, soonest due first. One audited view.
    pub async fn owned_actions(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<OwnedActionRow>> {
        let agency = (actor.role == safeguard_domain::policy::Role::Partner
            && !actor.agency_is_owner)
            .then(|| actor.agency_id.to_string());
        let rows = self
            .store
            .owned_actions(&actor.user_id.to_string(), agency.as_deref())
            .await?;
        if !rows.is_empty() {
            self.record(
                Self::event(actor, ctx, now, "view", "plan_action", None, "success")?
                    .with_detail(format!("actions owned: {}", rows.len())),
            )
            .await?;
        }
        Ok(rows)
    }

    /// The owner of a plan action moves it on (planned, in progress, done,
    /// cancelled). Anyone else is told it does not exist (and the refusal
    /// is audited); a concluded enquiry's actions no longer change.
    pub async fn update_owned_action(
        &self,
        actor: &Actor,
        action_id: &str,
        status: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let found = self.store.plan_action(action_id).await?;
        let Some(a) = found.filter(|a| {
            owns_action(
                actor,
                a.owner_user_id.as_deref(),
                a.owner_agency_id.as_deref(),
            )
        }) else {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "plan_action", Some(action_id.into())),
                    CoreError::NotFound,
                )
                .await;
        };
        self.move_owned_action(actor, &a, status, ctx, now).await
    }

    /// Moves on an action `actor` was found to own.
    pub(crate) async fn move_owned_action(
        &self,
        actor: &Actor,
        a: &PlanActionRow,
        status: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let e = self
            .store
            .enquiry(&a.enquiry_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        self.move_action_on(actor, &e, a, status, ctx, now).await
    }

    /// Sets an action's status, with its chronology line and audit event,
    /// in one transaction. The caller has checked who may.
    pub(crate) async fn move_action_on(
        &self,
        actor: &Actor,
        e: &EnquiryRow,
        a: &PlanActionRow,
        status: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if e.state == safeguard_domain::enquiry::EnquiryState::Concluded.code() {
            return Err(invalid(
                "status",
                "The enquiry is concluded and cannot change",
            ));
        }
        let st = ActionStatus::parse(status.trim())
            .ok_or_else(|| invalid("status", "Select a status"))?;
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .set_action_status(&e.id, &a.id, st.code(), unix_ms(now))
            .await?
        {
            return Err(CoreError::NotFound);
        }
        if st.code() != a.status {
            action_chronology(&mut tx, actor, e, a, st, now).await?;
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "plan_action",
                Some(e.id.clone()),
                "success",
            )?
            .with_detail(format!("{} {}", a.id, st.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The chronology line for an action moved on: what, its new status, and
/// who moved it (with their agency when not the council's).
async fn action_chronology(
    tx: &mut Tx,
    actor: &Actor,
    e: &EnquiryRow,
    a: &PlanActionRow,
    st: ActionStatus,
    now: OffsetDateTime,
) -> CoreResult<()> {
    let who = if actor.agency_is_owner {
        actor.display_name.clone()
    } else {
        format!("{}, {}", actor.display_name, actor.agency_name)
    };
    tx.add_chronology(&ChronologyRow {
        id: new_uuid(now)?.to_string(),
        person_id: e.person_id.clone(),
        at: unix_ms(now),
        kind: "plan".into(),
        summary: format!(
            "Plan action {}: {} ({})",
            st.label().to_lowercase(),
            a.description,
            a.owner
        ),
        actor_name: who,
        concern_id: Some(e.concern_id.clone()),
    })
    .await?;
    Ok(())
}
