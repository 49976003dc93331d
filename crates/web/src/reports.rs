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
use safeguard_core::rows::ReviewRow;
use safeguard_domain::Action;
use safeguard_domain::dashboard::{
    Bars, Dashboard, ProviderTrend, month_label, per_mille, percent,
};
use safeguard_domain::sac::{Table, Year};
use safeguard_domain::validation::FieldErrors;
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};
use crate::{AppState, charts};

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
    let year = year_of(q.year.as_deref(), state.core.today(user.now))?;
    let r = state
        .core
        .sac_return(&user.actor, year, &user.ctx, user.now)
        .await?;
    let quality = state
        .core
        .sac_quality(&user.actor, year, &user.ctx, user.now)
        .await?;
    let this = Year::containing(state.core.today(user.now)).start_year();
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

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD&team=ID` (or the date inputs' parts).
pub(crate) struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
    team: Option<String>,
}

impl DashboardQuery {
    fn team(&self) -> Option<&str> {
        self.team
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// A chart and the table of the same figures beside it.
struct Panel {
    id: &'static str,
    title: String,
    note: String,
    svg: String,
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

/// Horizontal bars with their table: category, count, share.
fn bar_panel(id: &'static str, title: &str, note: &str, what: &'static str, b: &Bars) -> Panel {
    let rows: Vec<(String, u64, String)> = b
        .bars
        .iter()
        .map(|x| {
            let words = match x.per_mille {
                Some(_) => format!("{} ({})", x.count, percent(x.per_mille)),
                None => x.count.to_string(),
            };
            (x.label.clone(), x.count, words)
        })
        .collect();
    let desc = match b.bars.iter().max_by_key(|x| x.count) {
        Some(top) if b.total > 0 => format!(
            "Bar chart of {} {what}. The largest group is {}: {} ({}). The table beside it has every figure.",
            b.total,
            top.label,
            top.count,
            percent(top.per_mille)
        ),
        _ => format!("Bar chart: no {what} in the period."),
    };
    Panel {
        id,
        title: title.to_string(),
        note: note.to_string(),
        svg: charts::bars(id, title, &desc, &rows),
        head: vec!["Group", what, "Share"],
        rows: b
            .bars
            .iter()
            .map(|x| vec![x.label.clone(), x.count.to_string(), percent(x.per_mille)])
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardTemplate {
    l: Layout,
    f: FormView,
    teams: Vec<(String, String)>,
    team_name: String,
    d: Option<Dashboard>,
    headline: Vec<(String, String)>,
    panels: Vec<Panel>,
    providers: Vec<ProviderTrend>,
    month_labels: Vec<String>,
    links: bool,
}

/// `GET /reports/dashboard`: outcomes, timeliness, overdue work and
/// patterns of concerns for a period and team, as charts with tables.
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    user: SignedIn,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    // The query as a form: the date inputs' parts joined into `from` and `to`.
    let data = FormData::parse(raw.unwrap_or_default().as_bytes());
    let q = DashboardQuery {
        from: data.opt("from"),
        to: data.opt("to"),
        team: data.opt("team"),
    };
    let teams: Vec<(String, String)> = state.core.teams().await?;
    let team_name = q
        .team()
        .and_then(|id| teams.iter().find(|t| t.0 == id))
        .map(|t| t.1.clone())
        .unwrap_or_else(|| "All teams".into());
    let result = state
        .core
        .dashboard(
            &user.actor,
            q.from.as_deref(),
            q.to.as_deref(),
            q.team(),
            &user.ctx,
            user.now,
        )
        .await;
    let links = safeguard_domain::policy::decide(&user.actor, Action::ViewEnquiries)
        == safeguard_domain::Decision::Allow;
    let (d, errors, status) = match result {
        Ok(d) => (Some(d), FieldErrors::new(), StatusCode::OK),
        Err(CoreError::Invalid(errors)) => (None, errors, StatusCode::BAD_REQUEST),
        Err(e) => return Err(e.into()),
    };
    let mut panels = Vec::new();
    let mut headline = Vec::new();
    let mut month_labels = Vec::new();
    if let Some(d) = &d {
        month_labels = d.months.iter().map(|m| month_label(m)).collect();
        headline = vec![
            ("Concerns received".into(), d.concerns.to_string()),
            (
                format!(
                    "Decided within {}",
                    safeguard_domain::text::count(
                        i64::from(d.timeliness.target_days),
                        "working day",
                        "working days"
                    )
                ),
                percent(d.timeliness.within_per_mille),
            ),
            (
                "Asked what they wanted to happen".into(),
                percent(d.msp.asked_per_mille),
            ),
            (
                "Outcomes fully achieved".into(),
                percent(d.msp.achieved.bars.first().and_then(|b| b.per_mille)),
            ),
            (
                "Risk reduced or removed".into(),
                percent(per_mille(
                    d.risk_outcomes
                        .bars
                        .iter()
                        .filter(|b| b.label == "Risk reduced" || b.label == "Risk removed")
                        .map(|b| b.count)
                        .sum(),
                    d.risk_outcomes.total,
                )),
            ),
        ];
        let cols: Vec<(String, u64)> = month_labels
            .iter()
            .cloned()
            .zip(d.concerns_by_month.iter().copied())
            .collect();
        let busiest = cols.iter().max_by_key(|c| c.1);
        panels.push(Panel {
            id: "by-month",
            title: "Concerns received, month by month".into(),
            note: String::new(),
            svg: charts::columns(
                "by-month",
                "Concerns received, month by month",
                &match busiest {
                    Some((m, n)) if d.concerns > 0 => format!(
                        "Column chart of {} concerns over {} months. The busiest month was {m} with {n}. The table beside it has every month.",
                        d.concerns,
                        cols.len()
                    ),
                    _ => "Column chart: no concerns in the period.".into(),
                },
                &cols,
            ),
            head: vec!["Month", "Concerns"],
            rows: cols
                .iter()
                .map(|(m, n)| vec![m.clone(), n.to_string()])
                .collect(),
        });
        panels.push(bar_panel(
            "msp-asked",
            "Were they asked what they wanted to happen?",
            "Section 42 enquiries concluded and signed off in the period (SG4a part 1).",
            "Enquiries",
            &d.msp.asked,
        ));
        panels.push(bar_panel(
            "msp-achieved",
            "Were the outcomes they wanted achieved?",
            "Enquiries where the person expressed outcomes, by how far they were achieved (SG4a part 2).",
            "Enquiries",
            &d.msp.achieved,
        ));
        panels.push(bar_panel(
            "risk-outcomes",
            "Risk outcomes",
            "Enquiries where risk was identified and action taken: what became of the risk (SG2e).",
            "Enquiries",
            &d.risk_outcomes,
        ));
        panels.push(bar_panel(
            "action-results",
            "What enquiries found and did",
            "Every Section 42 enquiry concluded in the period (SG2c).",
            "Enquiries",
            &d.action_results,
        ));
        let t = &d.timeliness;
        panels.push(bar_panel(
            "time-to-decision",
            "Time from concern to decision",
            &format!(
                "Concerns received in the period and decided, by working days taken. Target: {}. {} still waiting.",
                safeguard_domain::text::count(i64::from(t.target_days), "working day", "working days"),
                t.waiting
            ),
            "Concerns",
            &t.spread,
        ));
        let within: Vec<(String, u64)> = month_labels
            .iter()
            .zip(&t.by_month)
            .map(|(m, x)| (m.clone(), x.within_per_mille.unwrap_or(0) / 10))
            .collect();
        panels.push(Panel {
            id: "within-target",
            title: "Decided within target, month by month".into(),
            note: "Per cent of concerns received in each month that were decided within the target. Months with no decisions show 0 in the chart and a dash in the table.".into(),
            svg: charts::columns(
                "within-target",
                "Per cent decided within target, month by month",
                &format!(
                    "Column chart of the per cent of concerns decided within {}, month by month; {} overall. The table beside it has every month.",
                    safeguard_domain::text::count(i64::from(t.target_days), "working day", "working days"),
                    percent(t.within_per_mille)
                ),
                &within,
            ),
            head: vec!["Month", "Decided", "Within target", "Share"],
            rows: month_labels
                .iter()
                .zip(&t.by_month)
                .map(|(m, x)| {
                    vec![
                        m.clone(),
                        x.decided.to_string(),
                        x.within_target.to_string(),
                        percent(x.within_per_mille),
                    ]
                })
                .collect(),
        });
        panels.push(bar_panel(
            "by-type",
            "Concerns by type of abuse or neglect suspected",
            "A concern with several suspected types counts once for each, so shares add up to more than 100%.",
            "Concerns",
            &d.by_type,
        ));
        panels.push(bar_panel(
            "by-location",
            "Concerns by where the harm happened",
            "",
            "Concerns",
            &d.by_location,
        ));
        panels.push(bar_panel(
            "by-source",
            "Concerns by who raised them",
            "",
            "Concerns",
            &d.by_source,
        ));
        if !d.providers.is_empty() {
            let rows: Vec<(String, u64, String)> = d
                .providers
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.total,
                        if p.rising {
                            format!("{} (rising)", p.total)
                        } else {
                            p.total.to_string()
                        },
                    )
                })
                .collect();
            let rising = d.providers.iter().filter(|p| p.rising).count();
            panels.push(Panel {
                id: "providers",
                title: "Providers with most concerns".into(),
                note: "Concerns about a named care provider. Rising: the last three months of the period had at least three concerns and at least twice as many as the three months before.".into(),
                svg: charts::bars(
                    "providers",
                    "Providers with most concerns",
                    &format!(
                        "Bar chart of the {} providers with most concerns; {} rising. The table below has them month by month.",
                        d.providers.len(),
                        rising
                    ),
                    &rows,
                ),
                head: vec!["Provider", "Concerns", "Rising"],
                rows: d
                    .providers
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            p.total.to_string(),
                            if p.rising { "Yes" } else { "No" }.to_string(),
                        ]
                    })
                    .collect(),
            });
        }
    }
    let t = DashboardTemplate {
        l: Layout::new("Dashboard", &user).with_errors(&errors),
        f: FormView { data, errors },
        teams,
        team_name,
        providers: d.as_ref().map(|d| d.providers.clone()).unwrap_or_default(),
        d,
        headline,
        panels,
        month_labels,
        links,
    };
    Ok(render(status, &t))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewTemplate {
    l: Layout,
    d: safeguard_core::reports::ReviewDetail,
    can_add: bool,
    owners: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    questions: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    f: FormView,
    errors: FieldErrors,
}

async fn review_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
) -> Result<ReviewTemplate, PageError> {
    let d = state
        .core
        .review_detail(&user.actor, id, &user.ctx, user.now)
        .await?;
    let can_add = safeguard_domain::policy::decide(&user.actor, Action::ManageReviews)
        == safeguard_domain::Decision::Allow;
    let owners = if can_add {
        state.core.case_workers().await?
    } else {
        Vec::new()
    };
    let levels = crate::workforce::level_options(&state.core.workforce_catalogue().await?);
    let questions = if can_add {
        state
            .core
            .audit_question_texts()
            .await?
            .into_iter()
            .map(|q| (q.clone(), q))
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReviewTemplate {
        questions,
        l: Layout::new(format!("Review: {}", d.review.title), user).with_errors(&errors),
        d,
        can_add,
        owners,
        levels,
        statuses: safeguard_domain::workforce::RecommendationStatus::ALL
            .iter()
            .map(|s| (s.code().to_string(), s.label().to_string()))
            .collect(),
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
    })
}

/// `GET /reports/reviews/{id}`: a review and its recommendations.
pub(crate) async fn review(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let t = review_page(&state, &user, &id, FormData::default(), FieldErrors::new()).await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /reports/reviews/{id}/recommendations`: add one (managers).
pub(crate) async fn add_recommendation(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = safeguard_domain::workforce::RawRecommendation {
        text: f.opt("text"),
        owner: f.opt("owner"),
        due_on: f.opt("due_on"),
        level_id: f.opt("level_id"),
        audit_question: f.opt("audit_question"),
    };
    match state
        .core
        .add_recommendation(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/reports/reviews/{id}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = review_page(&state, &user, &id, f, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /reports/recommendations/{id}/status`: change where one stands
/// (managers, its owner).
pub(crate) async fn recommendation_status(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let review = state
        .core
        .set_recommendation_status(&user.actor, &id, f.get("status"), &user.ctx, user.now)
        .await?;
    Ok(Redirect::to(&format!("/reports/reviews/{review}")).into_response())
}
