//! Account pages: an administrator manages one account (disable, end its
//! sessions and tokens, send a reset link); council managers approve
//! accounts administrators made; anyone sets their password through the
//! one-time link sent to them, or changes their own.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::lifecycle::AccountView;
use safeguard_domain::validation::FieldErrors;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Anyone, SignedIn};
use crate::display::when;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate {
    l: Layout,
    a: AccountView,
    notice: Option<&'static str>,
    errors: FieldErrors,
    credentials: Vec<(String, &'static str, String, String)>,
    /// The account's job title, if set.
    job_title: String,
}

/// `?done=1` after a decision, for the page to say it was made.
#[derive(Deserialize)]
pub(crate) struct Done {
    pub(crate) done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "added" => {
            "The account was added. Its activation link goes to the person once it may be sent (see its status)."
        }
        "disabled" => "The account was disabled: its sessions and tokens have ended.",
        "enabled" => "The account was enabled.",
        "job" => "The job title was saved.",
        "ended" => "Its sessions and tokens have ended.",
        "two_factor" => {
            "Two-factor sign-in was reset: the person sets it up again when they next sign in (if their role requires it)."
        }
        "reset" => {
            "The password was reset: a one-time link to set a new one was sent to the person's address."
        }
        _ => return None,
    })
}

async fn account_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    done: Option<&str>,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let a = state
        .core
        .account(Some(&user.actor), id, &user.ctx, user.now)
        .await?;
    let credentials = a
        .credentials
        .iter()
        .map(|c| {
            (
                c.handle.clone(),
                if c.kind == "session" {
                    "Signed-in session"
                } else {
                    "API token"
                },
                when(c.created_at),
                if c.kind == "session" {
                    format!("last used {}", when(c.until))
                } else {
                    format!("expires {}", when(c.until))
                },
            )
        })
        .collect();
    let job_title = state
        .core
        .job_title_of(&a.user.id)
        .await?
        .unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &AccountTemplate {
            l: Layout::new(format!("Account: {}", a.user.username), user).with_errors(&errors),
            a,
            notice: notice(done),
            errors,
            credentials,
            job_title,
        },
    ))
}

/// `POST /admin/users/{id}/job-title`: set or clear the account's job title.
pub(crate) async fn set_job_title(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let f = crate::forms::FormData::parse(&body);
    let r = state
        .core
        .set_job_title(&user.actor, &id, &f.opt("job_title"), &user.ctx, user.now)
        .await;
    after(&state, &user, &id, r, "job").await
}

/// `GET /admin/users/{id}`.
pub(crate) async fn manage(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    account_page(&state, &user, &id, q.done.as_deref(), FieldErrors::new()).await
}

/// After an action on an account: back to it with what happened, or the
/// page again with the reason it could not be done.
async fn after(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    r: Result<(), CoreError>,
    done: &str,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response()),
        Err(CoreError::Invalid(errors)) => account_page(state, user, id, None, errors).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/disable`.
pub(crate) async fn disable(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .set_account_disabled(Some(&user.actor), &id, true, &user.ctx, user.now)
        .await;
    after(&state, &user, &id, r, "disabled").await
}

/// `POST /admin/users/{id}/enable`.
pub(crate) async fn enable(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .set_account_disabled(Some(&user.actor), &id, false, &user.ctx, user.now)
        .await;
    after(&state, &user, &id, r, "enabled").await
}

/// `POST /admin/users/{id}/end-sessions`: every session and token.
pub(crate) async fn end_sessions(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .end_account_credentials(Some(&user.actor), &id, None, &user.ctx, user.now)
        .await
        .map(|_| ());
    after(&state, &user, &id, r, "ended").await
}

/// `POST /admin/users/{id}/reset-two-factor`: a lost phone.
pub(crate) async fn reset_two_factor(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .reset_two_factor(Some(&user.actor), &id, &user.ctx, user.now)
        .await;
    after(&state, &user, &id, r, "two_factor").await
}

/// `POST /admin/users/{id}/credentials/{handle}/end`: one session or token.
pub(crate) async fn end_credential(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, handle)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .end_account_credentials(Some(&user.actor), &id, Some(&handle), &user.ctx, user.now)
        .await
        .map(|_| ());
    after(&state, &user, &id, r, "ended").await
}

/// `POST /admin/users/{id}/reset-password`.
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .reset_password(&user.actor, &id, &user.ctx, user.now)
        .await;
    after(&state, &user, &id, r, "reset").await
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsTemplate {
    l: Layout,
    accounts: Vec<safeguard_core::UserSummary>,
    approved: bool,
}

/// `GET /accounts/approvals`: accounts waiting for a manager's approval.
pub(crate) async fn approvals(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let accounts = state
        .core
        .accounts_awaiting_approval(&user.actor, &user.ctx, user.now)
        .await?;
    Ok(render(
        StatusCode::OK,
        &ApprovalsTemplate {
            l: Layout::new("Accounts to approve", &user),
            accounts,
            approved: q.done.is_some(),
        },
    ))
}

/// `POST /accounts/approvals/{id}/approve`.
pub(crate) async fn approve(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .approve_account(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to("/accounts/approvals?done=1").into_response())
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordTemplate {
    l: Layout,
    errors: FieldErrors,
    f: FormView,
    username: String,
    action: String,
    own: bool,
}

/// The one-time link page: what it is for, or that it no longer works.
async fn link_page(
    state: &AppState,
    who: &Anyone,
    token: &str,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let Some(username) = state.core.account_link_username(token, who.now).await? else {
        return Err(PageError {
            status: StatusCode::NOT_FOUND,
            heading: "This link does not work",
            message: "It may have been used already or have expired. Ask your manager or an administrator to send you a new one.",
        });
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &SetPasswordTemplate {
            l: Layout::anonymous("Set your password").with_errors(&errors),
            f: FormView {
                data: FormData::default(),
                errors: errors.clone(),
            },
            errors,
            username,
            action: format!("/account/set-password/{token}"),
            own: false,
        },
    ))
}

/// `GET /account/set-password/{token}`.
pub(crate) async fn set_password_form(
    State(state): State<AppState>,
    who: Anyone,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    link_page(&state, &who, &token, FieldErrors::new()).await
}

/// `POST /account/set-password/{token}`.
pub(crate) async fn set_password(
    State(state): State<AppState>,
    who: Anyone,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .set_password_by_link(
            &token,
            f.get("password"),
            f.get("confirm"),
            &who.ctx,
            who.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/login?password=set").into_response()),
        Err(CoreError::Invalid(errors)) => link_page(&state, &who, &token, errors).await,
        Err(e) => Err(e.into()),
    }
}

fn own_password_page(user: &SignedIn, errors: FieldErrors, done: bool) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut l = Layout::new("Change your password", user).with_errors(&errors);
    if done {
        l.title = "Your password was changed".into();
    }
    render(
        status,
        &SetPasswordTemplate {
            l,
            f: FormView {
                data: FormData::default(),
                errors: errors.clone(),
            },
            errors,
            username: user.actor.username.clone(),
            action: "/account/password".into(),
            own: true,
        },
    )
}

/// `GET /account/password`.
pub(crate) async fn password_form(user: SignedIn, Query(q): Query<Done>) -> Response {
    own_password_page(&user, FieldErrors::new(), q.done.is_some())
}

/// `POST /account/password`.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .change_password(
            &user.actor,
            &safeguard_core::lifecycle::PasswordChange {
                current: f.get("current_password"),
                new: f.get("password"),
                confirm: f.get("confirm"),
            },
            Some(&user.token),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/account/password?done=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            // The form names the new password `password`.
            let errors = FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|mut e| {
                        if e.field == "new_password" {
                            e.field = "password".into();
                        }
                        e
                    })
                    .collect(),
            );
            Ok(own_password_page(&user, errors, false))
        }
        Err(e) => Err(e.into()),
    }
}
