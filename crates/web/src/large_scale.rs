//! Large-scale enquiries' pages: the list (`/large-scale-enquiries`), one
//! enquiry with its linked adults' enquiries, plan, meetings and closure
//! (`/large-scale-enquiries/{id}`), and the forms that change it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_domain::Action;
use safeguard_domain::large_scale::{
    LargeScaleOutcome, RawLargeScale, RawLsAction, RawLsClosure, RawLsMeeting,
};
use safeguard_domain::plan::{ActionStatus, MeetingKind};
use safeguard_domain::validation::FieldErrors;

use crate::AppState;
use crate::auth::SignedIn;
use crate::display::{Opts, Saved, day_words, opts, when};
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

/// A large-scale enquiry in a list: (id, provider, opened, state words).
type Line = (String, String, String, String);

#[derive(Template)]
#[template(path = "large_scale_list.html")]
struct ListPage {
    l: Layout,
    open: Vec<Line>,
    closed: Vec<Line>,
}

fn state_words(state: &str, outcome: Option<&str>) -> String {
    match (state, outcome.and_then(LargeScaleOutcome::parse)) {
        ("open", _) => "Open".into(),
        (_, Some(o)) => format!("Closed: {}", o.label()),
        _ => "Closed".into(),
    }
}

/// `GET /large-scale-enquiries`.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let rows = state
        .core
        .large_scale_list(&user.actor, &user.ctx, user.now)
        .await?;
    let (open, closed): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .map(|(r, name)| {
            (
                r.id,
                name,
                when(r.opened_at),
                state_words(&r.state, r.outcome.as_deref()),
            )
        })
        .partition(|l| l.3 == "Open");
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l: Layout::new("Large-scale enquiries", &user),
            open,
            closed,
        },
    ))
}

/// `POST /large-scale-enquiries`: opened from a provider's page or an alert.
pub(crate) async fn open(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawLargeScale {
        provider_id: f.opt("provider_id"),
        reason: f.opt("reason"),
        alert_id: f.opt("alert_id"),
    };
    match state
        .core
        .open_large_scale(&user.actor, &raw, &user.ctx, user.now)
        .await
    {
        Ok(id) => {
            Ok(Redirect::to(&format!("/large-scale-enquiries/{id}?saved=opened")).into_response())
        }
        Err(CoreError::Invalid(e)) => {
            // Back to where the form was, with what was typed.
            match raw.alert_id.as_deref() {
                Some(a) => crate::patterns::alert_page_with(&state, &user, a, f, e).await,
                None => {
                    crate::concerns::provider_page_with(
                        &state,
                        &user,
                        raw.provider_id.as_deref().unwrap_or(""),
                        f,
                        e,
                    )
                    .await
                }
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// An action as the page shows it.
pub(crate) struct ActionLine {
    id: String,
    description: String,
    owner: String,
    by_provider: bool,
    due: String,
    status: &'static str,
    status_field: String,
}

#[derive(Template)]
#[template(path = "large_scale.html")]
struct LsPage {
    l: Layout,
    id: String,
    provider_id: String,
    provider: String,
    provider_about: String,
    summary: Vec<(&'static str, String)>,
    open: bool,
    manager: bool,
    works: bool,
    linked_total: i64,
    linked: Vec<(String, String, String)>,
    candidates: Vec<(String, String)>,
    actions: Vec<ActionLine>,
    meetings: Vec<(String, &'static str, String, String, String)>,
    statuses: Opts,
    kinds: Opts,
    outcomes: Opts,
    yes_no: Opts,
    f: FormView,
    errors: FieldErrors,
    saved: Option<&'static str>,
}

async fn page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = state
        .core
        .large_scale_view(&user.actor, id, &user.ctx, user.now)
        .await?;
    let allow = |a: Action| {
        safeguard_domain::policy::decide(&user.actor, a) == safeguard_domain::Decision::Allow
    };
    let open = v.lse.state == "open";
    let mut summary = vec![
        (
            "Opened",
            format!("{} by {}", when(v.lse.opened_at), v.lse.opened_by_name),
        ),
        ("Why", v.lse.reason.clone()),
        (
            "Status",
            state_words(&v.lse.state, v.lse.outcome.as_deref()),
        ),
    ];
    if let Some(s) = &v.lse.closure_summary {
        summary.push((
            "What changed",
            format!(
                "{s}\n(closed {} by {})",
                v.lse.closed_at.map(when).unwrap_or_default(),
                v.lse.closed_by_name.clone().unwrap_or_default()
            ),
        ));
    }
    let kind_label = |k: &str| {
        safeguard_domain::enquiry::EnquiryKind::parse(k)
            .map(|k| k.label())
            .unwrap_or("")
    };
    let linked = v
        .linked
        .iter()
        .map(|(e, name)| {
            let st = safeguard_domain::enquiry::EnquiryState::parse(&e.state)
                .map(|s| s.label())
                .unwrap_or("");
            (
                e.id.clone(),
                format!("{} for {name}", kind_label(&e.kind)),
                format!("started {} ({st})", day_words(&e.started_on)),
            )
        })
        .collect();
    let candidates = v
        .candidates
        .iter()
        .map(|(e, name)| {
            (
                e.id.clone(),
                format!(
                    "{} for {name}, started {}",
                    kind_label(&e.kind),
                    day_words(&e.started_on)
                ),
            )
        })
        .collect();
    let actions = v
        .actions
        .iter()
        .map(|a| ActionLine {
            id: a.id.clone(),
            description: a.description.clone(),
            owner: a.owner.clone(),
            by_provider: a.by_provider,
            due: day_words(&a.due_on),
            status: ActionStatus::parse(&a.status)
                .map(|s| s.label())
                .unwrap_or(""),
            status_field: format!("status_{}", a.id),
        })
        .collect();
    let meetings = v
        .meetings
        .iter()
        .map(|m| {
            (
                day_words(&m.held_on),
                MeetingKind::parse(&m.kind).map(|k| k.label()).unwrap_or(""),
                m.attendees.clone(),
                m.summary.clone(),
                m.recorded_by_name.clone(),
            )
        })
        .collect();
    let p = &v.provider;
    let provider_about = [p.address.clone(), p.postcode.clone()]
        .into_iter()
        .flatten()
        .chain(p.registration_id.as_ref().map(|r| format!("CQC {r}")))
        .collect::<Vec<_>>()
        .join(", ");
    let saved = if errors.is_empty() {
        match data.get("saved") {
            "opened" => Some("The large-scale enquiry is open."),
            "linked" => Some("The adult's enquiry is linked, and their chronology notes it."),
            "action" => Some("The plan was updated."),
            "meeting" => Some("The meeting was recorded."),
            "closed" => Some("The large-scale enquiry is closed."),
            _ => None,
        }
    } else {
        None
    };
    let t = LsPage {
        l: Layout::new(format!("Large-scale enquiry: {}", p.name), user).with_errors(&errors),
        id: v.lse.id.clone(),
        provider_id: p.id.clone(),
        provider: p.name.clone(),
        provider_about,
        summary,
        open,
        manager: allow(Action::RunLargeScaleEnquiries),
        works: allow(Action::WorkOnEnquiry),
        linked_total: v.linked_total,
        linked,
        candidates,
        actions,
        meetings,
        statuses: opts!(ActionStatus),
        kinds: opts!(MeetingKind),
        outcomes: opts!(LargeScaleOutcome),
        yes_no: vec![("yes", "Yes"), ("no", "No")],
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        saved,
    };
    Ok(render(status, &t))
}

/// `GET /large-scale-enquiries/{id}`.
pub(crate) async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response, PageError> {
    let mut data = FormData::default();
    if let Some(s) = q.saved {
        data.set("saved", s);
    }
    page(&state, &user, &id, data, FieldErrors::new(), StatusCode::OK).await
}

/// After a form: back to the page with its banner, or the page again with
/// what was wrong.
async fn done<T>(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    f: FormData,
    result: Result<T, CoreError>,
    saved: &str,
    rename: fn(String) -> String,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/large-scale-enquiries/{id}?saved={saved}")).into_response())
        }
        Err(CoreError::Invalid(e)) => {
            let mut errors = FieldErrors::new();
            for x in e.0 {
                errors.add(rename(x.field), x.message);
            }
            page(state, user, id, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /large-scale-enquiries/{id}/links`.
pub(crate) async fn link(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let enquiry = f.opt("enquiry_id");
    let r = state
        .core
        .link_large_scale(&user.actor, &id, enquiry.as_deref(), &user.ctx, user.now)
        .await;
    done(&state, &user, &id, f, r, "linked", |x| x).await
}

/// `POST /large-scale-enquiries/{id}/actions`.
pub(crate) async fn add_action(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawLsAction {
        description: f.opt("description"),
        owner: f.opt("owner"),
        by_provider: f.opt("by_provider"),
        due_on: f.opt("due_on"),
    };
    let r = state
        .core
        .add_ls_action(&user.actor, &id, &raw, &user.ctx, user.now)
        .await;
    done(&state, &user, &id, f, r, "action", |x| x).await
}

/// `POST /large-scale-enquiries/{id}/actions/{action}`.
pub(crate) async fn action_status(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let status = f.opt(&format!("status_{action}"));
    let r = state
        .core
        .set_ls_action_status(
            &user.actor,
            &id,
            &action,
            status.as_deref(),
            &user.ctx,
            user.now,
        )
        .await;
    match r {
        Err(CoreError::Invalid(e)) => {
            let mut errors = FieldErrors::new();
            for x in e.0 {
                errors.add(format!("{}_{action}", x.field), x.message);
            }
            page(
                &state,
                &user,
                &id,
                f,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        r => done(&state, &user, &id, f, r, "action", |x| x).await,
    }
}

/// `POST /large-scale-enquiries/{id}/meetings`.
pub(crate) async fn add_meeting(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawLsMeeting {
        kind: f.opt("meeting_kind"),
        held_on: f.opt("held_on"),
        attendees: f.opt("attendees"),
        summary: f.opt("meeting_summary"),
    };
    let r = state
        .core
        .add_ls_meeting(&user.actor, &id, &raw, &user.ctx, user.now)
        .await;
    done(&state, &user, &id, f, r, "meeting", |x| match x.as_str() {
        "kind" => "meeting_kind".into(),
        "summary" => "meeting_summary".into(),
        _ => x,
    })
    .await
}

/// `POST /large-scale-enquiries/{id}/close`.
pub(crate) async fn close(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawLsClosure {
        outcome: f.opt("outcome"),
        summary: f.opt("closure_summary"),
    };
    let r = state
        .core
        .close_large_scale(&user.actor, &id, &raw, &user.ctx, user.now)
        .await;
    done(&state, &user, &id, f, r, "closed", |x| match x.as_str() {
        "summary" => "closure_summary".into(),
        _ => x,
    })
    .await
}
