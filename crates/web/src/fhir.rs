//! FHIR R4 export of a person's safeguarding record, under a recorded share:
//! `GET /api/v1/people/{id}/fhir?share=SHARE_ID` for integrated-care systems,
//! and `GET /people/{id}/fhir?share=SHARE_ID` (the button on each share of an
//! enquiry) as a download.

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use safeguard_domain::PersonId;

use crate::AppState;
use crate::auth::{ApiUser, SignedIn};
use crate::errors::{ApiError, PageError};

/// The media type of FHIR JSON.
const FHIR_JSON: &str = "application/fhir+json; fhirVersion=4.0";

/// The `share` parameter of a query string (other parameters are ignored).
fn share_of(raw: Option<String>) -> String {
    raw.as_deref()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "share")
                .map(|(_, v)| v.chars().take(100).collect())
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

fn bundle_response(bundle: &serde_json::Value, attachment: Option<String>) -> Response {
    let body = serde_json::to_string_pretty(bundle).unwrap_or_default();
    let mut res = ([(header::CONTENT_TYPE, FHIR_JSON)], body).into_response();
    if let Some(name) = attachment
        && let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Export a person's safeguarding record as a FHIR R4 Bundle (Patient with
/// the UK Core profile and NHS number, RelatedPerson, Flag, EpisodeOfCare,
/// Goal, CarePlan, Task, Consent, AuditEvent, Provenance), under a recorded
/// share of their information: `share` names it, and only the parts it
/// covers are included. The export is audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/fhir", tag = "people",
    params(("id" = String, Path, description = "Person id"),
           ("share" = String, Query, description = "The recorded share (with its lawful basis) the export is made under")),
    security(("bearer" = [])),
    responses((status = 200, description = "A FHIR R4 Bundle (type collection)", content_type = "application/fhir+json; fhirVersion=4.0", body = Object),
              (status = 422, body = crate::errors::ApiErrorBody), (status = 404, body = crate::errors::ApiErrorBody),
              (status = 403, body = crate::errors::ApiErrorBody), (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_export(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pid: PersonId = id.parse().map_err(|_| ApiError::not_found())?;
    let bundle = state
        .core
        .fhir_export(&user.actor, pid, &share_of(raw), &user.ctx, user.now)
        .await?;
    Ok(bundle_response(&bundle, None))
}

/// `GET /people/{id}/fhir?share=`: the same bundle, downloaded.
pub(crate) async fn page_export(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let pid: PersonId = id.parse().map_err(|_| PageError::not_found())?;
    let bundle = state
        .core
        .fhir_export(&user.actor, pid, &share_of(raw), &user.ctx, user.now)
        .await?;
    Ok(bundle_response(
        &bundle,
        Some(format!("safeguarding-record-{pid}.fhir.json")),
    ))
}
