//! Reflective practice pages: one's own log with the year's CPD record
//! (`/reflections`), a supervised worker's log, and the CPD export as CSV.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::reflection::{CpdYear, ReflectiveLog};
use safeguard_domain::reflection::{Principle, RawReflection, registration_year_of};
use safeguard_domain::validation::FieldErrors;
use serde::Deserialize;

use crate::AppState;
use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

#[derive(Template)]
#[template(path = "reflections.html")]
struct ReflectionsTemplate {
    l: Layout,
    log: ReflectiveLog,
    cpd: Option<CpdYear>,
    principles: Vec<(String, String)>,
    f: FormView,
    errors: FieldErrors,
    notice: Option<String>,
}

/// `?added=1`.
#[derive(Deserialize)]
pub(crate) struct AddedQuery {
    added: Option<String>,
}

async fn page(
    state: &AppState,
    user: &SignedIn,
    worker: Option<&str>,
    f: FormData,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<ReflectionsTemplate, PageError> {
    let me = user.actor.user_id.to_string();
    let log = state
        .core
        .reflective_log(&user.actor, worker.unwrap_or(&me), &user.ctx, user.now)
        .await?;
    let cpd = if log.own {
        let year = registration_year_of(state.core.today(user.now));
        Some(
            state
                .core
                .cpd_year(&user.actor, year, &user.ctx, user.now)
                .await?,
        )
    } else {
        None
    };
    let title = if log.own {
        "Your reflective log".to_string()
    } else {
        format!("Reflective log: {}", log.name)
    };
    Ok(ReflectionsTemplate {
        l: Layout::new(title, user).with_errors(&errors),
        log,
        cpd,
        principles: Principle::ALL
            .iter()
            .map(|p| (p.code().to_string(), p.label().to_string()))
            .collect(),
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        notice,
    })
}

/// `GET /reflections`.
pub(crate) async fn mine(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<AddedQuery>,
) -> Result<Response, PageError> {
    let notice = q
        .added
        .is_some()
        .then(|| "The reflection was added.".to_string());
    let t = page(
        &state,
        &user,
        None,
        FormData::default(),
        FieldErrors::new(),
        notice,
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /reflections`.
pub(crate) async fn add(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawReflection {
        written_on: f.opt("written_on"),
        title: f.opt("title"),
        what_happened: f.opt("what_happened"),
        learned: f.opt("learned"),
        will_change: f.opt("will_change"),
        principle: f.opt("principle"),
        enquiry_id: f.opt("enquiry_id"),
        peer: f.opt("peer"),
        hours: f.opt("hours"),
        shared: f.get("shared") == "yes",
    };
    match state
        .core
        .add_reflection(&user.actor, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to("/reflections?added=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = page(&state, &user, None, f, errors, None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /reflections/workers/{id}`: a worker's log, for their supervisor
/// (all of it) or whoever oversees them (what the worker shared).
pub(crate) async fn worker(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let t = page(
        &state,
        &user,
        Some(&id),
        FormData::default(),
        FieldErrors::new(),
        None,
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

/// `?year=2026`.
#[derive(Deserialize)]
pub(crate) struct YearQuery {
    year: Option<String>,
}

/// `GET /reflections/cpd.csv?year=2026`: the year's CPD record as CSV.
pub(crate) async fn cpd_csv(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = match q.year.as_deref().map(str::trim) {
        None | Some("") => registration_year_of(state.core.today(user.now)),
        Some(y) => y.parse::<i32>().unwrap_or(0),
    };
    let c = state
        .core
        .cpd_year(&user.actor, year, &user.ctx, user.now)
        .await?;
    let mut out = String::from(
        "Date,Type,Title,What I did or learned,How it changes my practice,Peer reflection with,Hours\r\n",
    );
    for p in &c.pieces {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            p.date,
            p.kind,
            crate::display::csv_field(&p.title),
            crate::display::csv_field(&p.learned),
            crate::display::csv_field(&p.impact),
            crate::display::csv_field(p.peer.as_deref().unwrap_or("")),
            p.hours
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"cpd-{}.csv\"", c.year),
            ),
        ],
        out,
    )
        .into_response())
}
