//! Signing in and out, sessions, CSRF and the extractors that say who is asking.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::two_factor::SignIn;
use safeguard_core::{CoreError, Ctx, SessionInfo};
use safeguard_domain::Actor;
use safeguard_domain::validation::FieldErrors;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::errors::{ApiError, PageError};
use crate::forms::{FormData, FormView};
use crate::pages::{LoginTemplate, render};
use crate::{AppState, BODY_LIMIT, ctx_of, is_unsafe};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sg_session";
/// The cookie that carries the sign-in form's CSRF token before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "sg_login_csrf";

/// The session found for this request, if any (put there by [`session_layer`]).
#[derive(Clone, Debug)]
pub(crate) struct SessionCtx {
    pub info: SessionInfo,
    pub token: String,
}

/// A cookie's value from the request headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub(crate) fn set_cookie(
    secure: bool,
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Compares two tokens in time that does not depend on where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
        && !a.is_empty()
}

/// The session a page request's cookie names, read when it is first
/// needed: by [`SignedIn`] or [`Anyone`], by a page that reads it with
/// what it shows ([`PageReader`]), or for an error page's header. A page
/// that needs no session reads none. Read at most once a request.
#[derive(Clone)]
pub(crate) struct SessionSlot {
    state: AppState,
    token: Option<String>,
    now: OffsetDateTime,
    read: std::sync::Arc<tokio::sync::OnceCell<Option<SessionCtx>>>,
}

impl SessionSlot {
    fn new(state: &AppState, token: Option<String>, now: OffsetDateTime) -> SessionSlot {
        SessionSlot {
            state: state.clone(),
            token,
            now,
            read: Default::default(),
        }
    }

    /// The session, read now if it has not been.
    pub(crate) async fn get(&self) -> Result<Option<SessionCtx>, CoreError> {
        let Some(token) = &self.token else {
            return Ok(None);
        };
        self.read
            .get_or_try_init(|| async {
                let found = self.state.core.session(token, self.now).await?;
                Ok(found.map(|info| SessionCtx {
                    info,
                    token: token.clone(),
                }))
            })
            .await
            .cloned()
    }

    /// The cookie's token while its session has not been read: a page may
    /// read the session with what it shows, and then [`SessionSlot::found`]
    /// says what it found.
    fn unread(&self) -> Option<&str> {
        match self.read.initialized() {
            true => None,
            false => self.token.as_deref(),
        }
    }

    /// Records the session a page read with what it shows (`None`: none
    /// that may be used).
    fn found(&self, session: Option<SessionCtx>) {
        // Only the first read counts; a page reads it once.
        let _ = self.read.set(session);
    }
}

/// Who is asking, as a page that reads the session with what it shows
/// sees it: the session not read yet (see [`SessionSlot`]).
pub(crate) struct PageReader {
    slot: SessionSlot,
    ctx: Ctx,
    now: OffsetDateTime,
    target: String,
}

impl<S: Send + Sync> FromRequestParts<S> for PageReader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let slot = parts
            .extensions
            .get::<SessionSlot>()
            .cloned()
            .ok_or_else(|| sign_in(parts))?;
        Ok(PageReader {
            ctx: ctx_of(parts),
            target: target_of(parts),
            now: OffsetDateTime::now_utc(),
            slot,
        })
    }
}

impl PageReader {
    /// The session's token, when the page may read the session with what
    /// it shows and then say what it found ([`PageReader::signed`]).
    pub(crate) fn unread(&self) -> Option<&str> {
        self.slot.unread()
    }

    /// The request's context.
    pub(crate) fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// When the request came.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The signed-in user, the session read as any page reads it; else the
    /// sign-in page, to come back here.
    pub(crate) async fn signed_in(&self) -> Result<SignedIn, Response> {
        let session = self
            .slot
            .get()
            .await
            .map_err(|e| PageError::from(e).into_response())?;
        self.user(session).ok_or_else(|| self.to_sign_in())
    }

    /// The signed-in user of the session the page read with what it shows
    /// (`None`: none that may be used; see [`PageReader::to_sign_in`]).
    pub(crate) fn signed(&self, info: Option<SessionInfo>) -> Option<SignedIn> {
        let session = info.map(|info| SessionCtx {
            info,
            token: self.slot.token.clone().unwrap_or_default(),
        });
        self.slot.found(session.clone());
        self.user(session)
    }

    /// The sign-in page, to come back here after.
    pub(crate) fn to_sign_in(&self) -> Response {
        to_sign_in(&self.target)
    }

    fn user(&self, session: Option<SessionCtx>) -> Option<SignedIn> {
        session.map(|s| SignedIn::of(s, self.ctx.clone(), self.now))
    }
}

/// The request's session ([`SessionSlot::get`]); none outside the layer.
async fn request_session(parts: &Parts) -> Result<Option<SessionCtx>, Response> {
    match parts.extensions.get::<SessionSlot>() {
        Some(slot) => slot
            .get()
            .await
            .map_err(|e| PageError::from(e).into_response()),
        None => Ok(None),
    }
}

/// Where a request was going, its path and query (to come back to after
/// signing in).
fn target_of(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string()
}

/// The sign-in page, to go on to `target` after.
fn to_sign_in(target: &str) -> Response {
    let next: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// The sign-in page, to come back to this request after.
fn sign_in(parts: &Parts) -> Response {
    to_sign_in(&target_of(parts))
}

/// Finds the session for every page request, and checks the CSRF token of
/// every state-changing form: against the session's token, or, for the
/// sign-in form, against the pre-session cookie. The API uses bearer tokens
/// instead and is not covered by this layer.
pub(crate) async fn session_layer(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let request_id = req
        .extensions()
        .get::<crate::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/assets/") || path == "/health" {
        return crate::errors::render_error(next.run(req).await, &request_id, None);
    }
    let now = OffsetDateTime::now_utc();
    let (parts, body) = req.into_parts();
    let token = cookie(&parts.headers, SESSION_COOKIE);
    let slot = SessionSlot::new(&state, token.clone(), now);
    if !is_unsafe(&parts.method) {
        // Read when first needed (see `SessionSlot`).
        let mut req = Request::from_parts(parts, body);
        req.extensions_mut().insert(slot.clone());
        let res = next.run(req).await;
        // A signed-in user's error page keeps their header.
        let session = match crate::errors::is_error_page(&res) {
            true => slot.get().await.ok().flatten(),
            false => None,
        };
        return crate::errors::render_error(res, &request_id, session.as_ref());
    }
    let session = match slot.get().await {
        Ok(s) => s,
        Err(e) => return PageError::from(e).into_response(),
    };
    let render = |res: Response| crate::errors::render_error(res, &request_id, session.as_ref());
    let mut req = {
        // A file comes as multipart/form-data to a documents page, and may
        // be larger than any other form.
        let multipart = crate::attachments::is_multipart(&parts.headers)
            && parts.uri.path().ends_with("/documents");
        if multipart && session.is_none() {
            // A file is not kept across a sign-in (nor read without one):
            // sign in and send it again.
            return Redirect::to("/login?expired=1").into_response();
        }
        let limit = if multipart {
            crate::attachments::UPLOAD_LIMIT
        } else {
            BODY_LIMIT
        };
        let Ok(bytes) = to_bytes(body, limit).await else {
            return render(if multipart {
                PageError::too_large().into_response()
            } else {
                PageError::bad_request().into_response()
            });
        };
        // Read once here: the handler takes the form from the extensions.
        let upload = if multipart {
            Some(
                crate::attachments::read_multipart(&parts.headers, bytes.clone())
                    .await
                    .unwrap_or_default(),
            )
        } else {
            None
        };
        let sent = match &upload {
            Some(form) => form.csrf_token().to_string(),
            None => FormData::parse(&bytes).get("csrf_token").to_string(),
        };
        let path = parts.uri.path();
        let ok = if path == "/raise/start"
            || path == "/concern-status"
            || path.starts_with("/feedback/")
            || path.starts_with("/account/set-password/")
        {
            // Starting a form or looking up a status changes nothing another site could abuse;
            // a feedback or set-password link's secret token is in its address.
            true
        } else if path.starts_with("/raise/") {
            // The public form: its draft cookie (SameSite=Strict) doubles as the token.
            let draft = cookie(&parts.headers, crate::concerns::DRAFT_COOKIE);
            draft.is_some_and(|d| same_token(&d, &sent))
                || session
                    .as_ref()
                    .is_some_and(|s| same_token(&s.info.csrf_token, &sent))
        } else {
            let expected = match (&session, path) {
                (Some(s), _) => Some(s.info.csrf_token.clone()),
                (None, "/login" | "/login/code") => cookie(&parts.headers, LOGIN_CSRF_COOKIE),
                (None, _) => {
                    return expired_form(&state, token.as_deref(), path, &bytes, now).await;
                }
            };
            expected.is_some_and(|e| same_token(&e, &sent))
        };
        if !ok {
            return render(PageError::expired_form().into_response());
        }
        match upload {
            Some(form) => {
                let mut req = Request::from_parts(parts, Body::empty());
                req.extensions_mut().insert(form);
                req
            }
            None => Request::from_parts(parts, Body::from(bytes)),
        }
    };
    req.extensions_mut().insert(slot);
    render(next.run(req).await)
}

/// The cookie that finds a form kept after its session ended.
pub const STASH_COOKIE: &str = "sg_stash";

/// A form arrived after its session ended: keep what was typed (for the same
/// user, for an hour) and send them to sign in again, then to get it back.
async fn expired_form(
    state: &AppState,
    session_token: Option<&str>,
    path: &str,
    body: &[u8],
    now: OffsetDateTime,
) -> Response {
    let typed: Vec<(String, String)> = FormData::parse(body)
        .0
        .into_iter()
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    let kept = match session_token {
        Some(t) if !typed.is_empty() && path != "/logout" => {
            let body: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(typed)
                .finish();
            state
                .core
                .stash_form(t, path, &body, now)
                .await
                .ok()
                .flatten()
        }
        _ => None,
    };
    match kept {
        Some(token) => {
            let mut res = Redirect::to("/login?expired=1&next=%2Frestore").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    state.config.cookie_secure,
                    STASH_COOKIE,
                    &token,
                    "/",
                    "Lax",
                    Some(3600),
                ),
            );
            res
        }
        None => Redirect::to("/login?expired=1").into_response(),
    }
}

/// A signed-in user on a page. Its presence in a handler's arguments means
/// the page needs a session; without one the user is sent to sign in.
pub(crate) struct SignedIn {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
    pub ctx: Ctx,
    pub now: OffsetDateTime,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match request_session(parts).await? {
            Some(s) => Ok(SignedIn::of(s, ctx_of(parts), OffsetDateTime::now_utc())),
            None => Err(sign_in(parts)),
        }
    }
}

impl SignedIn {
    /// The user of session `s`, for a request with `ctx` at `now`.
    fn of(s: SessionCtx, ctx: Ctx, now: OffsetDateTime) -> SignedIn {
        SignedIn {
            actor: s.info.actor,
            csrf: s.info.csrf_token,
            token: s.token,
            ctx,
            now,
        }
    }
}

/// A user of the JSON API, identified by `Authorization: Bearer TOKEN`.
pub(crate) struct ApiUser {
    pub actor: Actor,
    /// The bearer token itself (to revoke it).
    pub token: String,
    pub ctx: Ctx,
    pub now: OffsetDateTime,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let now = OffsetDateTime::now_utc();
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or_else(ApiError::unauthorized)?;
        match state.core.token_actor(token, now).await {
            Ok(Some(actor)) => Ok(ApiUser {
                actor,
                token: token.to_string(),
                ctx: ctx_of(parts),
                now,
            }),
            Ok(None) => Err(ApiError::unauthorized()),
            Err(e) => Err(ApiError::from(e)),
        }
    }
}

/// The token of an `Authorization` header using the bearer scheme, whose
/// name is case-insensitive (RFC 9110 section 11.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The request context and time, for handlers without a session.
pub(crate) struct Anyone {
    pub ctx: Ctx,
    pub now: OffsetDateTime,
    pub session: Option<SessionCtx>,
}

impl<S: Send + Sync> FromRequestParts<S> for Anyone {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let session = request_session(parts).await?;
        Ok(Anyone {
            ctx: ctx_of(parts),
            now: OffsetDateTime::now_utc(),
            session,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    /// `refused` after too many wrong second-factor codes.
    code: Option<String>,
}

/// Only same-site paths are followed after sign-in (no open redirects):
/// one leading `/` not followed by another `/` or `\\`, and nothing but
/// visible ASCII (browsers drop tabs and newlines, so `/\t/evil.example`
/// would become `//evil.example`, and a newline cannot go in a header).
pub(crate) fn safe_next(next: &str) -> &str {
    let visible = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    let mut chars = next.chars();
    let local = chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'));
    if visible && local && next.len() <= 2_000 {
        next
    } else {
        "/"
    }
}

/// `GET /login`.
pub(crate) async fn login_page(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    if who.session.is_some() {
        return Redirect::to("/").into_response();
    }
    let next = q.next.as_deref().map(safe_next).unwrap_or("/").to_string();
    let mut form = FormView::default();
    if q.code.is_some() {
        form.errors.add(
            "username",
            "Too many wrong codes, or the account is locked: sign in again with your password",
        );
    }
    sign_in_page(
        &state,
        &headers,
        form,
        next,
        q.expired.is_some(),
        StatusCode::OK,
    )
}

/// The sign-in page (with the organisation's button when single sign-on is
/// on, and the password form when passwords are), keeping or setting the
/// pre-session CSRF cookie its form needs.
pub(crate) fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    form: FormView,
    next: String,
    expired: bool,
    status: StatusCode,
) -> Response {
    let csrf = match cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Some(c) => c,
        None => match safeguard_core::random_token() {
            Ok(t) => t,
            Err(e) => return PageError::from(e).into_response(),
        },
    };
    let page = LoginTemplate::new(csrf.clone(), form, next, expired).with_sso(
        state.sso.as_ref().map(|s| s.label.clone()),
        state.core.config().local_passwords,
    );
    let mut res = render(status, &page);
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            state.config.cookie_secure,
            LOGIN_CSRF_COOKIE,
            &csrf,
            "/login",
            "Strict",
            Some(3600),
        ),
    );
    res
}

/// `POST /login`.
pub(crate) async fn login_submit(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let username = form.get("username").trim().to_string();
    let password = form.get("password").to_string();
    let next = safe_next(form.get("next")).to_string();
    let mut errors = FieldErrors::new();
    if username.is_empty() {
        errors.add("username", "Enter your username");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let mut kept = FormData::default();
    kept.set("username", username.clone());
    if !errors.is_empty() {
        return sign_in_page(
            &state,
            &headers,
            FormView { data: kept, errors },
            next,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match state
        .core
        .login(&username, &password, &next, &who.ctx, who.now)
        .await
    {
        Ok(SignIn::SecondFactor { challenge, .. }) => {
            let mut res = Redirect::to("/login/code").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    state.config.cookie_secure,
                    crate::two_factor::CHALLENGE_COOKIE,
                    &challenge,
                    "/login",
                    "Strict",
                    Some(safeguard_core::two_factor::CHALLENGE_MINUTES * 60),
                ),
            );
            res
        }
        Ok(SignIn::Done(out)) => {
            let mut res = Redirect::to(&next).into_response();
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(
                    state.config.cookie_secure,
                    SESSION_COOKIE,
                    &out.session_token,
                    "/",
                    "Lax",
                    None,
                ),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(
                    state.config.cookie_secure,
                    LOGIN_CSRF_COOKIE,
                    "",
                    "/login",
                    "Strict",
                    Some(0),
                ),
            );
            res
        }
        Err(CoreError::BadCredentials) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "username",
                "Enter a correct username and password. After 5 wrong attempts in a row the account is locked for a while.",
            );
            sign_in_page(
                &state,
                &headers,
                FormView { data: kept, errors },
                next,
                false,
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// `POST /logout`.
pub(crate) async fn logout(State(state): State<AppState>, user: SignedIn) -> Response {
    if let Err(e) = state
        .core
        .logout(&user.token, &user.actor, &user.ctx, user.now)
        .await
    {
        return PageError::from(e).into_response();
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            state.config.cookie_secure,
            SESSION_COOKIE,
            "",
            "/",
            "Lax",
            Some(0),
        ),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::{bearer_token, safe_next};

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for h in ["Bearer abc", "bearer abc", "BEARER  abc ", "bEaReR abc"] {
            assert_eq!(bearer_token(h), Some("abc"), "{h:?}");
        }
        for h in ["Basic abc", "Bearer", "Bearer ", "Bearerabc"] {
            assert_eq!(bearer_token(h), None, "{h:?}");
        }
    }

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        for ok in ["/", "/people/1?x=%2F", "/enquiries/abc#plan"] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/x\r\nSet-Cookie: a=b",
            "https://evil.example/",
            "evil.example",
            "/ /evil",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
