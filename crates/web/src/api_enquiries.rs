//! The JSON API for enquiries led by the person.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeguard_domain::enquiry::{EnquiryState, RawConclusion, RawOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::created;
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// An enquiry.
#[derive(Serialize, ToSchema)]
pub struct EnquiryOut {
    /// Id.
    pub id: String,
    /// The concern it came from.
    pub concern_id: String,
    /// The person it is about.
    pub person_id: String,
    /// `section_42` or `other`.
    pub kind: String,
    /// `open`, `awaiting_sign_off`, `concluded`.
    pub state: String,
    /// `YYYY-MM-DD`.
    pub started_on: String,
    /// SG4a part 1 code, once recorded.
    pub asked: Option<String>,
    /// The lead's user id.
    pub lead_user_id: Option<String>,
    /// Desired outcomes (dropped ones have `active: false`).
    pub outcomes: Vec<OutcomeOut>,
    /// The conclusion, once proposed.
    pub conclusion: Option<ConclusionOut>,
}

/// A desired outcome.
#[derive(Serialize, ToSchema)]
pub struct OutcomeOut {
    /// Id.
    pub id: String,
    /// In the person's words.
    pub text: String,
    /// `person` or `representative`.
    pub expressed_by: String,
    /// The representative.
    pub representative: Option<String>,
    /// Still wanted.
    pub active: bool,
    /// SG4a part 2, at conclusion.
    pub achievement: Option<String>,
    /// The person's comment at conclusion.
    pub comment: Option<String>,
}

/// A conclusion.
#[derive(Serialize, ToSchema)]
pub struct ConclusionOut {
    /// SAC type codes.
    pub risk_types: Vec<String>,
    /// SAC location codes.
    pub locations: Vec<String>,
    /// Source type codes.
    pub sources: Vec<String>,
    /// SG2c.
    pub action_result: String,
    /// SG2e.
    pub risk_outcome: Option<String>,
    /// SG3a.
    pub capacity: String,
    /// `YYYY-MM-DD`.
    pub concluded_on: String,
    /// Whether a manager signed it off.
    pub signed_off: bool,
}

/// An enquiry in a list (details at `GET /api/v1/enquiries/{id}`).
#[derive(Serialize, ToSchema)]
pub struct EnquirySummaryOut {
    /// Id.
    pub id: String,
    /// The concern it came from.
    pub concern_id: String,
    /// The person it is about.
    pub person_id: String,
    /// The person's name.
    pub person_name: String,
    /// `section_42` or `other`.
    pub kind: String,
    /// `open`, `awaiting_sign_off`, `concluded`.
    pub state: String,
    /// `YYYY-MM-DD`.
    pub started_on: String,
    /// Next review, `YYYY-MM-DD`.
    pub next_review_on: Option<String>,
}

/// Enquiries.
#[derive(Serialize, ToSchema)]
pub struct EnquiriesOut {
    /// Oldest first.
    pub enquiries: Vec<EnquirySummaryOut>,
}

/// Filter.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `open`, `awaiting_sign_off`, `concluded`; all when absent.
    pub state: Option<String>,
}

/// A new wording.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewordIn {
    /// The outcome as the person now puts it.
    pub text: String,
}

/// A sign-off decision.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffIn {
    /// True to sign off; false to return for changes.
    pub approve: bool,
    /// What needs to change (required when returning).
    pub reason: Option<String>,
}

/// An allocation.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AllocateIn {
    /// The lead's username.
    pub lead: Option<String>,
    /// A partner agency caused to make the enquiry.
    pub agency: Option<String>,
    /// Why the lead is allocated although they do not hold the current
    /// level an enquiry lead needs (required then; recorded and counted).
    pub competence_reason: Option<String>,
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

async fn out(state: &AppState, user: &ApiUser, id: &str) -> Result<EnquiryOut, ApiError> {
    let v = state
        .core
        .enquiry_view(&user.actor, id, &user.ctx, user.now)
        .await?;
    let e = v.enquiry;
    Ok(EnquiryOut {
        id: e.id,
        concern_id: e.concern_id,
        person_id: e.person_id,
        kind: e.kind,
        state: e.state,
        started_on: e.started_on,
        asked: e.asked,
        lead_user_id: e.lead_user_id,
        outcomes: v
            .outcomes
            .into_iter()
            .map(|o| OutcomeOut {
                id: o.id,
                text: o.text,
                expressed_by: o.expressed_by,
                representative: o.representative,
                active: o.active,
                achievement: o.achievement,
                comment: o.comment,
            })
            .collect(),
        conclusion: v.conclusion.map(|c| ConclusionOut {
            risk_types: split(&c.risk_types),
            locations: split(&c.locations),
            sources: split(&c.sources),
            action_result: c.action_result,
            risk_outcome: c.risk_outcome,
            capacity: c.capacity,
            concluded_on: c.concluded_on,
            signed_off: c.signed_off_at.is_some(),
        }),
    })
}

/// Enquiries, oldest first.
#[utoipa::path(get, path = "/api/v1/enquiries", tag = "enquiries", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = EnquiriesOut), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(p): Query<ListParams>,
) -> Result<Json<EnquiriesOut>, ApiError> {
    let filter = match p.state.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s) => Some(EnquiryState::parse(s).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "Unknown state")
        })?),
    };
    let rows = state
        .core
        .enquiry_list(&user.actor, filter, &user.ctx, user.now)
        .await?;
    // One audited list query; each enquiry's details (and their audited view) are a GET away.
    let enquiries = rows
        .into_iter()
        .map(|(e, person_name)| EnquirySummaryOut {
            id: e.id,
            concern_id: e.concern_id,
            person_id: e.person_id,
            person_name,
            kind: e.kind,
            state: e.state,
            started_on: e.started_on,
            next_review_on: e.next_review_on,
        })
        .collect();
    Ok(Json(EnquiriesOut { enquiries }))
}

/// An enquiry with its outcomes and conclusion (audited).
#[utoipa::path(get, path = "/api/v1/enquiries/{id}", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")), security(("bearer" = [])),
    responses((status = 200, body = EnquiryOut), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<EnquiryOut>, ApiError> {
    Ok(Json(out(&state, &user, &id).await?))
}

/// Allocate the lead, or cause a partner agency to make the enquiry (managers).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/allocate", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = AllocateIn, security(("bearer" = [])), responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn allocate(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let a: AllocateIn = parse_json(&body)?;
    state
        .core
        .allocate_enquiry(
            &user.actor,
            &id,
            safeguard_core::enquiries::Allocation {
                lead: a.lead.as_deref().unwrap_or(""),
                agency: a.agency.as_deref().unwrap_or(""),
                competence_reason: a.competence_reason.as_deref().unwrap_or(""),
            },
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a desired outcome in the person's words.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/outcomes", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = RawOutcome, security(("bearer" = [])), responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add_outcome(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawOutcome = parse_json(&body)?;
    let oid = state
        .core
        .add_outcome(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(oid))
}

/// Reword a desired outcome (the history keeps the earlier words).
#[utoipa::path(put, path = "/api/v1/enquiries/{id}/outcomes/{outcome_id}", tag = "enquiries",
    params(("id" = String, Path, description = "Enquiry id"), ("outcome_id" = String, Path, description = "Outcome id")),
    request_body = RewordIn, security(("bearer" = [])), responses((status = 204), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn reword(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, outcome_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let r: RewordIn = parse_json(&body)?;
    state
        .core
        .reword_outcome(&user.actor, &id, &outcome_id, &r.text, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Drop a desired outcome the person no longer wants (kept in the history).
#[utoipa::path(delete, path = "/api/v1/enquiries/{id}/outcomes/{outcome_id}", tag = "enquiries",
    params(("id" = String, Path, description = "Enquiry id"), ("outcome_id" = String, Path, description = "Outcome id")),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody, description = "The enquiry is waiting for sign-off or concluded: its outcomes cannot change")))]
pub(crate) async fn drop_outcome(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, outcome_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .drop_outcome(&user.actor, &id, &outcome_id, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Propose the conclusion for sign-off (checked against the SAC rules).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/conclusion", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = RawConclusion, security(("bearer" = [])), responses((status = 204), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn conclude(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let raw: RawConclusion = parse_json(&body)?;
    state
        .core
        .propose_conclusion(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign the conclusion off, or return it for changes (managers).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/sign-off", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = SignOffIn, security(("bearer" = [])), responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn sign_off(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let s: SignOffIn = parse_json(&body)?;
    state
        .core
        .sign_off_enquiry(&user.actor, &id, s.approve, &s.reason, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A record made during an enquiry.
#[derive(Serialize, ToSchema)]
pub struct EnquiryRecordOut {
    /// Id.
    pub id: String,
    /// `advocacy`, `capacity` or `consent`.
    pub kind: String,
    /// The validated record.
    pub data: serde_json::Value,
    /// When (Unix milliseconds).
    pub at: i64,
    /// Who recorded it.
    pub by: String,
}

/// An enquiry's advocacy checks, capacity assessments and consent records, oldest first.
#[utoipa::path(get, path = "/api/v1/enquiries/{id}/records", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    security(("bearer" = [])), responses((status = 200, body = [EnquiryRecordOut]), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn records(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<EnquiryRecordOut>>, ApiError> {
    let v = state
        .core
        .enquiry_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let rows = v.records().await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| EnquiryRecordOut {
                id: r.id,
                kind: r.kind,
                data: serde_json::from_str(&r.data).unwrap_or_default(),
                at: r.at,
                by: r.by_name,
            })
            .collect(),
    ))
}

async fn add(
    state: &AppState,
    user: &ApiUser,
    id: &str,
    input: safeguard_core::enquiries::EnquiryRecordInput,
) -> Result<Response, ApiError> {
    let rid = state
        .core
        .add_enquiry_record(&user.actor, id, &input, &user.ctx, user.now)
        .await?;
    Ok(created(rid))
}

/// Record the Care Act s68 advocacy check (the need for an advocate is derived).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/records/advocacy", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::safeguards::RawAdvocacy, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn advocacy(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add(
        &state,
        &user,
        &id,
        safeguard_core::enquiries::EnquiryRecordInput::Advocacy(parse_json(&body)?),
    )
    .await
}

/// Record a decision-specific mental capacity assessment (with a best-interests decision when capacity is lacking).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/records/capacity", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::safeguards::RawCapacity, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn capacity(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add(
        &state,
        &user,
        &id,
        safeguard_core::enquiries::EnquiryRecordInput::Capacity(parse_json(&body)?),
    )
    .await
}

/// Record consent: given, refused, not sought or withdrawn (going ahead without it needs a lawful reason).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/records/consent", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::safeguards::RawConsent, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn consent(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add(
        &state,
        &user,
        &id,
        safeguard_core::enquiries::EnquiryRecordInput::Consent(parse_json(&body)?),
    )
    .await
}

/// Record a risk assessment from the person's view (with a positive risk-taking agreement when they choose to live with the risk).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/records/risk", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::plan::RawRisk, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn risk(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add(
        &state,
        &user,
        &id,
        safeguard_core::enquiries::EnquiryRecordInput::Risk(parse_json(&body)?),
    )
    .await
}

/// A plan action.
#[derive(Serialize, ToSchema)]
pub struct ActionOut {
    /// Id.
    pub id: String,
    /// What.
    pub description: String,
    /// Who.
    pub owner: String,
    /// Due, `YYYY-MM-DD`.
    pub due_on: String,
    /// `planned`, `in_progress`, `done`, `cancelled`.
    pub status: String,
    /// The desired outcome it serves.
    pub outcome_id: Option<String>,
    /// Less restrictive options considered.
    pub less_restrictive: String,
    /// The worker who owns it (user id), when a worker does.
    pub owner_user_id: Option<String>,
    /// The partner agency that owns it (agency id), when one does.
    pub owner_agency_id: Option<String>,
}

/// A plan action as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct OwnedActionOut {
    /// Id.
    pub id: String,
    /// The enquiry it belongs to.
    pub enquiry_id: String,
    /// What.
    pub description: String,
    /// Who owns it, as shown.
    pub owner: String,
    /// Due, `YYYY-MM-DD`.
    pub due_on: String,
    /// `planned`, `in_progress`, `done`, `cancelled`.
    pub status: String,
    /// The person it is for; absent when their record is restricted.
    pub person: Option<String>,
    /// Who leads the enquiry.
    pub lead: Option<String>,
    /// The lead's email address, to ask about it.
    pub lead_email: Option<String>,
}

/// The plan actions the caller owns (named, or their partner agency is),
/// on enquiries not concluded, soonest due first.
#[utoipa::path(get, path = "/api/v1/actions", tag = "enquiries",
    security(("bearer" = [])), responses((status = 200, body = [OwnedActionOut])))]
pub(crate) async fn owned_actions(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<OwnedActionOut>>, ApiError> {
    Ok(Json(
        state
            .core
            .owned_actions(&user.actor, &user.ctx, user.now)
            .await?
            .into_iter()
            .map(|a| OwnedActionOut {
                id: a.id,
                enquiry_id: a.enquiry_id,
                description: a.description,
                owner: a.owner,
                due_on: a.due_on,
                status: a.status,
                person: a.person_name,
                lead: a.lead_name,
                lead_email: a.lead_email,
            })
            .collect(),
    ))
}

/// The owner moves an action they own on.
#[utoipa::path(put, path = "/api/v1/actions/{id}", tag = "enquiries",
    params(("id" = String, Path, description = "Action id")),
    request_body = StatusIn, security(("bearer" = [])), responses((status = 204), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn update_owned_action(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let s: StatusIn = parse_json(&body)?;
    state
        .core
        .update_owned_action(&user.actor, &id, &s.status, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// `planned`, `in_progress`, `done`, `cancelled`.
    pub status: String,
}

/// The safeguarding plan's actions, by due date.
#[utoipa::path(get, path = "/api/v1/enquiries/{id}/actions", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    security(("bearer" = [])), responses((status = 200, body = [ActionOut]), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn actions(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<ActionOut>>, ApiError> {
    let v = state
        .core
        .enquiry_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(
        v.actions()
            .await?
            .into_iter()
            .map(|a| ActionOut {
                id: a.id,
                description: a.description,
                owner: a.owner,
                due_on: a.due_on,
                status: a.status,
                outcome_id: a.outcome_id,
                less_restrictive: a.less_restrictive,
                owner_user_id: a.owner_user_id,
                owner_agency_id: a.owner_agency_id,
            })
            .collect(),
    ))
}

/// Add an action to the safeguarding plan.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/actions", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::plan::RawAction, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add_action(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: safeguard_domain::plan::RawAction = parse_json(&body)?;
    let aid = state
        .core
        .add_plan_action(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(aid))
}

/// Move a plan action on.
#[utoipa::path(put, path = "/api/v1/enquiries/{id}/actions/{action_id}", tag = "enquiries",
    params(("id" = String, Path, description = "Enquiry id"), ("action_id" = String, Path, description = "Action id")),
    request_body = StatusIn, security(("bearer" = [])), responses((status = 204), (status = 422, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn action_status(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, action_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let s: StatusIn = parse_json(&body)?;
    state
        .core
        .set_plan_action_status(&user.actor, &id, &action_id, &s.status, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record a strategy discussion, meeting or review (a review records the person's feedback and what changed).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/records/meeting", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::plan::RawMeeting, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add(
        &state,
        &user,
        &id,
        safeguard_core::enquiries::EnquiryRecordInput::Meeting(parse_json(&body)?),
    )
    .await
}

/// Record who the person wants involved or excluded, and how their communication needs were honoured.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/records/involvement", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::plan::RawInvolvement, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn involvement(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add(
        &state,
        &user,
        &id,
        safeguard_core::enquiries::EnquiryRecordInput::Involvement(parse_json(&body)?),
    )
    .await
}

/// Feedback given on paper or in person, with the practitioner.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/feedback", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = safeguard_domain::feedback::RawFeedback, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn feedback(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: safeguard_domain::feedback::RawFeedback = parse_json(&body)?;
    let fid = state
        .core
        .record_feedback(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(fid))
}

/// For whom a feedback link is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkFor {
    /// `person` or `representative`.
    pub respondent: String,
}

/// A one-time feedback link.
#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    /// The secret token (shown once).
    pub token: String,
    /// The page to open: `/feedback/{token}`.
    pub path: String,
}

/// Make a one-time feedback link (valid for 8 weeks).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/feedback-links", tag = "enquiries", params(("id" = String, Path, description = "Enquiry id")),
    request_body = LinkFor, security(("bearer" = [])), responses((status = 201, body = LinkOut), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn feedback_link(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l: LinkFor = parse_json(&body)?;
    let token = state
        .core
        .feedback_link(&user.actor, &id, &l.respondent, &user.ctx, user.now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(LinkOut {
            path: format!("/feedback/{token}"),
            token,
        }),
    )
        .into_response())
}

/// The feedback questions.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct QuestionsBody {
    /// Each with a code and two wordings.
    pub questions: Vec<safeguard_domain::feedback::Question>,
}

/// The organisation's feedback questions.
#[utoipa::path(get, path = "/api/v1/settings/feedback-questions", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = QuestionsBody)))]
pub(crate) async fn questions(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<QuestionsBody>, ApiError> {
    Ok(Json(QuestionsBody {
        questions: state.core.feedback_questions().await?,
    }))
}

/// Set the organisation's feedback questions (administrators and managers).
#[utoipa::path(put, path = "/api/v1/settings/feedback-questions", tag = "settings", request_body = QuestionsBody, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn set_questions(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let q: QuestionsBody = parse_json(&body)?;
    state
        .core
        .set_feedback_questions(&user.actor, &q.questions, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The approved translations of the plan summary.
#[derive(Serialize, ToSchema)]
pub struct TranslationsBody {
    /// One per language.
    pub translations: Vec<safeguard_domain::summary::Translation>,
}

/// The approved translations of the plan summary's fixed text.
#[utoipa::path(get, path = "/api/v1/settings/summary-translations", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = TranslationsBody)))]
pub(crate) async fn translations(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<TranslationsBody>, ApiError> {
    Ok(Json(TranslationsBody {
        translations: state.core.summary_translations().await?,
    }))
}

/// Add or replace the approved translation for a language (administrators
/// and managers). `texts` must hold every key of the English summary.
#[utoipa::path(put, path = "/api/v1/settings/summary-translations/{lang}", tag = "settings",
    params(("lang" = String, Path, description = "BCP 47 language tag, like `cy`")),
    request_body = safeguard_domain::summary::RawTranslation, security(("bearer" = [])),
    responses((status = 200, body = safeguard_domain::summary::Translation), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn put_translation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(lang): Path<String>,
    body: Bytes,
) -> Result<Json<safeguard_domain::summary::Translation>, ApiError> {
    let raw: safeguard_domain::summary::RawTranslation = parse_json(&body)?;
    Ok(Json(
        state
            .core
            .save_summary_translation(&user.actor, &lang, &raw, &user.ctx, user.now)
            .await?,
    ))
}

/// Remove a language's translation (administrators and managers).
#[utoipa::path(delete, path = "/api/v1/settings/summary-translations/{lang}", tag = "settings",
    params(("lang" = String, Path, description = "BCP 47 language tag")), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn delete_translation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(lang): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .remove_summary_translation(&user.actor, &lang, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
