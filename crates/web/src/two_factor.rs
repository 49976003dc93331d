//! Two-factor sign-in pages: the second step of signing in (and setting a
//! factor up when the role requires one), and the account's own page to set
//! it up, get new recovery codes or turn it off.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::two_factor::{Setup, TwoFactorStatus};
use safeguard_domain::validation::FieldErrors;

use crate::AppState;
use crate::auth::{Anyone, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SignedIn, cookie, set_cookie};
use crate::errors::PageError;
use crate::forms::FormData;
use crate::pages::{Layout, render};

/// The cookie that carries a sign-in between its password and its second factor.
pub const CHALLENGE_COOKIE: &str = "sg_login_challenge";

/// A setup's QR code as inline SVG, with the address it carries.
pub(crate) struct SetupView {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

fn setup_view(s: &Setup) -> SetupView {
    let qr_svg = qrcode::QrCode::new(s.uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    // The XML declaration cannot stand inside HTML.
    let qr_svg = match qr_svg.find("<svg") {
        Some(at) => {
            qr_svg[at..].replacen("<svg", "<svg aria-hidden=\"true\" focusable=\"false\"", 1)
        }
        None => String::new(),
    };
    SetupView {
        secret: s.grouped(),
        uri: s.uri.clone(),
        qr_svg,
    }
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodeTemplate {
    l: Layout,
    errors: FieldErrors,
    name: String,
    setup: Option<SetupView>,
    /// The sign-in has ended (expired, finished, or never started here).
    ended: bool,
}

/// The page for a sign-in that has ended: start again.
fn ended_page() -> Response {
    let page = CodeTemplate {
        l: Layout::anonymous("Sign in again"),
        errors: FieldErrors::new(),
        name: String::new(),
        setup: None,
        ended: true,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryTemplate {
    l: Layout,
    codes: Vec<String>,
    next: String,
}

#[derive(Template)]
#[template(path = "two_factor.html")]
struct AccountTemplate {
    l: Layout,
    errors: FieldErrors,
    status: TwoFactorStatus,
    setup: Option<SetupView>,
    notice: Option<&'static str>,
}

fn status_of(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn clear(secure: bool, name: &str, path: &str) -> HeaderValue {
    set_cookie(secure, name, "", path, "Strict", Some(0))
}

async fn code_page(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    who: &Anyone,
    errors: FieldErrors,
) -> Response {
    let challenge = match state.core.login_challenge(token, who.now).await {
        Ok(c) => c,
        Err(CoreError::NotFound) => return ended_page(),
        Err(e) => return PageError::from(e).into_response(),
    };
    let title = if challenge.setup.is_some() {
        "Set up two-factor sign-in"
    } else {
        "Enter your code"
    };
    let mut l = Layout::anonymous(title).with_errors(&errors);
    l.csrf = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let page = CodeTemplate {
        l,
        name: challenge.display_name,
        setup: challenge.setup.as_ref().map(setup_view),
        errors: errors.clone(),
        ended: false,
    };
    render(status_of(&errors), &page)
}

/// `GET /login/code`: the second step of signing in.
pub(crate) async fn login_code_page(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
) -> Response {
    if who.session.is_some() {
        return Redirect::to("/").into_response();
    }
    let Some(token) = cookie(&headers, CHALLENGE_COOKIE) else {
        return ended_page();
    };
    code_page(&state, &headers, &token, &who, FieldErrors::new()).await
}

/// `POST /login/code`: the code (or a recovery code) that completes signing in.
pub(crate) async fn login_code_submit(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = cookie(&headers, CHALLENGE_COOKIE) else {
        return ended_page();
    };
    let form = FormData::parse(&body);
    let secure = state.config.cookie_secure;
    match state
        .core
        .finish_login(&token, form.get("code"), &who.ctx, who.now)
        .await
    {
        Ok(done) => {
            let next = done.next.clone();
            let mut res = if done.recovery_codes.is_empty() {
                Redirect::to(&next).into_response()
            } else {
                let l = Layout::for_actor(
                    "Your recovery codes",
                    &done.login.actor,
                    &done.login.csrf_token,
                );
                render(
                    StatusCode::OK,
                    &RecoveryTemplate {
                        l,
                        codes: done.recovery_codes,
                        next,
                    },
                )
            };
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(
                    secure,
                    SESSION_COOKIE,
                    &done.login.session_token,
                    "/",
                    "Lax",
                    None,
                ),
            );
            h.append(
                header::SET_COOKIE,
                clear(secure, CHALLENGE_COOKIE, "/login"),
            );
            h.append(
                header::SET_COOKIE,
                clear(secure, LOGIN_CSRF_COOKIE, "/login"),
            );
            res
        }
        Err(CoreError::Invalid(errors)) => code_page(&state, &headers, &token, &who, errors).await,
        Err(CoreError::NotFound) => ended_page(),
        Err(CoreError::BadCredentials) => {
            let mut res = Redirect::to("/login?code=refused").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                clear(secure, CHALLENGE_COOKIE, "/login"),
            );
            res
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

async fn account_page(
    state: &AppState,
    user: &SignedIn,
    setup: Option<Setup>,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let status = state.core.two_factor_status(&user.actor).await?;
    let setup = setup.or_else(|| status.setting_up.clone());
    let page = AccountTemplate {
        l: Layout::new("Two-factor sign-in", user).with_errors(&errors),
        setup: setup.as_ref().map(setup_view),
        status,
        errors: errors.clone(),
        notice,
    };
    Ok(render(status_of(&errors), &page))
}

/// `?done=` after a change, for the page to say it was made.
#[derive(serde::Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// `GET /account/two-factor`.
pub(crate) async fn account(
    State(state): State<AppState>,
    user: SignedIn,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_deref() {
        Some("off") => Some("Two-factor sign-in is off."),
        _ => None,
    };
    account_page(&state, &user, None, FieldErrors::new(), notice).await
}

/// `POST /account/two-factor/start`: a secret to give the app.
pub(crate) async fn start(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    match state.core.start_two_factor(&user.actor, user.now).await {
        Ok(setup) => account_page(&state, &user, Some(setup), FieldErrors::new(), None).await,
        Err(CoreError::Invalid(errors)) => account_page(&state, &user, None, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

fn codes_page(user: &SignedIn, codes: Vec<String>) -> Response {
    render(
        StatusCode::OK,
        &RecoveryTemplate {
            l: Layout::new("Your recovery codes", user),
            codes,
            next: "/account/two-factor".into(),
        },
    )
}

/// The new recovery codes, or the account page with what was wrong.
async fn codes_or_errors(
    state: &AppState,
    user: &SignedIn,
    made: Result<Vec<String>, CoreError>,
) -> Result<Response, PageError> {
    match made {
        Ok(codes) => Ok(codes_page(user, codes)),
        Err(CoreError::Invalid(errors)) => account_page(state, user, None, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/two-factor/confirm`: the first code from the app.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let made = state
        .core
        .confirm_two_factor(&user.actor, f.get("code"), &user.ctx, user.now)
        .await;
    codes_or_errors(&state, &user, made).await
}

/// `POST /account/two-factor/recovery-codes`: a new set, given a code.
pub(crate) async fn recovery_codes(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let made = state
        .core
        .new_recovery_codes(&user.actor, f.get("code"), &user.ctx, user.now)
        .await;
    codes_or_errors(&state, &user, made).await
}

/// `POST /account/two-factor/remove`: off, given a code (not for roles that require it).
pub(crate) async fn remove(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .remove_two_factor(&user.actor, f.get("remove_code"), &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(Redirect::to("/account/two-factor?done=off").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let errors = FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|mut e| {
                        e.field = "remove_code".into();
                        e
                    })
                    .collect(),
            );
            account_page(&state, &user, None, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}
