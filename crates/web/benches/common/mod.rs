//! What the benchmarks share: settings from the environment, the router,
//! requests through it, sign-in, percentiles.

#![allow(dead_code)]

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use safeguard_core::Safeguard;
use tower::ServiceExt;

/// A number from the environment, or `default`.
pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The application's router over `core`, with no rate limit.
pub fn router(core: &Safeguard) -> Router {
    safeguard_web::router(safeguard_web::AppState::new(
        core.clone(),
        safeguard_web::WebConfig {
            cookie_secure: false,
            min_form_seconds: 0,
            public_rate_limit: 0,
            trusted_proxies: Vec::new(),
            contact_phone: None,
        },
    ))
}

/// One request through the router: (status, cookies set, body).
pub async fn call(
    router: &Router,
    method: Method,
    path: &str,
    headers: &[(header::HeaderName, String)],
    body: String,
) -> (StatusCode, Vec<String>, String) {
    let mut b = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(k, v);
    }
    let res = router
        .clone()
        .oneshot(b.body(Body::from(body)).expect("request"))
        .await
        .expect("router");
    let status = res.status();
    let cookies = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_string)
        .collect();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        cookies,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// A bearer token for `username`.
pub async fn token(router: &Router, username: &str) -> String {
    let body =
        serde_json::json!({"username": username, "password": safeguard_core::demo::DEMO_PASSWORD});
    let (status, _, body) = call(
        router,
        Method::POST,
        "/api/v1/auth/token",
        &[(header::CONTENT_TYPE, "application/json".into())],
        body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    v["token"].as_str().expect("token").to_string()
}

/// A session cookie for `username`, signed in through the login form.
pub async fn session(router: &Router, username: &str) -> String {
    let (_, cookies, page) = call(router, Method::GET, "/login", &[], String::new()).await;
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf token")
        .to_string();
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("username", username),
            ("password", safeguard_core::demo::DEMO_PASSWORD),
            ("next", "/"),
            ("csrf_token", &csrf),
        ])
        .finish();
    let (status, cookies, body) = call(
        router,
        Method::POST,
        "/login",
        &[
            (header::COOKIE, cookies.join("; ")),
            (
                header::CONTENT_TYPE,
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        form,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    cookies.join("; ")
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The p50 and p99 of `times`, in milliseconds.
pub fn p50_p99(times: &mut [Duration]) -> (f64, f64) {
    if times.is_empty() {
        return (0.0, 0.0);
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    (ms(pct(0.50)), ms(pct(0.99)))
}
