//! Supervision: agreements (who supervises a worker, how often), sessions
//! with the cases discussed and the decisions, actions with owners and
//! dates, and how the worker is; overdue supervision for managers.
//!
//! A worker's supervision is seen by the worker, their supervisor, and
//! whoever oversees their training (their team's manager, the workforce
//! lead). A session's notes and the worker's wellbeing are private to the
//! worker and the supervisor who held it. A case discussed is shown only to
//! those who may open its enquiry; the enquiry's own page shows that it was
//! discussed and the decision, never the notes. Every view and change is
//! audited.

use std::collections::HashMap;

use safeguard_domain::Actor;
use safeguard_domain::person::{iso_date, parse_iso_date};
use safeguard_domain::policy::{Action, WorkforceScope, workforce_scope};
use safeguard_domain::supervision::{RawAgreement, RawSession, Wellbeing, next_due};
use safeguard_domain::validation::FieldErrors;
use safeguard_store::accounts::UserRow;
pub use safeguard_store::supervision::DiscussionRow;
use safeguard_store::supervision::{AgreementRow, CaseRow, SessionRow, SupervisionActionRow};
use time::{Date, OffsetDateTime};

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

/// A worker's supervision agreement, as shown.
#[derive(Clone, Debug)]
pub struct AgreementView {
    /// The supervisor's name.
    pub supervisor: String,
    /// The supervisor's username.
    pub supervisor_username: String,
    /// Weeks between sessions.
    pub frequency_weeks: u32,
    /// From when.
    pub started_on: Date,
    /// The last session, if any.
    pub last: Option<Date>,
    /// When the next is due.
    pub next_due: Date,
    /// Whether that day has passed.
    pub overdue: bool,
}

/// A case discussed, as the viewer may see it.
#[derive(Clone, Debug)]
pub struct CaseView {
    /// The enquiry, when the viewer may open it.
    pub enquiry_id: Option<String>,
    /// The decision, when the viewer may open the enquiry.
    pub decision: Option<String>,
}

/// An action agreed.
#[derive(Clone, Debug)]
pub struct ActionView {
    /// Its id.
    pub id: String,
    /// What.
    pub action: String,
    /// Who (name).
    pub owner: String,
    /// By when.
    pub due_on: String,
    /// Done.
    pub done: bool,
    /// Not done and past its date.
    pub overdue: bool,
    /// Whether the viewer may mark it done.
    pub may_complete: bool,
}

/// A session, as the viewer may see it.
#[derive(Clone, Debug)]
pub struct SessionView {
    /// Its id.
    pub id: String,
    /// When held.
    pub held_on: String,
    /// The supervisor's name.
    pub supervisor: String,
    /// How the worker was (the worker and this supervisor only).
    pub wellbeing: Option<Wellbeing>,
    /// The private notes (the worker and this supervisor only).
    pub notes: Option<String>,
    /// Cases discussed.
    pub cases: Vec<CaseView>,
    /// Actions agreed.
    pub actions: Vec<ActionView>,
}

/// One worker's supervision.
#[derive(Clone, Debug)]
pub struct SupervisionView {
    /// The worker's account id.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Whether the viewer is the worker.
    pub own: bool,
    /// Their agreement.
    pub agreement: Option<AgreementView>,
    /// Sessions, newest first.
    pub sessions: Vec<SessionView>,
    /// Whether the viewer may set the agreement and record sessions.
    pub may_record: bool,
    /// Enquiries the worker leads that the viewer may open, for the
    /// session form: (id, the person's name).
    pub open_cases: Vec<(String, String)>,
}

/// A supervised worker, as their overseer's list shows them.
#[derive(Clone, Debug)]
pub struct Supervisee {
    /// Account id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Team.
    pub team: Option<String>,
    /// Agreement, if any.
    pub agreement: Option<AgreementView>,
}

fn agreement_view(
    a: &AgreementRow,
    names: &HashMap<String, (String, String)>,
    last: Option<Date>,
    today: Date,
) -> Option<AgreementView> {
    let started_on = parse_iso_date(&a.started_on)?;
    let weeks = u32::try_from(a.frequency_weeks).unwrap_or(4);
    let due = next_due(started_on, weeks, last);
    let (supervisor, supervisor_username) =
        names.get(&a.supervisor_id).cloned().unwrap_or_default();
    Some(AgreementView {
        supervisor,
        supervisor_username,
        frequency_weeks: weeks,
        started_on,
        last,
        next_due: due,
        overdue: due < today,
    })
}

impl Safeguard {
    /// The date of each worker's latest session, by account id.
    async fn last_sessions(&self) -> CoreResult<HashMap<String, Date>> {
        Ok(self
            .store
            .last_supervision()
            .await?
            .into_iter()
            .filter_map(|(u, d)| parse_iso_date(&d).map(|d| (u, d)))
            .collect())
    }

    /// Whether `actor` oversees `u`'s supervision (their team's manager, the
    /// workforce lead, or their supervisor by agreement).
    fn oversees(actor: &Actor, u: &UserRow, agreement: Option<&AgreementRow>) -> bool {
        if u.id == actor.user_id.to_string() {
            return false;
        }
        let by_agreement = agreement.is_some_and(|a| a.supervisor_id == actor.user_id.to_string());
        by_agreement || Self::in_workforce_scope(actor, u)
    }

    /// The worker `user_id` if `actor` may see their supervision (refused
    /// and audited otherwise), with their agreement.
    async fn supervised(
        &self,
        actor: &Actor,
        user_id: &str,
        verb: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(UserRow, Option<AgreementRow>, bool)> {
        let attempted = (verb, "supervision", Some(user_id.to_string()));
        self.require_as(actor, Action::OwnLearning, ctx, now, attempted.clone())
            .await?;
        let u = self.store.user_by_id(user_id).await?;
        let agreement = self.store.supervision_agreement(user_id).await?;
        match u {
            Some(u) if u.id == actor.user_id.to_string() => Ok((u, agreement, false)),
            Some(u) if Self::oversees(actor, &u, agreement.as_ref()) => Ok((u, agreement, true)),
            _ => {
                self.refuse(actor, ctx, now, attempted, CoreError::NotFound)
                    .await
            }
        }
    }

    /// A worker's supervision as `actor` may see it; audited.
    pub async fn supervision(
        &self,
        actor: &Actor,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<SupervisionView> {
        let (u, agreement, oversees) = self.supervised(actor, user_id, "view", ctx, now).await?;
        let today = self.today(now);
        let me = actor.user_id.to_string();
        let names = self.account_names().await?;
        let sessions = self.store.supervision_sessions(user_id).await?;
        let last = sessions.first().and_then(|s| parse_iso_date(&s.held_on));
        let mut cases: HashMap<String, Vec<CaseRow>> = HashMap::new();
        for c in self.store.supervision_cases(user_id).await? {
            cases.entry(c.session_id.clone()).or_default().push(c);
        }
        let mut actions: HashMap<String, Vec<SupervisionActionRow>> = HashMap::new();
        for a in self.store.supervision_actions(user_id).await? {
            actions.entry(a.session_id.clone()).or_default().push(a);
        }
        let mut visible: HashMap<String, bool> = HashMap::new();
        let mut out = Vec::with_capacity(sessions.len());
        for s in &sessions {
            let private = me == s.user_id || me == s.supervisor_id;
            let mut cv = Vec::new();
            for c in cases.remove(&s.id).unwrap_or_default() {
                let sees = match visible.get(&c.enquiry_id) {
                    Some(v) => *v,
                    None => {
                        let v = self.may_open_enquiry(actor, &c.enquiry_id, now).await?;
                        visible.insert(c.enquiry_id.clone(), v);
                        v
                    }
                };
                cv.push(CaseView {
                    enquiry_id: sees.then(|| c.enquiry_id.clone()),
                    decision: sees.then(|| c.decision.clone()),
                });
            }
            let av = actions
                .remove(&s.id)
                .unwrap_or_default()
                .into_iter()
                .map(|a| ActionView {
                    overdue: a.done_at.is_none()
                        && parse_iso_date(&a.due_on).is_some_and(|d| d < today),
                    done: a.done_at.is_some(),
                    may_complete: a.done_at.is_none()
                        && (me == a.owner_id
                            || me == s.user_id
                            || me == s.supervisor_id
                            || oversees),
                    owner: names
                        .get(&a.owner_id)
                        .map(|n| n.0.clone())
                        .unwrap_or_default(),
                    id: a.id,
                    action: a.action,
                    due_on: a.due_on,
                })
                .collect();
            out.push(SessionView {
                id: s.id.clone(),
                held_on: s.held_on.clone(),
                supervisor: names
                    .get(&s.supervisor_id)
                    .map(|n| n.0.clone())
                    .unwrap_or_default(),
                wellbeing: if private {
                    Wellbeing::parse(&s.wellbeing)
                } else {
                    None
                },
                notes: if private { s.notes.clone() } else { None },
                cases: cv,
                actions: av,
            });
        }
        let open_cases = if oversees {
            self.enquiry_list(
                actor,
                Some(safeguard_domain::enquiry::EnquiryState::Open),
                ctx,
                now,
            )
            .await?
            .into_iter()
            .filter(|(e, _)| e.lead_user_id.as_deref() == Some(user_id))
            .map(|(e, name)| (e.id, name))
            .collect()
        } else {
            Vec::new()
        };
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "supervision",
            Some(user_id.into()),
            "success",
        )?)
        .await?;
        Ok(SupervisionView {
            user_id: u.id.clone(),
            name: u.display_name.clone(),
            own: u.id == me,
            agreement: agreement
                .as_ref()
                .and_then(|a| agreement_view(a, &names, last, today)),
            sessions: out,
            may_record: oversees,
            open_cases,
        })
    }

    /// Sets who supervises a worker and how often (their manager, the
    /// workforce lead, or their current supervisor); audited.
    pub async fn set_supervision_agreement(
        &self,
        actor: &Actor,
        user_id: &str,
        raw: &RawAgreement,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let (u, _, oversees) = self.supervised(actor, user_id, "update", ctx, now).await?;
        if !oversees {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "supervision", Some(user_id.into())),
                    CoreError::Forbidden,
                )
                .await;
        }
        let a = raw.validate().map_err(CoreError::Invalid)?;
        let supervisor = match self.store.user_by_username(&a.supervisor).await? {
            Some(s) if crate::accounts::council_case_worker(&s) && s.id != u.id => s,
            _ => {
                return Err(invalid(
                    "supervisor",
                    "Choose a council practitioner or manager other than the worker",
                ));
            }
        };
        let mut tx = self.store.begin_audited().await?;
        tx.put_supervision_agreement(&AgreementRow {
            user_id: u.id.clone(),
            supervisor_id: supervisor.id,
            frequency_weeks: i64::from(a.frequency_weeks),
            started_on: iso_date(a.started_on),
            recorded_by: actor.user_id.to_string(),
            recorded_at: unix_ms(now),
        })
        .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "supervision",
                Some(u.id),
                "success",
            )?
            .with_detail("agreement"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a session held by `actor` with the worker: the cases
    /// discussed (each an enquiry `actor` may open) and decisions, actions,
    /// wellbeing and private notes; audited, with an event on each enquiry.
    pub async fn record_supervision(
        &self,
        actor: &Actor,
        user_id: &str,
        raw: &RawSession,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let (u, _, oversees) = self.supervised(actor, user_id, "create", ctx, now).await?;
        if !oversees {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("create", "supervision", Some(user_id.into())),
                    CoreError::Forbidden,
                )
                .await;
        }
        let s = raw.validate(self.today(now)).map_err(CoreError::Invalid)?;
        let mut e = FieldErrors::new();
        for (i, c) in s.cases.iter().enumerate() {
            if !self.may_open_enquiry(actor, &c.enquiry_id, now).await? {
                e.add(format!("case_{i}_enquiry"), "Choose a case you may open");
            }
        }
        let owners = self
            .colleague_ids(s.actions.iter().map(|a| a.owner.as_str()), &mut e)
            .await?;
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let id = new_uuid(now)?.to_string();
        let session = SessionRow {
            id: id.clone(),
            user_id: u.id.clone(),
            supervisor_id: actor.user_id.to_string(),
            held_on: iso_date(s.held_on),
            wellbeing: s.wellbeing.code().into(),
            notes: s.notes,
            recorded_at: unix_ms(now),
        };
        let cases: Vec<CaseRow> = s
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| CaseRow {
                session_id: id.clone(),
                position: i as i64,
                enquiry_id: c.enquiry_id.clone(),
                decision: c.decision.clone(),
            })
            .collect();
        let mut actions = Vec::new();
        for (a, owner) in s.actions.iter().zip(owners) {
            actions.push(SupervisionActionRow {
                id: new_uuid(now)?.to_string(),
                session_id: id.clone(),
                action: a.action.clone(),
                owner_id: owner,
                due_on: iso_date(a.due_on),
                done_at: None,
            });
        }
        let mut tx = self.store.begin_audited().await?;
        tx.insert_supervision_session(&session, &cases, &actions)
            .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "supervision",
                Some(u.id.clone()),
                "success",
            )?
            .with_detail(format!("session {id}")),
        )
        .await?;
        for c in &cases {
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "update",
                    "enquiry",
                    Some(c.enquiry_id.clone()),
                    "success",
                )?
                .with_detail("discussed in supervision"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Marks a supervision action done (its owner, the worker, the
    /// supervisor, or whoever oversees the worker); audited.
    pub async fn complete_supervision_action(
        &self,
        actor: &Actor,
        action_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let attempted = ("update", "supervision", Some(action_id.to_string()));
        let Some(found) = self.store.supervision_action(action_id).await? else {
            return self
                .refuse(actor, ctx, now, attempted, CoreError::NotFound)
                .await;
        };
        let (a, worker, supervisor) = (found.action, found.worker_id, found.session_supervisor_id);
        let me = actor.user_id.to_string();
        let allowed = me == a.owner_id || me == worker || me == supervisor || {
            let u = self.store.user_by_id(&worker).await?;
            let agreement = self.store.supervision_agreement(&worker).await?;
            u.is_some_and(|u| Self::oversees(actor, &u, agreement.as_ref()))
        };
        if !allowed {
            return self
                .refuse(actor, ctx, now, attempted, CoreError::NotFound)
                .await;
        }
        let mut tx = self.store.begin_audited().await?;
        if tx
            .complete_supervision_action(action_id, unix_ms(now))
            .await?
        {
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "update",
                    "supervision",
                    Some(worker.clone()),
                    "success",
                )?
                .with_detail(format!("action {action_id} done")),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(worker)
    }

    /// The workers whose supervision `actor` oversees, most overdue first
    /// (nothing audited: the callers say what they show).
    async fn overseen(&self, actor: &Actor, now: OffsetDateTime) -> CoreResult<Vec<Supervisee>> {
        let today = self.today(now);
        let users = self.store.list_users().await?;
        let names: HashMap<String, (String, String)> = users
            .iter()
            .map(|u| (u.id.clone(), (u.display_name.clone(), u.username.clone())))
            .collect();
        let agreements: HashMap<String, AgreementRow> = self
            .store
            .supervision_agreements()
            .await?
            .into_iter()
            .map(|a| (a.user_id.clone(), a))
            .collect();
        let last = self.last_sessions().await?;
        let mut out: Vec<Supervisee> = users
            .into_iter()
            .filter(crate::accounts::council_case_worker)
            .filter(|u| Self::oversees(actor, u, agreements.get(&u.id)))
            .map(|u| Supervisee {
                agreement: agreements
                    .get(&u.id)
                    .and_then(|a| agreement_view(a, &names, last.get(&u.id).copied(), today)),
                user_id: u.id,
                name: u.display_name,
                team: u.team_name,
            })
            .collect();
        out.sort_by_key(|s| {
            (
                s.agreement.as_ref().map(|a| (!a.overdue, a.next_due)),
                s.name.to_lowercase(),
            )
        });
        Ok(out)
    }

    /// The workers whose supervision `actor` oversees, most overdue first;
    /// audited when there are any.
    pub async fn supervisees(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<Supervisee>> {
        self.require_as(
            actor,
            Action::OwnLearning,
            ctx,
            now,
            ("view", "supervision", None),
        )
        .await?;
        let out = self.overseen(actor, now).await?;
        if !out.is_empty() {
            self.record(
                Self::event(actor, ctx, now, "view", "supervision", None, "success")?
                    .with_detail("supervisees"),
            )
            .await?;
        }
        Ok(out)
    }

    /// How many of the workers `actor` oversees are overdue supervision
    /// (`None` when they oversee no one): for the home page, a count only.
    pub async fn overdue_supervision(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> CoreResult<Option<u64>> {
        let overseen = self.overseen(actor, now).await?;
        if overseen.is_empty() && workforce_scope(actor) == WorkforceScope::Nobody {
            return Ok(None);
        }
        Ok(Some(
            overseen
                .iter()
                .filter(|w| w.agreement.as_ref().is_some_and(|a| a.overdue))
                .count() as u64,
        ))
    }
}
