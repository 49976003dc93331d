//! Operators' monitoring: Prometheus metrics at `/metrics` (requests by
//! route template and status, latency histograms, the pool, the audit
//! chain's length, the email outbox), liveness at `/live` and readiness at
//! `/ready`. Route templates (`/people/{id}`), never paths: no personal
//! data or record ids reach the metrics.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The route a request matched, carried on its response to the outer layer.
#[derive(Clone)]
pub(crate) struct RouteLabel(pub(crate) MatchedPath);

/// One route's requests: method → status → count.
type ByMethod = BTreeMap<String, BTreeMap<u16, u64>>;

/// Counts since the process started.
#[derive(Default)]
pub struct Metrics {
    /// route → method → status → requests (keyed so that a request already
    /// seen allocates nothing).
    requests: Mutex<BTreeMap<String, ByMethod>>,
    /// route → latency.
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Set when shutdown has begun: not ready for new work.
    draining: AtomicBool,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Records one answered request.
    pub(crate) fn record(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            let by_method = match r.get_mut(route) {
                Some(m) => m,
                None => r.entry(route.to_string()).or_default(),
            };
            let by_status = match by_method.get_mut(method) {
                Some(s) => s,
                None => by_method.entry(method.to_string()).or_default(),
            };
            *by_status.entry(status).or_insert(0) += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = match l.get_mut(route) {
                Some(h) => h,
                None => l.entry(route.to_string()).or_default(),
            };
            let secs = took.as_secs_f64();
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        }
    }

    /// Marks the server as shutting down: `/ready` answers 503 from now on
    /// while requests already in flight finish.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    fn exposition(&self, ops: Option<&safeguard_core::OperationalFigures>) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str("# HELP safeguard_http_requests_total Requests answered, by method, route template and status.\n");
        out.push_str("# TYPE safeguard_http_requests_total counter\n");
        if let Ok(r) = self.requests.lock() {
            for (route, by_method) in r.iter() {
                for (m, by_status) in by_method {
                    for (status, n) in by_status {
                        let _ = writeln!(
                            out,
                            "safeguard_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                            esc(m),
                            esc(route)
                        );
                    }
                }
            }
        }
        out.push_str(
            "# HELP safeguard_http_request_duration_seconds Time to answer, by route template.\n",
        );
        out.push_str("# TYPE safeguard_http_request_duration_seconds histogram\n");
        if let Ok(l) = self.latency.lock() {
            for (route, h) in l.iter() {
                let route = esc(route);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "safeguard_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "safeguard_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "safeguard_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "safeguard_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        out.push_str(
            "# HELP safeguard_up Whether the database answered this scrape (1) or not (0).\n",
        );
        out.push_str("# TYPE safeguard_up gauge\n");
        let _ = writeln!(out, "safeguard_up {}", u8::from(ops.is_some()));
        if let Some(o) = ops {
            out.push_str(
                "# HELP safeguard_db_pool_connections Database pool connections, by state.\n",
            );
            out.push_str("# TYPE safeguard_db_pool_connections gauge\n");
            let idle = o.pool_idle as u64;
            let open = u64::from(o.pool_open);
            let _ = writeln!(
                out,
                "safeguard_db_pool_connections{{backend=\"{}\",state=\"idle\"}} {idle}",
                o.backend
            );
            let _ = writeln!(
                out,
                "safeguard_db_pool_connections{{backend=\"{}\",state=\"in_use\"}} {}",
                o.backend,
                open.saturating_sub(idle)
            );
            out.push_str(
                "# HELP safeguard_audit_chain_length Events in the tamper-evident audit chain.\n",
            );
            out.push_str("# TYPE safeguard_audit_chain_length gauge\n");
            let _ = writeln!(out, "safeguard_audit_chain_length {}", o.audit_chain_length);
            out.push_str("# HELP safeguard_outbox_backlog Emails waiting to be sent.\n");
            out.push_str("# TYPE safeguard_outbox_backlog gauge\n");
            let _ = writeln!(out, "safeguard_outbox_backlog {}", o.outbox_backlog);
            out.push_str(
                "# HELP safeguard_attachments Attachments by status (quarantined: waiting for the virus scan).\n",
            );
            out.push_str("# TYPE safeguard_attachments gauge\n");
            for (status, n) in o.attachments {
                let _ = writeln!(out, "safeguard_attachments{{status=\"{status}\"}} {n}");
            }
        }
        out.push_str("# HELP safeguard_draining Whether the server is shutting down.\n");
        out.push_str("# TYPE safeguard_draining gauge\n");
        let _ = writeln!(out, "safeguard_draining {}", u8::from(self.draining()));
        out
    }
}

/// Carries the matched route template on the response, for the outer
/// layer that counts requests (routing has not happened when it runs).
pub(crate) async fn tag_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut res = next.run(req).await;
    if let Some(r) = route {
        res.extensions_mut().insert(RouteLabel(r));
    }
    res
}

/// `GET /metrics`: the Prometheus text format.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let ops = state.core.operational_figures().await.ok();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.exposition(ops.as_ref()),
    )
        .into_response()
}

/// `GET /live`: the process answers (no database needed).
pub(crate) async fn live() -> Response {
    Json(serde_json::json!({"status": "live"})).into_response()
}

/// `GET /ready`: the database answers and the server is not shutting down.
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    let (db, backend) = state.core.health().await;
    let draining = state.metrics.draining();
    let ready = db && !draining;
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "unavailable" },
        "backend": backend,
        "database": if db { "reachable" } else { "unreachable" },
        "draining": draining,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets_are_cumulative_and_labels_escaped() {
        let m = Metrics::default();
        m.record("GET", "/people/{id}", 200, Duration::from_millis(3));
        m.record("GET", "/people/{id}", 200, Duration::from_millis(300));
        m.record("POST", "/x\"y", 422, Duration::from_millis(1));
        let text = m.exposition(None);
        assert!(text.contains(
            "safeguard_http_requests_total{method=\"GET\",route=\"/people/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("route=\"/x\\\"y\""));
        assert!(text.contains(
            "safeguard_http_request_duration_seconds_bucket{route=\"/people/{id}\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "safeguard_http_request_duration_seconds_bucket{route=\"/people/{id}\",le=\"0.5\"} 2"
        ));
        assert!(text.contains("safeguard_up 0"));
        m.start_draining();
        assert!(m.exposition(None).contains("safeguard_draining 1"));
    }
}
