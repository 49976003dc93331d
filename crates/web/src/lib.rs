//! Safeguard's web layer: server-rendered pages (askama + GOV.UK Frontend)
//! and the `/api/v1` JSON API, two views of the same core calls.
//!
//! Applied centrally, not per handler: request ids, security headers,
//! session lookup, CSRF checks on every state-changing form, and the
//! rendering of error pages (which carry the request id and never internals).

mod access;
mod accounts;
mod actions;
mod api;
mod api_access;
mod api_case_audit;
mod api_concerns;
mod api_enquiries;
mod api_large_scale;
mod api_patterns;
mod api_reflection;
mod api_reports;
mod api_supervision;
mod api_workforce;
mod assets;
mod attachments;
mod auth;
mod case_audit;
mod charts;
mod concerns;
mod contacts;
mod display;
mod drafts;
mod duplicates;
mod enquiries;
mod enquiry_tasks;
mod errors;
mod fhir;
mod forms;
mod large_scale;
mod limits;
mod merges;
mod metrics;
mod pages;
mod patterns;
mod person_form;
mod reflection;
mod reports;
pub mod sso;
mod supervision;
mod translations;
mod two_factor;
mod workforce;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use safeguard_core::{Ctx, Safeguard};
use time::OffsetDateTime;

pub use api::openapi;
pub use errors::{ApiError, PageError};
pub use limits::RateLimiter;

/// Settings of the web layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Whether cookies carry the `Secure` attribute (on whenever the site is
    /// served over HTTPS; off only for plain-HTTP loopback development).
    /// HSTS is sent when they do.
    pub cookie_secure: bool,
    /// The public concern form refuses submissions sent sooner than this
    /// after it was started (automated abuse), in seconds.
    pub min_form_seconds: u32,
    /// Public concern submissions, form starts and status checks allowed
    /// per client address per hour (0: no limit).
    pub public_rate_limit: u32,
    /// Proxies whose `X-Forwarded-For` header is believed (see the `limits` module).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The safeguarding team's telephone number, given to the person on
    /// their plan summary.
    pub contact_phone: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cookie_secure: true,
            min_form_seconds: 3,
            public_rate_limit: 30,
            trusted_proxies: Vec::new(),
            contact_phone: None,
        }
    }
}

/// What every handler can reach: one shared value, so the several copies
/// each request takes (every layer and extractor clones the state) cost one
/// reference count, not one for each part and a copy of the settings.
#[derive(Clone, Debug)]
pub struct AppState(Arc<StateParts>);

/// The parts of [`AppState`], reached through it.
#[derive(Clone, Debug)]
pub struct StateParts {
    /// The use cases.
    pub core: Safeguard,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Limits public form submissions and status checks per client address (memory only).
    pub limiter: Arc<RateLimiter>,
    /// Request counts and latencies for `/metrics`, and whether shutdown has begun.
    pub metrics: Arc<metrics::Metrics>,
    /// The organisation's OpenID Connect provider, when single sign-on is on.
    pub sso: Option<Arc<sso::SsoClient>>,
}

impl std::ops::Deref for AppState {
    type Target = StateParts;
    fn deref(&self) -> &StateParts {
        &self.0
    }
}

impl AppState {
    /// The state for `core` with `config`, its rate limiter made from it.
    pub fn new(core: Safeguard, config: WebConfig) -> Self {
        AppState(Arc::new(StateParts {
            core,
            limiter: Arc::new(RateLimiter::new(config.public_rate_limit)),
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            sso: None,
        }))
    }

    /// The same state with single sign-on through `client`.
    pub fn with_sso(mut self, client: sso::SsoClient) -> Self {
        Arc::make_mut(&mut self.0).sso = Some(Arc::new(client));
        self
    }

    /// Marks the server as shutting down: `/ready` answers 503 while the
    /// requests in flight finish.
    pub fn start_draining(&self) {
        self.metrics.start_draining();
    }
}

/// The request's id, made by the outermost layer.
#[derive(Clone, Debug)]
pub(crate) struct RequestId(pub String);

/// The largest request body accepted.
const BODY_LIMIT: usize = 256 * 1024;

/// The page routes: one list from which both the router and
/// [`PAGE_ROUTES`] are made, so the authorisation matrix test sees every
/// route the server answers.
macro_rules! page_routes {
    ($($path:literal => $m1:ident($h1:path) $($m:ident($h:path))*;)+) => {
        /// Every page route (not the JSON API, which the OpenAPI document
        /// lists): its path and methods.
        pub const PAGE_ROUTES: &[(&str, &[&str])] = &[
            $(($path, &[stringify!($m1) $(, stringify!($m))*]),)+
        ];

        fn page_router() -> Router<AppState> {
            Router::new()
                $(.route($path, axum::routing::$m1($h1)$(.$m($h))*))+
        }
    };
}

page_routes! {
    "/" => get(pages::home);
    "/login" => get(auth::login_page) post(auth::login_submit);
    "/people/{id}/fhir" => get(fhir::page_export);
    "/people/{id}/documents" => get(attachments::person_documents) post(attachments::add_person_document);
    "/concerns/{id}/documents" => get(attachments::concern_documents) post(attachments::add_concern_document);
    "/enquiries/{id}/documents" => get(attachments::enquiry_documents) post(attachments::add_enquiry_document);
    "/documents/{id}" => get(attachments::download);
    "/audit/people/{id}/sar/documents/{doc}" => get(attachments::sar_download);
    "/login/sso" => get(sso::start);
    "/login/sso/callback" => get(sso::callback);
    "/login/code" => get(two_factor::login_code_page) post(two_factor::login_code_submit);
    "/account/two-factor" => get(two_factor::account);
    "/account/two-factor/start" => post(two_factor::start);
    "/account/two-factor/confirm" => post(two_factor::confirm);
    "/account/two-factor/recovery-codes" => post(two_factor::recovery_codes);
    "/account/two-factor/remove" => post(two_factor::remove);
    "/admin/users/{id}/reset-two-factor" => post(accounts::reset_two_factor);
    "/logout" => post(auth::logout);
    "/people" => get(pages::search) post(pages::search_post);
    "/people/new" => get(pages::new_person) post(pages::create_person);
    "/people/duplicates" => get(duplicates::queue);
    "/people/duplicates/{id}/distinct" => post(duplicates::distinct);
    "/people/merge" => get(merges::compare) post(merges::merge);
    "/people/merges/{id}/undo" => post(merges::undo);
    "/people/{id}" => get(pages::view_person);
    "/people/{id}/edit" => get(pages::edit_person) post(pages::update_person);
    "/people/{id}/break-glass" => post(access::break_glass);
    "/people/{id}/restrict" => get(access::restrict_form) post(access::restrict);
    "/people/{id}/unrestrict" => post(access::unrestrict);
    "/access/break-glass" => get(access::queue);
    "/access/unusual" => get(access::unusual);
    "/audit/people" => get(access::find_person) post(access::find_person_post);
    "/audit/people/{id}" => get(access::access_report);
    "/audit/people/{id}/sar" => get(access::sar_form) post(access::sar);
    "/records/retention" => get(access::retention) post(access::set_retention);
    "/records/retention/{id}/dispose" => post(access::dispose);
    "/records/retention/concerns/{id}/dispose" => post(access::dispose_concern);
    "/access/break-glass/{id}" => get(access::review_form) post(access::review);
    "/admin/users" => get(pages::users);
    "/admin/users/new" => get(pages::new_user) post(pages::create_user);
    "/admin/users/{id}/unlock" => post(pages::unlock_user);
    "/admin/users/{id}" => get(accounts::manage);
    "/admin/users/{id}/disable" => post(accounts::disable);
    "/admin/users/{id}/enable" => post(accounts::enable);
    "/admin/users/{id}/end-sessions" => post(accounts::end_sessions);
    "/admin/users/{id}/credentials/{handle}/end" => post(accounts::end_credential);
    "/admin/users/{id}/reset-password" => post(accounts::reset_password);
    "/accounts/approvals" => get(accounts::approvals);
    "/accounts/approvals/{id}/approve" => post(accounts::approve);
    "/account/password" => get(accounts::password_form) post(accounts::change_password);
    "/account/set-password/{token}" => get(accounts::set_password_form) post(accounts::set_password);
    "/audit" => get(pages::audit);
    "/restore" => get(pages::restore);
    "/reports/sac" => get(reports::sac);
    "/reports/dashboard" => get(reports::dashboard);
    "/reports/sac/{year}/{file}" => get(reports::sac_csv);
    "/reports/sac/{year}/cells/{table}/{row}/{column}" => get(reports::sac_cell);
    "/reports/reviews" => get(reports::reviews) post(reports::add_review);
    "/reports/reviews/{id}" => get(reports::review);
    "/reports/reviews/{id}/recommendations" => post(reports::add_recommendation);
    "/reports/recommendations/{id}/status" => post(reports::recommendation_status);
    "/learning" => get(workforce::mine) post(workforce::record_mine);
    "/learning/workers/{id}" => get(workforce::worker) post(workforce::record_for);
    "/learning/compliance" => get(workforce::compliance);
    "/learning/frameworks" => get(workforce::frameworks);
    "/learning/frameworks/levels" => post(workforce::add_level);
    "/learning/frameworks/levels/{id}" => get(workforce::level_form) post(workforce::save_level);
    "/learning/frameworks/requirements" => post(workforce::set_requirements);
    "/admin/users/{id}/workforce-lead" => post(workforce::set_workforce_lead);
    "/admin/users/{id}/job-title" => post(accounts::set_job_title);
    "/learning/frameworks/job-requirements" => post(workforce::set_job_requirements);
    "/reflections" => get(reflection::mine) post(reflection::add);
    "/reflections/workers/{id}" => get(reflection::worker);
    "/reflections/cpd.csv" => get(reflection::cpd_csv);
    "/case-audits" => get(case_audit::list);
    "/case-audits/sample" => post(case_audit::draw);
    "/case-audits/themes" => get(case_audit::themes);
    "/case-audits/templates" => get(case_audit::templates) post(case_audit::add_template);
    "/case-audits/templates/{id}/activate" => post(case_audit::activate_template);
    "/case-audits/actions/{id}/done" => post(case_audit::action_done);
    "/case-audits/{id}" => get(case_audit::view);
    "/case-audits/{id}/assign" => post(case_audit::assign);
    "/case-audits/{id}/grades" => post(case_audit::grade);
    "/case-audits/{id}/moderation" => post(case_audit::moderate);
    "/case-audits/{id}/response" => post(case_audit::respond);
    "/supervision" => get(supervision::mine);
    "/supervision/workers/{id}" => get(supervision::worker);
    "/supervision/workers/{id}/agreement" => post(supervision::agreement);
    "/supervision/workers/{id}/sessions" => post(supervision::session);
    "/supervision/actions/{id}/done" => post(supervision::action_done);
    "/admin/summary-translations" => get(translations::list);
    "/admin/summary-translations/new" => get(translations::new_form) post(translations::save_new);
    "/admin/summary-translations/{lang}" => get(translations::edit_form) post(translations::save_existing);
    "/admin/feedback-questions" => get(pages::feedback_questions) post(pages::save_feedback_questions);
    "/raise" => get(concerns::raise_start);
    "/raise/start" => post(concerns::raise_begin);
    "/raise/check" => get(concerns::raise_check);
    "/raise/submit" => post(concerns::raise_submit);
    "/raise/done" => get(concerns::raise_done);
    "/raise/{step}" => get(concerns::raise_step) post(concerns::raise_step_submit);
    "/concern-status" => get(concerns::status_form) post(concerns::status_check);
    "/concerns" => get(concerns::list);
    "/concerns/new" => get(concerns::new_concern) post(concerns::create_concern);
    "/concerns/{id}" => get(concerns::view);
    "/concerns/{id}/decision" => post(concerns::decide);
    "/concerns/{id}/messages" => post(concerns::message);
    "/concerns/{id}/close" => post(concerns::close);
    "/concerns/{id}/provider" => post(concerns::set_provider);
    "/concerns/{id}/adults/{position}/link" => post(concerns::link_adult);
    "/concerns/{id}/adults/{position}/create-person" => post(concerns::create_person_for_adult);
    "/concerns/{id}/alleged" => post(patterns::concern_add);
    "/concerns/{id}/alleged/{alleged}/outcome" => post(patterns::concern_outcome);
    "/enquiries/{id}/alleged" => post(patterns::enquiry_add);
    "/enquiries/{id}/alleged/{alleged}/outcome" => post(patterns::enquiry_outcome);
    "/alerts" => get(patterns::list);
    "/alerts/{id}" => get(patterns::view);
    "/alerts/{id}/decision" => post(patterns::decide);
    "/admin/pattern-rules" => get(patterns::rules) post(patterns::save_rules);
    "/large-scale-enquiries" => get(large_scale::list) post(large_scale::open);
    "/large-scale-enquiries/{id}" => get(large_scale::view);
    "/large-scale-enquiries/{id}/links" => post(large_scale::link);
    "/large-scale-enquiries/{id}/actions" => post(large_scale::add_action);
    "/large-scale-enquiries/{id}/actions/{action}" => post(large_scale::action_status);
    "/large-scale-enquiries/{id}/meetings" => post(large_scale::add_meeting);
    "/large-scale-enquiries/{id}/close" => post(large_scale::close);
    "/enquiries" => get(enquiries::list);
    "/enquiries/{id}/feedback" => get(enquiries::feedback_task) post(enquiries::record_feedback);
    "/enquiries/{id}/feedback-link" => post(enquiries::feedback_link);
    "/feedback/{token}" => get(enquiries::public_feedback) post(enquiries::public_feedback_submit);
    "/enquiries/{id}/summary" => get(enquiries::summary);
    "/people/{id}/chronology" => get(pages::chronology);
    "/people/{id}/chronology.csv" => get(contacts::csv);
    "/people/{id}/chronology/{entry}" => get(contacts::entry) post(contacts::mark);
    "/people/{id}/contacts" => get(contacts::list) post(contacts::add);
    "/enquiries/{id}" => get(enquiries::view);
    "/enquiries/{id}/allocate" => post(enquiries::allocate);
    "/enquiries/{id}/asked" => post(enquiries::asked);
    "/enquiries/{id}/outcomes" => post(enquiries::add_outcome);
    "/enquiries/{id}/outcomes/{outcome}/reword" => post(enquiries::reword);
    "/enquiries/{id}/outcomes/{outcome}/drop" => post(enquiries::drop_outcome);
    "/enquiries/{id}/conclusion" => get(enquiries::conclusion_task) post(enquiries::conclude);
    "/enquiries/{id}/voice" => get(enquiries::voice_task);
    "/enquiries/{id}/safeguards" => get(enquiries::safeguards_task);
    "/enquiries/{id}/plan" => get(enquiries::plan_task);
    "/enquiries/{id}/meetings" => get(enquiries::meetings_task);
    "/enquiries/{id}/team" => get(enquiries::team_task);
    "/enquiries/{id}/sharing" => get(enquiries::sharing_task);
    "/enquiries/{id}/sign-off" => post(enquiries::sign_off);
    "/enquiries/{id}/records/{kind}" => post(enquiries::add_record);
    "/enquiries/{id}/members" => post(enquiries::invite);
    "/enquiries/{id}/shares" => post(enquiries::share);
    "/enquiries/{id}/actions" => post(enquiries::add_action);
    "/enquiries/{id}/actions/{action}" => post(enquiries::action_status);
    "/actions" => get(actions::list);
    "/actions/{id}" => post(actions::update);
    "/providers" => get(concerns::providers);
    "/providers/new" => get(concerns::new_provider) post(concerns::create_provider);
    "/providers/{id}" => get(concerns::provider);
    "/admin/calendar" => get(concerns::calendar);
    "/admin/calendar/targets" => post(concerns::set_targets);
    "/admin/calendar/holidays" => post(concerns::edit_holiday);
    "/admin/calendar/holidays/remove" => post(concerns::edit_holiday);
    "/health" => get(health);
    "/live" => get(metrics::live);
    "/ready" => get(metrics::ready);
    "/metrics" => get(metrics::metrics);
    "/assets/{*path}" => get(assets::serve);
    "/api/v1/openapi.json" => get(openapi_json);
}

/// The whole application: pages, API, assets and health.
pub fn router(state: AppState) -> Router {
    let (api_routes, _) = api::routes().split_for_parts();
    page_router()
        .merge(api_routes)
        .route_layer(middleware::from_fn(metrics::tag_route))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(middleware::from_fn(api::json_only))
        .layer(middleware::from_fn_with_state(state.clone(), request_layer))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        api::openapi_json().to_string(),
    )
        .into_response()
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        ApiError::not_found().into_response()
    } else {
        PageError::not_found().into_response()
    }
}

/// `GET /health`: the backend's name and whether the database answers.
async fn health(State(state): State<AppState>) -> Response {
    let (ok, backend) = state.core.health().await;
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "unavailable" },
        "backend": backend,
        "database": if ok { "reachable" } else { "unreachable" },
        "version": env!("CARGO_PKG_VERSION"),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// The outermost layer: request id, error page rendering, security
/// headers and one structured log line per request (method, path without
/// the query string, status and time: never personal data).
async fn request_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = safeguard_core::new_uuid(OffsetDateTime::now_utc())
        .map(|u| u.simple().to_string())
        .unwrap_or_else(|_| "unknown".into());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // No path or query may carry a NUL (no record's id or search holds one,
    // and PostgreSQL cannot take it): refused before any handler.
    let nul = req
        .uri()
        .path_and_query()
        .is_some_and(|pq| pq.as_str().to_ascii_lowercase().contains("%00"));
    let mut res = if nul {
        if path.starts_with("/api/") {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The address may not contain the NUL character",
            )
            .into_response()
        } else {
            PageError::bad_request().into_response()
        }
    } else {
        next.run(req).await
    };
    // Errors are rendered by the session layer; this catches any from outside it.
    res = errors::render_error(res, &request_id, None);
    // The API answers in JSON, whoever refused: axum's own rejections of a
    // path, query or body it cannot read come as plain text.
    if path.starts_with("/api/") {
        res = errors::api_json(res, &request_id);
    }
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        if !h.contains_key(k) {
            h.insert(k, HeaderValue::from_static(v));
        }
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    set(h, "cache-control", "no-store");
    if state.config.cookie_secure {
        // Served over HTTPS (or behind an HTTPS proxy): browsers keep to it.
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    let status = res.status().as_u16();
    let took = started.elapsed();
    let route = res
        .extensions()
        .get::<metrics::RouteLabel>()
        .map(|r| r.0.as_str())
        .unwrap_or("unmatched");
    state.metrics.record(method.as_str(), route, status, took);
    let ms = took.as_millis() as u64;
    if status >= 500 {
        tracing::error!(request_id, %method, path, status, ms, "request failed");
    } else {
        tracing::info!(request_id, %method, path, status, ms, "request");
    }
    res
}

/// The request context for the core: request id and the time, read once.
pub(crate) fn ctx_of(parts: &axum::http::request::Parts) -> Ctx {
    Ctx {
        request_id: parts.extensions.get::<RequestId>().map(|r| r.0.clone()),
    }
}

/// Whether a method changes state (and so needs a CSRF token).
pub(crate) fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// An empty body, for responses the error layer fills in.
pub(crate) fn empty() -> Body {
    Body::empty()
}
