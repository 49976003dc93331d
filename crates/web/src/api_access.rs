//! The JSON API for need-to-know: emergency openings and their review,
//! restricted records, and enquiries' need-to-know teams.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// Why a record must be opened now.
#[derive(Deserialize, ToSchema)]
pub struct BreakGlassIn {
    /// The reason, kept for the manager who reviews the opening.
    pub reason: String,
    /// The 6-digit code the user's authenticator app shows now (a fresh
    /// second factor is asked for before an emergency opening).
    #[serde(default)]
    pub code: Option<String>,
}

/// An emergency opening.
#[derive(Serialize, ToSchema)]
pub struct BreakGlassOut {
    /// Id of the opening (for its review).
    pub id: String,
    /// The record it opened.
    pub person_id: String,
    /// When it was opened (Unix ms).
    pub opened_at: i64,
    /// When it stops (Unix ms).
    pub expires_at: i64,
}

/// A restriction on a person's record.
#[derive(Deserialize, ToSchema)]
pub struct RestrictionIn {
    /// Why it is restricted.
    pub reason: String,
    /// Who others should contact (empty: the manager's name and team).
    #[serde(default)]
    pub contact: String,
    /// Usernames who may open it (besides the manager and the leads of the person's enquiries).
    #[serde(default)]
    pub access_list: Vec<String>,
}

/// An emergency opening in the review queue.
#[derive(Serialize, ToSchema)]
pub struct OpeningOut {
    /// Id.
    pub id: String,
    /// The record opened.
    pub person_id: String,
    /// Its name.
    pub person_name: String,
    /// Who opened it (username).
    pub username: String,
    /// Their reason.
    pub reason: String,
    /// When (Unix ms).
    pub opened_at: i64,
    /// Until (Unix ms).
    pub expires_at: i64,
    /// When it was reviewed (Unix ms), if it has been.
    pub reviewed_at: Option<i64>,
    /// The reviewer's finding: justified or not.
    pub justified: Option<bool>,
    /// The finding in words.
    pub finding: Option<String>,
}

/// The review queue.
#[derive(Serialize, ToSchema)]
pub struct QueueOut {
    /// Waiting for review, oldest first.
    pub open: Vec<OpeningOut>,
    /// Most recently reviewed.
    pub reviewed: Vec<OpeningOut>,
}

/// A reviewer's finding.
#[derive(Deserialize, ToSchema)]
pub struct BreakGlassReviewIn {
    /// Whether the opening was justified.
    pub justified: bool,
    /// What was checked and concluded.
    pub finding: String,
}

/// Someone to invite into an enquiry.
#[derive(Deserialize, ToSchema)]
pub struct MemberIn {
    /// Their username.
    pub username: String,
    /// Why they need to know.
    pub reason: String,
}

fn opening(r: safeguard_core::rows::BreakGlassListRow) -> OpeningOut {
    OpeningOut {
        id: r.id,
        person_id: r.person_id,
        person_name: r.person_name,
        username: r.username,
        reason: r.reason,
        opened_at: r.opened_at,
        expires_at: r.expires_at,
        reviewed_at: r.reviewed_at,
        justified: r.justified,
        finding: r.finding,
    }
}

/// Open a record outside your need-to-know in an emergency, giving a
/// reason. Time-limited; the safeguarding lead is told and a manager reviews it.
#[utoipa::path(post, path = "/api/v1/people/{id}/break-glass", tag = "access", params(("id" = String, Path, description = "Person id")),
    request_body = BreakGlassIn, security(("bearer" = [])),
    responses((status = 201, body = BreakGlassOut), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn break_glass(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<BreakGlassOut>), ApiError> {
    let b: BreakGlassIn = parse_json(&body)?;
    let row = state
        .core
        .break_glass(
            &user.actor,
            &id,
            &b.reason,
            b.code.as_deref().unwrap_or(""),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(BreakGlassOut {
            id: row.id,
            person_id: row.person_id,
            opened_at: row.opened_at,
            expires_at: row.expires_at,
        }),
    ))
}

/// Restrict a person's record, or change its restriction (managers).
#[utoipa::path(put, path = "/api/v1/people/{id}/restriction", tag = "access", params(("id" = String, Path, description = "Person id")),
    request_body = RestrictionIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn restrict(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let r: RestrictionIn = parse_json(&body)?;
    state
        .core
        .restrict_person(
            &user.actor,
            &id,
            &r.reason,
            &r.contact,
            &r.access_list.join(","),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift a restriction (managers on its access list).
#[utoipa::path(delete, path = "/api/v1/people/{id}/restriction", tag = "access", params(("id" = String, Path, description = "Person id")),
    security(("bearer" = [])), responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn unrestrict(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .lift_restriction(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The emergency-opening review queue (managers).
#[utoipa::path(get, path = "/api/v1/access/break-glass", tag = "access", security(("bearer" = [])),
    responses((status = 200, body = QueueOut), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn queue(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<QueueOut>, ApiError> {
    let q = state
        .core
        .break_glass_queue(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(QueueOut {
        open: q.open.into_iter().map(opening).collect(),
        reviewed: q.reviewed.into_iter().map(opening).collect(),
    }))
}

/// Close an emergency opening's review with a finding (a manager other than the one who opened it).
#[utoipa::path(post, path = "/api/v1/access/break-glass/{id}/review", tag = "access", params(("id" = String, Path, description = "Opening id")),
    request_body = BreakGlassReviewIn, security(("bearer" = [])),
    responses((status = 204), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn review(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let r: BreakGlassReviewIn = parse_json(&body)?;
    state
        .core
        .review_break_glass(
            &user.actor,
            &id,
            if r.justified { "yes" } else { "no" },
            &r.finding,
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invite a named user into one enquiry's need-to-know team.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/members", tag = "access", params(("id" = String, Path, description = "Enquiry id")),
    request_body = MemberIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn invite(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let m: MemberIn = parse_json(&body)?;
    state
        .core
        .invite_to_enquiry(
            &user.actor,
            &id,
            &m.username,
            &m.reason,
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A share, as listed.
#[derive(Serialize, ToSchema)]
pub struct ShareOut {
    /// Id.
    pub id: String,
    /// What was shared.
    pub what: String,
    /// The partner agency, when it was one.
    pub agency: Option<String>,
    /// Or who it was shared with.
    pub recipient: Option<String>,
    /// Why.
    pub purpose: String,
    /// Article 6 basis code.
    pub article6: String,
    /// Article 9 / Schedule 1 condition code.
    pub article9: String,
    /// Consent code.
    pub consent: String,
    /// The lawful reason to share without consent.
    pub override_reason: Option<String>,
    /// Why that was necessary and proportionate.
    pub override_detail: Option<String>,
    /// When (`YYYY-MM-DD`).
    pub shared_on: String,
    /// Parts of the enquiry the agency's staff may read.
    pub parts: Vec<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// Record information shared from an enquiry, on its lawful basis.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/shares", tag = "access", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::sharing::RawShare, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn share(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    let raw: safeguard_domain::sharing::RawShare = parse_json(&body)?;
    let sid = state
        .core
        .record_share(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(crate::api_concerns::created(sid))
}

/// The shares recorded on an enquiry, newest first.
#[utoipa::path(get, path = "/api/v1/enquiries/{id}/shares", tag = "access", params(("id" = String, Path, description = "Enquiry id")),
    security(("bearer" = [])), responses((status = 200, body = [ShareOut]), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn shares(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<ShareOut>>, ApiError> {
    let v = state
        .core
        .enquiry_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(
        v.shares()
            .await?
            .into_iter()
            .map(|x| ShareOut {
                id: x.id,
                what: x.what,
                agency: x.agency_name,
                recipient: x.recipient,
                purpose: x.purpose,
                article6: x.article6,
                article9: x.article9,
                consent: x.consent,
                override_reason: x.override_reason,
                override_detail: x.override_detail,
                shared_on: x.shared_on,
                parts: x
                    .parts
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
                recorded_by: x.recorded_by_name,
            })
            .collect(),
    ))
}

/// One line of an access report.
#[derive(Serialize, ToSchema)]
pub struct AccessEntryOut {
    /// When (Unix ms).
    pub at: i64,
    /// Who, by name.
    pub who: String,
    /// Their role.
    pub role: String,
    /// Their agency.
    pub agency: String,
    /// What they did, in plain words.
    pub what: String,
    /// Why they could, when recorded.
    pub why: Option<String>,
}

/// "Who looked at my record".
#[derive(Serialize, ToSchema)]
pub struct AccessReportOut {
    /// The person's name.
    pub person_name: String,
    /// How many different people appear.
    pub people: usize,
    /// Agencies that appear.
    pub agencies: Vec<String>,
    /// Oldest first.
    pub entries: Vec<AccessEntryOut>,
}

/// Who looked at or changed a person's record, when and why (data protection officers).
#[utoipa::path(get, path = "/api/v1/people/{id}/access-report", tag = "access", params(("id" = String, Path, description = "Person id")),
    security(("bearer" = [])), responses((status = 200, body = AccessReportOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn access_report(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AccessReportOut>, ApiError> {
    let r = state
        .core
        .access_report(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(AccessReportOut {
        person_name: r.person_name,
        people: r.people,
        agencies: r.agencies,
        entries: r
            .entries
            .into_iter()
            .map(|e| AccessEntryOut {
                at: e.at,
                who: e.who,
                role: e.role,
                agency: e.agency,
                what: e.what,
                why: Some(e.why.to_string()),
            })
            .collect(),
    }))
}

/// A finding of unusual access.
#[derive(Serialize, ToSchema)]
pub struct UnusualOut {
    /// Username.
    pub username: String,
    /// What was seen.
    pub finding: String,
    /// When (Unix ms).
    pub at: i64,
}

/// Unusual access over the last 30 days (managers).
#[utoipa::path(get, path = "/api/v1/access/unusual", tag = "access", security(("bearer" = [])),
    responses((status = 200, body = [UnusualOut]), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn unusual(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<UnusualOut>>, ApiError> {
    Ok(Json(
        state
            .core
            .unusual_access(&user.actor, &user.ctx, user.now)
            .await?
            .into_iter()
            .map(|u| UnusualOut {
                username: u.username,
                finding: u.finding,
                at: u.at,
            })
            .collect(),
    ))
}

/// Third-party information in a person's records that may be withheld.
#[derive(Serialize, ToSchema)]
pub struct ThirdPartyOut {
    /// The key to send in `withhold`.
    pub key: String,
    /// What it is.
    pub label: String,
}

/// What to withhold from a subject access copy.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SubjectAccessIn {
    /// Keys (from `third-parties`) of information about others to withhold.
    pub withhold: Vec<String>,
}

/// The third-party information a subject access copy may withhold (data protection officers).
#[utoipa::path(get, path = "/api/v1/people/{id}/third-parties", tag = "access", params(("id" = String, Path, description = "Person id")),
    security(("bearer" = [])), responses((status = 200, body = [ThirdPartyOut]), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn third_parties(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<ThirdPartyOut>>, ApiError> {
    Ok(Json(
        state
            .core
            .third_parties(&user.actor, &id, &user.ctx, user.now)
            .await?
            .into_iter()
            .map(|t| ThirdPartyOut {
                key: t.key,
                label: t.label,
            })
            .collect(),
    ))
}

/// Everything held about a person, with chosen third-party information
/// withheld (data protection officers; the export is audited).
#[utoipa::path(post, path = "/api/v1/people/{id}/subject-access", tag = "access", params(("id" = String, Path, description = "Person id")),
    request_body = SubjectAccessIn, security(("bearer" = [])),
    responses((status = 200, description = "The bundle"), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn subject_access(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let req: SubjectAccessIn = parse_json(&body)?;
    Ok(Json(
        state
            .core
            .subject_access(&user.actor, &id, &req.withhold, "json", &user.ctx, user.now)
            .await?
            .bundle,
    ))
}
