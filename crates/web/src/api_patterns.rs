//! The JSON API for people alleged to have caused harm and pattern alerts.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use safeguard_core::patterns::{AlertRow, AllegedRow, On};
use safeguard_domain::patterns::{
    RawAlertDecision, RawAlleged, RawAllegedOutcome, RawRuleSettings, Rule,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::{IdOut, created};
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// A person alleged to have caused harm.
#[derive(Serialize, ToSchema)]
pub struct AllegedOut {
    /// Id.
    pub id: String,
    /// The concern they are recorded on.
    pub concern_id: String,
    /// `known_person`, `staff` or `described`.
    pub kind: String,
    /// Their person record, if they have one here.
    pub person_id: Option<String>,
    /// The provider they work for (staff).
    pub provider_id: Option<String>,
    /// Name, if known.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Relationship to the adult (code).
    pub relationship: String,
    /// The outcome for them (code; `pending` until known).
    pub outcome: String,
    /// Detail of the outcome.
    pub outcome_detail: Option<String>,
}

impl From<AllegedRow> for AllegedOut {
    fn from(a: AllegedRow) -> Self {
        AllegedOut {
            id: a.id,
            concern_id: a.concern_id,
            kind: a.kind,
            person_id: a.person_id,
            provider_id: a.provider_id,
            name: a.name,
            description: a.description,
            relationship: a.relationship,
            outcome: a.outcome,
            outcome_detail: a.outcome_detail,
        }
    }
}

/// The people alleged to have caused harm on a concern (council case workers).
#[utoipa::path(get, path = "/api/v1/concerns/{id}/alleged", tag = "patterns", params(("id" = String, Path, description = "Concern id")), security(("bearer" = [])),
    responses((status = 200, body = [AllegedOut]), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn alleged(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<AllegedOut>>, ApiError> {
    let rows = state
        .core
        .alleged_on_concern(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(rows.into_iter().map(AllegedOut::from).collect()))
}

/// Record a person alleged to have caused harm on a concern; the pattern
/// rules run with it.
#[utoipa::path(post, path = "/api/v1/concerns/{id}/alleged", tag = "patterns", params(("id" = String, Path, description = "Concern id")),
    request_body = RawAlleged, security(("bearer" = [])),
    responses((status = 201, body = IdOut), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn add_alleged(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: RawAlleged = parse_json(&body)?;
    let aid = state
        .core
        .add_alleged(&user.actor, On::Concern(&id), &raw, &user.ctx, user.now)
        .await?;
    Ok(created(aid))
}

/// Record the outcome for a person alleged to have caused harm.
#[utoipa::path(put, path = "/api/v1/concerns/{id}/alleged/{alleged}/outcome", tag = "patterns",
    params(("id" = String, Path, description = "Concern id"), ("alleged" = String, Path, description = "Alleged person id")),
    request_body = RawAllegedOutcome, security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn alleged_outcome(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, alleged)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let raw: RawAllegedOutcome = parse_json(&body)?;
    state
        .core
        .set_alleged_outcome(
            &user.actor,
            On::Concern(&id),
            &alleged,
            &raw,
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pattern alert.
#[derive(Serialize, ToSchema)]
pub struct AlertOut {
    /// Id.
    pub id: String,
    /// The rule that fired (code).
    pub rule: String,
    /// `person`, `provider` or `alleged`.
    pub subject_kind: String,
    /// The person's or provider's id, or the alleged person's key.
    pub subject_id: String,
    /// Who or what it is about.
    pub subject: String,
    /// The threshold it fired at.
    pub threshold: i64,
    /// Over how many days.
    pub days: i64,
    /// When it was raised (Unix milliseconds).
    pub raised_at: i64,
    /// The manager's decision (code), once made.
    pub decision: Option<String>,
    /// Their reasons.
    pub reasons: Option<String>,
    /// When (Unix milliseconds).
    pub decided_at: Option<i64>,
    /// The concerns behind it that you may see.
    pub concern_ids: Vec<String>,
}

fn alert_out(a: AlertRow, concern_ids: Vec<String>) -> AlertOut {
    AlertOut {
        id: a.id,
        rule: a.rule,
        subject_kind: a.subject_kind,
        subject_id: a.subject_id,
        subject: a.subject_label,
        threshold: a.threshold,
        days: a.days,
        raised_at: a.raised_at,
        decision: a.decision,
        reasons: a.reasons,
        decided_at: a.decided_at,
        concern_ids,
    }
}

/// Pattern alerts you may see, undecided first (council managers); each
/// lists only the concerns you may see (use `GET /api/v1/alerts/{id}`).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "patterns", security(("bearer" = [])),
    responses((status = 200, body = [AlertOut]), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn alerts(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<AlertOut>>, ApiError> {
    let rows = state.core.alerts(&user.actor, &user.ctx, user.now).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(a, _)| alert_out(a, Vec::new()))
            .collect(),
    ))
}

/// One pattern alert with the concerns behind it that you may see.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "patterns", params(("id" = String, Path, description = "Alert id")), security(("bearer" = [])),
    responses((status = 200, body = AlertOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn alert(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AlertOut>, ApiError> {
    let v = state
        .core
        .alert_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let ids = v.concerns.into_iter().map(|c| c.id).collect();
    Ok(Json(alert_out(v.alert, ids)))
}

/// Decide a pattern alert, with reasons (council managers).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/decision", tag = "patterns", params(("id" = String, Path, description = "Alert id")),
    request_body = RawAlertDecision, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let raw: RawAlertDecision = parse_json(&body)?;
    state
        .core
        .decide_alert(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One rule's settings.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleOut {
    /// The rule (code).
    pub rule: String,
    /// What it looks for, in words.
    pub explanation: String,
    /// Whether it raises alerts.
    pub enabled: bool,
    /// How many concerns (or adults) it takes.
    pub threshold: i64,
    /// Within how many days.
    pub days: i64,
}

/// The pattern rules and their thresholds.
#[utoipa::path(get, path = "/api/v1/pattern-rules", tag = "patterns", security(("bearer" = [])),
    responses((status = 200, body = [RuleOut]), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn rules(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<RuleOut>>, ApiError> {
    let rows = state
        .core
        .pattern_rules(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(r, s)| RuleOut {
                rule: r.code().into(),
                explanation: r.explain(&s),
                enabled: s.enabled,
                threshold: s.threshold,
                days: s.days,
            })
            .collect(),
    ))
}

/// One rule's new settings.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleIn {
    /// The rule (code).
    pub rule: String,
    /// Whether it raises alerts.
    pub enabled: bool,
    /// How many (1 to 50; fixed at 1 for the after-enquiry and CQC rules).
    pub threshold: Option<i64>,
    /// Within how many days (1 to 730).
    pub days: Option<i64>,
}

/// Set the rules' thresholds (council managers and administrators); rules
/// left out keep theirs.
#[utoipa::path(put, path = "/api/v1/pattern-rules", tag = "patterns", request_body = [RuleIn], security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn set_rules(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    // Who is asking comes before what they sent.
    let current = state
        .core
        .pattern_rules(&user.actor, &user.ctx, user.now)
        .await?;
    let input: Vec<RuleIn> = parse_json(&body)?;
    let mut errors = safeguard_domain::FieldErrors::new();
    let mut raw = Vec::new();
    for (rule, s) in current {
        let given: Vec<&RuleIn> = input.iter().filter(|r| r.rule == rule.code()).collect();
        let r = match given.as_slice() {
            [] => RawRuleSettings {
                enabled: Some(if s.enabled { "yes" } else { "no" }.into()),
                threshold: Some(s.threshold.to_string()),
                days: Some(s.days.to_string()),
            },
            [g] => RawRuleSettings {
                enabled: Some(if g.enabled { "yes" } else { "no" }.into()),
                threshold: Some(g.threshold.unwrap_or(s.threshold).to_string()),
                days: Some(g.days.unwrap_or(s.days).to_string()),
            },
            _ => {
                errors.add("rule", format!("{} is given more than once", rule.code()));
                continue;
            }
        };
        raw.push((rule, r));
    }
    for r in &input {
        if Rule::parse(&r.rule).is_none() {
            errors.add("rule", format!("There is no rule called {:?}", r.rule));
        }
    }
    if !errors.is_empty() {
        return Err(safeguard_core::CoreError::Invalid(errors).into());
    }
    state
        .core
        .set_pattern_rules(&user.actor, &raw, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
