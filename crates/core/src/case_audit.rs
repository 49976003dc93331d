//! Case-file audit against Making Safeguarding Personal.
//!
//! The workforce lead draws a quarter's random sample of each team's cases
//! and names an auditor and a moderator for each: council practitioners or
//! managers who are neither the case's worker nor a manager of its team.
//! Naming them adds them to the enquiry's need-to-know team (the reason says
//! it is for the audit), so they read the file as any member would, audited.
//! The auditor grades each question of the template on four points with the
//! evidence, records findings and improvement actions; the moderator agrees
//! or regrades with a note; the worker reads the audit and responds.
//!
//! Who sees an audit: its auditor, moderator and worker, the managers of its
//! team and the workforce lead. Its case content (the person, the evidence,
//! the findings, the response) is shown to the auditor, the moderator, the
//! worker and those who may open the enquiry; the others see the grades and
//! actions. Themes are figures only.

use std::collections::{HashMap, HashSet};

use safeguard_domain::Actor;
use safeguard_domain::case_audit::{
    Grade, GradedFact, Quarter, RawGrading, RawModeration, RawSample, RawTemplate, Stage, Tally,
    Themes, sample, themes,
};
use safeguard_domain::person::{iso_date, parse_iso_date};
use safeguard_domain::policy::{Action, decide};
use safeguard_domain::validation::FieldErrors;
use safeguard_store::accounts::UserRow;
use safeguard_store::case_audits::{AuditActionRow, CaseAuditRow};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, random_bytes, unix_ms};

/// A template as listed.
#[derive(Clone, Debug)]
pub struct TemplateView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether new samples use it.
    pub active: bool,
    /// Its questions.
    pub questions: Vec<String>,
}

/// An audit as a list shows it.
#[derive(Clone, Debug)]
pub struct AuditSummary {
    /// Id.
    pub id: String,
    /// The quarter.
    pub quarter: Quarter,
    /// The case's team.
    pub team: String,
    /// The case's worker.
    pub worker: String,
    /// The auditor's name.
    pub auditor: Option<String>,
    /// The moderator's name.
    pub moderator: Option<String>,
    /// Where it has got to.
    pub stage: Stage,
    /// Questions graded and how many good or better.
    pub tally: Tally,
    /// Whether the worker has responded.
    pub responded: bool,
}

/// The audits `actor` has to do, of their cases, of their team, and (for
/// the workforce lead) the chosen quarter's.
#[derive(Clone, Debug)]
pub struct AuditLists {
    /// Audits for the actor to grade or moderate.
    pub to_do: Vec<AuditSummary>,
    /// Graded audits of the actor's cases.
    pub of_mine: Vec<AuditSummary>,
    /// Audits of the actor's team (its managers).
    pub team: Vec<AuditSummary>,
    /// The quarter the lead's list shows.
    pub quarter: Quarter,
    /// That quarter's audits, every team (the workforce lead only).
    pub all: Vec<AuditSummary>,
    /// Whether the actor runs the audit programme.
    pub may_run: bool,
}

/// A question of an audit.
#[derive(Clone, Debug)]
pub struct QuestionView {
    /// The question.
    pub text: String,
    /// The auditor's grade.
    pub grade: Option<Grade>,
    /// The moderator's, where it differs.
    pub moderated: Option<Grade>,
    /// The evidence (with the case content).
    pub evidence: Option<String>,
}

/// An improvement action.
#[derive(Clone, Debug)]
pub struct AuditActionView {
    /// Id.
    pub id: String,
    /// What.
    pub action: String,
    /// Who.
    pub owner: String,
    /// By when, `YYYY-MM-DD`.
    pub due_on: String,
    /// Done.
    pub done: bool,
    /// Past its date and not done.
    pub overdue: bool,
    /// Whether the viewer may mark it done.
    pub may_complete: bool,
}

/// One audit, as the viewer may see it.
#[derive(Clone, Debug)]
pub struct AuditView {
    /// Id.
    pub id: String,
    /// The quarter.
    pub quarter: Quarter,
    /// The team.
    pub team: String,
    /// The worker's name.
    pub worker: String,
    /// The auditor: (name, username).
    pub auditor: Option<(String, String)>,
    /// The moderator: (name, username).
    pub moderator: Option<(String, String)>,
    /// Where it has got to.
    pub stage: Stage,
    /// Whether the viewer sees the case content.
    pub sees_case: bool,
    /// The enquiry (with the case content).
    pub enquiry_id: Option<String>,
    /// The person's name (with the case content).
    pub person: Option<String>,
    /// The questions.
    pub questions: Vec<QuestionView>,
    /// The findings (with the case content).
    pub findings: Option<String>,
    /// The moderation note (with the case content).
    pub moderation_note: Option<String>,
    /// The worker's response (with the case content).
    pub response: Option<String>,
    /// Improvement actions.
    pub actions: Vec<AuditActionView>,
    /// The viewer may name the auditor and moderator.
    pub may_assign: bool,
    /// The viewer may grade it.
    pub may_grade: bool,
    /// The viewer may moderate it.
    pub may_moderate: bool,
    /// The viewer may respond.
    pub may_respond: bool,
    /// Who may audit or moderate it, for the lead's form: (username, name).
    pub eligible: Vec<(String, String)>,
}

/// The themes, with the questions of the template in use first.
#[derive(Clone, Debug)]
pub struct ThemesView {
    /// The figures.
    pub themes: Themes,
    /// The questions, in the order to show them.
    pub questions: Vec<String>,
}

/// How the viewer stands to an audit.
struct Relation {
    auditor: bool,
    moderator: bool,
    worker: bool,
    team_manager: bool,
    lead: bool,
}

impl Relation {
    fn of(actor: &Actor, a: &CaseAuditRow) -> Relation {
        let me = actor.user_id.to_string();
        Relation {
            auditor: a.auditor_id.as_deref() == Some(me.as_str()),
            moderator: a.moderator_id.as_deref() == Some(me.as_str()),
            worker: a.worker_id == me,
            team_manager: actor.agency_is_owner
                && actor.role == safeguard_domain::Role::Manager
                && actor.team_id.map(|t| t.to_string()).as_deref() == Some(a.team_id.as_str()),
            lead: decide(actor, Action::RunCaseAudits) == safeguard_domain::Decision::Allow,
        }
    }

    fn any(&self) -> bool {
        self.auditor || self.moderator || self.worker || self.team_manager || self.lead
    }

    fn participant(&self) -> bool {
        self.auditor || self.moderator || self.worker
    }
}

/// Whether `u` may audit or moderate a case of `team_id` worked by `worker_id`.
fn independent(u: &UserRow, team_id: &str, worker_id: &str, lead_id: Option<&str>) -> bool {
    crate::accounts::council_case_worker(u)
        && u.id != worker_id
        && Some(u.id.as_str()) != lead_id
        && !(u.role == "manager" && u.team_id.as_deref() == Some(team_id))
}

fn stage_of(a: &CaseAuditRow) -> Stage {
    Stage::of(
        a.auditor_id.is_some(),
        a.graded_at.is_some(),
        a.moderated_at.is_some(),
    )
}

fn quarter_of(a: &CaseAuditRow) -> Quarter {
    Quarter::parse(&a.quarter).unwrap_or(Quarter { year: 2000, q: 1 })
}

/// The grade that stands: the moderator's where they changed it.
fn standing(grade: &str, moderated: Option<&str>) -> Option<Grade> {
    moderated
        .and_then(Grade::parse)
        .or_else(|| Grade::parse(grade))
}

impl Safeguard {
    /// Every audit template with its questions (they are about no one:
    /// anyone signed in may read them).
    pub async fn audit_templates(&self) -> CoreResult<Vec<TemplateView>> {
        let mut questions: HashMap<String, Vec<String>> = HashMap::new();
        for q in self.store.audit_questions().await? {
            questions.entry(q.template_id).or_default().push(q.text);
        }
        Ok(self
            .store
            .audit_templates()
            .await?
            .into_iter()
            .map(|t| TemplateView {
                questions: questions.remove(&t.id).unwrap_or_default(),
                id: t.id,
                name: t.name,
                active: t.active,
            })
            .collect())
    }

    /// Adds a template (administrators); audited. It is not used until it
    /// is made the one in use.
    pub async fn add_audit_template(
        &self,
        actor: &Actor,
        raw: &RawTemplate,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        self.require_as(
            actor,
            Action::ManageAuditTemplates,
            ctx,
            now,
            ("create", "audit_template", None),
        )
        .await?;
        let (name, questions) = raw.validate().map_err(CoreError::Invalid)?;
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_audit_template(
            &id,
            &name,
            &questions,
            &actor.user_id.to_string(),
            unix_ms(now),
        )
        .await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "create",
            "audit_template",
            Some(id.clone()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Makes a template the one new samples use (administrators); audited.
    pub async fn activate_audit_template(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ManageAuditTemplates,
            ctx,
            now,
            ("update", "audit_template", Some(id.to_string())),
        )
        .await?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.activate_audit_template(id).await? {
            return Err(CoreError::NotFound);
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "audit_template",
                Some(id.to_string()),
                "success",
            )?
            .with_detail("in use"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Draws a quarter's sample: up to `per_team` cases of each team, at
    /// random, from those the team's workers led in the quarter (restricted
    /// records and cases already drawn for the quarter left out), on the
    /// template in use. The workforce lead only; audited.
    pub async fn draw_audit_sample(
        &self,
        actor: &Actor,
        raw: &RawSample,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<String>> {
        self.require_as(
            actor,
            Action::RunCaseAudits,
            ctx,
            now,
            ("create", "case_audit", None),
        )
        .await?;
        let (quarter, per_team) = raw.validate(self.today(now)).map_err(CoreError::Invalid)?;
        let Some(template) = self
            .store
            .audit_templates()
            .await?
            .into_iter()
            .find(|t| t.active)
        else {
            return Err(invalid("quarter", "No audit template is in use"));
        };
        let mut teams: Vec<(String, String)> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(crate::accounts::council_case_worker)
            .filter_map(|u| u.team_id.zip(u.team_name))
            .collect();
        teams.sort();
        teams.dedup();
        let (code, start, end) = (
            quarter.code(),
            iso_date(quarter.start()),
            iso_date(quarter.end()),
        );
        let mut drawn = Vec::new();
        for (team_id, _) in &teams {
            let candidates = self
                .store
                .audit_candidates(team_id, &code, &start, &end)
                .await?;
            let mut keys = Vec::with_capacity(candidates.len());
            for _ in &candidates {
                keys.push(u64::from_le_bytes(random_bytes::<8>()?));
            }
            for (enquiry_id, worker_id) in sample(&candidates, &keys, per_team) {
                drawn.push(CaseAuditRow {
                    id: new_uuid(now)?.to_string(),
                    quarter: code.clone(),
                    team_id: team_id.clone(),
                    team: String::new(),
                    enquiry_id,
                    template_id: template.id.clone(),
                    worker_id,
                    auditor_id: None,
                    moderator_id: None,
                    drawn_by: actor.user_id.to_string(),
                    drawn_at: unix_ms(now),
                    findings: None,
                    graded_at: None,
                    moderation_note: None,
                    moderated_at: None,
                    response: None,
                    responded_at: None,
                });
            }
        }
        if drawn.is_empty() {
            return Err(invalid(
                "quarter",
                "No team has a case in that quarter that is not already drawn",
            ));
        }
        self.insert_drawn(actor, &drawn, ctx, now).await?;
        Ok(drawn.into_iter().map(|a| a.id).collect())
    }

    /// Keeps drawn audits, each audited, in one transaction.
    pub(crate) async fn insert_drawn(
        &self,
        actor: &Actor,
        drawn: &[CaseAuditRow],
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut tx = self.store.begin_audited().await?;
        for a in drawn {
            tx.insert_case_audit(a).await?;
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "create",
                    "case_audit",
                    Some(a.id.clone()),
                    "success",
                )?
                .with_detail(format!("drawn for {}, enquiry {}", a.quarter, a.enquiry_id)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The audits `actor` takes part in or oversees; audited when any are
    /// shown.
    pub async fn case_audits(
        &self,
        actor: &Actor,
        quarter: Option<Quarter>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AuditLists> {
        self.require_as(
            actor,
            Action::TakePartInCaseAudit,
            ctx,
            now,
            ("view", "case_audit", None),
        )
        .await?;
        let quarter = quarter.unwrap_or_else(|| Quarter::of(self.today(now)));
        let names = self.account_names().await?;
        let name = |id: &str| names.get(id).map(|n| n.0.clone()).unwrap_or_default();
        let mut tallies: HashMap<String, Tally> = HashMap::new();
        for (id, grade, moderated) in self.store.case_audit_grades().await? {
            let t = tallies.entry(id).or_default();
            if let Some(g) = standing(&grade, moderated.as_deref()) {
                t.add(g);
            }
        }
        let mut lists = AuditLists {
            to_do: Vec::new(),
            of_mine: Vec::new(),
            team: Vec::new(),
            quarter,
            all: Vec::new(),
            may_run: decide(actor, Action::RunCaseAudits) == safeguard_domain::Decision::Allow,
        };
        for a in self.store.case_audits().await? {
            let r = Relation::of(actor, &a);
            let summary = AuditSummary {
                id: a.id.clone(),
                quarter: quarter_of(&a),
                team: a.team.clone(),
                worker: name(&a.worker_id),
                auditor: a.auditor_id.as_deref().map(name),
                moderator: a.moderator_id.as_deref().map(name),
                stage: stage_of(&a),
                tally: tallies.get(&a.id).copied().unwrap_or_default(),
                responded: a.responded_at.is_some(),
            };
            let stage = summary.stage;
            if (r.auditor && stage == Stage::WithAuditor)
                || (r.moderator && stage == Stage::AwaitingModeration)
            {
                lists.to_do.push(summary.clone());
            }
            if r.worker && a.graded_at.is_some() {
                lists.of_mine.push(summary.clone());
            }
            if r.team_manager {
                lists.team.push(summary.clone());
            }
            if r.lead && summary.quarter == quarter {
                lists.all.push(summary);
            }
        }
        if !(lists.to_do.is_empty()
            && lists.of_mine.is_empty()
            && lists.team.is_empty()
            && lists.all.is_empty())
        {
            self.record(
                Self::event(actor, ctx, now, "view", "case_audit", None, "success")?
                    .with_detail("list"),
            )
            .await?;
        }
        Ok(lists)
    }

    /// How many audits `actor` has to grade or moderate (the home page):
    /// one count, not the audits themselves.
    pub async fn audits_to_do(&self, actor: &Actor) -> CoreResult<u64> {
        let n = self
            .store
            .case_audits_to_do(&actor.user_id.to_string())
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The audit `id` and how `actor` stands to it; refused (audited) as
    /// "not found" when it does not exist or is not theirs to see.
    async fn audit_for(
        &self,
        actor: &Actor,
        id: &str,
        verb: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(CaseAuditRow, Relation)> {
        let attempted = (verb, "case_audit", Some(id.to_string()));
        self.require_as(
            actor,
            Action::TakePartInCaseAudit,
            ctx,
            now,
            attempted.clone(),
        )
        .await?;
        match self.store.case_audit(id).await? {
            Some(a) => {
                let r = Relation::of(actor, &a);
                if r.any() {
                    Ok((a, r))
                } else {
                    self.refuse(actor, ctx, now, attempted, CoreError::NotFound)
                        .await
                }
            }
            None => {
                self.refuse(actor, ctx, now, attempted, CoreError::NotFound)
                    .await
            }
        }
    }

    /// One audit as `actor` may see it; audited (and, when the case content
    /// is shown, as a view of the enquiry too).
    pub async fn case_audit(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AuditView> {
        let (a, r) = self.audit_for(actor, id, "view", ctx, now).await?;
        let sees_case = r.participant() || self.may_open_enquiry(actor, &a.enquiry_id, now).await?;
        let names = self.account_names().await?;
        let who = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| names.get(id))
                .map(|(n, u)| (n.clone(), u.clone()))
        };
        let questions = self.store.audit_template_questions(&a.template_id).await?;
        let answers = self.store.case_audit_answers(&a.id).await?;
        let questions: Vec<QuestionView> = questions
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let ans = answers.iter().find(|x| x.position == i as i64);
                QuestionView {
                    text,
                    grade: ans.and_then(|x| Grade::parse(&x.grade)),
                    moderated: ans
                        .and_then(|x| x.moderated_grade.as_deref().and_then(Grade::parse)),
                    evidence: ans.filter(|_| sees_case).map(|x| x.evidence.clone()),
                }
            })
            .collect();
        let today = self.today(now);
        let actions = self
            .store
            .case_audit_actions(&a.id)
            .await?
            .into_iter()
            .map(|x| AuditActionView {
                overdue: x.done_at.is_none()
                    && parse_iso_date(&x.due_on).is_some_and(|d| d < today),
                done: x.done_at.is_some(),
                may_complete: x.done_at.is_none() && Self::may_complete(actor, &r, &x),
                owner: names
                    .get(&x.owner_id)
                    .map(|n| n.0.clone())
                    .unwrap_or_default(),
                id: x.id,
                action: x.action,
                due_on: x.due_on,
            })
            .collect();
        let stage = stage_of(&a);
        let person = if sees_case {
            match self.store.enquiry(&a.enquiry_id).await? {
                Some(e) => self
                    .store
                    .person_name(&e.person_id)
                    .await?
                    .map(|p| format!("{} {}", p.given_name, p.family_name)),
                None => None,
            }
        } else {
            None
        };
        let eligible = if r.lead && stage != Stage::Complete {
            let lead_id = self
                .store
                .enquiry(&a.enquiry_id)
                .await?
                .and_then(|e| e.lead_user_id);
            self.store
                .list_users()
                .await?
                .into_iter()
                .filter(|u| independent(u, &a.team_id, &a.worker_id, lead_id.as_deref()))
                .map(|u| (u.username, u.display_name))
                .collect()
        } else {
            Vec::new()
        };
        let mut events = vec![Self::event(
            actor,
            ctx,
            now,
            "view",
            "case_audit",
            Some(a.id.clone()),
            "success",
        )?];
        if sees_case {
            events.push(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "view",
                    "enquiry",
                    Some(a.enquiry_id.clone()),
                    "success",
                )?
                .with_detail("case-file audit"),
            );
        }
        self.store.record_audit(events).await?;
        Ok(AuditView {
            id: a.id.clone(),
            quarter: quarter_of(&a),
            team: a.team.clone(),
            worker: names
                .get(&a.worker_id)
                .map(|n| n.0.clone())
                .unwrap_or_default(),
            auditor: who(&a.auditor_id),
            moderator: who(&a.moderator_id),
            stage,
            sees_case,
            enquiry_id: sees_case.then(|| a.enquiry_id.clone()),
            person,
            questions,
            findings: a.findings.clone().filter(|_| sees_case),
            moderation_note: a.moderation_note.clone().filter(|_| sees_case),
            response: a.response.clone().filter(|_| sees_case),
            actions,
            may_assign: r.lead && stage != Stage::Complete,
            may_grade: r.auditor && stage == Stage::WithAuditor,
            may_moderate: r.moderator && stage == Stage::AwaitingModeration,
            may_respond: r.worker && a.graded_at.is_some() && a.responded_at.is_none(),
            eligible,
        })
    }

    /// An audited change to audit `id` by `actor`, saying what changed.
    fn changed(
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        id: &str,
        detail: impl Into<String>,
    ) -> CoreResult<safeguard_store::audit::NewAuditEvent> {
        Ok(Self::event(
            actor,
            ctx,
            now,
            "update",
            "case_audit",
            Some(id.to_string()),
            "success",
        )?
        .with_detail(detail))
    }

    /// Refuses (audited) a change to audit `id` that is not `actor`'s to make.
    async fn not_yours<T>(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<T> {
        self.refuse(
            actor,
            ctx,
            now,
            ("update", "case_audit", Some(id.into())),
            CoreError::Forbidden,
        )
        .await
    }

    fn may_complete(actor: &Actor, r: &Relation, x: &AuditActionRow) -> bool {
        x.owner_id == actor.user_id.to_string() || r.auditor || r.worker || r.team_manager || r.lead
    }

    /// Names the auditor and the moderator (the workforce lead): each a
    /// council practitioner or manager who is neither the case's worker nor
    /// its lead nor a manager of its team, and not each other. They join the
    /// enquiry's need-to-know team for the audit. The auditor cannot change
    /// once they have graded, nor the moderator once they have moderated.
    pub async fn assign_case_audit(
        &self,
        actor: &Actor,
        id: &str,
        auditor: &str,
        moderator: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let (a, r) = self.audit_for(actor, id, "update", ctx, now).await?;
        if !r.lead {
            return self.not_yours(actor, id, ctx, now).await;
        }
        let lead_id = self
            .store
            .enquiry(&a.enquiry_id)
            .await?
            .and_then(|e| e.lead_user_id);
        let users = self.store.list_users().await?;
        let find = |username: &str| {
            let u = username.trim().to_lowercase();
            users
                .iter()
                .find(|x| !u.is_empty() && x.username == u)
                .filter(|x| independent(x, &a.team_id, &a.worker_id, lead_id.as_deref()))
        };
        let mut e = FieldErrors::new();
        const WHO: &str = "Choose a council practitioner or manager who is not the case's worker or a manager of its team";
        let new_auditor = find(auditor);
        if new_auditor.is_none() {
            e.add("auditor", WHO);
        }
        let new_moderator = if moderator.trim().is_empty() {
            None
        } else {
            let m = find(moderator);
            if m.is_none() {
                e.add("moderator", WHO);
            }
            m
        };
        if let (Some(x), Some(y)) = (new_auditor, new_moderator)
            && x.id == y.id
        {
            e.add(
                "moderator",
                "The moderator must be a second auditor, not the first",
            );
        }
        let auditor_id = new_auditor.map(|u| u.id.clone());
        let moderator_id = new_moderator.map(|u| u.id.clone());
        if a.graded_at.is_some() && auditor_id != a.auditor_id {
            e.add("auditor", "The audit is graded: its auditor stays");
        }
        if a.moderated_at.is_some() {
            e.add(
                "moderator",
                "The audit is moderated: nothing more to assign",
            );
        }
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let reason = format!("Case-file audit, {}", quarter_of(&a).label());
        let mut tx = self.store.begin_audited().await?;
        tx.set_case_auditors(&a.id, auditor_id.as_deref(), moderator_id.as_deref())
            .await?;
        for who in [&auditor_id, &moderator_id].into_iter().flatten() {
            if tx
                .add_enquiry_member(
                    &a.enquiry_id,
                    who,
                    &reason,
                    &actor.user_id.to_string(),
                    unix_ms(now),
                )
                .await?
            {
                tx.audit(
                    Self::event(
                        actor,
                        ctx,
                        now,
                        "invite",
                        "enquiry",
                        Some(a.enquiry_id.clone()),
                        "success",
                    )?
                    .with_detail(format!("member for case-file audit {}", a.id)),
                )
                .await?;
            }
        }
        tx.audit(Self::changed(actor, ctx, now, &a.id, "auditors named")?)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The auditor's grades, findings and improvement actions; audited.
    pub async fn grade_case_audit(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawGrading,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let (a, r) = self.audit_for(actor, id, "update", ctx, now).await?;
        if !r.auditor {
            return self.not_yours(actor, id, ctx, now).await;
        }
        if a.graded_at.is_some() {
            return Err(invalid("answers", "This audit is already graded"));
        }
        let questions = self.store.audit_template_questions(&a.template_id).await?;
        let g = raw.validate(questions.len()).map_err(CoreError::Invalid)?;
        let mut e = FieldErrors::new();
        let owners = self
            .colleague_ids(g.actions.iter().map(|a| a.owner.as_str()), &mut e)
            .await?;
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let mut actions = Vec::new();
        for (x, owner_id) in g.actions.iter().zip(owners) {
            actions.push(AuditActionRow {
                id: new_uuid(now)?.to_string(),
                audit_id: a.id.clone(),
                action: x.action.clone(),
                owner_id,
                due_on: iso_date(x.due_on),
                done_at: None,
            });
        }
        let answers: Vec<(String, String)> = g
            .answers
            .iter()
            .map(|x| (x.grade.code().to_string(), x.evidence.clone()))
            .collect();
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .grade_case_audit(&a.id, &answers, &g.findings, &actions, unix_ms(now))
            .await?
        {
            return Err(invalid("answers", "This audit is already graded"));
        }
        tx.audit(Self::changed(actor, ctx, now, &a.id, "graded")?)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The moderator's grades (blank to agree) and note; audited.
    pub async fn moderate_case_audit(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawModeration,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let (a, r) = self.audit_for(actor, id, "update", ctx, now).await?;
        if !r.moderator {
            return self.not_yours(actor, id, ctx, now).await;
        }
        if a.graded_at.is_none() || a.moderated_at.is_some() {
            return Err(invalid(
                "note",
                "Only a graded audit not yet moderated can be moderated",
            ));
        }
        let given: Vec<Grade> = self
            .store
            .case_audit_answers(&a.id)
            .await?
            .iter()
            .filter_map(|x| Grade::parse(&x.grade))
            .collect();
        let m = raw.validate(&given).map_err(CoreError::Invalid)?;
        let grades: Vec<Option<String>> = m
            .grades
            .iter()
            .map(|g| g.map(|g| g.code().to_string()))
            .collect();
        let changed = grades.iter().filter(|g| g.is_some()).count();
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .moderate_case_audit(&a.id, &grades, m.note.as_deref(), unix_ms(now))
            .await?
        {
            return Err(invalid("note", "This audit is already moderated"));
        }
        tx.audit(Self::changed(
            actor,
            ctx,
            now,
            &a.id,
            format!("moderated, {changed} grades changed"),
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The worker's response to the audit of their case; audited.
    pub async fn respond_to_case_audit(
        &self,
        actor: &Actor,
        id: &str,
        response: &Option<String>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let (a, r) = self.audit_for(actor, id, "update", ctx, now).await?;
        if !r.worker {
            return self.not_yours(actor, id, ctx, now).await;
        }
        let mut e = FieldErrors::new();
        let text = safeguard_domain::text::required_field(
            &mut e,
            "response",
            "your response",
            response,
            safeguard_domain::text::LONG,
            true,
        );
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        if a.graded_at.is_none() {
            return Err(invalid("response", "The audit is not graded yet"));
        }
        let mut tx = self.store.begin_audited().await?;
        if !tx.respond_to_case_audit(&a.id, &text, unix_ms(now)).await? {
            return Err(invalid("response", "You have already responded"));
        }
        tx.audit(Self::changed(actor, ctx, now, &a.id, "worker responded")?)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks an improvement action done (its owner, the auditor, the worker,
    /// the team's manager or the workforce lead); returns the audit's id.
    pub async fn complete_case_audit_action(
        &self,
        actor: &Actor,
        action_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let attempted = ("update", "case_audit", Some(action_id.to_string()));
        self.require_as(
            actor,
            Action::TakePartInCaseAudit,
            ctx,
            now,
            attempted.clone(),
        )
        .await?;
        let found = match self.store.case_audit_action(action_id).await? {
            Some(x) => self.store.case_audit(&x.audit_id).await?.map(|a| (x, a)),
            None => None,
        };
        let Some((x, a)) = found.filter(|(x, a)| {
            let r = Relation::of(actor, a);
            r.any() && Self::may_complete(actor, &r, x)
        }) else {
            return self
                .refuse(actor, ctx, now, attempted, CoreError::NotFound)
                .await;
        };
        let mut tx = self.store.begin_audited().await?;
        if tx.complete_case_audit_action(&x.id, unix_ms(now)).await? {
            tx.audit(Self::changed(
                actor,
                ctx,
                now,
                &a.id,
                format!("action {} done", x.id),
            )?)
            .await?;
        }
        tx.commit().await?;
        Ok(a.id)
    }

    /// The themes: by question and by team, quarter by quarter (figures
    /// only; analysts, managers, the workforce lead); audited.
    pub async fn audit_themes(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ThemesView> {
        self.require_as(
            actor,
            Action::ViewAuditThemes,
            ctx,
            now,
            ("view", "audit_themes", None),
        )
        .await?;
        let facts: Vec<GradedFact> = self
            .store
            .case_audit_facts()
            .await?
            .into_iter()
            .filter_map(|f| {
                Some(GradedFact {
                    quarter: Quarter::parse(&f.quarter)?,
                    grade: standing(&f.grade, f.moderated_grade.as_deref())?,
                    team: f.team,
                    question: f.question,
                })
            })
            .collect();
        let t = themes(&facts);
        let mut questions: Vec<String> = self
            .audit_templates()
            .await?
            .into_iter()
            .find(|t| t.active)
            .map(|t| t.questions)
            .unwrap_or_default();
        let known: HashSet<String> = questions.iter().cloned().collect();
        questions.extend(
            t.by_question
                .keys()
                .filter(|q| !known.contains(*q))
                .cloned(),
        );
        questions.retain(|q| t.by_question.contains_key(q));
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "audit_themes",
            None,
            "success",
        )?)
        .await?;
        Ok(ThemesView {
            themes: t,
            questions,
        })
    }

    /// A question's share good or better, quarter by quarter (for a review
    /// recommendation that leads to it): (quarter, tally), oldest first.
    pub(crate) async fn question_trend(&self, question: &str) -> CoreResult<Vec<(Quarter, Tally)>> {
        let mut out: std::collections::BTreeMap<Quarter, Tally> = Default::default();
        for f in self.store.case_audit_facts().await? {
            if f.question != question {
                continue;
            }
            if let (Some(q), Some(g)) = (
                Quarter::parse(&f.quarter),
                standing(&f.grade, f.moderated_grade.as_deref()),
            ) {
                out.entry(q).or_default().add(g);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Every question of every template (for linking a recommendation).
    pub async fn audit_question_texts(&self) -> CoreResult<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for t in self.audit_templates().await? {
            for q in t.questions {
                if !out.contains(&q) {
                    out.push(q);
                }
            }
        }
        Ok(out)
    }
}
