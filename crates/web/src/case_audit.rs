//! Case-file audit pages: the audits to do, of one's cases and team's, and
//! the lead's quarter with the sample form (`/case-audits`); one audit with
//! its assignment, grading, moderation and response forms
//! (`/case-audits/{id}`); the themes (`/case-audits/themes`); and the
//! templates (`/case-audits/templates`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::case_audit::{AuditLists, AuditSummary, AuditView, TemplateView};
use safeguard_domain::case_audit::{
    Grade, Quarter, RawAnswer, RawGrading, RawImprovement, RawModeration, RawSample, RawTemplate,
};
use safeguard_domain::validation::FieldErrors;
use serde::Deserialize;

use crate::AppState;
use crate::auth::SignedIn;
use crate::charts;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

/// Improvement action rows on the grading form.
pub(crate) const ACTION_ROWS: usize = 3;

/// An audit's row in a list.
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) quarter: String,
    pub(crate) team: String,
    pub(crate) worker: String,
    pub(crate) auditor: String,
    pub(crate) moderator: String,
    pub(crate) stage: &'static str,
    pub(crate) result: String,
}

fn result(s: &AuditSummary) -> String {
    match s.tally.percent() {
        Some(p) => format!(
            "{} of {} good or better ({p}%)",
            s.tally.good, s.tally.graded
        ),
        None => "Not graded".into(),
    }
}

fn rows(list: &[AuditSummary]) -> Vec<Row> {
    list.iter()
        .map(|s| Row {
            id: s.id.clone(),
            quarter: s.quarter.label(),
            team: s.team.clone(),
            worker: s.worker.clone(),
            auditor: s.auditor.clone().unwrap_or_else(|| "Not named".into()),
            moderator: s.moderator.clone().unwrap_or_else(|| "Not named".into()),
            stage: s.stage.label(),
            result: result(s),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "case_audits.html")]
struct ListTemplate {
    l: Layout,
    to_do: Vec<Row>,
    of_mine: Vec<Row>,
    team: Vec<Row>,
    all: Vec<Row>,
    may_run: bool,
    quarter: String,
    previous: String,
    next: Option<String>,
    f: FormView,
    errors: FieldErrors,
    themes: bool,
}

/// `?quarter=2026-Q4`.
#[derive(Deserialize)]
pub(crate) struct QuarterQuery {
    quarter: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: &SignedIn,
    quarter: Option<Quarter>,
    f: FormData,
    errors: FieldErrors,
) -> Result<ListTemplate, PageError> {
    let AuditLists {
        to_do,
        of_mine,
        team,
        quarter,
        all,
        may_run,
    } = state
        .core
        .case_audits(&user.actor, quarter, &user.ctx, user.now)
        .await?;
    let mut f = f;
    if f.0.is_empty() {
        f.set("quarter", quarter.code());
        f.set("per_team", "3");
    }
    let current = Quarter::of(state.core.today(user.now));
    Ok(ListTemplate {
        l: Layout::new("Case-file audit", user).with_errors(&errors),
        to_do: rows(&to_do),
        of_mine: rows(&of_mine),
        team: rows(&team),
        all: rows(&all),
        may_run,
        quarter: quarter.label(),
        previous: quarter.previous().code(),
        next: (quarter < current).then(|| quarter.next().code()),
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        themes: safeguard_domain::policy::decide(
            &user.actor,
            safeguard_domain::Action::ViewAuditThemes,
        ) == safeguard_domain::Decision::Allow,
    })
}

/// `GET /case-audits`.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    let quarter = q.quarter.as_deref().and_then(Quarter::parse);
    let t = list_page(
        &state,
        &user,
        quarter,
        FormData::default(),
        FieldErrors::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /case-audits/sample`.
pub(crate) async fn draw(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawSample {
        quarter: f.opt("quarter"),
        per_team: f.opt("per_team"),
    };
    match state
        .core
        .draw_audit_sample(&user.actor, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => {
            let q = raw.quarter.unwrap_or_default();
            Ok(Redirect::to(&format!("/case-audits?quarter={}", q.trim())).into_response())
        }
        Err(CoreError::Invalid(errors)) => {
            let q = raw.quarter.as_deref().and_then(Quarter::parse);
            let t = list_page(&state, &user, q, f, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// A question's row on the audit page, with its form field names.
pub(crate) struct QuestionRow {
    pub(crate) n: usize,
    pub(crate) text: String,
    pub(crate) grade: String,
    pub(crate) moderated: String,
    pub(crate) evidence: String,
    pub(crate) grade_name: String,
    pub(crate) evidence_name: String,
    pub(crate) moderated_name: String,
    /// Options for moderation: agree (blank) or a grade.
    pub(crate) moderation_options: Vec<(String, String)>,
}

/// The field names of one improvement action row.
pub(crate) struct ActionNames {
    pub(crate) n: usize,
    pub(crate) action: String,
    pub(crate) owner: String,
    pub(crate) due: String,
}

#[derive(Template)]
#[template(path = "case_audit.html")]
struct AuditTemplate {
    l: Layout,
    v: AuditView,
    quarter: String,
    questions: Vec<QuestionRow>,
    grades: Vec<(String, String)>,
    colleagues: Vec<(String, String)>,
    action_rows: Vec<ActionNames>,
    f: FormView,
    errors: FieldErrors,
    open_form: String,
}

fn grade_label(g: Option<Grade>) -> String {
    g.map(|g| g.label().to_string()).unwrap_or_default()
}

async fn audit_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    f: FormData,
    errors: FieldErrors,
    open_form: &str,
) -> Result<AuditTemplate, PageError> {
    let v = state
        .core
        .case_audit(&user.actor, id, &user.ctx, user.now)
        .await?;
    let questions = v
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| QuestionRow {
            n: i + 1,
            text: q.text.clone(),
            grade: grade_label(q.grade),
            moderated: grade_label(q.moderated),
            evidence: q.evidence.clone().unwrap_or_default(),
            grade_name: format!("q_{i}_grade"),
            evidence_name: format!("q_{i}_evidence"),
            moderated_name: format!("q_{i}_moderated"),
            moderation_options: Grade::ALL
                .iter()
                .filter(|g| Some(**g) != q.grade)
                .map(|g| (g.code().to_string(), g.label().to_string()))
                .collect(),
        })
        .collect();
    let colleagues = if v.may_grade {
        state.core.case_workers().await?
    } else {
        Vec::new()
    };
    let mut f = f;
    if f.0.is_empty() {
        if let Some((_, u)) = &v.auditor {
            f.set("auditor", u.clone());
        }
        if let Some((_, u)) = &v.moderator {
            f.set("moderator", u.clone());
        }
    }
    Ok(AuditTemplate {
        l: Layout::new(format!("Case-file audit: {}", v.worker), user).with_errors(&errors),
        quarter: v.quarter.label(),
        questions,
        grades: Grade::ALL
            .iter()
            .map(|g| (g.code().to_string(), g.label().to_string()))
            .collect(),
        colleagues,
        action_rows: (0..ACTION_ROWS)
            .map(|i| ActionNames {
                n: i + 1,
                action: format!("action_{i}_text"),
                owner: format!("action_{i}_owner"),
                due: format!("action_{i}_due"),
            })
            .collect(),
        v,
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        open_form: open_form.to_string(),
    })
}

/// `GET /case-audits/{id}`.
pub(crate) async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let t = audit_page(
        &state,
        &user,
        &id,
        FormData::default(),
        FieldErrors::new(),
        "",
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

/// Back to the audit, or its page again with the form's errors.
async fn after(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    f: FormData,
    form: &str,
    r: Result<(), CoreError>,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/case-audits/{id}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = audit_page(state, user, id, f, errors, form).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /case-audits/{id}/assign`.
pub(crate) async fn assign(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let r = state
        .core
        .assign_case_audit(
            &user.actor,
            &id,
            f.get("auditor"),
            f.get("moderator"),
            &user.ctx,
            user.now,
        )
        .await;
    after(&state, &user, &id, f, "assign", r).await
}

/// The grading form's fields as typed.
pub(crate) fn raw_grading(f: &FormData, questions: usize) -> RawGrading {
    RawGrading {
        answers: (0..questions)
            .map(|i| RawAnswer {
                grade: f.opt(&format!("q_{i}_grade")),
                evidence: f.opt(&format!("q_{i}_evidence")),
            })
            .collect(),
        findings: f.opt("findings"),
        actions: (0..ACTION_ROWS)
            .map(|i| RawImprovement {
                action: f.opt(&format!("action_{i}_text")),
                owner: f.opt(&format!("action_{i}_owner")),
                due_on: f.opt(&format!("action_{i}_due")),
            })
            .collect(),
    }
}

/// How many questions the form carries (`questions`, checked against the
/// audit's own by the use case).
fn question_count(f: &FormData) -> usize {
    f.get("questions")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(30)
}

/// `POST /case-audits/{id}/grades`.
pub(crate) async fn grade(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = raw_grading(&f, question_count(&f));
    let r = state
        .core
        .grade_case_audit(&user.actor, &id, &raw, &user.ctx, user.now)
        .await;
    after(&state, &user, &id, f, "grade", r).await
}

/// `POST /case-audits/{id}/moderation`.
pub(crate) async fn moderate(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawModeration {
        grades: (0..question_count(&f))
            .map(|i| f.opt(&format!("q_{i}_moderated")))
            .collect(),
        note: f.opt("note"),
    };
    let r = state
        .core
        .moderate_case_audit(&user.actor, &id, &raw, &user.ctx, user.now)
        .await;
    after(&state, &user, &id, f, "moderate", r).await
}

/// `POST /case-audits/{id}/response`.
pub(crate) async fn respond(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let r = state
        .core
        .respond_to_case_audit(&user.actor, &id, &f.opt("response"), &user.ctx, user.now)
        .await;
    after(&state, &user, &id, f, "respond", r).await
}

/// `POST /case-audits/actions/{id}/done`.
pub(crate) async fn action_done(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let audit = state
        .core
        .complete_case_audit_action(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to(&format!("/case-audits/{audit}")).into_response())
}

/// A row of a themes table: the label and a cell for each quarter.
pub(crate) struct ThemeRow {
    pub(crate) label: String,
    pub(crate) cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit_themes.html")]
struct ThemesTemplate {
    l: Layout,
    quarters: Vec<String>,
    by_question: Vec<ThemeRow>,
    by_team: Vec<ThemeRow>,
    question_svg: String,
    team_svg: String,
    latest: String,
    empty: bool,
}

fn cell(t: Option<&safeguard_domain::case_audit::Tally>) -> String {
    match t.and_then(|t| t.percent().map(|p| (p, t))) {
        Some((p, t)) => format!("{p}% ({} of {})", t.good, t.graded),
        None => "–".into(),
    }
}

/// `GET /case-audits/themes`.
pub(crate) async fn themes(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let v = state
        .core
        .audit_themes(&user.actor, &user.ctx, user.now)
        .await?;
    let t = &v.themes;
    // The last four quarters with grades.
    let quarters: Vec<Quarter> = t.quarters.iter().rev().take(4).rev().copied().collect();
    let latest = quarters.last().copied();
    let by_question = v
        .questions
        .iter()
        .map(|q| ThemeRow {
            label: q.clone(),
            cells: quarters
                .iter()
                .map(|qt| cell(t.by_question.get(q).and_then(|m| m.get(qt))))
                .collect(),
        })
        .collect();
    let by_team = t
        .by_team
        .iter()
        .map(|(team, m)| ThemeRow {
            label: team.clone(),
            cells: quarters.iter().map(|qt| cell(m.get(qt))).collect(),
        })
        .collect();
    let bars = |rows: Vec<(String, Option<&safeguard_domain::case_audit::Tally>)>| {
        rows.into_iter()
            .filter_map(|(label, tally)| {
                let tally = tally?;
                let p = tally.percent()?;
                Some((
                    label,
                    p,
                    format!("{p}% ({} of {})", tally.good, tally.graded),
                ))
            })
            .collect::<Vec<_>>()
    };
    let (question_svg, team_svg) = match latest {
        Some(lq) => (
            charts::bars(
                "themes-questions",
                &format!("Good or better by question, {}", lq.label()),
                "Each question's share of audits graded good or outstanding in the latest quarter; the table below gives every quarter.",
                &bars(
                    v.questions
                        .iter()
                        .map(|q| (q.clone(), t.by_question.get(q).and_then(|m| m.get(&lq))))
                        .collect(),
                ),
            ),
            charts::bars(
                "themes-teams",
                &format!("Good or better by team, {}", lq.label()),
                "Each team's share of questions graded good or outstanding in the latest quarter; the table below gives every quarter.",
                &bars(
                    t.by_team
                        .iter()
                        .map(|(team, m)| (team.clone(), m.get(&lq)))
                        .collect(),
                ),
            ),
        ),
        None => (String::new(), String::new()),
    };
    let tpl = ThemesTemplate {
        l: Layout::new("Case-file audit themes", &user),
        quarters: quarters.iter().map(|q| q.label()).collect(),
        by_question,
        by_team,
        question_svg,
        team_svg,
        latest: latest.map(|q| q.label()).unwrap_or_default(),
        empty: quarters.is_empty(),
    };
    Ok(render(StatusCode::OK, &tpl))
}

#[derive(Template)]
#[template(path = "audit_templates.html")]
struct TemplatesTemplate {
    l: Layout,
    templates: Vec<TemplateView>,
    may_manage: bool,
    f: FormView,
    errors: FieldErrors,
}

async fn templates_page(
    state: &AppState,
    user: &SignedIn,
    f: FormData,
    errors: FieldErrors,
) -> Result<TemplatesTemplate, PageError> {
    Ok(TemplatesTemplate {
        l: Layout::new("Case-file audit templates", user).with_errors(&errors),
        templates: state.core.audit_templates().await?,
        may_manage: safeguard_domain::policy::decide(
            &user.actor,
            safeguard_domain::Action::ManageAuditTemplates,
        ) == safeguard_domain::Decision::Allow,
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
    })
}

/// `GET /case-audits/templates`.
pub(crate) async fn templates(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let t = templates_page(&state, &user, FormData::default(), FieldErrors::new()).await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /case-audits/templates`.
pub(crate) async fn add_template(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawTemplate {
        name: f.opt("name"),
        questions: f.opt("questions"),
    };
    match state
        .core
        .add_audit_template(&user.actor, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to("/case-audits/templates").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = templates_page(&state, &user, f, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /case-audits/templates/{id}/activate`.
pub(crate) async fn activate_template(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .activate_audit_template(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to("/case-audits/templates").into_response())
}
