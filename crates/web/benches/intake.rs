//! Benchmark: concerns accepted per second through the public form path on
//! SQLite — every request a browser makes (start, five question pages,
//! submit) through the real router, each concern committed with its audit
//! event — and, for comparison, through the one-request JSON API.
//!
//! Run: `cargo bench -p safeguard-web --bench intake` (figures in docs/performance.md).

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use safeguard_core::{CoreConfig, Safeguard};
use tower::ServiceExt;

async fn send(
    router: &Router,
    method: Method,
    path: &str,
    cookie: &str,
    body: String,
    json: bool,
) -> (StatusCode, Option<String>) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            if json {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
        )
        .body(Body::from(body))
        .expect("request");
    let res = router.clone().oneshot(req).await.expect("router");
    let status = res.status();
    let set_cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let _ = res.into_body().collect().await;
    (status, set_cookie)
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn one_concern(router: &Router, i: usize) {
    let (_, cookie) = send(
        router,
        Method::POST,
        "/raise/start",
        "",
        String::new(),
        false,
    )
    .await;
    let cookie = cookie.expect("draft cookie");
    let token = cookie.trim_start_matches("sg_draft=").to_string();
    let name = format!("Benchmark Person {i}");
    let steps: [(&str, Vec<(&str, &str)>); 5] = [
        ("about-you", vec![("raiser_kind", "public")]),
        ("danger", vec![("immediate_danger", "no")]),
        (
            "who",
            vec![
                ("adults_0_name", name.as_str()),
                ("adults_0_age", "about 80"),
            ],
        ),
        (
            "what",
            vec![
                (
                    "what_happened",
                    "A synthetic concern for the intake benchmark.",
                ),
                ("suspected_types", "neglect"),
            ],
        ),
        ("consent", vec![("consent", "yes")]),
    ];
    for (step, mut fields) in steps {
        fields.push(("csrf_token", &token));
        let (status, _) = send(
            router,
            Method::POST,
            &format!("/raise/{step}"),
            &cookie,
            form(&fields),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "step {step}");
    }
    let (status, _) = send(
        router,
        Method::POST,
        "/raise/submit",
        &cookie,
        form(&[("csrf_token", &token), ("website", "")]),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "submit");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("INTAKE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = safeguard_store::Store::open_data_dir(dir.path())
        .await
        .expect("store");
    let core = Safeguard::new(store, CoreConfig::default());
    let router = safeguard_web::router(safeguard_web::AppState::new(
        core.clone(),
        safeguard_web::WebConfig {
            cookie_secure: false,
            min_form_seconds: 0,
            public_rate_limit: 0,
            trusted_proxies: Vec::new(),
            contact_phone: None,
        },
    ));

    // Sequential: one person filling in the form after another.
    let t = Instant::now();
    for i in 0..n {
        one_concern(&router, i).await;
    }
    let seq = t.elapsed();

    // Eight at a time, as at a busy moment.
    let t = Instant::now();
    let mut handles = Vec::new();
    for w in 0..8 {
        let r = router.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..n / 8 {
                one_concern(&r, 100_000 + w * 10_000 + i).await;
            }
        }));
    }
    for h in handles {
        h.await.expect("worker");
    }
    let conc = t.elapsed();

    // The JSON API: one request per concern.
    let body = serde_json::json!({
        "raiser_kind": "public", "what_happened": "A synthetic concern for the intake benchmark.",
        "adults": [{"name": "Benchmark Person"}], "immediate_danger": "no", "consent": "yes"
    })
    .to_string();
    let t = Instant::now();
    for _ in 0..n {
        let (status, _) = send(
            &router,
            Method::POST,
            "/api/v1/public/concerns",
            "",
            body.clone(),
            true,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let api = t.elapsed();

    let total = core.verify_audit().await.expect("verify");
    let per = |d: std::time::Duration, k: usize| k as f64 / d.as_secs_f64();
    println!("intake benchmark on SQLite (WAL, synchronous=FULL), {n} concerns per run");
    println!(
        "  public form, 7 requests per concern, one at a time: {:>8.1} concerns/s ({:.2} ms each)",
        per(seq, n),
        seq.as_secs_f64() * 1000.0 / n as f64
    );
    println!(
        "  public form, 7 requests per concern, 8 at a time:   {:>8.1} concerns/s",
        per(conc, (n / 8) * 8)
    );
    println!(
        "  JSON API, 1 request per concern, one at a time:     {:>8.1} concerns/s",
        per(api, n)
    );
    println!("  audit chain after the run: {total:?}");
}
