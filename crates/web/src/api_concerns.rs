//! The JSON API for concerns, triage, messages, providers and the chronology.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use safeguard_core::concerns::{ConcernItem, Receipt};
use safeguard_domain::PersonId;
use safeguard_domain::concern::{ConcernState, RawConcern, RawDecision, RawProvider};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::auth::{Anyone, ApiUser};
use crate::errors::{ApiError, ApiErrorBody};

/// A concern's reference and secret receipt code.
#[derive(Serialize, ToSchema)]
pub struct ReceiptOut {
    /// The concern's id (for accounts that may open it).
    pub id: String,
    /// Reference, like `SG-7KQ4-MP2X`.
    pub reference: String,
    /// Secret receipt code, shown once.
    pub receipt_code: String,
}

impl From<Receipt> for ReceiptOut {
    fn from(r: Receipt) -> Self {
        ReceiptOut {
            id: r.concern_id,
            reference: r.reference,
            receipt_code: r.receipt_code,
        }
    }
}

/// A reference and receipt code, to look up a status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// Reference.
    pub reference: String,
    /// Receipt code.
    pub receipt_code: String,
}

/// What the person who raised a concern may see.
#[derive(Serialize, ToSchema)]
pub struct StatusOut {
    /// Reference.
    pub reference: String,
    /// `Received`, `Being looked into` or `Closed`.
    pub status: String,
    /// In plain words.
    pub explanation: String,
    /// Date received.
    pub received_on: String,
    /// Messages from the team, oldest first.
    pub messages: Vec<MessageOut>,
}

/// A message to the raiser.
#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    /// Date (or time).
    pub at: String,
    /// Text.
    pub body: String,
}

/// A concern as staff see it.
#[derive(Serialize, ToSchema)]
pub struct ConcernOut {
    /// Id.
    pub id: String,
    /// Reference.
    pub reference: String,
    /// `new`, `enquiry` or `closed`.
    pub state: String,
    /// Date received.
    pub received_on: String,
    /// Channel code.
    pub channel: String,
    /// Raiser kind code.
    pub raiser_kind: String,
    /// What happened (staff only; partners see their own words back).
    pub what_happened: String,
    /// Immediate danger code.
    pub immediate_danger: String,
    /// Adults named (with any linked person id).
    pub adults: Vec<AdultOut>,
    /// Triage decision due (`YYYY-MM-DD`).
    pub decision_due: String,
    /// Working days from receipt to decision, or to today.
    pub working_days: i64,
    /// Provider id, if linked.
    pub provider_id: Option<String>,
}

/// An adult named in a concern.
#[derive(Serialize, ToSchema)]
pub struct AdultOut {
    /// Position (for linking).
    pub position: i32,
    /// Name.
    pub name: Option<String>,
    /// Age or date of birth as told.
    pub age: Option<String>,
    /// Linked person record.
    pub person_id: Option<String>,
}

fn concern_out(item: &ConcernItem) -> ConcernOut {
    let c = &item.concern;
    ConcernOut {
        id: c.id.clone(),
        reference: c.reference.clone(),
        state: c.state.clone(),
        received_on: c.received_on.clone(),
        channel: c.channel.clone(),
        raiser_kind: c.raiser_kind.clone(),
        what_happened: c.what_happened.clone(),
        immediate_danger: c.immediate_danger.clone(),
        adults: item
            .adults
            .iter()
            .map(|a| AdultOut {
                position: a.position,
                name: a.name.clone(),
                age: a.age.clone(),
                person_id: a.person_id.clone(),
            })
            .collect(),
        decision_due: safeguard_domain::person::iso_date(item.clocks.decision_due),
        working_days: item.clocks.working_days,
        provider_id: c.provider_id.clone(),
    }
}

/// Concerns.
#[derive(Serialize, ToSchema)]
pub struct ConcernsOut {
    /// Oldest first.
    pub concerns: Vec<ConcernOut>,
}

/// Filter.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `new` (the triage queue), `enquiry`, `closed`; all when absent.
    pub state: Option<String>,
}

/// A message.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageIn {
    /// The text the raiser will see.
    pub message: String,
}

/// A person to link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIn {
    /// The person record's id.
    pub person_id: String,
}

/// `201 Created` with the new record's id.
pub(crate) fn created(id: String) -> Response {
    (StatusCode::CREATED, Json(IdOut { id })).into_response()
}

/// A created record's id.
#[derive(Serialize, ToSchema)]
pub(crate) struct IdOut {
    /// Id.
    pub id: String,
}

/// A chronology line.
#[derive(Serialize, ToSchema)]
pub struct ChronologyOut {
    /// The entry's id (to mark it significant).
    pub id: String,
    /// When (Unix milliseconds).
    pub at: i64,
    /// Kind: `concern`, `decision`, `enquiry`, `outcome`, `message`, `closed`,
    /// `plan`, `meeting`, `risk`, `capacity`, `consent`, `advocacy`, `share`,
    /// `contact`.
    pub kind: String,
    /// What happened.
    pub summary: String,
    /// Who.
    pub by: String,
    /// The concern it concerns.
    pub concern_id: Option<String>,
    /// Marked by a worker as a significant event.
    pub significant: bool,
    /// Why it is significant, in the worker's words.
    pub analysis: Option<String>,
}

/// Record a contact (visit, call, meeting, message) or case note on a
/// person's record, with what the person said in their own words.
#[utoipa::path(post, path = "/api/v1/people/{id}/contacts", tag = "people", params(("id" = String, Path, description = "Person id")),
    request_body = safeguard_domain::contact::RawContact, security(("bearer" = [])),
    responses((status = 201, body = IdOut), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn add_contact(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let pid: PersonId = id.parse().map_err(|_| ApiError::not_found())?;
    let raw: safeguard_domain::contact::RawContact = parse_json(&body)?;
    let cid = state
        .core
        .record_contact(&user.actor, pid, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(cid))
}

/// Mark a chronology entry as a significant event, with the analysis of why
/// it matters, or take the mark away.
#[utoipa::path(put, path = "/api/v1/people/{id}/chronology/{entry_id}", tag = "people",
    params(("id" = String, Path, description = "Person id"), ("entry_id" = String, Path, description = "Chronology entry id")),
    request_body = safeguard_domain::contact::RawSignificance, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn mark_significance(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, entry_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let pid: PersonId = id.parse().map_err(|_| ApiError::not_found())?;
    let raw: safeguard_domain::contact::RawSignificance = parse_json(&body)?;
    state
        .core
        .mark_significance(&user.actor, pid, &entry_id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A provider with its concerns.
#[derive(Serialize, ToSchema)]
pub struct ProviderOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Ids of concerns about it, newest first.
    pub concern_ids: Vec<String>,
}

/// Raise a concern with no account (anyone, or anonymously).
#[utoipa::path(post, path = "/api/v1/public/concerns", tag = "public", request_body = RawConcern,
    responses((status = 201, body = ReceiptOut), (status = 422, body = ApiErrorBody), (status = 400, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub(crate) async fn public_raise(
    State(state): State<AppState>,
    who: Anyone,
    ip: crate::limits::ClientIp,
    body: Bytes,
) -> Result<Response, ApiError> {
    state.limiter.check(ip.0).map_err(ApiError::rate_limited)?;
    let raw: RawConcern = parse_json(&body)?;
    let r = state
        .core
        .raise_public_concern(&raw, &who.ctx, who.now)
        .await?;
    Ok((StatusCode::CREATED, Json(ReceiptOut::from(r))).into_response())
}

/// The status of a concern, for the holder of its reference and receipt code.
#[utoipa::path(post, path = "/api/v1/public/concerns/status", tag = "public", request_body = StatusRequest,
    responses((status = 200, body = StatusOut), (status = 404, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub(crate) async fn public_status(
    State(state): State<AppState>,
    who: Anyone,
    ip: crate::limits::ClientIp,
    body: Bytes,
) -> Result<Json<StatusOut>, ApiError> {
    state.limiter.check(ip.0).map_err(ApiError::rate_limited)?;
    let req: StatusRequest = parse_json(&body)?;
    let s = state
        .core
        .concern_status(&req.reference, &req.receipt_code, &who.ctx, who.now)
        .await?;
    Ok(Json(StatusOut {
        reference: s.reference,
        status: s.status.into(),
        explanation: s.explanation.into(),
        received_on: s.received_on,
        messages: s
            .messages
            .into_iter()
            .map(|(at, body)| MessageOut { at, body })
            .collect(),
    }))
}

/// Raise (partner staff) or record (practitioners, managers) a concern.
#[utoipa::path(post, path = "/api/v1/concerns", tag = "concerns", request_body = RawConcern, security(("bearer" = [])),
    responses((status = 201, body = ReceiptOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn raise(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawConcern = parse_json(&body)?;
    let r = state
        .core
        .raise_concern(&user.actor, None, &raw, &user.ctx, user.now)
        .await?;
    let location = format!("/api/v1/concerns/{}", r.concern_id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ReceiptOut::from(r)),
    )
        .into_response())
}

/// Concerns the caller may see (the triage queue with `state=new`), oldest first.
#[utoipa::path(get, path = "/api/v1/concerns", tag = "concerns", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = ConcernsOut), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(p): Query<ListParams>,
) -> Result<Json<ConcernsOut>, ApiError> {
    let filter = match p.state.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s) => Some(ConcernState::parse(s).ok_or_else(|| {
            let mut e = ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "Unknown state");
            e.fields.push(crate::errors::ApiFieldError {
                field: "state".into(),
                message: "Use new, enquiry, closed or all".into(),
            });
            e
        })?),
    };
    let items = state
        .core
        .concern_list(&user.actor, filter, &user.ctx, user.now)
        .await?;
    Ok(Json(ConcernsOut {
        concerns: items.iter().map(concern_out).collect(),
    }))
}

/// A concern (the view is audited).
#[utoipa::path(get, path = "/api/v1/concerns/{id}", tag = "concerns", params(("id" = String, Path, description = "Concern id")), security(("bearer" = [])),
    responses((status = 200, body = ConcernOut), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ConcernOut>, ApiError> {
    let v = state
        .core
        .concern_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let item = ConcernItem {
        adults: v.adults.iter().map(|a| a.adult.clone()).collect(),
        clocks: v.clocks,
        concern: v.concern,
    };
    Ok(Json(concern_out(&item)))
}

/// Record the triage decision (managers).
#[utoipa::path(post, path = "/api/v1/concerns/{id}/decision", tag = "concerns", params(("id" = String, Path, description = "Concern id")),
    request_body = RawDecision, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let raw: RawDecision = parse_json(&body)?;
    state
        .core
        .decide_concern(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a message to the person who raised the concern.
#[utoipa::path(post, path = "/api/v1/concerns/{id}/messages", tag = "concerns", params(("id" = String, Path, description = "Concern id")),
    request_body = MessageIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn message(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let m: MessageIn = parse_json(&body)?;
    state
        .core
        .message_raiser(&user.actor, &id, &m.message, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Link an adult named in the concern to a person record.
#[utoipa::path(post, path = "/api/v1/concerns/{id}/adults/{position}/link", tag = "concerns",
    params(("id" = String, Path, description = "Concern id"), ("position" = i32, Path, description = "The adult's position")),
    request_body = LinkIn, security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn link(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, position)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let l: LinkIn = parse_json(&body)?;
    let position: i32 = position.parse().map_err(|_| ApiError::not_found())?;
    let pid: PersonId = l.person_id.parse().map_err(|_| ApiError::not_found())?;
    state
        .core
        .link_adult(&user.actor, &id, position, pid, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person's chronology, newest first.
#[utoipa::path(get, path = "/api/v1/people/{id}/chronology", tag = "people", params(("id" = String, Path, description = "Person id")), security(("bearer" = [])),
    responses((status = 200, body = [ChronologyOut]), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn chronology(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<ChronologyOut>>, ApiError> {
    let pid: PersonId = id.parse().map_err(|_| ApiError::not_found())?;
    let rows = state
        .core
        .chronology(&user.actor, pid, &user.ctx, user.now)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| ChronologyOut {
                id: c.id,
                at: c.at,
                kind: c.kind,
                summary: c.summary,
                by: c.actor_name,
                concern_id: c.concern_id,
                significant: c.significant,
                analysis: c.analysis,
            })
            .collect(),
    ))
}

/// Create a provider record.
#[utoipa::path(post, path = "/api/v1/providers", tag = "providers", request_body = RawProvider, security(("bearer" = [])),
    responses((status = 201, body = IdOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn create_provider(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawProvider = parse_json(&body)?;
    let id = state
        .core
        .create_provider(&user.actor, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(id))
}

/// A provider and the concerns about it.
#[utoipa::path(get, path = "/api/v1/providers/{id}", tag = "providers", params(("id" = String, Path, description = "Provider id")), security(("bearer" = [])),
    responses((status = 200, body = ProviderOut), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn provider(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ProviderOut>, ApiError> {
    let v = state
        .core
        .provider_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let (p, concerns) = (v.provider, v.concerns);
    Ok(Json(ProviderOut {
        id: p.id,
        name: p.name,
        kind: p.kind,
        postcode: p.postcode,
        concern_ids: concerns.into_iter().map(|c| c.id).collect(),
    }))
}

/// A closing message (optional).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CloseIn {
    /// Message to the person who raised it; a plain-words default when absent.
    pub message: Option<String>,
}

/// Close a concern and tell the raiser (managers).
#[utoipa::path(post, path = "/api/v1/concerns/{id}/close", tag = "concerns", params(("id" = String, Path, description = "Concern id")),
    request_body = CloseIn, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn close(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let c: CloseIn = if body.is_empty() {
        CloseIn::default()
    } else {
        parse_json(&body)?
    };
    state
        .core
        .close_concern(
            &user.actor,
            &id,
            c.message.as_deref().unwrap_or(""),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The provider a concern is about.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderLinkIn {
    /// A provider id, or null to clear it.
    pub provider_id: Option<String>,
}

/// Name the provider (service) a concern is about.
#[utoipa::path(put, path = "/api/v1/concerns/{id}/provider", tag = "concerns", params(("id" = String, Path, description = "Concern id")),
    request_body = ProviderLinkIn, security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn set_provider(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let p: ProviderLinkIn = parse_json(&body)?;
    state
        .core
        .set_concern_provider(
            &user.actor,
            &id,
            p.provider_id.as_deref(),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The working-day calendar and deadline targets.
#[derive(Serialize, ToSchema)]
pub struct CalendarOut {
    /// Working days to acknowledge a raiser.
    pub acknowledge_days: u32,
    /// Working days to decide.
    pub decision_days: u32,
    /// Holidays: `YYYY-MM-DD` and name.
    pub holidays: Vec<HolidayOut>,
}

/// A holiday.
#[derive(Serialize, ToSchema)]
pub struct HolidayOut {
    /// Date.
    pub day: String,
    /// Name.
    pub name: String,
}

/// New targets.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsIn {
    /// Working days to acknowledge a raiser (0–30).
    pub acknowledge_days: u32,
    /// Working days to decide (0–30).
    pub decision_days: u32,
}

/// A holiday to add or remove.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayIn {
    /// Date, `YYYY-MM-DD`.
    pub day: String,
    /// Name (when adding).
    #[serde(default)]
    pub name: Option<String>,
    /// Remove the day instead of adding it.
    #[serde(default)]
    pub remove: bool,
}

/// The calendar and targets (administrators and managers).
#[utoipa::path(get, path = "/api/v1/calendar", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = CalendarOut), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn calendar(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<CalendarOut>, ApiError> {
    let (holidays, t) = state
        .core
        .calendar_settings(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(CalendarOut {
        acknowledge_days: t.acknowledge_days,
        decision_days: t.decision_days,
        holidays: holidays
            .into_iter()
            .map(|(day, name)| HolidayOut { day, name })
            .collect(),
    }))
}

/// Set the deadline targets.
#[utoipa::path(put, path = "/api/v1/calendar/targets", tag = "settings", request_body = TargetsIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn set_targets(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let t: TargetsIn = parse_json(&body)?;
    state
        .core
        .set_targets(
            &user.actor,
            &t.acknowledge_days.to_string(),
            &t.decision_days.to_string(),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add or remove a holiday.
#[utoipa::path(post, path = "/api/v1/calendar/holidays", tag = "settings", request_body = HolidayIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn edit_holiday(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let h: HolidayIn = parse_json(&body)?;
    state
        .core
        .edit_holiday(
            &user.actor,
            &h.day,
            h.name.as_deref().unwrap_or(""),
            h.remove,
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
