//! The JSON API for reflective practice and the CPD record.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use safeguard_core::reflection::{CpdYear, ReflectiveLog};
use safeguard_domain::reflection::{RawReflection, registration_year_of};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::created;
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// A reflection.
#[derive(Serialize, ToSchema)]
pub struct ReflectionOut {
    /// Id.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub written_on: String,
    /// Title.
    pub title: String,
    /// What happened.
    pub what_happened: String,
    /// What I learned.
    pub learned: String,
    /// What I will change.
    pub will_change: String,
    /// The safeguarding principle's code.
    pub principle: Option<String>,
    /// The enquiry it is about (when the caller may open it).
    pub enquiry_id: Option<String>,
    /// The peer's name.
    pub peer: Option<String>,
    /// Hours.
    pub hours: f64,
    /// Shared with those who oversee the worker.
    pub shared: bool,
}

/// A worker's reflective log.
#[derive(Serialize, ToSchema)]
pub struct ReflectiveLogOut {
    /// The worker's account id.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Newest first.
    pub reflections: Vec<ReflectionOut>,
}

fn log_out(l: ReflectiveLog) -> ReflectiveLogOut {
    ReflectiveLogOut {
        user_id: l.user_id,
        name: l.name,
        reflections: l
            .reflections
            .into_iter()
            .map(|r| ReflectionOut {
                id: r.row.id,
                written_on: r.row.written_on,
                title: r.row.title,
                what_happened: r.row.what_happened,
                learned: r.row.learned,
                will_change: r.row.will_change,
                principle: r.row.principle,
                enquiry_id: r.row.enquiry_id,
                peer: r.peer,
                hours: r.row.hours_tenths as f64 / 10.0,
                shared: r.row.shared,
            })
            .collect(),
    }
}

/// One's own reflective log.
#[utoipa::path(get, path = "/api/v1/reflections", tag = "training", security(("bearer" = [])),
    responses((status = 200, body = ReflectiveLogOut)))]
pub(crate) async fn mine(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<ReflectiveLogOut>, ApiError> {
    let me = user.actor.user_id.to_string();
    Ok(Json(log_out(
        state
            .core
            .reflective_log(&user.actor, &me, &user.ctx, user.now)
            .await?,
    )))
}

/// Add a reflection to one's own log.
#[utoipa::path(post, path = "/api/v1/reflections", tag = "training", request_body = RawReflection, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawReflection = parse_json(&body)?;
    let id = state
        .core
        .add_reflection(&user.actor, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(id))
}

/// A worker's reflective log: all of it for their supervisor, what they
/// shared for whoever oversees them.
#[utoipa::path(get, path = "/api/v1/reflections/workers/{id}", tag = "training", params(("id" = String, Path, description = "Account id")),
    security(("bearer" = [])), responses((status = 200, body = ReflectiveLogOut), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn worker(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ReflectiveLogOut>, ApiError> {
    Ok(Json(log_out(
        state
            .core
            .reflective_log(&user.actor, &id, &user.ctx, user.now)
            .await?,
    )))
}

/// `?year=2026`.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct CpdParams {
    /// The registration year, named by the year its 30 November falls in
    /// (default: the current one).
    year: Option<i32>,
}

/// One piece of CPD.
#[derive(Serialize, ToSchema)]
pub struct CpdPieceOut {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `learning` or `reflection`.
    pub kind: String,
    /// What it was.
    pub title: String,
    /// What was done or learned.
    pub learned: String,
    /// How it changes practice.
    pub impact: String,
    /// The colleague it was reflected on with.
    pub peer: Option<String>,
    /// Hours.
    pub hours: f64,
}

/// A registration year's CPD record.
#[derive(Serialize, ToSchema)]
pub struct CpdOut {
    /// The year it ends in.
    pub year: i32,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Oldest first.
    pub pieces: Vec<CpdPieceOut>,
    /// At least two pieces.
    pub enough: bool,
    /// At least one with peer reflection.
    pub with_peer: bool,
}

/// One's CPD record for a registration year (1 December to 30 November):
/// learning and reflections, and whether it meets the registration's ask.
#[utoipa::path(get, path = "/api/v1/reflections/cpd", tag = "training", params(CpdParams), security(("bearer" = [])),
    responses((status = 200, body = CpdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn cpd(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<CpdParams>,
) -> Result<Json<CpdOut>, ApiError> {
    let year = q
        .year
        .unwrap_or_else(|| registration_year_of(state.core.today(user.now)));
    let c: CpdYear = state
        .core
        .cpd_year(&user.actor, year, &user.ctx, user.now)
        .await?;
    Ok(Json(CpdOut {
        year: c.year,
        from: c.from,
        to: c.to,
        pieces: c
            .pieces
            .into_iter()
            .map(|p| CpdPieceOut {
                date: p.date,
                kind: p.kind,
                title: p.title,
                learned: p.learned,
                impact: p.impact,
                peer: p.peer,
                hours: p.hours,
            })
            .collect(),
        enough: c.enough,
        with_peer: c.with_peer,
    }))
}
