//! The JSON API for supervision.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use safeguard_core::supervision::{AgreementView, Supervisee, SupervisionView};
use safeguard_domain::person::iso_date;
use safeguard_domain::supervision::{RawAgreement, RawSession};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::created;
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// A supervision agreement.
#[derive(Serialize, ToSchema)]
pub struct AgreementOut {
    /// The supervisor's name.
    pub supervisor: String,
    /// The supervisor's username.
    pub supervisor_username: String,
    /// Weeks between sessions.
    pub frequency_weeks: u32,
    /// `YYYY-MM-DD`.
    pub started_on: String,
    /// The last session, `YYYY-MM-DD`.
    pub last_session: Option<String>,
    /// When the next is due, `YYYY-MM-DD`.
    pub next_due: String,
    /// Whether it is overdue.
    pub overdue: bool,
}

fn agreement_out(a: &AgreementView) -> AgreementOut {
    AgreementOut {
        supervisor: a.supervisor.clone(),
        supervisor_username: a.supervisor_username.clone(),
        frequency_weeks: a.frequency_weeks,
        started_on: iso_date(a.started_on),
        last_session: a.last.map(iso_date),
        next_due: iso_date(a.next_due),
        overdue: a.overdue,
    }
}

/// A case discussed: its enquiry and the decision, when the caller may open it.
#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    /// The enquiry (absent when the caller may not open it).
    pub enquiry_id: Option<String>,
    /// The decision (absent likewise).
    pub decision: Option<String>,
}

/// An action agreed.
#[derive(Serialize, ToSchema)]
pub struct SupervisionActionOut {
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

/// A session.
#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    /// Id.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    /// The supervisor's name.
    pub supervisor: String,
    /// `good`, `managing` or `strained` (the worker and this supervisor only).
    pub wellbeing: Option<String>,
    /// Private notes (the worker and this supervisor only).
    pub notes: Option<String>,
    /// Cases discussed.
    pub cases: Vec<CaseOut>,
    /// Actions agreed.
    pub actions: Vec<SupervisionActionOut>,
}

/// A worker supervised or overseen by the caller.
#[derive(Serialize, ToSchema)]
pub struct SuperviseeOut {
    /// Account id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Team.
    pub team: Option<String>,
    /// Their agreement.
    pub agreement: Option<AgreementOut>,
}

/// A worker's supervision.
#[derive(Serialize, ToSchema)]
pub struct SupervisionOut {
    /// Account id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Their agreement.
    pub agreement: Option<AgreementOut>,
    /// Sessions, newest first.
    pub sessions: Vec<SessionOut>,
    /// For one's own: the workers one supervises or oversees, overdue first.
    pub supervisees: Vec<SuperviseeOut>,
}

fn out(v: &SupervisionView, supervisees: &[Supervisee]) -> SupervisionOut {
    SupervisionOut {
        user_id: v.user_id.clone(),
        name: v.name.clone(),
        agreement: v.agreement.as_ref().map(agreement_out),
        sessions: v
            .sessions
            .iter()
            .map(|s| SessionOut {
                id: s.id.clone(),
                held_on: s.held_on.clone(),
                supervisor: s.supervisor.clone(),
                wellbeing: s.wellbeing.map(|w| w.code().to_string()),
                notes: s.notes.clone(),
                cases: s
                    .cases
                    .iter()
                    .map(|c| CaseOut {
                        enquiry_id: c.enquiry_id.clone(),
                        decision: c.decision.clone(),
                    })
                    .collect(),
                actions: s
                    .actions
                    .iter()
                    .map(|a| SupervisionActionOut {
                        id: a.id.clone(),
                        action: a.action.clone(),
                        owner: a.owner.clone(),
                        due_on: a.due_on.clone(),
                        done: a.done,
                        overdue: a.overdue,
                    })
                    .collect(),
            })
            .collect(),
        supervisees: supervisees
            .iter()
            .map(|w| SuperviseeOut {
                user_id: w.user_id.clone(),
                name: w.name.clone(),
                team: w.team.clone(),
                agreement: w.agreement.as_ref().map(agreement_out),
            })
            .collect(),
    }
}

/// One's own supervision, and the workers one supervises or oversees.
#[utoipa::path(get, path = "/api/v1/supervision", tag = "supervision", security(("bearer" = [])),
    responses((status = 200, body = SupervisionOut)))]
pub(crate) async fn mine(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<SupervisionOut>, ApiError> {
    let me = user.actor.user_id.to_string();
    let v = state
        .core
        .supervision(&user.actor, &me, &user.ctx, user.now)
        .await?;
    let s = state
        .core
        .supervisees(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(out(&v, &s)))
}

/// A worker's supervision (the worker, their supervisor, their manager, the workforce lead).
#[utoipa::path(get, path = "/api/v1/supervision/workers/{id}", tag = "supervision", params(("id" = String, Path, description = "Account id")),
    security(("bearer" = [])), responses((status = 200, body = SupervisionOut), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn worker(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<SupervisionOut>, ApiError> {
    let v = state
        .core
        .supervision(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(out(&v, &[])))
}

/// A supervision agreement to set.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementIn {
    /// The supervisor's username.
    pub supervisor: Option<String>,
    /// Weeks between sessions, 1-26.
    pub frequency_weeks: Option<u32>,
    /// `YYYY-MM-DD`.
    pub started_on: Option<String>,
}

/// Set who supervises a worker and how often.
#[utoipa::path(put, path = "/api/v1/supervision/workers/{id}/agreement", tag = "supervision", params(("id" = String, Path, description = "Account id")),
    request_body = AgreementIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn agreement(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let a: AgreementIn = parse_json(&body)?;
    let raw = RawAgreement {
        supervisor: a.supervisor,
        frequency_weeks: a.frequency_weeks.map(|w| w.to_string()),
        started_on: a.started_on,
    };
    state
        .core
        .set_supervision_agreement(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record a supervision session held with the worker.
#[utoipa::path(post, path = "/api/v1/supervision/workers/{id}/sessions", tag = "supervision", params(("id" = String, Path, description = "Account id")),
    request_body = RawSession, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn session(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawSession = parse_json(&body)?;
    let sid = state
        .core
        .record_supervision(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(sid))
}

/// Mark a supervision action done.
#[utoipa::path(post, path = "/api/v1/supervision/actions/{id}/done", tag = "supervision", params(("id" = String, Path, description = "Action id")),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn action_done(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .complete_supervision_action(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
