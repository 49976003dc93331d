//! The Safeguarding Adults Collection return for analysts and managers
//! (`/reports/sac`), the records behind each figure, the data-quality
//! checks, and the register of Safeguarding Adults Reviews.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::reports::{CellRecords, QualityCheck, RawReview};
use safeguard_domain::Action;
use safeguard_domain::sac::{Table, Year};
use safeguard_domain::validation::FieldErrors;
use safeguard_store::sac::ReviewRow;
use serde::Deserialize;

use crate::AppState;
use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

/// `?year=2025-26`.
#[derive(Deserialize)]
pub(crate) struct YearQuery {
    year: Option<String>,
}

/// The year asked for, or the last complete year.
fn year_of(q: Option<&str>, today: time::Date) -> Result<Year, PageError> {
    match q.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Year::parse(s).ok_or_else(PageError::not_found),
        None => Ok(Year::containing(today).previous()),
    }
}

#[derive(Template)]
#[template(path = "sac.html")]
struct SacTemplate {
    l: Layout,
    year: String,
    years: Vec<(String, bool)>,
    tables: Vec<Table>,
    drill: bool,
    quality: Vec<QualityCheck>,
    quality_total: usize,
}

/// `GET /reports/sac`: the return, table by table, with the data-quality checks.
pub(crate) async fn sac(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = year_of(q.year.as_deref(), user.now.date())?;
    let r = state
        .core
        .sac_return(&user.actor, year, &user.ctx, user.now)
        .await?;
    let quality = state
        .core
        .sac_quality(&user.actor, year, &user.ctx, user.now)
        .await?;
    let this = Year::containing(user.now.date()).start_year();
    let years = (0..8)
        .map(|i| {
            let y = Year::starting(this - i);
            (y.to_string(), y == year)
        })
        .collect();
    let drill = safeguard_domain::policy::decide(&user.actor, Action::ViewEnquiries)
        == safeguard_domain::Decision::Allow;
    let t = SacTemplate {
        l: Layout::new(format!("Safeguarding Adults Collection {year}"), &user),
        year: year.to_string(),
        years,
        quality_total: quality.iter().map(|c| c.count).sum(),
        quality,
        tables: r.tables,
        drill,
    };
    Ok(render(StatusCode::OK, &t))
}

/// `GET /reports/sac/{year}/{table}.csv`: one table as the CSV file of the return.
pub(crate) async fn sac_csv(
    State(state): State<AppState>,
    user: SignedIn,
    Path((year, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let year = Year::parse(&year).ok_or_else(PageError::not_found)?;
    let r = state
        .core
        .sac_return(&user.actor, year, &user.ctx, user.now)
        .await?;
    let (name, body) = safeguard_domain::sac::to_csv(&r)
        .into_iter()
        .find(|(name, _)| *name == file)
        .ok_or_else(PageError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"SAC-{year}-{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "sac_cell.html")]
struct CellTemplate {
    l: Layout,
    year: String,
    c: CellRecords,
}

/// `GET /reports/sac/{year}/cells/{table}/{row}/{column}`: the records behind a figure.
pub(crate) async fn sac_cell(
    State(state): State<AppState>,
    user: SignedIn,
    Path((year, table, row, column)): Path<(String, String, usize, usize)>,
) -> Result<Response, PageError> {
    let year = Year::parse(&year).ok_or_else(PageError::not_found)?;
    let c = state
        .core
        .sac_cell(&user.actor, year, &table, row, column, &user.ctx, user.now)
        .await?;
    let t = CellTemplate {
        l: Layout::new(format!("{} {year}: {}", c.table, c.row), &user),
        year: year.to_string(),
        c,
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsTemplate {
    l: Layout,
    reviews: Vec<ReviewRow>,
    can_add: bool,
    f: FormView,
    errors: FieldErrors,
}

async fn reviews_page(
    state: &AppState,
    user: &SignedIn,
    data: FormData,
    errors: FieldErrors,
) -> Result<ReviewsTemplate, PageError> {
    let reviews = state.core.reviews(&user.actor, &user.ctx, user.now).await?;
    Ok(ReviewsTemplate {
        l: Layout::new("Safeguarding Adults Reviews", user).with_errors(&errors),
        reviews,
        can_add: safeguard_domain::policy::decide(&user.actor, Action::ManageReviews)
            == safeguard_domain::Decision::Allow,
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
    })
}

/// `GET /reports/reviews`: the register of Safeguarding Adults Reviews (SG5).
pub(crate) async fn reviews(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let t = reviews_page(&state, &user, FormData::default(), FieldErrors::new()).await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /reports/reviews`: add a review to the register.
pub(crate) async fn add_review(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawReview {
        title: f.opt("title"),
        commissioned_on: f.opt("commissioned_on"),
        completed_on: f.opt("completed_on"),
        individuals_died: f.opt("individuals_died"),
        individuals_survived: f.opt("individuals_survived"),
    };
    match state
        .core
        .add_review(&user.actor, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to("/reports/reviews").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = reviews_page(&state, &user, f, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}
