//! Competence and training: what each worker needs and whether their
//! learning is current, recording learning, the team and organisation
//! compliance figures, editing the frameworks, the competence an enquiry
//! lead needs, and reminders before learning runs out.
//!
//! Workers see their own; a manager their team's; the workforce lead (a
//! permission on a council practitioner's or manager's account) everyone's;
//! analysts the figures without names; administrators edit the frameworks
//! and read no one's records. Every view of another worker's training and
//! every change is audited.

use safeguard_domain::person::{iso_date, parse_iso_date};
use safeguard_domain::policy::{Action, WorkforceScope, workforce_scope};
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::workforce::{
    Band, Framework, Learning, LearningKind, Level, RawLearning, RawLevel, Standing, hours_in,
    standing,
};
use safeguard_domain::{Actor, Role};
use safeguard_store::accounts::UserRow;
use safeguard_store::workforce::{LearningRow, LevelRow, OverrideRow};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

/// The frameworks, the level each role needs, and the level an enquiry lead needs.
#[derive(Clone, Debug)]
pub struct Catalogue {
    /// Every level, by framework and rank.
    pub levels: Vec<Level>,
    /// (role, level id) pairs.
    pub requirements: Vec<(Role, String)>,
    /// (job title, level id) pairs: what a job needs on top of its role.
    pub job_requirements: Vec<(String, String)>,
    /// The level an enquiry lead needs, if any.
    pub enquiry_lead_level: Option<String>,
}

impl Catalogue {
    /// The level with this id.
    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// The levels `role` needs.
    pub fn required_for(&self, role: Role) -> Vec<&Level> {
        self.required_for_job(role, None)
    }

    /// The levels an account with `role` and `job` title needs: the role's
    /// and the job's, each once.
    pub fn required_for_job(&self, role: Role, job: Option<&str>) -> Vec<&Level> {
        let by_role = self
            .requirements
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, id)| id);
        let by_job = self
            .job_requirements
            .iter()
            .filter(|(t, _)| Some(t.as_str()) == job)
            .map(|(_, id)| id);
        let mut out: Vec<&Level> = Vec::new();
        for id in by_role.chain(by_job) {
            if let Some(l) = self.level(id)
                && !out.iter().any(|x| x.id == l.id)
            {
                out.push(l);
            }
        }
        out
    }

    /// The job titles with requirements of their own, and their levels.
    pub fn jobs(&self) -> Vec<(String, Vec<&Level>)> {
        let mut titles: Vec<&String> = self.job_requirements.iter().map(|(t, _)| t).collect();
        titles.dedup();
        titles
            .into_iter()
            .map(|t| {
                let levels = self
                    .job_requirements
                    .iter()
                    .filter(|(x, _)| x == t)
                    .filter_map(|(_, id)| self.level(id))
                    .collect();
                (t.clone(), levels)
            })
            .collect()
    }

    /// "Staff group C (Bournemouth National Competency Framework)".
    pub fn level_name(&self, id: &str) -> String {
        self.level(id)
            .map(Level::full_name)
            .unwrap_or_else(|| id.to_string())
    }
}

/// Where a worker stands against one level they need.
#[derive(Clone, Debug)]
pub struct Requirement {
    /// The level.
    pub level: Level,
    /// Current, running out, out of date or missing.
    pub standing: Standing,
    /// Hours of learning (any kind) in the level's refresh period, in tenths.
    pub hours_tenths: i64,
}

/// One worker's training.
#[derive(Clone, Debug)]
pub struct WorkerTraining {
    /// The account id.
    pub user_id: String,
    /// Their name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
    /// Their job title, if an administrator set one.
    pub job_title: Option<String>,
    /// Their team's name.
    pub team_name: Option<String>,
    /// Each level they need.
    pub requirements: Vec<Requirement>,
    /// Their learning, newest first.
    pub records: Vec<LearningRow>,
}

impl WorkerTraining {
    /// The worst band among their requirements (`None`: nothing required).
    pub fn worst(&self) -> Option<Band> {
        self.requirements
            .iter()
            .map(|r| r.standing.band())
            .min_by_key(|b| Band::ALL.iter().position(|x| x == b))
    }
}

/// A lead allocated without the required competence, as the compliance page lists it.
#[derive(Clone, Debug)]
pub struct OverrideView {
    /// The enquiry.
    pub enquiry_id: String,
    /// The lead's name.
    pub lead: String,
    /// The level they did not hold, named.
    pub level: String,
    /// The manager's reason.
    pub reason: String,
    /// The manager's name.
    pub decided_by: String,
    /// When (`YYYY-MM-DD`).
    pub decided_on: String,
}

/// Training compliance for the workers an actor may see.
#[derive(Clone, Debug)]
pub struct Compliance {
    /// Whose: "Your team (North)" or "Everyone".
    pub scope: String,
    /// The workers, most urgent first.
    pub workers: Vec<WorkerTraining>,
    /// Requirements by band, in [`Band::ALL`] order.
    pub bands: Vec<(Band, u64)>,
    /// Leads allocated without the required competence in the last 12 months.
    pub overrides: Vec<OverrideView>,
}

/// Compliance as figures only, by team (analysts).
#[derive(Clone, Debug)]
pub struct TeamFigures {
    /// The team ("No team" for workers without one).
    pub team: String,
    /// Workers with at least one requirement.
    pub workers: u64,
    /// Requirements by band code.
    pub bands: Vec<BandCount>,
}

/// How many requirements fall in a band.
#[derive(Clone, Debug)]
pub struct BandCount {
    /// The band's code (`out-of-date`, `within-30`, `within-60`, `within-90`, `current`).
    pub band: String,
    /// How many.
    pub count: u64,
}

/// One candidate for enquiry lead, with their competence.
#[derive(Clone, Debug)]
pub struct LeadCandidate {
    /// Username (the form's value).
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Their standing against the level a lead needs (`None`: none is set).
    pub standing: Option<Standing>,
}

impl LeadCandidate {
    /// The dropdown's words: "Sam Patel — Staff group C: current until 2027-05-01".
    pub fn label(&self, level_name: &str) -> String {
        match self.standing {
            None => self.display_name.clone(),
            Some(s) => format!(
                "{} — {level_name}: {}",
                self.display_name,
                lower_first(&s.describe())
            ),
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn level_of(r: &LevelRow) -> CoreResult<Level> {
    Ok(Level {
        id: r.id.clone(),
        framework: Framework::parse(&r.framework).ok_or_else(|| {
            CoreError::Internal(format!("stored level {} has a bad framework", r.id))
        })?,
        rank: r.rank,
        name: r.name.clone(),
        description: r.description.clone(),
        refresh_months: u32::try_from(r.refresh_months).unwrap_or(36),
        hours_tenths: r.hours_tenths,
    })
}

fn learning_of(r: &LearningRow) -> Option<Learning> {
    Some(Learning {
        level_id: r.level_id.clone(),
        completed_on: parse_iso_date(&r.completed_on)?,
        expires_on: r.expires_on.as_deref().and_then(parse_iso_date),
        hours_tenths: r.hours_tenths,
    })
}

/// A job title as typed: up to 100 characters on one line (blank: none).
fn job_title(e: &mut FieldErrors, raw: &Option<String>) -> Option<String> {
    safeguard_domain::text::optional_field(e, "job_title", "the job title", raw, 100, false)
}

/// Whether an account's training is tracked: every active account (the roles
/// a council sets no level for simply have no requirements).
fn tracked(u: &UserRow) -> bool {
    !u.disabled
}

impl Safeguard {
    /// The frameworks, requirements and the lead's level, as stored.
    pub async fn workforce_catalogue(&self) -> CoreResult<Catalogue> {
        let levels = self
            .store
            .competence_levels()
            .await?
            .iter()
            .map(level_of)
            .collect::<CoreResult<Vec<_>>>()?;
        let requirements = self
            .store
            .competence_requirements()
            .await?
            .into_iter()
            .filter_map(|(r, l)| Role::parse(&r).map(|r| (r, l)))
            .collect();
        Ok(Catalogue {
            levels,
            requirements,
            job_requirements: self.store.job_requirements().await?,
            enquiry_lead_level: self.store.enquiry_lead_level().await?,
        })
    }

    fn training_of(
        cat: &Catalogue,
        u: &UserRow,
        job_title: Option<String>,
        records: Vec<LearningRow>,
        today: time::Date,
    ) -> CoreResult<WorkerTraining> {
        let role = Role::parse(&u.role)
            .ok_or_else(|| CoreError::Internal("stored user has a bad role".into()))?;
        let learning: Vec<Learning> = records.iter().filter_map(learning_of).collect();
        let requirements = cat
            .required_for_job(role, job_title.as_deref())
            .into_iter()
            .map(|l| Requirement {
                level: l.clone(),
                standing: standing(l, &cat.levels, &learning, today),
                hours_tenths: hours_in(&learning, l.refresh_months, today),
            })
            .collect();
        Ok(WorkerTraining {
            user_id: u.id.clone(),
            display_name: u.display_name.clone(),
            role,
            job_title,
            team_name: u.team_name.clone(),
            requirements,
            records,
        })
    }

    /// The training of these accounts.
    async fn trainings(
        &self,
        cat: &Catalogue,
        users: &[UserRow],
        today: time::Date,
    ) -> CoreResult<Vec<WorkerTraining>> {
        let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
        let mut all = self.store.learning_of(&ids).await?;
        let mut titles: std::collections::HashMap<String, String> =
            self.store.job_titles().await?.into_iter().collect();
        users
            .iter()
            .map(|u| {
                let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut all)
                    .into_iter()
                    .partition(|r| r.user_id == u.id);
                all = rest;
                Self::training_of(cat, u, titles.remove(&u.id), mine, today)
            })
            .collect()
    }

    /// The actor's own training: what they need, where they stand, their learning.
    pub async fn my_training(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(WorkerTraining, Catalogue)> {
        self.require(actor, Action::OwnLearning, ctx, now).await?;
        let cat = self.workforce_catalogue().await?;
        let me = self
            .store
            .user_by_id(&actor.user_id.to_string())
            .await?
            .ok_or(CoreError::NotFound)?;
        let t = self.trainings(&cat, &[me], self.today(now)).await?;
        let t = t.into_iter().next().ok_or(CoreError::NotFound)?;
        Ok((t, cat))
    }

    /// Whether `actor` may see and record `u`'s training (and oversees their
    /// supervision and shared reflections).
    pub(crate) fn in_workforce_scope(actor: &Actor, u: &UserRow) -> bool {
        if u.id == actor.user_id.to_string() {
            return true;
        }
        match workforce_scope(actor) {
            WorkforceScope::Everyone => u.agency_is_owner,
            WorkforceScope::Team(t) => u.team_id.as_deref() == Some(t.to_string().as_str()),
            WorkforceScope::Nobody => false,
        }
    }

    /// Another worker's training (their manager, the workforce lead); audited.
    pub async fn worker_training(
        &self,
        actor: &Actor,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(WorkerTraining, Catalogue)> {
        let attempted = ("view", "training", Some(user_id.to_string()));
        self.require_as(actor, Action::ViewWorkforce, ctx, now, attempted.clone())
            .await?;
        let u = match self.store.user_by_id(user_id).await? {
            Some(u) if Self::in_workforce_scope(actor, &u) => u,
            _ => {
                return self
                    .refuse(actor, ctx, now, attempted, CoreError::NotFound)
                    .await;
            }
        };
        let cat = self.workforce_catalogue().await?;
        let t = self.trainings(&cat, &[u], self.today(now)).await?;
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "training",
            Some(user_id.into()),
            "success",
        )?)
        .await?;
        let t = t.into_iter().next().ok_or(CoreError::NotFound)?;
        Ok((t, cat))
    }

    /// Records learning for the actor (`for_user` `None`) or for a worker
    /// they manage; audited in the same transaction.
    pub async fn record_learning(
        &self,
        actor: &Actor,
        for_user: Option<&str>,
        raw: &RawLearning,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<LearningRow> {
        let me = actor.user_id.to_string();
        let user_id = for_user.map(str::to_string).unwrap_or_else(|| me.clone());
        let attempted = ("create", "training", Some(user_id.clone()));
        self.require_as(actor, Action::OwnLearning, ctx, now, attempted.clone())
            .await?;
        if user_id != me {
            self.require_as(
                actor,
                Action::RecordLearningForOthers,
                ctx,
                now,
                attempted.clone(),
            )
            .await?;
            match self.store.user_by_id(&user_id).await? {
                Some(u) if Self::in_workforce_scope(actor, &u) => {}
                _ => {
                    return self
                        .refuse(actor, ctx, now, attempted, CoreError::NotFound)
                        .await;
                }
            }
        }
        let cat = self.workforce_catalogue().await?;
        let n = raw
            .validate(&cat.levels, self.today(now))
            .map_err(CoreError::Invalid)?;
        let row = LearningRow {
            id: new_uuid(now)?.to_string(),
            user_id: user_id.clone(),
            title: n.title,
            kind: n.kind.code().into(),
            provider: n.provider,
            completed_on: iso_date(n.completed_on),
            hours_tenths: n.hours_tenths,
            level_id: n.level_id,
            expires_on: n.expires_on.map(iso_date),
            evidence: n.evidence,
            recorded_by: me,
            recorded_at: unix_ms(now),
        };
        let mut tx = self.store.begin_audited().await?;
        tx.insert_learning(&row).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "training",
                Some(user_id),
                "success",
            )?
            .with_detail(format!("learning {}", row.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Training compliance of the workers `actor` may see (a manager's team,
    /// or everyone for the workforce lead; `team` narrows the lead's view).
    /// Audited as a view of each worker's training.
    pub async fn compliance(
        &self,
        actor: &Actor,
        team: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Compliance> {
        self.require_as(
            actor,
            Action::ViewWorkforce,
            ctx,
            now,
            ("view", "compliance", None),
        )
        .await?;
        let scope = workforce_scope(actor);
        let all = self.store.list_users().await?;
        let users: Vec<UserRow> = all
            .iter()
            .filter(|u| tracked(u))
            .filter(|u| u.id != actor.user_id.to_string() || scope == WorkforceScope::Everyone)
            .filter(|u| Self::in_workforce_scope(actor, u))
            .filter(|u| team.is_none_or(|t| u.team_id.as_deref() == Some(t)))
            .cloned()
            .collect();
        let cat = self.workforce_catalogue().await?;
        let today = self.today(now);
        let mut workers = self.trainings(&cat, &users, today).await?;
        workers.retain(|w| !w.requirements.is_empty());
        workers.sort_by_key(|w| {
            (
                w.worst()
                    .and_then(|b| Band::ALL.iter().position(|x| *x == b)),
                w.display_name.to_lowercase(),
            )
        });
        let bands = Band::ALL
            .iter()
            .map(|b| {
                let n = workers
                    .iter()
                    .flat_map(|w| &w.requirements)
                    .filter(|r| r.standing.band() == *b)
                    .count() as u64;
                (*b, n)
            })
            .collect();
        let names: std::collections::HashMap<&str, &str> = all
            .iter()
            .map(|u| (u.id.as_str(), u.display_name.as_str()))
            .collect();
        let ids: std::collections::HashSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
        let year_ago = unix_ms(now) - 365 * 86_400_000;
        let overrides = self
            .store
            .competence_overrides_since(year_ago)
            .await?
            .into_iter()
            .filter(|o| ids.contains(o.lead_id.as_str()) || scope == WorkforceScope::Everyone)
            .map(|o: OverrideRow| OverrideView {
                enquiry_id: o.enquiry_id,
                lead: names
                    .get(o.lead_id.as_str())
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                level: cat.level_name(&o.level_id),
                reason: o.reason,
                decided_by: names
                    .get(o.decided_by.as_str())
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                decided_on: iso_date(self.date_at(o.decided_at)),
            })
            .collect();
        let mut events = Vec::with_capacity(workers.len() + 1);
        events.push(Self::event(
            actor,
            ctx,
            now,
            "view",
            "compliance",
            team.map(str::to_string),
            "success",
        )?);
        for w in &workers {
            events.push(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "view",
                    "training",
                    Some(w.user_id.clone()),
                    "success",
                )?
                .with_detail("compliance"),
            );
        }
        self.store.record_audit(events).await?;
        let scope = match scope {
            WorkforceScope::Everyone => "Everyone in the organisation".to_string(),
            _ => match &actor.team_id {
                Some(_) => format!(
                    "Your team{}",
                    users
                        .iter()
                        .find_map(|u| u.team_name.clone())
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ),
                None => "Your team".into(),
            },
        };
        Ok(Compliance {
            scope,
            workers,
            bands,
            overrides,
        })
    }

    /// Compliance as figures by team, without names (analysts, managers, the lead).
    pub async fn compliance_figures(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<TeamFigures>> {
        self.require_as(
            actor,
            Action::ViewWorkforceFigures,
            ctx,
            now,
            ("view", "compliance", None),
        )
        .await?;
        let users: Vec<UserRow> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| tracked(u) && u.agency_is_owner)
            .collect();
        let cat = self.workforce_catalogue().await?;
        let workers = self.trainings(&cat, &users, self.today(now)).await?;
        let mut by_team: std::collections::BTreeMap<String, (u64, Vec<u64>)> = Default::default();
        for w in workers.iter().filter(|w| !w.requirements.is_empty()) {
            let e = by_team
                .entry(w.team_name.clone().unwrap_or_else(|| "No team".into()))
                .or_insert_with(|| (0, vec![0; Band::ALL.len()]));
            e.0 += 1;
            for r in &w.requirements {
                if let Some(i) = Band::ALL.iter().position(|b| *b == r.standing.band()) {
                    e.1[i] += 1;
                }
            }
        }
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "compliance",
            Some("figures".into()),
            "success",
        )?)
        .await?;
        Ok(by_team
            .into_iter()
            .map(|(team, (workers, counts))| TeamFigures {
                team,
                workers,
                bands: Band::ALL
                    .iter()
                    .zip(counts)
                    .map(|(b, count)| BandCount {
                        band: b.code().into(),
                        count,
                    })
                    .collect(),
            })
            .collect())
    }

    /// Council practitioners and managers who can lead an enquiry, with
    /// their standing against the level a lead needs.
    pub async fn lead_candidates(
        &self,
        now: OffsetDateTime,
    ) -> CoreResult<(Vec<LeadCandidate>, Option<Level>)> {
        let cat = self.workforce_catalogue().await?;
        let level = cat
            .enquiry_lead_level
            .as_deref()
            .and_then(|id| cat.level(id))
            .cloned();
        let users: Vec<UserRow> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(crate::accounts::council_case_worker)
            .collect();
        let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
        let records = self.store.learning_of(&ids).await?;
        let today = self.today(now);
        Ok((
            users
                .into_iter()
                .map(|u| {
                    let mine: Vec<Learning> = records
                        .iter()
                        .filter(|r| r.user_id == u.id)
                        .filter_map(learning_of)
                        .collect();
                    LeadCandidate {
                        standing: level
                            .as_ref()
                            .map(|l| standing(l, &cat.levels, &mine, today)),
                        username: u.username,
                        display_name: u.display_name,
                    }
                })
                .collect(),
            level,
        ))
    }

    /// Checks a lead against the level a lead needs: `Ok(None)` when they
    /// hold it (or none is set), `Ok(Some(override))` when a reason was
    /// given for allocating them anyway, an error asking for one otherwise.
    pub(crate) async fn lead_competence(
        &self,
        actor: &Actor,
        enquiry_id: &str,
        lead_id: &str,
        lead_name: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Option<OverrideRow>> {
        let cat = self.workforce_catalogue().await?;
        let Some(level) = cat
            .enquiry_lead_level
            .as_deref()
            .and_then(|id| cat.level(id))
        else {
            return Ok(None);
        };
        let records: Vec<Learning> = self
            .store
            .learning_of(&[lead_id.to_string()])
            .await?
            .iter()
            .filter_map(learning_of)
            .collect();
        let s = standing(level, &cat.levels, &records, self.today(now));
        if s.is_current() {
            return Ok(None);
        }
        let reason = safeguard_domain::text::optional(reason, 1000, true).map_err(|e| {
            invalid(
                "competence_reason",
                safeguard_domain::text::message("the reason", e),
            )
        })?;
        let Some(reason) = reason else {
            return Err(invalid(
                "competence_reason",
                format!(
                    "{lead_name} does not hold a current {} ({}): give your reason for allocating them, or choose someone else",
                    level.name,
                    lower_first(&s.describe())
                ),
            ));
        };
        Ok(Some(OverrideRow {
            id: new_uuid(now)?.to_string(),
            enquiry_id: enquiry_id.into(),
            lead_id: lead_id.into(),
            level_id: level.id.clone(),
            reason,
            decided_by: actor.user_id.to_string(),
            decided_at: unix_ms(now),
        }))
    }

    /// Changes a level (administrators); audited.
    pub async fn edit_level(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawLevel,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ManageFrameworks,
            ctx,
            now,
            ("update", "competence_level", Some(id.into())),
        )
        .await?;
        let e = raw.validate().map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .update_level(
                id,
                &e.name,
                &e.description,
                i64::from(e.refresh_months),
                e.hours_tenths,
            )
            .await?
        {
            return Err(CoreError::NotFound);
        }
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "update",
            "competence_level",
            Some(id.into()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a level at the end of a framework (administrators); audited.
    pub async fn add_level(
        &self,
        actor: &Actor,
        framework: &str,
        raw: &RawLevel,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        self.require_as(
            actor,
            Action::ManageFrameworks,
            ctx,
            now,
            ("create", "competence_level", None),
        )
        .await?;
        let fw = Framework::parse(framework.trim());
        let e = raw.validate();
        let (fw, e) = match (fw, e) {
            (Some(fw), Ok(e)) => (fw, e),
            (fw, e) => {
                let mut errors = e.err().unwrap_or_default();
                if fw.is_none() {
                    errors.add("framework", "Choose the framework the level belongs to");
                }
                return Err(CoreError::Invalid(errors));
            }
        };
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_level(&LevelRow {
            id: id.clone(),
            framework: fw.code().into(),
            rank: 0,
            name: e.name,
            description: e.description,
            refresh_months: i64::from(e.refresh_months),
            hours_tenths: e.hours_tenths,
        })
        .await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "create",
            "competence_level",
            Some(id.clone()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Sets the levels a role needs and the level an enquiry lead needs
    /// (administrators); audited.
    pub async fn set_requirements(
        &self,
        actor: &Actor,
        by_role: &[(Role, Vec<String>)],
        lead_level: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ManageFrameworks,
            ctx,
            now,
            ("update", "competence_requirements", None),
        )
        .await?;
        let cat = self.workforce_catalogue().await?;
        let mut e = FieldErrors::new();
        for (role, ids) in by_role {
            if ids.iter().any(|id| cat.level(id).is_none()) {
                e.add(
                    format!("role-{}", role.code()),
                    "Choose levels from the list",
                );
            }
        }
        let lead_level = lead_level.map(str::trim).filter(|s| !s.is_empty());
        if lead_level.is_some_and(|id| cat.level(id).is_none()) {
            e.add("lead_level", "Choose a level from the list, or none");
        }
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let mut tx = self.store.begin_audited().await?;
        for (role, ids) in by_role {
            tx.set_requirements(role.code(), ids).await?;
        }
        tx.set_enquiry_lead_level(lead_level).await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "update",
            "competence_requirements",
            None,
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the levels a job title needs on top of its role's (administrators;
    /// no levels: the title needs nothing of its own); audited.
    pub async fn set_job_requirements(
        &self,
        actor: &Actor,
        title: &Option<String>,
        level_ids: &[String],
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ManageFrameworks,
            ctx,
            now,
            ("update", "competence_requirements", None),
        )
        .await?;
        let cat = self.workforce_catalogue().await?;
        let mut e = FieldErrors::new();
        let title = job_title(&mut e, title);
        if title.is_none() && e.is_empty() {
            e.add("job_title", "Enter the job title");
        }
        if level_ids.iter().any(|id| cat.level(id).is_none()) {
            e.add("job_levels", "Choose levels from the list");
        }
        let (Some(title), true) = (title, e.is_empty()) else {
            return Err(CoreError::Invalid(e));
        };
        let mut tx = self.store.begin_audited().await?;
        tx.set_job_requirements(&title, level_ids).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "competence_requirements",
                None,
                "success",
            )?
            .with_detail(format!("job title {title}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets or clears an account's job title (administrators); audited.
    pub async fn set_job_title(
        &self,
        actor: &Actor,
        user_id: &str,
        title: &Option<String>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("update", "user", Some(user_id.to_string()));
        self.require_as(actor, Action::ManageUsers, ctx, now, attempted)
            .await?;
        if self.store.user_by_id(user_id).await?.is_none() {
            return Err(CoreError::NotFound);
        }
        let mut e = FieldErrors::new();
        let title = job_title(&mut e, title);
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let mut tx = self.store.begin_audited().await?;
        tx.set_job_title(user_id, title.as_deref()).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "user",
                Some(user_id.to_string()),
                "success",
            )?
            .with_detail("job title"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's job title, if set.
    pub async fn job_title_of(&self, user_id: &str) -> CoreResult<Option<String>> {
        Ok(self
            .store
            .job_titles()
            .await?
            .into_iter()
            .find(|(u, _)| u == user_id)
            .map(|(_, t)| t))
    }

    /// Grants or withdraws the workforce lead's permission (administrators,
    /// on council practitioners and managers only); audited.
    pub async fn set_workforce_lead(
        &self,
        actor: &Actor,
        user_id: &str,
        lead: bool,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("update", "user", Some(user_id.to_string()));
        self.require_as(actor, Action::ManageUsers, ctx, now, attempted)
            .await?;
        let u = self
            .store
            .user_by_id(user_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if lead && !crate::accounts::council_case_worker(&u) {
            return Err(invalid(
                "workforce_lead",
                "Only a council practitioner or manager can be the workforce lead",
            ));
        }
        let mut tx = self.store.begin_audited().await?;
        tx.set_workforce_lead(user_id, lead).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "user",
                Some(user_id.into()),
                "success",
            )?
            .with_detail(if lead {
                "workforce lead granted"
            } else {
                "workforce lead withdrawn"
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a reminder email (through the outbox) to each worker with an
    /// address whose required level runs out within 90, 60 or 30 days, or
    /// has run out; each reminder once. Returns how many were queued.
    pub async fn queue_learning_reminders(&self, now: OffsetDateTime) -> CoreResult<usize> {
        let cat = self.workforce_catalogue().await?;
        let users: Vec<UserRow> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| tracked(u) && u.email.is_some())
            .collect();
        let workers = self.trainings(&cat, &users, self.today(now)).await?;
        let mut queued = 0;
        for (u, w) in users.iter().zip(&workers) {
            for r in &w.requirements {
                let (band, until) = match r.standing {
                    Standing::Expiring { until, .. } => (r.standing.band(), until),
                    Standing::Expired { on } => (Band::OutOfDate, on),
                    Standing::Current { .. } | Standing::Missing => continue,
                };
                let Some(to) = u.email.clone() else { continue };
                let mut tx = self.store.begin().await?;
                if !tx
                    .claim_learning_reminder(
                        &u.id,
                        &r.level.id,
                        &iso_date(until),
                        band.code(),
                        unix_ms(now),
                    )
                    .await?
                {
                    continue;
                }
                let when = match r.standing {
                    Standing::Expired { on } => format!("ran out on {}", iso_date(on)),
                    _ => format!("runs out on {}", iso_date(until)),
                };
                tx.queue_email(&safeguard_store::concerns::EmailRow {
                    id: new_uuid(now)?.to_string(),
                    created_at: unix_ms(now),
                    to_address: to,
                    subject: format!("Your safeguarding training: {} {when}", r.level.name),
                    body: format!(
                        "Hello {},\n\nYour {} ({}) training {when}. See what you need and record \
                         learning at {{PUBLIC_URL}}/learning\n",
                        u.display_name,
                        r.level.name,
                        r.level.framework.label()
                    ),
                    sent_at: None,
                    attempts: 0,
                    last_error: None,
                })
                .await?;
                tx.commit().await?;
                queued += 1;
            }
        }
        Ok(queued)
    }
}

/// What the home page says about training.
#[derive(Clone, Debug, Default)]
pub struct TrainingAlerts {
    /// The actor's own requirements that run out within 90 days or have:
    /// (level name, standing).
    pub mine: Vec<(String, Standing)>,
    /// For a manager or the workforce lead: requirements out of date among
    /// the workers they oversee, and those running out within 30 days.
    pub team: Option<(u64, u64)>,
}

impl Safeguard {
    /// The home page's reminders: the actor's own training running out, and
    /// (as counts, no names) their team's.
    pub async fn training_alerts(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> CoreResult<TrainingAlerts> {
        let cat = self.workforce_catalogue().await?;
        let me = actor.user_id.to_string();
        let users: Vec<UserRow> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| tracked(u) && (u.id == me || Self::in_workforce_scope(actor, u)))
            .collect();
        let workers = self.trainings(&cat, &users, self.today(now)).await?;
        let mut alerts = TrainingAlerts::default();
        let mut team = (0, 0);
        for w in &workers {
            for r in &w.requirements {
                let band = r.standing.band();
                if w.user_id == me {
                    if band != Band::Current {
                        alerts.mine.push((r.level.name.clone(), r.standing));
                    }
                } else if band == Band::OutOfDate {
                    team.0 += 1;
                } else if band == Band::Within30 {
                    team.1 += 1;
                }
            }
        }
        if workforce_scope(actor) != WorkforceScope::Nobody {
            alerts.team = Some(team);
        }
        Ok(alerts)
    }
}

/// Every learning kind, for forms: (code, label).
pub fn learning_kinds() -> Vec<(&'static str, &'static str)> {
    LearningKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect()
}
