//! The actions a user owns (`/actions`): plan actions naming them or their
//! partner agency, with due dates, moved on from here.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_domain::plan::ActionStatus;

use crate::AppState;
use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::FormData;
use crate::pages::{Layout, render};

/// One owned action as the page shows it.
pub(crate) struct OwnedView {
    pub(crate) id: String,
    pub(crate) enquiry_id: String,
    pub(crate) description: String,
    /// Who it is for: the person's name, or that the record is restricted.
    pub(crate) person: String,
    pub(crate) owner: String,
    /// The due date in words.
    pub(crate) due: String,
    pub(crate) overdue: bool,
    pub(crate) status: String,
    pub(crate) status_label: &'static str,
    /// Who leads the enquiry, and how to reach them.
    pub(crate) lead: String,
    /// Still to do (planned or in progress).
    pub(crate) open: bool,
}

/// The owned actions as rows for a page, soonest due first.
pub(crate) fn owned_views(
    rows: Vec<safeguard_core::rows::OwnedActionRow>,
    today: time::Date,
) -> Vec<OwnedView> {
    rows.into_iter()
        .map(|a| {
            let st = ActionStatus::parse(&a.status);
            let open = matches!(st, Some(ActionStatus::Planned | ActionStatus::InProgress));
            let due_date = safeguard_domain::person::parse_iso_date(&a.due_on);
            OwnedView {
                overdue: open && due_date.is_some_and(|d| d < today),
                due: crate::display::day_words(&a.due_on),
                status_label: st.map(|s| s.label()).unwrap_or(""),
                person: a
                    .person_name
                    .unwrap_or_else(|| "A restricted record: ask the lead".into()),
                lead: match (a.lead_name, a.lead_email) {
                    (Some(n), Some(e)) => format!("{n} ({e})"),
                    (Some(n), None) => n,
                    _ => "Not yet allocated: contact the safeguarding team".into(),
                },
                open,
                id: a.id,
                enquiry_id: a.enquiry_id,
                description: a.description,
                owner: a.owner,
                status: a.status,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "actions.html")]
struct ActionsPage {
    l: Layout,
    actions: Vec<OwnedView>,
    statuses: Vec<(&'static str, &'static str)>,
    saved: bool,
    error: Option<String>,
    /// Council staff may follow a link to the enquiry (its page checks access).
    council: bool,
}

async fn page(
    state: &AppState,
    user: &SignedIn,
    saved: bool,
    error: Option<String>,
) -> Result<Response, PageError> {
    let rows = state
        .core
        .owned_actions(&user.actor, &user.ctx, user.now)
        .await?;
    let t = ActionsPage {
        l: Layout::new("Actions you own", user),
        actions: owned_views(rows, user.now.date()),
        statuses: ActionStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        saved,
        error: error.clone(),
        council: user.actor.agency_is_owner,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &t))
}

/// `GET /actions`: the plan actions the user or their agency owns.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<crate::display::Saved>,
) -> Result<Response, PageError> {
    page(&state, &user, q.saved.is_some(), None).await
}

/// `POST /actions/{id}`: the owner moves an action on.
pub(crate) async fn update(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .update_owned_action(&user.actor, &id, f.get("status"), &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/actions?saved=1#action-{id}")).into_response()),
        Err(CoreError::Invalid(e)) => {
            let msg = e.get("status").unwrap_or("Select a status").to_string();
            page(&state, &user, false, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
