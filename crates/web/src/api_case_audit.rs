//! The JSON API for case-file audit.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeguard_core::case_audit::{AuditSummary, AuditView};
use safeguard_domain::case_audit::{Quarter, RawGrading, RawModeration, RawSample, RawTemplate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::created;
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// An audit in a list.
#[derive(Serialize, ToSchema)]
pub struct AuditSummaryOut {
    /// Id.
    pub id: String,
    /// The quarter, `2026-Q4`.
    pub quarter: String,
    /// The case's team.
    pub team: String,
    /// The case's worker.
    pub worker: String,
    /// The auditor's name.
    pub auditor: Option<String>,
    /// The moderator's name.
    pub moderator: Option<String>,
    /// `awaiting_auditor`, `with_auditor`, `awaiting_moderation` or `complete`.
    pub stage: String,
    /// Questions graded.
    pub graded: u64,
    /// Of those, good or outstanding (after moderation).
    pub good_or_better: u64,
    /// Whether the worker has responded.
    pub responded: bool,
}

fn summary(s: &AuditSummary) -> AuditSummaryOut {
    AuditSummaryOut {
        id: s.id.clone(),
        quarter: s.quarter.code(),
        team: s.team.clone(),
        worker: s.worker.clone(),
        auditor: s.auditor.clone(),
        moderator: s.moderator.clone(),
        stage: s.stage.code().into(),
        graded: s.tally.graded,
        good_or_better: s.tally.good,
        responded: s.responded,
    }
}

/// The audits the caller takes part in or oversees.
#[derive(Serialize, ToSchema)]
pub struct AuditListsOut {
    /// To grade or moderate.
    pub to_do: Vec<AuditSummaryOut>,
    /// Graded audits of the caller's cases.
    pub of_mine: Vec<AuditSummaryOut>,
    /// The caller's team's (its managers).
    pub team: Vec<AuditSummaryOut>,
    /// The quarter `all` covers.
    pub quarter: String,
    /// Every team's audits that quarter (the workforce lead).
    pub all: Vec<AuditSummaryOut>,
}

/// `?quarter=2026-Q4`.
#[derive(Deserialize, IntoParams)]
pub struct QuarterParams {
    /// The quarter for the workforce lead's list (default: this one).
    pub quarter: Option<String>,
}

/// The audits the caller has to do, of their cases, of their team and (the
/// workforce lead) every team's in a quarter.
#[utoipa::path(get, path = "/api/v1/case-audits", tag = "case audit", params(QuarterParams),
    security(("bearer" = [])), responses((status = 200, body = AuditListsOut), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<QuarterParams>,
) -> Result<Json<AuditListsOut>, ApiError> {
    let quarter = match q.quarter.as_deref() {
        None => None,
        Some(s) => Some(Quarter::parse(s).ok_or_else(|| {
            let mut e = safeguard_domain::validation::FieldErrors::new();
            e.add("quarter", "Enter the quarter, for example 2026-Q4");
            ApiError::bad_query(e)
        })?),
    };
    let l = state
        .core
        .case_audits(&user.actor, quarter, &user.ctx, user.now)
        .await?;
    Ok(Json(AuditListsOut {
        to_do: l.to_do.iter().map(summary).collect(),
        of_mine: l.of_mine.iter().map(summary).collect(),
        team: l.team.iter().map(summary).collect(),
        quarter: l.quarter.code(),
        all: l.all.iter().map(summary).collect(),
    }))
}

/// The ids of the audits drawn.
#[derive(Serialize, ToSchema)]
pub struct DrawnOut {
    /// One an audit.
    pub ids: Vec<String>,
}

/// Draw a quarter's random sample of each team's cases (the workforce lead).
#[utoipa::path(post, path = "/api/v1/case-audits/sample", tag = "case audit", request_body = RawSample,
    security(("bearer" = [])), responses((status = 201, body = DrawnOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn draw(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawSample = parse_json(&body)?;
    let ids = state
        .core
        .draw_audit_sample(&user.actor, &raw, &user.ctx, user.now)
        .await?;
    Ok((StatusCode::CREATED, Json(DrawnOut { ids })).into_response())
}

/// A question of an audit.
#[derive(Serialize, ToSchema)]
pub struct QuestionOut {
    /// The question.
    pub text: String,
    /// The auditor's grade.
    pub grade: Option<String>,
    /// The moderator's, where it differs.
    pub moderated_grade: Option<String>,
    /// The evidence (absent unless the caller sees the case content).
    pub evidence: Option<String>,
}

/// An improvement action.
#[derive(Serialize, ToSchema)]
pub struct AuditActionOut {
    /// Id.
    pub id: String,
    /// What.
    pub action: String,
    /// Who.
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// Done.
    pub done: bool,
    /// Past its date and not done.
    pub overdue: bool,
}

/// One audit.
#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    /// Id.
    pub id: String,
    /// `2026-Q4`.
    pub quarter: String,
    /// Team.
    pub team: String,
    /// The case's worker.
    pub worker: String,
    /// The auditor's username.
    pub auditor: Option<String>,
    /// The moderator's username.
    pub moderator: Option<String>,
    /// Where it has got to.
    pub stage: String,
    /// The enquiry (absent unless the caller sees the case content).
    pub enquiry_id: Option<String>,
    /// Questions, grades and evidence.
    pub questions: Vec<QuestionOut>,
    /// Findings (with the case content).
    pub findings: Option<String>,
    /// Moderation note (with the case content).
    pub moderation_note: Option<String>,
    /// The worker's response (with the case content).
    pub response: Option<String>,
    /// Improvement actions.
    pub actions: Vec<AuditActionOut>,
}

fn audit_out(v: AuditView) -> AuditOut {
    AuditOut {
        id: v.id,
        quarter: v.quarter.code(),
        team: v.team,
        worker: v.worker,
        auditor: v.auditor.map(|a| a.1),
        moderator: v.moderator.map(|a| a.1),
        stage: v.stage.code().into(),
        enquiry_id: v.enquiry_id,
        questions: v
            .questions
            .into_iter()
            .map(|q| QuestionOut {
                text: q.text,
                grade: q.grade.map(|g| g.code().into()),
                moderated_grade: q.moderated.map(|g| g.code().into()),
                evidence: q.evidence,
            })
            .collect(),
        findings: v.findings,
        moderation_note: v.moderation_note,
        response: v.response,
        actions: v
            .actions
            .into_iter()
            .map(|a| AuditActionOut {
                id: a.id,
                action: a.action,
                owner: a.owner,
                due_on: a.due_on,
                done: a.done,
                overdue: a.overdue,
            })
            .collect(),
    }
}

/// One audit (its auditor, moderator and worker, the team's managers, the workforce lead).
#[utoipa::path(get, path = "/api/v1/case-audits/{id}", tag = "case audit", params(("id" = String, Path, description = "Audit id")),
    security(("bearer" = [])), responses((status = 200, body = AuditOut), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn view(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AuditOut>, ApiError> {
    let v = state
        .core
        .case_audit(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(audit_out(v)))
}

/// Who audits and who moderates.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentIn {
    /// The auditor's username.
    pub auditor: Option<String>,
    /// The moderator's username (blank or absent to name later).
    pub moderator: Option<String>,
}

/// Name the auditor and moderator (the workforce lead).
#[utoipa::path(put, path = "/api/v1/case-audits/{id}/assignment", tag = "case audit", params(("id" = String, Path, description = "Audit id")),
    request_body = AssignmentIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn assign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let a: AssignmentIn = parse_json(&body)?;
    state
        .core
        .assign_case_audit(
            &user.actor,
            &id,
            a.auditor.as_deref().unwrap_or(""),
            a.moderator.as_deref().unwrap_or(""),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record the grades, findings and improvement actions (the auditor).
#[utoipa::path(put, path = "/api/v1/case-audits/{id}/grades", tag = "case audit", params(("id" = String, Path, description = "Audit id")),
    request_body = RawGrading, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn grade(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let raw: RawGrading = parse_json(&body)?;
    state
        .core
        .grade_case_audit(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record the moderation (the moderator): a grade only where it differs.
#[utoipa::path(put, path = "/api/v1/case-audits/{id}/moderation", tag = "case audit", params(("id" = String, Path, description = "Audit id")),
    request_body = RawModeration, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn moderate(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let raw: RawModeration = parse_json(&body)?;
    state
        .core
        .moderate_case_audit(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The worker's response.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseIn {
    /// What they make of the audit.
    pub response: Option<String>,
}

/// Respond to the audit of one's case (the worker).
#[utoipa::path(put, path = "/api/v1/case-audits/{id}/response", tag = "case audit", params(("id" = String, Path, description = "Audit id")),
    request_body = ResponseIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn respond(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let r: ResponseIn = parse_json(&body)?;
    state
        .core
        .respond_to_case_audit(&user.actor, &id, &r.response, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark an improvement action done.
#[utoipa::path(post, path = "/api/v1/case-audits/actions/{id}/done", tag = "case audit", params(("id" = String, Path, description = "Action id")),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn action_done(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .complete_case_audit_action(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A share good or better.
#[derive(Serialize, ToSchema)]
pub struct TallyOut {
    /// `2026-Q4`.
    pub quarter: String,
    /// Graded.
    pub graded: u64,
    /// Good or outstanding.
    pub good_or_better: u64,
}

/// One question's or team's tallies.
#[derive(Serialize, ToSchema)]
pub struct ThemeOut {
    /// The question or the team.
    pub label: String,
    /// By quarter, oldest first.
    pub quarters: Vec<TallyOut>,
}

/// The themes.
#[derive(Serialize, ToSchema)]
pub struct ThemesOut {
    /// By question.
    pub by_question: Vec<ThemeOut>,
    /// By team.
    pub by_team: Vec<ThemeOut>,
}

fn theme(
    label: &str,
    m: &std::collections::BTreeMap<Quarter, safeguard_domain::case_audit::Tally>,
) -> ThemeOut {
    ThemeOut {
        label: label.to_string(),
        quarters: m
            .iter()
            .map(|(q, t)| TallyOut {
                quarter: q.code(),
                graded: t.graded,
                good_or_better: t.good,
            })
            .collect(),
    }
}

/// The themes of case-file audit: figures by question and team, quarter by
/// quarter (analysts, managers, the workforce lead).
#[utoipa::path(get, path = "/api/v1/case-audits/themes", tag = "case audit",
    security(("bearer" = [])), responses((status = 200, body = ThemesOut), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn themes(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<ThemesOut>, ApiError> {
    let v = state
        .core
        .audit_themes(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(ThemesOut {
        by_question: v
            .questions
            .iter()
            .filter_map(|q| v.themes.by_question.get(q).map(|m| theme(q, m)))
            .collect(),
        by_team: v.themes.by_team.iter().map(|(t, m)| theme(t, m)).collect(),
    }))
}

/// A template.
#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// New samples use it.
    pub active: bool,
    /// Its questions.
    pub questions: Vec<String>,
}

/// The templates.
#[derive(Serialize, ToSchema)]
pub struct TemplatesOut {
    /// The one in use first.
    pub templates: Vec<TemplateOut>,
}

/// Every audit template (anyone signed in: they are about no one).
#[utoipa::path(get, path = "/api/v1/case-audits/templates", tag = "case audit",
    security(("bearer" = [])), responses((status = 200, body = TemplatesOut)))]
pub(crate) async fn templates(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<TemplatesOut>, ApiError> {
    Ok(Json(TemplatesOut {
        templates: state
            .core
            .audit_templates()
            .await?
            .into_iter()
            .map(|t| TemplateOut {
                id: t.id,
                name: t.name,
                active: t.active,
                questions: t.questions,
            })
            .collect(),
    }))
}

/// Add a template (administrators); it is used once put in use.
#[utoipa::path(post, path = "/api/v1/case-audits/templates", tag = "case audit", request_body = RawTemplate,
    security(("bearer" = [])), responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn add_template(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawTemplate = parse_json(&body)?;
    let id = state
        .core
        .add_audit_template(&user.actor, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(id))
}

/// Put a template in use for new samples (administrators).
#[utoipa::path(post, path = "/api/v1/case-audits/templates/{id}/activate", tag = "case audit", params(("id" = String, Path, description = "Template id")),
    security(("bearer" = [])), responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn activate_template(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .activate_audit_template(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
