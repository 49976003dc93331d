//! The JSON API for large-scale (organisational) enquiries.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use safeguard_domain::large_scale::{RawLargeScale, RawLsAction, RawLsClosure, RawLsMeeting};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::{IdOut, created};
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// A large-scale enquiry in a list.
#[derive(Serialize, ToSchema)]
pub struct LargeScaleOut {
    /// Id.
    pub id: String,
    /// The provider or place it is about.
    pub provider_id: String,
    /// Its name.
    pub provider: String,
    /// `open` or `closed`.
    pub state: String,
    /// Why it was opened.
    pub reason: String,
    /// When (Unix milliseconds).
    pub opened_at: i64,
    /// How it ended (code), once closed.
    pub outcome: Option<String>,
}

/// An action of its plan.
#[derive(Serialize, ToSchema)]
pub struct LsActionOut {
    /// Id.
    pub id: String,
    /// What.
    pub description: String,
    /// Who.
    pub owner: String,
    /// The provider's own action.
    pub by_provider: bool,
    /// Due, `YYYY-MM-DD`.
    pub due_on: String,
    /// Status (code).
    pub status: String,
}

/// A meeting.
#[derive(Serialize, ToSchema)]
pub struct LsMeetingOut {
    /// Id.
    pub id: String,
    /// Kind (code).
    pub kind: String,
    /// When, `YYYY-MM-DD`.
    pub held_on: String,
    /// Who took part.
    pub attendees: String,
    /// What was discussed and decided.
    pub summary: String,
}

/// One large-scale enquiry.
#[derive(Serialize, ToSchema)]
pub struct LargeScaleDetailOut {
    /// The enquiry.
    #[serde(flatten)]
    pub enquiry: LargeScaleOut,
    /// What changed, once closed.
    pub closure_summary: Option<String>,
    /// How many adults' enquiries are linked in all.
    pub linked_total: i64,
    /// The linked enquiries you may see.
    pub enquiry_ids: Vec<String>,
    /// Its plan.
    pub actions: Vec<LsActionOut>,
    /// Its meetings.
    pub meetings: Vec<LsMeetingOut>,
}

/// Large-scale enquiries, open first (council case workers).
#[utoipa::path(get, path = "/api/v1/large-scale-enquiries", tag = "patterns", security(("bearer" = [])),
    responses((status = 200, body = [LargeScaleOut]), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<LargeScaleOut>>, ApiError> {
    let rows = state
        .core
        .large_scale_list(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(r, name)| LargeScaleOut {
                id: r.id,
                provider_id: r.provider_id,
                provider: name,
                state: r.state,
                reason: r.reason,
                opened_at: r.opened_at,
                outcome: r.outcome,
            })
            .collect(),
    ))
}

/// Open a large-scale enquiry about a provider (council managers); from an
/// undecided alert, it decides the alert.
#[utoipa::path(post, path = "/api/v1/large-scale-enquiries", tag = "patterns", request_body = RawLargeScale, security(("bearer" = [])),
    responses((status = 201, body = IdOut), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn open(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawLargeScale = parse_json(&body)?;
    let id = state
        .core
        .open_large_scale(&user.actor, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(id))
}

/// One large-scale enquiry; linked adults' enquiries only as your
/// need-to-know allows (the rest counted).
#[utoipa::path(get, path = "/api/v1/large-scale-enquiries/{id}", tag = "patterns", params(("id" = String, Path, description = "Large-scale enquiry id")), security(("bearer" = [])),
    responses((status = 200, body = LargeScaleDetailOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<LargeScaleDetailOut>, ApiError> {
    let v = state
        .core
        .large_scale_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(LargeScaleDetailOut {
        closure_summary: v.lse.closure_summary.clone(),
        enquiry: LargeScaleOut {
            id: v.lse.id,
            provider_id: v.provider.id,
            provider: v.provider.name,
            state: v.lse.state,
            reason: v.lse.reason,
            opened_at: v.lse.opened_at,
            outcome: v.lse.outcome,
        },
        linked_total: v.linked_total,
        enquiry_ids: v.linked.into_iter().map(|(e, _)| e.id).collect(),
        actions: v
            .actions
            .into_iter()
            .map(|a| LsActionOut {
                id: a.id,
                description: a.description,
                owner: a.owner,
                by_provider: a.by_provider,
                due_on: a.due_on,
                status: a.status,
            })
            .collect(),
        meetings: v
            .meetings
            .into_iter()
            .map(|m| LsMeetingOut {
                id: m.id,
                kind: m.kind,
                held_on: m.held_on,
                attendees: m.attendees,
                summary: m.summary,
            })
            .collect(),
    }))
}

/// An adult's enquiry to link.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LinkIn {
    /// The enquiry's id (required).
    pub enquiry_id: Option<String>,
}

/// Link an adult's enquiry (council managers who may see it).
#[utoipa::path(post, path = "/api/v1/large-scale-enquiries/{id}/links", tag = "patterns", params(("id" = String, Path, description = "Large-scale enquiry id")),
    request_body = LinkIn, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn link(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let l: LinkIn = parse_json(&body)?;
    state
        .core
        .link_large_scale(
            &user.actor,
            &id,
            l.enquiry_id.as_deref(),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add an action to its plan (council case workers).
#[utoipa::path(post, path = "/api/v1/large-scale-enquiries/{id}/actions", tag = "patterns", params(("id" = String, Path, description = "Large-scale enquiry id")),
    request_body = RawLsAction, security(("bearer" = [])),
    responses((status = 201, body = IdOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add_action(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawLsAction = parse_json(&body)?;
    let aid = state
        .core
        .add_ls_action(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(aid))
}

/// An action's new status.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StatusIn {
    /// `planned`, `in_progress`, `done` or `cancelled` (required).
    pub status: Option<String>,
}

/// Move an action on (council case workers).
#[utoipa::path(put, path = "/api/v1/large-scale-enquiries/{id}/actions/{action}", tag = "patterns",
    params(("id" = String, Path, description = "Large-scale enquiry id"), ("action" = String, Path, description = "Action id")),
    request_body = StatusIn, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn action_status(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let s: StatusIn = parse_json(&body)?;
    state
        .core
        .set_ls_action_status(
            &user.actor,
            &id,
            &action,
            s.status.as_deref(),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record a meeting (council case workers).
#[utoipa::path(post, path = "/api/v1/large-scale-enquiries/{id}/meetings", tag = "patterns", params(("id" = String, Path, description = "Large-scale enquiry id")),
    request_body = RawLsMeeting, security(("bearer" = [])),
    responses((status = 201, body = IdOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawLsMeeting = parse_json(&body)?;
    let mid = state
        .core
        .add_ls_meeting(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(mid))
}

/// Close it (council managers), once every action is done or cancelled.
#[utoipa::path(post, path = "/api/v1/large-scale-enquiries/{id}/close", tag = "patterns", params(("id" = String, Path, description = "Large-scale enquiry id")),
    request_body = RawLsClosure, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn close(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let raw: RawLsClosure = parse_json(&body)?;
    state
        .core
        .close_large_scale(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
