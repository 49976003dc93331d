//! The JSON API for the SAC return and the review register.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use safeguard_core::CoreError;
use safeguard_core::reports::RawReview;
use safeguard_domain::sac::Year;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::api_concerns::created;
use crate::auth::ApiUser;
use crate::errors::{ApiError, ApiErrorBody};

/// One row of a table.
#[derive(Serialize, ToSchema)]
pub struct SacRowOut {
    /// The category, exactly as in the SAC.
    pub label: String,
    /// One count per column.
    pub counts: Vec<u64>,
}

/// One table of the return.
#[derive(Serialize, ToSchema)]
pub struct SacTableOut {
    /// `SG1a`…`SG5b`.
    pub id: String,
    /// What it counts.
    pub title: String,
    /// The row header.
    pub row_header: String,
    /// Column labels.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<SacRowOut>,
}

/// The return.
#[derive(Serialize, ToSchema)]
pub struct SacOut {
    /// The financial year, like `2025-26`.
    pub year: String,
    /// Every table, in SAC order.
    pub tables: Vec<SacTableOut>,
}

/// A record found by a check or behind a figure.
#[derive(Serialize, ToSchema)]
pub struct ReportRecordOut {
    /// `concern`, `enquiry`, `person` or `review`.
    pub record: String,
    /// Its id.
    pub id: String,
    /// What names it.
    pub label: String,
    /// Its date.
    pub date: String,
}

/// A data-quality check.
#[derive(Serialize, ToSchema)]
pub struct QualityOut {
    /// Code.
    pub code: String,
    /// What it finds.
    pub label: String,
    /// How many.
    pub count: usize,
    /// The records (empty for analysts, who see counts only).
    pub records: Vec<ReportRecordOut>,
}

fn year(s: &str) -> Result<Year, ApiError> {
    Year::parse(s).ok_or_else(ApiError::not_found)
}

fn record(r: safeguard_core::reports::RecordRef) -> ReportRecordOut {
    ReportRecordOut {
        record: r.record,
        id: r.id,
        label: r.label,
        date: r.date,
    }
}

/// The Safeguarding Adults Collection return for a financial year (analysts and managers).
#[utoipa::path(get, path = "/api/v1/reports/sac/{year}", tag = "reports",
    params(("year" = String, Path, description = "Financial year, like `2025-26`")), security(("bearer" = [])),
    responses((status = 200, body = SacOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn sac(
    State(state): State<AppState>,
    user: ApiUser,
    Path(y): Path<String>,
) -> Result<Json<SacOut>, ApiError> {
    let r = state
        .core
        .sac_return(&user.actor, year(&y)?, &user.ctx, user.now)
        .await?;
    Ok(Json(SacOut {
        year: r.year.to_string(),
        tables: r
            .tables
            .into_iter()
            .map(|t| SacTableOut {
                id: t.id.into(),
                title: t.title.into(),
                row_header: t.row_header.into(),
                columns: t.columns.iter().map(|c| (*c).to_string()).collect(),
                rows: t
                    .rows
                    .iter()
                    .zip(t.counts)
                    .map(|(l, counts)| SacRowOut {
                        label: (*l).to_string(),
                        counts,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// The data-quality checks for a year's return.
#[utoipa::path(get, path = "/api/v1/reports/sac/{year}/quality", tag = "reports",
    params(("year" = String, Path, description = "Financial year, like `2025-26`")), security(("bearer" = [])),
    responses((status = 200, body = Vec<QualityOut>), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn quality(
    State(state): State<AppState>,
    user: ApiUser,
    Path(y): Path<String>,
) -> Result<Json<Vec<QualityOut>>, ApiError> {
    let checks = state
        .core
        .sac_quality(&user.actor, year(&y)?, &user.ctx, user.now)
        .await?;
    Ok(Json(
        checks
            .into_iter()
            .map(|c| QualityOut {
                code: c.code,
                label: c.label,
                count: c.count,
                records: c.records.into_iter().map(record).collect(),
            })
            .collect(),
    ))
}

/// The records behind one figure (managers; analysts see counts only).
#[derive(Serialize, ToSchema)]
pub struct CellOut {
    /// The figure.
    pub count: u64,
    /// How many records are behind it.
    pub total: usize,
    /// The records (at most 1,000).
    pub records: Vec<ReportRecordOut>,
}

/// The records behind one cell: row and column are 0-based positions in the table.
#[utoipa::path(get, path = "/api/v1/reports/sac/{year}/cells/{table}/{row}/{column}", tag = "reports",
    params(("year" = String, Path), ("table" = String, Path), ("row" = usize, Path), ("column" = usize, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CellOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn cell(
    State(state): State<AppState>,
    user: ApiUser,
    Path((y, table, row, column)): Path<(String, String, usize, usize)>,
) -> Result<Json<CellOut>, ApiError> {
    let c = state
        .core
        .sac_cell(
            &user.actor,
            year(&y)?,
            &table,
            row,
            column,
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(Json(CellOut {
        count: c.count,
        total: c.total,
        records: c.records.into_iter().map(record).collect(),
    }))
}

/// A Safeguarding Adults Review to add.
#[derive(Deserialize, ToSchema)]
pub struct SafeguardingReviewIn {
    /// A title that does not identify the person.
    pub title: Option<String>,
    /// `YYYY-MM-DD`.
    pub commissioned_on: Option<String>,
    /// `YYYY-MM-DD`, once completed.
    pub completed_on: Option<String>,
    /// Individuals who suffered serious harm and died.
    pub individuals_died: Option<u32>,
    /// Individuals who suffered serious harm and survived.
    pub individuals_survived: Option<u32>,
}

/// Add a Safeguarding Adults Review to the register (managers).
#[utoipa::path(post, path = "/api/v1/reviews", tag = "reports", request_body = SafeguardingReviewIn, security(("bearer" = [])),
    responses((status = 201, description = "Added"), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn add_review(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let r: SafeguardingReviewIn = parse_json(&body)?;
    let raw = RawReview {
        title: r.title,
        commissioned_on: r.commissioned_on,
        completed_on: r.completed_on,
        individuals_died: r.individuals_died.map(|n| n.to_string()),
        individuals_survived: r.individuals_survived.map(|n| n.to_string()),
    };
    let row = state
        .core
        .add_review(&user.actor, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(row.id))
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD&team=ID`, each optional.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct DashboardParams {
    /// First day (default: 1 April of the current financial year).
    from: Option<String>,
    /// Last day (default: today).
    to: Option<String>,
    /// A team's id (default: all teams).
    team: Option<String>,
}

/// The managers' dashboard for a period and team: Making Safeguarding
/// Personal, risk outcomes, time to decision, overdue work, concerns by
/// type, location and source, and providers over time (figures only).
#[utoipa::path(get, path = "/api/v1/reports/dashboard", tag = "reports",
    params(DashboardParams), security(("bearer" = [])),
    responses((status = 200, body = safeguard_domain::dashboard::Dashboard), (status = 403, body = ApiErrorBody),
        (status = 400, description = "A date or team not valid or out of range", body = ApiErrorBody)))]
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    user: ApiUser,
    axum::extract::Query(q): axum::extract::Query<DashboardParams>,
) -> Result<Json<safeguard_domain::dashboard::Dashboard>, ApiError> {
    let team = q.team.as_deref().map(str::trim).filter(|s| !s.is_empty());
    Ok(Json(
        state
            .core
            .dashboard(
                &user.actor,
                q.from.as_deref(),
                q.to.as_deref(),
                team,
                &user.ctx,
                user.now,
            )
            .await
            .map_err(|e| match e {
                CoreError::Invalid(errs) => ApiError::bad_query(errs),
                e => e.into(),
            })?,
    ))
}

/// A review's recommendation.
#[derive(Serialize, ToSchema)]
pub struct RecommendationOut {
    /// Id.
    pub id: String,
    /// What the review recommends.
    pub text: String,
    /// The owner's name.
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// `open`, `in_progress` or `done`.
    pub status: String,
    /// Not done and past its date.
    pub overdue: bool,
    /// The id of the training level it leads to.
    pub level_id: Option<String>,
    /// The case-file audit question it leads to.
    pub audit_question: Option<String>,
    /// How audits have graded that question since, quarter by quarter.
    pub audit_trend: Vec<crate::api_case_audit::TallyOut>,
}

/// A review with its recommendations.
#[derive(Serialize, ToSchema)]
pub struct ReviewOut {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `YYYY-MM-DD`.
    pub commissioned_on: String,
    /// `YYYY-MM-DD`.
    pub completed_on: Option<String>,
    /// By date due.
    pub recommendations: Vec<RecommendationOut>,
}

/// A Safeguarding Adults Review and its recommendations (analysts and managers).
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reports", params(("id" = String, Path, description = "Review id")),
    security(("bearer" = [])), responses((status = 200, body = ReviewOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn review(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ReviewOut>, ApiError> {
    let d = state
        .core
        .review_detail(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Json(ReviewOut {
        id: d.review.id,
        title: d.review.title,
        commissioned_on: d.review.commissioned_on,
        completed_on: d.review.completed_on,
        recommendations: d
            .recommendations
            .into_iter()
            .map(|r| RecommendationOut {
                id: r.row.id,
                text: r.row.text,
                owner: r.owner,
                due_on: r.row.due_on,
                status: r.row.status,
                overdue: r.overdue,
                level_id: r.row.level_id,
                audit_question: r.row.audit_question,
                audit_trend: r
                    .audit_trend
                    .iter()
                    .map(|(q, t)| crate::api_case_audit::TallyOut {
                        quarter: q.code(),
                        graded: t.graded,
                        good_or_better: t.good,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Add a recommendation to a review (managers).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/recommendations", tag = "reports", params(("id" = String, Path, description = "Review id")),
    request_body = safeguard_domain::workforce::RawRecommendation, security(("bearer" = [])),
    responses((status = 201, body = crate::api_concerns::IdOut), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn add_recommendation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw: safeguard_domain::workforce::RawRecommendation = parse_json(&body)?;
    let rid = state
        .core
        .add_recommendation(&user.actor, &id, &raw, &user.ctx, user.now)
        .await?;
    Ok(created(rid))
}

/// A recommendation's new status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationStatusIn {
    /// `open`, `in_progress` or `done`.
    pub status: String,
}

/// Change where a recommendation stands (managers, its owner).
#[utoipa::path(put, path = "/api/v1/recommendations/{id}/status", tag = "reports", params(("id" = String, Path, description = "Recommendation id")),
    request_body = RecommendationStatusIn, security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn recommendation_status(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::http::StatusCode, ApiError> {
    let s: RecommendationStatusIn = parse_json(&body)?;
    state
        .core
        .set_recommendation_status(&user.actor, &id, &s.status, &user.ctx, user.now)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
