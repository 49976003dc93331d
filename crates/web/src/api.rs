//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document built
//! from the same handlers (so a route cannot be served without being described).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use safeguard_core::people::Created;
use safeguard_core::search::DuplicateCheck;
use safeguard_domain::PersonId;
use safeguard_domain::person::{Person, PersonSummary, RawKeyPerson, RawPerson, iso_date};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Anyone, ApiUser};
use crate::errors::{ApiError, ApiErrorBody, ApiFieldError};

/// Credentials for a token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// For an account with two-factor sign-in: the 6-digit code its
    /// authenticator app shows now, or one of its recovery codes.
    #[serde(default)]
    pub code: Option<String>,
}

/// A bearer token.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// A person record.
#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    /// Id.
    pub id: String,
    /// Version: send it back with a change.
    pub version: i64,
    /// The record's fields (the same names as for creating one).
    #[serde(flatten)]
    pub details: RawPerson,
    /// The record's SAC reporting categories.
    pub sac: SacCategories,
}

/// The person's categories as the Safeguarding Adults Collection counts them.
#[derive(Serialize, ToSchema)]
pub struct SacCategories {
    /// SG1b.
    pub gender: String,
    /// SG1c.
    pub ethnicity: String,
    /// SG1d.
    pub primary_support_reason: String,
}

impl From<Person> for PersonOut {
    fn from(p: Person) -> Self {
        PersonOut {
            id: p.id.to_string(),
            version: p.version,
            sac: SacCategories {
                gender: p.details.gender.sac_sg1b().into(),
                ethnicity: p.details.ethnicity.sac_sg1c().into(),
                primary_support_reason: p.details.primary_support_reason.label().into(),
            },
            details: p.details.to_raw(),
        }
    }
}

/// A person found by a search.
#[derive(Serialize, ToSchema)]
pub struct PersonSummaryOut {
    /// Id.
    pub id: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Set when the record is outside your need-to-know: who to contact
    /// (date of birth and postcode are then left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The record is restricted.
    pub restricted: bool,
    /// Why the search found it ("family name sounds like ‘smyth’", "same
    /// date of birth"); outside need-to-know, only reasons about names.
    pub reasons: Vec<String>,
}

impl From<PersonSummary> for PersonSummaryOut {
    fn from(p: PersonSummary) -> Self {
        PersonSummaryOut {
            id: p.id.to_string(),
            given_name: p.given_name,
            family_name: p.family_name,
            date_of_birth: p.date_of_birth.map(iso_date),
            postcode: p.postcode,
            restricted: p.outside.as_ref().is_some_and(|o| o.restricted),
            contact: p.outside.map(|o| o.contact),
            reasons: p.reasons,
        }
    }
}

/// Search results.
#[derive(Serialize, ToSchema)]
pub struct PeopleOut {
    /// At most 50 people, best match first.
    pub people: Vec<PersonSummaryOut>,
}

/// A change to a person record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonUpdate {
    /// The version the change was made from (from `GET`).
    pub version: i64,
    /// The whole record as it should be.
    pub person: RawPerson,
}

/// Search parameters.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Words of the person's names, or an NHS number.
    pub q: Option<String>,
}

/// Refuses an API request that carries a body in anything but JSON (415):
/// a cross-site plain form cannot post to the API, and a client that sends
/// the wrong type is told so instead of having its body misread.
pub(crate) async fn json_only(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !req.uri().path().starts_with("/api/")
        || !crate::is_unsafe(req.method())
        || req.uri().path().ends_with("/attachments")
    {
        // A file is sent as itself, with its own media type.
        return next.run(req).await;
    }
    let h = req.headers();
    let has_body = h.contains_key(axum::http::header::TRANSFER_ENCODING)
        || h.get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    let json = h
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let media = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json"
                || (media.starts_with("application/") && media.ends_with("+json"))
        });
    match json {
        Some(false) => {}
        None if has_body => {}
        _ => return next.run(req).await,
    }
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Send the body as JSON with Content-Type: application/json",
    )
    .into_response()
}

/// Parses a JSON body, naming the field at fault when it cannot.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // A NUL can only arrive escaped; no field may hold one (PostgreSQL
    // cannot store it), so the body is refused as unreadable.
    if body
        .windows(6)
        .any(|w| w[0] == b'\\' && w[1..].eq_ignore_ascii_case(b"u0000"))
    {
        let mut err = ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The body could not be read",
        );
        err.fields.push(ApiFieldError {
            field: "body".into(),
            message: "Text may not contain the NUL character".into(),
        });
        return Err(err);
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            "The body is not valid JSON".to_string()
        } else {
            // serde's message names the expected type or the unknown field; it never echoes values.
            inner
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or("invalid value")
                .to_string()
        };
        let mut err = ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The body could not be read",
        );
        err.fields.push(ApiFieldError {
            field: if path == "." { "body".into() } else { path },
            message,
        });
        err
    })
}

fn person_id(raw: &str) -> Result<PersonId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Exchange a username and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ApiErrorBody), (status = 400, body = ApiErrorBody)))]
async fn token(
    State(state): State<AppState>,
    who: Anyone,
    body: Bytes,
) -> Result<Json<TokenResponse>, ApiError> {
    let req: TokenRequest = parse_json(&body)?;
    let token = state
        .core
        .issue_token(
            &req.username,
            &req.password,
            req.code.as_deref(),
            &who.ctx,
            who.now,
        )
        .await?;
    Ok(Json(TokenResponse {
        token,
        expires_in: state.core.config().token_ttl.as_secs(),
    }))
}

/// Sign out of the API: the bearer token sent stops working at once.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "The token no longer works"), (status = 401, body = ApiErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .revoke_token(&user.actor, &user.token, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether to make a record when likely matches exist.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct CreateParams {
    /// `true` once the caller has seen the likely matches (from a 409) and
    /// says this is someone else: the record is made and each pair goes to
    /// the managers' review of suspected duplicates.
    pub create_anyway: Option<bool>,
}

/// Existing records that are likely the same person (409): nothing was made.
#[derive(Serialize, ToSchema)]
pub struct PossibleDuplicatesOut {
    /// Always `possible_duplicates`.
    pub error: String,
    /// What to do, in words.
    pub message: String,
    /// The likely matches, most likely first, each with why.
    pub people: Vec<PersonSummaryOut>,
}

/// Create a person record. Records likely to be the same person (same NHS
/// number; a near name with the same date of birth or postcode) are
/// returned first with a 409, and nothing is made, until the request is
/// repeated with `create_anyway=true`.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = RawPerson, params(CreateParams), security(("bearer" = [])),
    responses((status = 201, body = PersonOut), (status = 409, body = PossibleDuplicatesOut), (status = 422, body = ApiErrorBody), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn create_person(
    State(state): State<AppState>,
    user: ApiUser,
    Query(params): Query<CreateParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawPerson = parse_json(&body)?;
    let check = if params.create_anyway == Some(true) {
        DuplicateCheck::CreateAnyway
    } else {
        DuplicateCheck::Check
    };
    let created = state
        .core
        .create_person(&user.actor, None, &raw, check, &user.ctx, user.now)
        .await?;
    let person = match created {
        Created::New(person) => person,
        Created::PossibleDuplicates(people) => {
            return Ok((
                StatusCode::CONFLICT,
                Json(PossibleDuplicatesOut {
                    error: "possible_duplicates".into(),
                    message: "These records may be the same person. Use one of them, or repeat \
                              the request with create_anyway=true if this is someone else."
                        .into(),
                    people: people.into_iter().map(Into::into).collect(),
                }),
            )
                .into_response());
        }
        Created::AlreadyExisted(_) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "Already exists",
            ));
        }
    };
    let location = format!("/api/v1/people/{}", person.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(PersonOut::from(*person)),
    )
        .into_response())
}

/// Find people by name or NHS number.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = PeopleOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn search_people(
    State(state): State<AppState>,
    user: ApiUser,
    Query(p): Query<SearchParams>,
) -> Result<Json<PeopleOut>, ApiError> {
    let found = state
        .core
        .search_people(
            &user.actor,
            p.q.as_deref().unwrap_or(""),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(Json(PeopleOut {
        people: found.into_iter().map(Into::into).collect(),
    }))
}

/// Read a person record (the view is audited).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = String, Path, description = "Person id")),
    security(("bearer" = [])), responses((status = 200, body = PersonOut), (status = 404, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
async fn get_person(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PersonOut>, ApiError> {
    let p = state
        .core
        .view_person(&user.actor, person_id(&id)?, &user.ctx, user.now)
        .await?;
    Ok(Json(p.into_person().into()))
}

/// Replace a person record, from the version last read.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", params(("id" = String, Path, description = "Person id")),
    request_body = PersonUpdate, security(("bearer" = [])),
    responses((status = 200, body = PersonOut), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 400, body = ApiErrorBody)))]
async fn update_person(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<PersonOut>, ApiError> {
    let pid = person_id(&id)?;
    let req: PersonUpdate = parse_json(&body)?;
    let p = state
        .core
        .update_person(
            &user.actor,
            pid,
            req.version,
            &req.person,
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(Json(p.into()))
}

/// A pair of records that may be one person.
#[derive(Serialize, ToSchema)]
pub struct DuplicatePairOut {
    /// The pair's id.
    pub id: String,
    /// The record made despite the likely match.
    pub made: PersonSummaryOut,
    /// The record it may duplicate.
    pub existing: PersonSummaryOut,
    /// Why they may be one person.
    pub reasons: Vec<String>,
    /// When the pair was found (unix milliseconds).
    pub found_at: i64,
}

/// Pairs waiting for review.
#[derive(Serialize, ToSchema)]
pub struct DuplicatesOut {
    /// Oldest first.
    pub pairs: Vec<DuplicatePairOut>,
}

/// Records suspected to be the same person, for a manager to review.
#[utoipa::path(get, path = "/api/v1/duplicates", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = DuplicatesOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn duplicates(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<DuplicatesOut>, ApiError> {
    let pairs = state
        .core
        .duplicate_queue(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(DuplicatesOut {
        pairs: pairs
            .into_iter()
            .map(|p| DuplicatePairOut {
                id: p.id,
                made: p.made.into(),
                existing: p.existing.into(),
                reasons: p.reasons,
                found_at: p.found_at,
            })
            .collect(),
    }))
}

/// The two records of a pair are two people: the pair leaves the review.
#[utoipa::path(post, path = "/api/v1/duplicates/{id}/distinct", tag = "people", params(("id" = String, Path, description = "Pair id")),
    security(("bearer" = [])), responses((status = 204, description = "Marked as two people"), (status = 404, body = ApiErrorBody),
    (status = 409, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn duplicate_distinct(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .mark_distinct(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Safeguard API", description = "Adult safeguarding case management. Every view and change of personal data is audited."),
    modifiers(&BearerScheme),
    components(schemas(ApiErrorBody, ApiFieldError, RawKeyPerson, safeguard_domain::concern::RawAdult, safeguard_domain::enquiry::RawAchievement))
)]
struct ApiDoc;

/// The API's routes, each with its OpenAPI description.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(token, revoke_token))
        .routes(routes!(create_person, search_people))
        .routes(routes!(get_person, update_person))
        .routes(routes!(crate::fhir::api_export))
        .routes(routes!(
            crate::attachments::api_person_list,
            crate::attachments::api_person_add
        ))
        .routes(routes!(
            crate::attachments::api_concern_list,
            crate::attachments::api_concern_add
        ))
        .routes(routes!(
            crate::attachments::api_enquiry_list,
            crate::attachments::api_enquiry_add
        ))
        .routes(routes!(crate::attachments::api_download))
        .routes(routes!(duplicates))
        .routes(routes!(duplicate_distinct))
        .routes(routes!(crate::merges::api_merge))
        .routes(routes!(crate::merges::api_undo))
        .routes(routes!(crate::api_concerns::public_raise))
        .routes(routes!(crate::api_concerns::public_status))
        .routes(routes!(
            crate::api_concerns::raise,
            crate::api_concerns::list
        ))
        .routes(routes!(crate::api_concerns::get))
        .routes(routes!(crate::api_concerns::decide))
        .routes(routes!(crate::api_concerns::message))
        .routes(routes!(crate::api_concerns::link))
        .routes(routes!(crate::api_concerns::chronology))
        .routes(routes!(crate::api_concerns::add_contact))
        .routes(routes!(crate::api_concerns::mark_significance))
        .routes(routes!(crate::api_concerns::create_provider))
        .routes(routes!(crate::api_concerns::provider))
        .routes(routes!(crate::api_concerns::close))
        .routes(routes!(crate::api_concerns::set_provider))
        .routes(routes!(crate::api_concerns::calendar))
        .routes(routes!(crate::api_concerns::set_targets))
        .routes(routes!(crate::api_concerns::edit_holiday))
        .routes(routes!(
            crate::api_patterns::alleged,
            crate::api_patterns::add_alleged
        ))
        .routes(routes!(crate::api_patterns::alleged_outcome))
        .routes(routes!(crate::api_patterns::alerts))
        .routes(routes!(crate::api_patterns::alert))
        .routes(routes!(crate::api_patterns::decide))
        .routes(routes!(
            crate::api_patterns::rules,
            crate::api_patterns::set_rules
        ))
        .routes(routes!(
            crate::api_large_scale::list,
            crate::api_large_scale::open
        ))
        .routes(routes!(crate::api_large_scale::get))
        .routes(routes!(crate::api_large_scale::link))
        .routes(routes!(crate::api_large_scale::add_action))
        .routes(routes!(crate::api_large_scale::action_status))
        .routes(routes!(crate::api_large_scale::add_meeting))
        .routes(routes!(crate::api_large_scale::close))
        .routes(routes!(crate::api_enquiries::list))
        .routes(routes!(crate::api_enquiries::get))
        .routes(routes!(crate::api_enquiries::allocate))
        .routes(routes!(crate::api_enquiries::add_outcome))
        .routes(routes!(
            crate::api_enquiries::reword,
            crate::api_enquiries::drop_outcome
        ))
        .routes(routes!(crate::api_enquiries::conclude))
        .routes(routes!(crate::api_enquiries::sign_off))
        .routes(routes!(crate::api_enquiries::records))
        .routes(routes!(crate::api_enquiries::advocacy))
        .routes(routes!(crate::api_enquiries::capacity))
        .routes(routes!(crate::api_enquiries::consent))
        .routes(routes!(crate::api_enquiries::risk))
        .routes(routes!(crate::api_enquiries::meeting))
        .routes(routes!(crate::api_enquiries::involvement))
        .routes(routes!(crate::api_enquiries::feedback))
        .routes(routes!(crate::api_enquiries::feedback_link))
        .routes(routes!(
            crate::api_enquiries::questions,
            crate::api_enquiries::set_questions
        ))
        .routes(routes!(
            crate::api_enquiries::actions,
            crate::api_enquiries::add_action
        ))
        .routes(routes!(crate::api_enquiries::action_status))
        .routes(routes!(crate::api_enquiries::owned_actions))
        .routes(routes!(crate::api_enquiries::update_owned_action))
        .routes(routes!(crate::api_enquiries::translations))
        .routes(routes!(crate::api_access::break_glass))
        .routes(routes!(
            crate::api_access::restrict,
            crate::api_access::unrestrict
        ))
        .routes(routes!(crate::api_access::queue))
        .routes(routes!(crate::api_access::review))
        .routes(routes!(crate::api_access::invite))
        .routes(routes!(crate::api_access::access_report))
        .routes(routes!(crate::api_access::unusual))
        .routes(routes!(crate::api_access::third_parties))
        .routes(routes!(crate::api_access::subject_access))
        .routes(routes!(crate::api_access::share, crate::api_access::shares))
        .routes(routes!(crate::api_reports::sac))
        .routes(routes!(crate::api_reports::quality))
        .routes(routes!(crate::api_reports::cell))
        .routes(routes!(crate::api_reports::dashboard))
        .routes(routes!(crate::api_reports::add_review))
        .routes(routes!(crate::api_reports::review))
        .routes(routes!(crate::api_reports::add_recommendation))
        .routes(routes!(crate::api_reports::recommendation_status))
        .routes(routes!(
            crate::api_workforce::mine,
            crate::api_workforce::record
        ))
        .routes(routes!(crate::api_workforce::worker))
        .routes(routes!(crate::api_workforce::compliance))
        .routes(routes!(crate::api_workforce::figures))
        .routes(routes!(crate::api_workforce::frameworks))
        .routes(routes!(crate::api_workforce::add_level))
        .routes(routes!(crate::api_workforce::edit_level))
        .routes(routes!(crate::api_workforce::set_requirements))
        .routes(routes!(crate::api_workforce::workforce_lead))
        .routes(routes!(crate::api_workforce::set_job_title))
        .routes(routes!(crate::api_workforce::set_job_requirements))
        .routes(routes!(
            crate::api_reflection::mine,
            crate::api_reflection::add
        ))
        .routes(routes!(crate::api_reflection::worker))
        .routes(routes!(crate::api_reflection::cpd))
        .routes(routes!(crate::api_case_audit::list))
        .routes(routes!(crate::api_case_audit::draw))
        .routes(routes!(crate::api_case_audit::themes))
        .routes(routes!(
            crate::api_case_audit::templates,
            crate::api_case_audit::add_template
        ))
        .routes(routes!(crate::api_case_audit::activate_template))
        .routes(routes!(crate::api_case_audit::action_done))
        .routes(routes!(crate::api_case_audit::view))
        .routes(routes!(crate::api_case_audit::assign))
        .routes(routes!(crate::api_case_audit::grade))
        .routes(routes!(crate::api_case_audit::moderate))
        .routes(routes!(crate::api_case_audit::respond))
        .routes(routes!(crate::api_supervision::mine))
        .routes(routes!(crate::api_supervision::worker))
        .routes(routes!(crate::api_supervision::agreement))
        .routes(routes!(crate::api_supervision::session))
        .routes(routes!(crate::api_supervision::action_done))
        .routes(routes!(
            crate::api_enquiries::put_translation,
            crate::api_enquiries::delete_translation
        ))
}

/// The OpenAPI 3.1 document for every `/api/v1` route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = routes().split_for_parts();
    doc.paths.paths.insert(
        "/api/v1/openapi.json".into(),
        utoipa::openapi::path::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .summary(Some("This document"))
                .tag("meta")
                .response(
                    "200",
                    utoipa::openapi::Response::new("The OpenAPI 3.1 document"),
                ),
        ),
    );
    doc
}

pub(crate) fn openapi_json() -> &'static serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(openapi()).unwrap_or_default();
        complete(&mut doc);
        doc
    })
}

/// Says in the document what every operation can answer besides its own
/// successes, as the layers around the handlers answer it: 400 (a body,
/// path or query that cannot be read), 401 and 403 (secured operations),
/// 404 (operations on a record), 415 and 422 (operations with a body), 429
/// (public ones, rate-limited) and 503 (busy or too slow). Every request
/// body is required. A person as returned has its fields without the ban on
/// other names that the input has (the output adds id, version and sac).
fn complete(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let error = |why: &str| json!({"description": why, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiErrorBody"}}}});
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                if path == "/api/v1/openapi.json" {
                    continue;
                }
                let secured = op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_some_and(|s| !s.is_empty());
                let has_body = op.get("requestBody").is_some();
                if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
                    body.insert("required".into(), Value::Bool(true));
                }
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                let mut add = |code: &str, why: &str| {
                    responses.entry(code).or_insert_with(|| error(why));
                };
                add(
                    "400",
                    "The request could not be read: a malformed body, path or query",
                );
                if secured {
                    add("401", "No valid bearer token was sent");
                    add(
                        "403",
                        "Your role, or the record's need-to-know, does not allow this",
                    );
                } else if path.starts_with("/api/v1/public/") {
                    add(
                        "429",
                        "Too many requests from this address; try again later",
                    );
                }
                if path.contains('{') {
                    add("404", "No such record, or not one you may know of");
                }
                if has_body {
                    add("415", "The body is not sent as application/json");
                    add("422", "Some fields are not valid");
                }
                add(
                    "503",
                    "Busy, or the request ran past its time limit: nothing was done",
                );
            }
        }
    }
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    if let Some(schemas) = schemas
        && let Some(mut fields) = schemas.get("RawPerson").cloned()
    {
        if let Some(f) = fields.as_object_mut() {
            f.remove("additionalProperties");
            f.insert(
                "description".into(),
                Value::String("A person record's fields, as returned.".into()),
            );
        }
        schemas.insert("PersonFields".into(), fields);
        if let Some(first) = schemas
            .get_mut("PersonOut")
            .and_then(|p| p.pointer_mut("/allOf/0/$ref"))
        {
            *first = Value::String("#/components/schemas/PersonFields".into());
        }
    }
}
