//! Supervision pages: one's own supervision and the workers one oversees
//! (`/supervision`), a worker's supervision with the agreement and session
//! forms (`/supervision/workers/{id}`), and marking an action done.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::supervision::{Supervisee, SupervisionView};
use safeguard_domain::person::iso_date;
use safeguard_domain::supervision::{
    FORM_ROWS, RawAgreement, RawCase, RawSession, RawSupervisionAction, Wellbeing,
};
use safeguard_domain::validation::FieldErrors;

use crate::AppState;
use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

/// A supervisee's row.
pub(crate) struct SuperviseeRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) team: String,
    pub(crate) supervisor: String,
    pub(crate) every: String,
    pub(crate) next_due: String,
    pub(crate) overdue: bool,
}

fn supervisee_rows(s: &[Supervisee]) -> Vec<SuperviseeRow> {
    s.iter()
        .map(|w| SuperviseeRow {
            id: w.user_id.clone(),
            name: w.name.clone(),
            team: w.team.clone().unwrap_or_default(),
            supervisor: w
                .agreement
                .as_ref()
                .map(|a| a.supervisor.clone())
                .unwrap_or_else(|| "No agreement".into()),
            every: w
                .agreement
                .as_ref()
                .map(|a| format!("Every {} weeks", a.frequency_weeks))
                .unwrap_or_default(),
            next_due: w
                .agreement
                .as_ref()
                .map(|a| iso_date(a.next_due))
                .unwrap_or_default(),
            overdue: w.agreement.as_ref().is_some_and(|a| a.overdue),
        })
        .collect()
}

/// The field names of one row of the session form.
pub(crate) struct RowNames {
    pub(crate) n: usize,
    pub(crate) case: String,
    pub(crate) decision: String,
    pub(crate) action: String,
    pub(crate) owner: String,
    pub(crate) due: String,
}

impl RowNames {
    fn new(i: usize) -> Self {
        RowNames {
            n: i + 1,
            case: format!("case_{i}_enquiry"),
            decision: format!("case_{i}_decision"),
            action: format!("action_{i}_text"),
            owner: format!("action_{i}_owner"),
            due: format!("action_{i}_due"),
        }
    }
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionTemplate {
    l: Layout,
    v: SupervisionView,
    supervisees: Vec<SuperviseeRow>,
    wellbeing: Vec<(String, String)>,
    cases: Vec<(String, String)>,
    colleagues: Vec<(String, String)>,
    rows: Vec<RowNames>,
    f: FormView,
    errors: FieldErrors,
    /// Which form the errors belong to: `agreement` or `session`.
    open_form: String,
}

async fn page(
    state: &AppState,
    user: &SignedIn,
    worker: Option<&str>,
    f: FormData,
    errors: FieldErrors,
    open_form: &str,
) -> Result<SupervisionTemplate, PageError> {
    let me = user.actor.user_id.to_string();
    let id = worker.unwrap_or(&me);
    let v = state
        .core
        .supervision(&user.actor, id, &user.ctx, user.now)
        .await?;
    let supervisees = if v.own {
        supervisee_rows(
            &state
                .core
                .supervisees(&user.actor, &user.ctx, user.now)
                .await?,
        )
    } else {
        Vec::new()
    };
    let colleagues = if v.may_record {
        state.core.case_workers().await?
    } else {
        Vec::new()
    };
    let mut f = f;
    if f.0.is_empty()
        && let Some(a) = &v.agreement
    {
        f.set("supervisor", a.supervisor_username.clone());
        f.set("frequency_weeks", a.frequency_weeks.to_string());
        f.set("started_on", iso_date(a.started_on));
    }
    let title = if v.own {
        "Your supervision".to_string()
    } else {
        format!("Supervision: {}", v.name)
    };
    Ok(SupervisionTemplate {
        l: Layout::new(title, user).with_errors(&errors),
        cases: v.open_cases.clone(),
        v,
        supervisees,
        wellbeing: Wellbeing::ALL
            .iter()
            .map(|w| (w.code().to_string(), w.label().to_string()))
            .collect(),
        colleagues,
        rows: (0..FORM_ROWS).map(RowNames::new).collect(),
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        open_form: open_form.to_string(),
    })
}

/// `GET /supervision`: one's own supervision and the workers one oversees.
pub(crate) async fn mine(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let t = page(
        &state,
        &user,
        None,
        FormData::default(),
        FieldErrors::new(),
        "",
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

/// `GET /supervision/workers/{id}`.
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
        "",
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /supervision/workers/{id}/agreement`.
pub(crate) async fn agreement(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawAgreement {
        supervisor: f.opt("supervisor"),
        frequency_weeks: f.opt("frequency_weeks"),
        started_on: f.opt("started_on"),
    };
    match state
        .core
        .set_supervision_agreement(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/supervision/workers/{id}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = page(&state, &user, Some(&id), f, errors, "agreement").await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// The session form's fields as typed.
pub(crate) fn raw_session(f: &FormData) -> RawSession {
    RawSession {
        held_on: f.opt("held_on"),
        wellbeing: f.opt("wellbeing"),
        notes: f.opt("notes"),
        cases: (0..FORM_ROWS)
            .map(|i| RawCase {
                enquiry_id: f.opt(&format!("case_{i}_enquiry")),
                decision: f.opt(&format!("case_{i}_decision")),
            })
            .collect(),
        actions: (0..FORM_ROWS)
            .map(|i| RawSupervisionAction {
                action: f.opt(&format!("action_{i}_text")),
                owner: f.opt(&format!("action_{i}_owner")),
                due_on: f.opt(&format!("action_{i}_due")),
            })
            .collect(),
    }
}

/// `POST /supervision/workers/{id}/sessions`.
pub(crate) async fn session(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .record_supervision(&user.actor, &id, &raw_session(&f), &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/supervision/workers/{id}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = page(&state, &user, Some(&id), f, errors, "session").await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /supervision/actions/{id}/done`.
pub(crate) async fn action_done(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let worker = state
        .core
        .complete_supervision_action(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let to = if worker == user.actor.user_id.to_string() {
        "/supervision".to_string()
    } else {
        format!("/supervision/workers/{worker}")
    };
    Ok(Redirect::to(&to).into_response())
}
