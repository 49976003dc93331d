//! Benchmark: the hot paths at 1, 8 and 32 clients, each beside its baseline
//! measured in the same run, on SQLite and (when
//! `SAFEGUARD_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! * **Person page** with a 500-entry chronology (`GET /people/{id}`, HTML,
//!   signed in, the view audited durably) against the static `/health` route:
//!   250 concerns about the person, each with its triage decision.
//! * **Chronology** of the same person (`GET /people/{id}/chronology`): its
//!   first page of 100 entries against all 500 on one page (`?page=all`).
//! * **Concern intake** through `POST /api/v1/public/concerns` (validated,
//!   committed with its audit event before the receipt) against a bare loop of
//!   durable two-row transactions on the same database.
//!
//! Requests reach the real router two ways (`HOT_TRANSPORT`, default both):
//! `process`, called in-process with no network hop, and `tcp`, over
//! HTTP/1.1 on loopback with each client on its own keep-alive connection,
//! as a load tool sends them (the server as `safeguard serve` runs it).
//! Each figure is `HOT_SECONDS` (default 5) of load after one second of
//! warm-up, with the process's CPU time per request (server and clients
//! together: the machine's speed moves between runs, CPU per request less);
//! the page and `/health` are measured side by side `HOT_ROUNDS` times
//! (default 3) and the round with the middle ratio reported;
//! `HOT_CLIENTS` (default `1,8,32`) sets the client counts, `HOT_EVENTS`
//! (default 500) the chronology's length, `BENCH_BACKENDS=sqlite` or
//! `=postgres` one backend. Figures: docs/performance.md.
//!
//! Run: `cargo bench -p safeguard-web --bench hot_paths`.

mod common;

/// The server's allocator (see `crates/safeguard/src/main.rs`).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{Method, Request, StatusCode, header};
use bytes::Bytes;
use common::{call, env, p50_p99, router, session, token};
use http_body_util::{BodyExt, Full};
use safeguard_core::{CoreConfig, Safeguard};
use safeguard_store::Store;
use safeguard_store::testing::{Backend, TestDb, execute_raw};

/// What a run of load measured.
struct Measured {
    per_second: f64,
    p50: f64,
    p99: f64,
    /// The process's CPU time per request, in microseconds.
    cpu_us: f64,
}

/// The process's CPU time so far (user and system), in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and
    // stime are the 12th and 13th, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// How the load reaches the router.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Transport {
    /// Called in-process, no network hop.
    Process,
    /// HTTP/1.1 over loopback, a keep-alive connection per client.
    Tcp,
}

/// One client's way to the router.
enum Conn {
    Process(Router),
    Tcp(tokio::sync::Mutex<hyper::client::conn::http1::SendRequest<Full<Bytes>>>),
}

impl Conn {
    /// `n` clients' connections: to the router itself, or each its own
    /// connection to `addr`.
    async fn open(t: Transport, r: &Router, addr: SocketAddr, n: usize) -> Arc<Vec<Conn>> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(match t {
                Transport::Process => Conn::Process(r.clone()),
                Transport::Tcp => {
                    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
                    stream.set_nodelay(true).expect("nodelay");
                    let (sender, conn) =
                        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                            .await
                            .expect("handshake");
                    tokio::spawn(conn);
                    Conn::Tcp(tokio::sync::Mutex::new(sender))
                }
            });
        }
        Arc::new(out)
    }

    /// Sends one request; its status and body, as it came (a load
    /// generator reads the body, it does not decode it: decoding it here
    /// would charge the client's work to the page with the larger body).
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(header::HeaderName, String)],
        body: String,
    ) -> (StatusCode, Bytes) {
        match self {
            Conn::Process(r) => {
                let (s, _, b) = call(r, method, path, headers, body).await;
                (s, Bytes::from(b))
            }
            Conn::Tcp(sender) => {
                let mut b = Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::HOST, "127.0.0.1");
                for (k, v) in headers {
                    b = b.header(k, v);
                }
                let req = b.body(Full::new(Bytes::from(body))).expect("request");
                let mut sender = sender.lock().await;
                sender.ready().await.expect("ready");
                let res = sender.send_request(req).await.expect("response");
                let status = res.status();
                let bytes = res.into_body().collect().await.expect("body").to_bytes();
                (status, bytes)
            }
        }
    }
}

/// `clients` tasks each calling `f` in a loop for `secs` seconds (after a
/// second of warm-up), every call timed.
async fn drive<F, Fut>(clients: usize, secs: f64, f: F) -> Measured
where
    F: Fn(usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let run = |secs: f64, f: F| async move {
        let start = Instant::now();
        let until = start + Duration::from_secs_f64(secs);
        let mut handles = Vec::new();
        for c in 0..clients {
            let f = f.clone();
            handles.push(tokio::spawn(async move {
                let mut times = Vec::new();
                let mut i = 0_u64;
                while Instant::now() < until {
                    let t = Instant::now();
                    f(c, i).await;
                    times.push(t.elapsed());
                    i += 1;
                }
                times
            }));
        }
        let mut times = Vec::new();
        for h in handles {
            times.extend(h.await.expect("client"));
        }
        (times, start.elapsed())
    };
    run(1.0, f.clone()).await;
    let cpu = cpu_seconds();
    let (mut times, took) = run(secs, f).await;
    let cpu_us = (cpu_seconds() - cpu) * 1e6 / times.len() as f64;
    let per_second = times.len() as f64 / took.as_secs_f64();
    let (p50, p99) = p50_p99(&mut times);
    Measured {
        per_second,
        p50,
        p99,
        cpu_us,
    }
}

/// A table's row: `measured` beside its `baseline` at `clients` clients
/// (rates, their ratio, `measured`'s p50 and p99, and both CPU times).
fn row(clients: usize, baseline: &Measured, measured: &Measured) {
    row_with(clients, baseline, measured, "");
}

/// [`row`] with one more column, `more`, when it is not empty.
fn row_with(clients: usize, baseline: &Measured, measured: &Measured, more: &str) {
    let more = match more {
        "" => String::new(),
        m => format!(" {m} |"),
    };
    println!(
        "| {clients} | {:.0} | {:.0} | {:.2} | {:.1} | {:.1} | {:.0} | {:.0} |{more}",
        baseline.per_second,
        measured.per_second,
        measured.per_second / baseline.per_second,
        measured.p50,
        measured.p99,
        baseline.cpu_us,
        measured.cpu_us
    );
}

/// How many entries a page of the chronology shows.
const CHRONOLOGY_PAGE: u64 = 100;

/// `clients` signed-in clients (`cookie`) each loading `path` in a loop
/// on their own connection of `conns`; each answer must be a page.
async fn signed_in_load(
    conns: &Arc<Vec<Conn>>,
    path: &Arc<String>,
    cookie: &str,
    clients: usize,
    secs: f64,
) -> Measured {
    let (conns, path, cookie) = (conns.clone(), path.clone(), cookie.to_string());
    drive(clients, secs, move |c, _| {
        let (conns, path, cookie) = (conns.clone(), path.clone(), cookie.clone());
        async move {
            let (s, _) = conns[c]
                .send(
                    Method::GET,
                    &path,
                    &[(header::COOKIE, cookie)],
                    String::new(),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
        }
    })
    .await
}

/// A person with `events` concerns recorded about them (each an entry in
/// their chronology), as the demo practitioner.
async fn person_with_history(router: &Router, events: u64) -> String {
    let bearer = format!("Bearer {}", token(router, "practitioner").await);
    let manager = format!("Bearer {}", token(router, "manager").await);
    let json = |who: &str, b: serde_json::Value| {
        (
            vec![
                (header::AUTHORIZATION, who.to_string()),
                (header::CONTENT_TYPE, "application/json".to_string()),
            ],
            b.to_string(),
        )
    };
    let (h, b) = json(
        &bearer,
        serde_json::json!({
            "given_name": "Bartholomew", "family_name": "Quillfeather",
            "date_of_birth": "1938-02-14", "postcode": "NB1 7QT"
        }),
    );
    let (status, _, body) = call(
        router,
        Method::POST,
        "/api/v1/people?create_anyway=true",
        &h,
        b,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let pid = v["id"].as_str().expect("id").to_string();
    // Concerns and their triage decisions, as a person's history is made:
    // each concern and each decision is an entry in the chronology, and
    // every decided concern is one the access check weighs (who decided it).
    // Entry `2i` is concern i, entry `2i + 1` its decision.
    for i in 0..events.div_ceil(2) {
        let (h, b) = json(
            &bearer,
            serde_json::json!({
                "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
                "what_happened": format!("Seen at the window again, upset ({i})."),
                "adults": [{"person_id": pid}], "immediate_danger": "no", "consent": "yes"
            }),
        );
        let (status, _, body) = call(router, Method::POST, "/api/v1/concerns", &h, b).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        if 2 * i + 1 == events {
            break;
        }
        let cid: serde_json::Value = serde_json::from_str(&body).expect("json");
        let (h, b) = json(
            &manager,
            serde_json::json!({
                "needs_care_and_support": "yes", "needs_evidence": "Frailty",
                "experiencing_abuse": "no", "abuse_evidence": "Upset, no harm seen",
                "unable_to_protect": "no", "unable_evidence": "Says she is fine",
                "outcome": "no_enquiry", "instead": "advice", "reasons": "Advice given"
            }),
        );
        let path = format!(
            "/api/v1/concerns/{}/decision",
            cid["id"].as_str().expect("id")
        );
        let (status, _, body) = call(router, Method::POST, &path, &h, b).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    pid
}

/// One durable transaction of two small rows, as plainly as the driver allows.
async fn bare_transaction(store: &Store, key: String) {
    let a = format!("{key}-a");
    let b = format!("{key}-b");
    let sql = "INSERT INTO bench_bare (id, body) VALUES ($1, 'a synthetic row of benchmark text')";
    safeguard_store::on_db!(store, |p| {
        let mut t = p.begin().await.expect("begin");
        for key in [&a, &b] {
            sqlx::query(sql)
                .bind(key)
                .execute(&mut *t)
                .await
                .expect("row");
        }
        t.commit().await.expect("commit");
    })
}

/// The process's resident memory now and at its peak, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kib("VmRSS:"), kib("VmHWM:"))
}

async fn backend_run(
    backend: Backend,
    transports: &[Transport],
    clients: &[usize],
    secs: f64,
    events: u64,
) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    // The manager who triages the history signs in with a password alone
    // (the practitioner, whose page is measured, never needs a second factor).
    let core = Safeguard::new(
        db.store.clone(),
        CoreConfig {
            two_factor_roles: Vec::new(),
            ..CoreConfig::default()
        },
    );
    core.load_demo(time::OffsetDateTime::now_utc())
        .await
        .expect("demo");
    let r = router(&core);
    // The same router served over loopback, as `safeguard serve` serves it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let served = r.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    let pid = person_with_history(&r, events).await;
    let cookie = session(&r, "practitioner").await;
    let page = Arc::new(format!("/people/{pid}"));
    let (status, _, body) = call(
        &r,
        Method::GET,
        &page,
        &[(header::COOKIE, cookie.clone())],
        String::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!("The latest 50 of {events} entries")) || events < 50);
    // HOT_DUMP_PAGE=path: the page as measured, to look at.
    if let Some(path) = std::env::var_os("HOT_DUMP_PAGE") {
        std::fs::write(path, &body).expect("page written");
    }
    println!("\nThe person page is {} bytes of HTML.", body.len());
    // The whole chronology: its first page, and every entry on one page.
    let chronology = Arc::new(format!("/people/{pid}/chronology"));
    let chronology_all = Arc::new(format!("/people/{pid}/chronology?page=all"));
    for (path, shown) in [
        (&chronology, CHRONOLOGY_PAGE.min(events)),
        (&chronology_all, events),
    ] {
        let (status, _, body) = call(
            &r,
            Method::GET,
            path,
            &[(header::COOKIE, cookie.clone())],
            String::new(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.matches("id=\"entry-").count() as u64, shown, "{path}");
    }
    // The planner's statistics, as a database in service has them (the demo
    // generator refreshes them after loading; PostgreSQL's autovacuum does
    // within a minute of this many rows): without them PostgreSQL guesses a
    // person has three chronology entries and sorts all 500.
    db.store.analyze().await.expect("statistics");
    execute_raw(
        &db.store,
        "CREATE TABLE bench_bare (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    )
    .await
    .expect("bare table");
    let intake_body = Arc::new(
        serde_json::json!({
            "raiser_kind": "public",
            "what_happened": "A synthetic concern for the intake benchmark: seen shouting at her mother.",
            "adults": [{"name": "Benchmark Person", "age": "about 80"}],
            "immediate_danger": "no", "consent": "yes", "suspected_types": ["neglect"]
        })
        .to_string(),
    );
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    for &t in transports {
        let rounds = env("HOT_ROUNDS", 3).max(1);
        println!(
            "\n{backend:?}, {t:?}: person page ({events} chronology entries) against /health, the middle of {rounds} rounds"
        );
        println!(
            "| clients | /health per s | page per s | ratio | page p50 ms | page p99 ms | CPU us per /health | CPU us per page | every round's ratio |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for &c in clients {
            let conns = Conn::open(t, &r, addr, c).await;
            // `/health` and the page side by side, `rounds` times: the
            // machine's speed moves between runs, so each ratio is of two
            // runs next to each other, and the middle one is reported.
            let mut pairs = Vec::new();
            for _ in 0..rounds {
                let hc = conns.clone();
                let health = drive(c, secs, move |c, _| {
                    let conns = hc.clone();
                    async move {
                        let (s, _) = conns[c]
                            .send(Method::GET, "/health", &[], String::new())
                            .await;
                        assert_eq!(s, StatusCode::OK);
                    }
                })
                .await;
                let person = signed_in_load(&conns, &page, &cookie, c, secs).await;
                pairs.push((health, person));
            }
            let ratio = |(h, p): &(Measured, Measured)| p.per_second / h.per_second;
            pairs.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)));
            let ratios: Vec<String> = pairs.iter().map(|p| format!("{:.2}", ratio(p))).collect();
            let (health, person) = &pairs[pairs.len() / 2];
            row_with(c, health, person, &ratios.join(", "));
        }

        println!(
            "\n{backend:?}, {t:?}: the chronology's first page ({CHRONOLOGY_PAGE} entries) against all {events} on one page"
        );
        println!(
            "| clients | all per s | first page per s | ratio | first page p50 ms | first page p99 ms | CPU us per all | CPU us per first page |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        for &c in clients {
            let conns = Conn::open(t, &r, addr, c).await;
            let all = signed_in_load(&conns, &chronology_all, &cookie, c, secs).await;
            let first = signed_in_load(&conns, &chronology, &cookie, c, secs).await;
            row(c, &all, &first);
        }

        println!(
            "\n{backend:?}, {t:?}: concern intake (JSON API) against bare durable 2-row transactions"
        );
        println!(
            "| clients | bare tx per s | concerns per s | ratio | intake p50 ms | intake p99 ms | CPU us per bare tx | CPU us per concern |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        for &c in clients {
            let store = db.store.clone();
            let n = next.clone();
            let bare = drive(c, secs, move |_, _| {
                let store = store.clone();
                let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                async move { bare_transaction(&store, format!("{c}-{n}")).await }
            })
            .await;
            let conns = Conn::open(t, &r, addr, c).await;
            let body = intake_body.clone();
            let intake = drive(c, secs, move |c, _| {
                let (conns, body) = (conns.clone(), body.clone());
                async move {
                    let (s, b) = conns[c]
                        .send(
                            Method::POST,
                            "/api/v1/public/concerns",
                            &[(header::CONTENT_TYPE, "application/json".into())],
                            body.to_string(),
                        )
                        .await;
                    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
                }
            })
            .await;
            row(c, &bare, &intake);
        }
    }
    let verified = core.verify_audit().await.expect("verify");
    let (rss, peak) = memory();
    println!(
        "\naudit chain after the run: {verified:?}; process memory now {rss:.0} MiB, peak {peak:.0} MiB"
    );
    db.finish().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs = env("HOT_SECONDS", 5) as f64;
    let events = env("HOT_EVENTS", 500);
    let clients: Vec<usize> = std::env::var("HOT_CLIENTS")
        .unwrap_or_else(|_| "1,8,32".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let transports: Vec<Transport> = std::env::var("HOT_TRANSPORT")
        .unwrap_or_else(|_| "process,tcp".into())
        .split(',')
        .filter_map(|t| match t.trim() {
            "process" => Some(Transport::Process),
            "tcp" => Some(Transport::Tcp),
            _ => None,
        })
        .collect();
    let only = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if !only.is_empty() && !only.split(',').any(|b| b.trim() == name) {
            continue;
        }
        backend_run(backend, &transports, &clients, secs, events).await;
    }
}
