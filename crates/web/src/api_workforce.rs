//! The JSON API for competence and training: a worker's own training,
//! recording learning, a worker's training for their manager, compliance,
//! the figures by team, and the competency frameworks.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use safeguard_core::workforce::{Catalogue, WorkerTraining};
use safeguard_domain::Role;
use safeguard_domain::person::iso_date;
use safeguard_domain::workforce::{RawLearning, RawLevel, Standing};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::created;
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// Where a worker stands against one level they need.
#[derive(Serialize, ToSchema)]
pub struct RequirementOut {
    /// The level's id.
    pub level_id: String,
    /// Its name.
    pub level: String,
    /// Its framework's code.
    pub framework: String,
    /// `current`, `expiring`, `expired` or `missing`.
    pub standing: String,
    /// The band: `out-of-date`, `within-30`, `within-60`, `within-90` or `current`.
    pub band: String,
    /// The last day it is (or was) current, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// Hours of learning in the level's refresh period.
    pub hours: f64,
    /// Hours the level asks for in that period.
    pub hours_needed: f64,
}

/// A learning record.
#[derive(Serialize, ToSchema)]
pub struct LearningOut {
    /// Id.
    pub id: String,
    /// What it was.
    pub title: String,
    /// Kind code.
    pub kind: String,
    /// Who provided it.
    pub provider: Option<String>,
    /// `YYYY-MM-DD`.
    pub completed_on: String,
    /// Hours.
    pub hours: f64,
    /// The level it evidences.
    pub level_id: Option<String>,
    /// Until when it keeps that level current, `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    /// What shows it was done.
    pub evidence: Option<String>,
}

/// A worker's training.
#[derive(Serialize, ToSchema)]
pub struct TrainingOut {
    /// The account's id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Job title, if set.
    pub job_title: Option<String>,
    /// Team name.
    pub team: Option<String>,
    /// Each level the role and job title need.
    pub requirements: Vec<RequirementOut>,
    /// Learning, newest first.
    pub learning: Vec<LearningOut>,
}

fn hours(tenths: i64) -> f64 {
    tenths as f64 / 10.0
}

fn training_out(t: &WorkerTraining) -> TrainingOut {
    TrainingOut {
        user_id: t.user_id.clone(),
        name: t.display_name.clone(),
        role: t.role.code().into(),
        job_title: t.job_title.clone(),
        team: t.team_name.clone(),
        requirements: t
            .requirements
            .iter()
            .map(|r| {
                let (standing, until) = match r.standing {
                    Standing::Current { until } => ("current", Some(until)),
                    Standing::Expiring { until, .. } => ("expiring", Some(until)),
                    Standing::Expired { on } => ("expired", Some(on)),
                    Standing::Missing => ("missing", None),
                };
                RequirementOut {
                    level_id: r.level.id.clone(),
                    level: r.level.name.clone(),
                    framework: r.level.framework.code().into(),
                    standing: standing.into(),
                    band: r.standing.band().code().into(),
                    until: until.map(iso_date),
                    hours: hours(r.hours_tenths),
                    hours_needed: hours(r.level.hours_tenths),
                }
            })
            .collect(),
        learning: t
            .records
            .iter()
            .map(|r| LearningOut {
                id: r.id.clone(),
                title: r.title.clone(),
                kind: r.kind.clone(),
                provider: r.provider.clone(),
                completed_on: r.completed_on.clone(),
                hours: hours(r.hours_tenths),
                level_id: r.level_id.clone(),
                expires_on: r.expires_on.clone(),
                evidence: r.evidence.clone(),
            })
            .collect(),
    }
}

/// The signed-in worker's training: what their role needs and their learning.
#[utoipa::path(get, path = "/api/v1/learning", tag = "training", security(("bearer" = [])),
    responses((status = 200, body = TrainingOut)))]
pub(crate) async fn mine(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<TrainingOut>, ApiError> {
    let (t, _) = state
        .core
        .my_training(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(training_out(&t)))
}

/// Learning to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LearningIn {
    /// Whose learning (an account id); omit for one's own. A manager may
    /// record for their team, the workforce lead for anyone.
    pub user_id: Option<String>,
    /// What it was.
    pub title: Option<String>,
    /// `course`, `e-learning`, `workshop`, `practice`, `reading` or `other`.
    pub kind: Option<String>,
    /// Who provided it.
    pub provider: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub completed_on: Option<String>,
    /// Hours, 0-1000, at most one decimal place.
    pub hours: Option<f64>,
    /// The id of the level it evidences.
    pub level_id: Option<String>,
    /// `YYYY-MM-DD`; default: the level's refresh period after completion.
    pub expires_on: Option<String>,
    /// What shows it was done.
    pub evidence: Option<String>,
}

/// Record learning (one's own, or a worker's one manages).
#[utoipa::path(post, path = "/api/v1/learning", tag = "training", request_body = LearningIn, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn record(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l: LearningIn = parse_json(&body)?;
    let raw = RawLearning {
        title: l.title,
        kind: l.kind,
        provider: l.provider,
        completed_on: l.completed_on,
        hours: l.hours.map(|h| h.to_string()),
        level: l.level_id,
        expires_on: l.expires_on,
        evidence: l.evidence,
    };
    let row = state
        .core
        .record_learning(&user.actor, l.user_id.as_deref(), &raw, &user.ctx, user.now)
        .await?;
    Ok(created(row.id))
}

/// A worker's training (their manager, the workforce lead).
#[utoipa::path(get, path = "/api/v1/learning/workers/{id}", tag = "training", params(("id" = String, Path, description = "Account id")),
    security(("bearer" = [])), responses((status = 200, body = TrainingOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn worker(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TrainingOut>, ApiError> {
    let (t, _) = state
        .core
        .worker_training(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(training_out(&t)))
}

/// `?team=ID`.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct ComplianceParams {
    /// A team's id (the workforce lead; default every team they see).
    team: Option<String>,
}

/// A lead allocated without the required training.
#[derive(Serialize, ToSchema)]
pub struct OverrideOut {
    /// The enquiry.
    pub enquiry_id: String,
    /// The lead's name.
    pub lead: String,
    /// The level not held.
    pub level: String,
    /// The manager's reason.
    pub reason: String,
    /// The manager.
    pub decided_by: String,
    /// `YYYY-MM-DD`.
    pub decided_on: String,
}

/// How many requirements fall in a band.
#[derive(Serialize, ToSchema)]
pub struct BandOut {
    /// `out-of-date`, `within-30`, `within-60`, `within-90` or `current`.
    pub band: String,
    /// How many.
    pub count: u64,
}

/// Training compliance of the workers one oversees.
#[derive(Serialize, ToSchema)]
pub struct ComplianceOut {
    /// Whose.
    pub scope: String,
    /// Requirements by band.
    pub bands: Vec<BandOut>,
    /// The workers, most urgent first.
    pub workers: Vec<TrainingOut>,
    /// Leads allocated without the required training in the last 12 months.
    pub allocated_without_training: Vec<OverrideOut>,
}

/// Training compliance: a manager's team, or everyone for the workforce lead.
#[utoipa::path(get, path = "/api/v1/learning/compliance", tag = "training", params(ComplianceParams),
    security(("bearer" = [])), responses((status = 200, body = ComplianceOut), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn compliance(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<ComplianceParams>,
) -> Result<Json<ComplianceOut>, ApiError> {
    let team = q.team.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let c = state
        .core
        .compliance(&user.actor, team, &user.ctx, user.now)
        .await?;
    Ok(Json(ComplianceOut {
        scope: c.scope,
        bands: c
            .bands
            .iter()
            .map(|(b, n)| BandOut {
                band: b.code().into(),
                count: *n,
            })
            .collect(),
        workers: c.workers.iter().map(training_out).collect(),
        allocated_without_training: c
            .overrides
            .into_iter()
            .map(|o| OverrideOut {
                enquiry_id: o.enquiry_id,
                lead: o.lead,
                level: o.level,
                reason: o.reason,
                decided_by: o.decided_by,
                decided_on: o.decided_on,
            })
            .collect(),
    }))
}

/// Compliance figures for one team, without names.
#[derive(Serialize, ToSchema)]
pub struct TeamFiguresOut {
    /// The team.
    pub team: String,
    /// Workers with a level to hold.
    pub workers: u64,
    /// Requirements by band.
    pub bands: Vec<BandOut>,
}

/// Compliance across the organisation by team, without names (analysts,
/// managers, the workforce lead).
#[utoipa::path(get, path = "/api/v1/learning/figures", tag = "training", security(("bearer" = [])),
    responses((status = 200, body = Vec<TeamFiguresOut>), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn figures(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<TeamFiguresOut>>, ApiError> {
    let f = state
        .core
        .compliance_figures(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(
        f.into_iter()
            .map(|t| TeamFiguresOut {
                team: t.team,
                workers: t.workers,
                bands: t
                    .bands
                    .into_iter()
                    .map(|b| BandOut {
                        band: b.band,
                        count: b.count,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// One level of a framework.
#[derive(Serialize, ToSchema)]
pub struct LevelOut {
    /// Id.
    pub id: String,
    /// `intercollegiate` or `bournemouth`.
    pub framework: String,
    /// Its place in the framework.
    pub rank: i64,
    /// Name.
    pub name: String,
    /// Who it is for.
    pub description: String,
    /// Months learning at this level stays current.
    pub refresh_months: u32,
    /// Hours it asks for in that time.
    pub hours: f64,
}

/// The levels a role needs.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RoleLevels {
    /// Role code.
    pub role: String,
    /// Level ids.
    pub level_ids: Vec<String>,
}

/// The competency frameworks.
#[derive(Serialize, ToSchema)]
pub struct FrameworksOut {
    /// Every level.
    pub levels: Vec<LevelOut>,
    /// What each role needs.
    pub requirements: Vec<RoleLevels>,
    /// What each job title needs on top of its role's.
    pub job_requirements: Vec<JobLevels>,
    /// The level an enquiry lead needs.
    pub enquiry_lead_level_id: Option<String>,
}

/// The levels a job title needs on top of its role's.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobLevels {
    /// The job title.
    pub job_title: Option<String>,
    /// Level ids (none: the title needs nothing of its own).
    #[serde(default)]
    pub level_ids: Vec<String>,
}

fn frameworks_out(c: &Catalogue) -> FrameworksOut {
    FrameworksOut {
        levels: c
            .levels
            .iter()
            .map(|l| LevelOut {
                id: l.id.clone(),
                framework: l.framework.code().into(),
                rank: l.rank,
                name: l.name.clone(),
                description: l.description.clone(),
                refresh_months: l.refresh_months,
                hours: hours(l.hours_tenths),
            })
            .collect(),
        requirements: Role::ALL
            .iter()
            .map(|r| RoleLevels {
                role: r.code().into(),
                level_ids: c.required_for(*r).iter().map(|l| l.id.clone()).collect(),
            })
            .collect(),
        job_requirements: c
            .jobs()
            .into_iter()
            .map(|(t, levels)| JobLevels {
                job_title: Some(t),
                level_ids: levels.iter().map(|l| l.id.clone()).collect(),
            })
            .collect(),
        enquiry_lead_level_id: c.enquiry_lead_level.clone(),
    }
}

/// Set the levels a job title needs on top of its role's (administrators).
#[utoipa::path(put, path = "/api/v1/learning/frameworks/job-requirements", tag = "training",
    request_body = JobLevels, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn set_job_requirements(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let j: JobLevels = parse_json(&body)?;
    state
        .core
        .set_job_requirements(&user.actor, &j.job_title, &j.level_ids, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An account's job title.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobTitleIn {
    /// The title (absent or blank: none).
    pub job_title: Option<String>,
}

/// Set or clear an account's job title (administrators).
#[utoipa::path(put, path = "/api/v1/users/{id}/job-title", tag = "training", params(("id" = String, Path, description = "Account id")),
    request_body = JobTitleIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn set_job_title(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let j: JobTitleIn = parse_json(&body)?;
    state
        .core
        .set_job_title(&user.actor, &id, &j.job_title, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The competency frameworks, what each role needs and the level an enquiry lead needs.
#[utoipa::path(get, path = "/api/v1/learning/frameworks", tag = "training", security(("bearer" = [])),
    responses((status = 200, body = FrameworksOut)))]
pub(crate) async fn frameworks(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<FrameworksOut>, ApiError> {
    Ok(Json(frameworks_out(
        &state.core.workforce_catalogue().await?,
    )))
}

/// A level as added or changed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelIn {
    /// `intercollegiate` or `bournemouth` (adding only).
    pub framework: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Who it is for.
    pub description: Option<String>,
    /// Months current, 1-120.
    pub refresh_months: Option<u32>,
    /// Hours, 0-1000.
    pub hours: Option<f64>,
}

fn raw_level(l: &LevelIn) -> RawLevel {
    RawLevel {
        name: l.name.clone(),
        description: l.description.clone(),
        refresh_months: l.refresh_months.map(|m| m.to_string()),
        hours: l.hours.map(|h| h.to_string()),
    }
}

/// Add a level at the end of a framework (administrators).
#[utoipa::path(post, path = "/api/v1/learning/frameworks/levels", tag = "training", request_body = LevelIn, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn add_level(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l: LevelIn = parse_json(&body)?;
    let id = state
        .core
        .add_level(
            &user.actor,
            l.framework.as_deref().unwrap_or(""),
            &raw_level(&l),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(created(id))
}

/// Change a level (administrators).
#[utoipa::path(put, path = "/api/v1/learning/frameworks/levels/{id}", tag = "training", params(("id" = String, Path, description = "Level id")),
    request_body = LevelIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn edit_level(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let l: LevelIn = parse_json(&body)?;
    state
        .core
        .edit_level(&user.actor, &id, &raw_level(&l), &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What each role needs, and the level an enquiry lead needs.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementsIn {
    /// Roles not listed keep what they need.
    pub requirements: Vec<RoleLevels>,
    /// The level an enquiry lead needs; none: any council practitioner or manager.
    pub enquiry_lead_level_id: Option<String>,
}

/// Set what each role needs and the level an enquiry lead needs (administrators).
#[utoipa::path(put, path = "/api/v1/learning/frameworks/requirements", tag = "training", request_body = RequirementsIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn set_requirements(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let r: RequirementsIn = parse_json(&body)?;
    let mut by_role = Vec::new();
    for rl in r.requirements {
        match Role::parse(&rl.role) {
            Some(role) => by_role.push((role, rl.level_ids)),
            None => {
                let mut e = safeguard_domain::FieldErrors::new();
                e.add("requirements", format!("{:?} is not a role", rl.role));
                return Err(safeguard_core::CoreError::Invalid(e).into());
            }
        }
    }
    state
        .core
        .set_requirements(
            &user.actor,
            &by_role,
            r.enquiry_lead_level_id.as_deref(),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Grant or withdraw the workforce lead's permission.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkforceLeadIn {
    /// Whether the account holds it.
    pub lead: bool,
}

/// Grant or withdraw the workforce lead's permission: organisation-wide
/// training and audit figures (administrators; council practitioners and
/// managers only).
#[utoipa::path(put, path = "/api/v1/users/{id}/workforce-lead", tag = "training", params(("id" = String, Path, description = "Account id")),
    request_body = WorkforceLeadIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn workforce_lead(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let w: WorkforceLeadIn = parse_json(&body)?;
    state
        .core
        .set_workforce_lead(&user.actor, &id, w.lead, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
