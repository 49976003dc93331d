//! Benchmark: the figures at national scale, on SQLite and (when
//! `SAFEGUARD_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! 1. The SAC return for a year with about `SAC_CONCLUDED` (default
//!    1,000,000) concluded Section 42 enquiries, through the JSON API, and —
//!    in the same run, over the same rows — the bare SQL aggregate queries
//!    that any implementation has to run: individuals by each SG1 dimension
//!    counted `DISTINCT` in the database, cases by kind, and concluded
//!    enquiries grouped by their answers. The ratio is the return's time
//!    over the bare queries' time.
//! 2. The dashboard page (HTML, through the real router, signed in as a
//!    manager) over a council's records with about `DASHBOARD_ENQUIRIES`
//!    (default 100,000) enquiries: p50 and p99 of `DASHBOARD_RUNS` (default
//!    200) requests, for the last financial year.
//! 3. The need-to-know lists (enquiries, concerns) through the API over
//!    `LISTS_PEOPLE` (default 100,000) people's five years, for a manager who
//!    holds every case and a practitioner of another team: p50 and p99 of 50.
//!
//! Run: `cargo bench -p safeguard-web --bench reports` (figures in docs/performance.md);
//! `BENCH_BACKENDS=sqlite` or `=postgres` runs one backend.

mod common;

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{Method, StatusCode, header};
use common::{call, env, ms, router, session, token};
use safeguard_core::generate::Profile;
use safeguard_core::{CoreConfig, Safeguard};
use safeguard_domain::person::iso_date;
use safeguard_domain::sac::Year;
use safeguard_store::Store;
use safeguard_store::testing::{Backend, TestDb, count_raw, fetch_rows_raw};

/// The bare aggregate queries over the year's rows, timed together.
async fn bare_queries(store: &Store, year: Year) -> (Duration, i64) {
    let from = iso_date(year.first_day());
    let to = iso_date(year.last_day());
    let end = year.last_day();
    // Born after each of these dates: younger than 18, 65, 75, 85, 95 on 31 March.
    let cut = |age: i32| {
        iso_date(
            end.replace_year(end.year() - age)
                .expect("31 March is in every year"),
        )
    };
    let cases = "SELECT ca.person_id AS person_id, 'concern' AS kind, ca.support_reason AS support_reason \
         FROM concern_adults ca JOIN concerns c ON c.id = ca.concern_id WHERE c.received_on >= $1 AND c.received_on <= $2 \
         UNION ALL SELECT e.person_id, e.kind, e.support_reason FROM enquiries e WHERE e.started_on >= $1 AND e.started_on <= $2";
    let band = format!(
        "CASE WHEN p.date_of_birth IS NULL OR p.date_of_birth > '{}' THEN 'none' \
         WHEN p.date_of_birth > '{}' THEN '18-64' WHEN p.date_of_birth > '{}' THEN '65-74' \
         WHEN p.date_of_birth > '{}' THEN '75-84' WHEN p.date_of_birth > '{}' THEN '85-94' ELSE '95+' END",
        cut(18),
        cut(65),
        cut(75),
        cut(85),
        cut(95)
    );
    let queries = [
        format!(
            "SELECT x.kind, {band}, COUNT(DISTINCT x.person_id) FROM ({cases}) x LEFT JOIN people p ON p.id = x.person_id GROUP BY x.kind, {band}"
        ),
        format!(
            "SELECT x.kind, p.gender, COUNT(DISTINCT x.person_id) FROM ({cases}) x LEFT JOIN people p ON p.id = x.person_id GROUP BY x.kind, p.gender"
        ),
        format!(
            "SELECT x.kind, p.ethnicity, COUNT(DISTINCT x.person_id) FROM ({cases}) x LEFT JOIN people p ON p.id = x.person_id GROUP BY x.kind, p.ethnicity"
        ),
        format!(
            "SELECT x.kind, x.support_reason, COUNT(DISTINCT x.person_id) FROM ({cases}) x GROUP BY x.kind, x.support_reason"
        ),
        format!(
            "SELECT x.kind, p.learning_disability, p.autism, p.asperger, COUNT(DISTINCT x.person_id) FROM ({cases}) x \
             LEFT JOIN people p ON p.id = x.person_id GROUP BY x.kind, p.learning_disability, p.autism, p.asperger"
        ),
        format!("SELECT x.kind, COUNT(*) FROM ({cases}) x GROUP BY x.kind"),
        "SELECT ec.risk_types, ec.locations, ec.sources, ec.action_result, ec.risk_outcome, ec.capacity, \
         ec.capacity_support, ec.asked, ec.achievement, COUNT(*) FROM enquiry_conclusions ec JOIN enquiries e ON e.id = ec.enquiry_id \
         WHERE e.kind = 'section_42' AND e.state = 'concluded' AND ec.concluded_on >= $1 AND ec.concluded_on <= $2 \
         GROUP BY ec.risk_types, ec.locations, ec.sources, ec.action_result, ec.risk_outcome, ec.capacity, \
         ec.capacity_support, ec.asked, ec.achievement"
            .to_string(),
        "SELECT individuals_died, individuals_survived FROM safeguarding_reviews WHERE completed_on >= $1 AND completed_on <= $2"
            .to_string(),
    ];
    let t = Instant::now();
    let mut rows = 0i64;
    for q in &queries {
        let n = fetch_rows_raw(store, q, &[&from, &to])
            .await
            .expect("bare query");
        rows += n as i64;
    }
    (t.elapsed(), rows)
}

/// p50 and p99 in ms of `runs` GETs of `path` with one header, after `warmups`.
async fn p50_p99(
    router: &Router,
    path: &str,
    auth: (header::HeaderName, String),
    runs: usize,
    warmups: usize,
) -> (f64, f64) {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs + warmups {
        let t = Instant::now();
        let (status, _, body) = call(
            router,
            Method::GET,
            path,
            std::slice::from_ref(&auth),
            String::new(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if i >= warmups {
            times.push(t.elapsed());
        }
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    (ms(pct(0.50)), ms(pct(0.99)))
}

async fn sac_run(backend: Backend, target: u64, today: time::OffsetDateTime) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let core = Safeguard::new(
        db.store.clone(),
        CoreConfig {
            two_factor_roles: Vec::new(),
            ..CoreConfig::default()
        },
    );
    let year = Year::containing(today.date()).previous();
    // One year of concerns, nearly all leading to a Section 42 enquiry;
    // about three quarters conclude within the year they start.
    let people = (target as f64 / 0.72).ceil() as u32;
    let mut profile = Profile::new(people, 1, year, 7);
    profile.concerns_per_person = 1.0;
    profile.s42_rate = 0.97;
    profile.other_rate = 0.0;
    let t = Instant::now();
    let g = core
        .generate(&profile, today, |_, _, _| {})
        .await
        .expect("generate");
    let generated = t.elapsed();
    let (from, to) = (iso_date(year.first_day()), iso_date(year.last_day()));
    let concluded = count_raw(
        &db.store,
        &format!(
            "SELECT COUNT(*) FROM enquiry_conclusions ec JOIN enquiries e ON e.id = ec.enquiry_id \
             WHERE e.kind = 'section_42' AND e.state = 'concluded' AND ec.concluded_on >= '{from}' AND ec.concluded_on <= '{to}'"
        ),
    )
    .await
    .expect("count");
    let r = router(&core);
    let bearer = format!("Bearer {}", token(&r, "analyst").await);
    let path = format!("/api/v1/reports/sac/{year}");
    // Warm both once, then alternate, three runs each; report the best.
    let mut sac = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..4 {
        let t = Instant::now();
        let (status, _, body) = call(
            &r,
            Method::GET,
            &path,
            &[(header::AUTHORIZATION, bearer.clone())],
            String::new(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        sac.push(t.elapsed());
        bare.push(bare_queries(&db.store, year).await.0);
    }
    let best = |v: &[Duration]| v[1..].iter().min().copied().unwrap_or_default();
    let (s, b) = (best(&sac), best(&bare));
    println!(
        "SAC return {year} on {backend:?}: {concluded} concluded Section 42 enquiries \
         ({} concerns, {} enquiries generated in {:.0} s)",
        g.concerns,
        g.enquiries,
        generated.as_secs_f64()
    );
    println!(
        "  return through the API: {:>9.0} ms   bare aggregate queries: {:>9.0} ms   ratio {:.2}",
        ms(s),
        ms(b),
        s.as_secs_f64() / b.as_secs_f64()
    );
    db.finish().await;
}

async fn dashboard_run(backend: Backend, target: u64, runs: usize, today: time::OffsetDateTime) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let core = Safeguard::new(
        db.store.clone(),
        CoreConfig {
            two_factor_roles: Vec::new(),
            ..CoreConfig::default()
        },
    );
    let year = Year::containing(today.date()).previous();
    // A council over five years: about 32 enquiries for every 100 concerns.
    let people = (target as f64 / (5.0 * 0.25 * 0.32)).ceil() as u32;
    let profile = Profile::new(people, 5, year, 11);
    let g = core
        .generate(&profile, today, |_, _, _| {})
        .await
        .expect("generate");
    let r = router(&core);
    let cookie = session(&r, "manager").await;
    let path = format!(
        "/reports/dashboard?from={}&to={}",
        iso_date(year.first_day()),
        iso_date(year.last_day())
    );
    let (p50, p99) = p50_p99(&r, &path, (header::COOKIE, cookie), runs, 5).await;
    println!(
        "Dashboard page on {backend:?}: {} enquiries, {} concerns; {runs} requests for {year}: \
         p50 {p50:.1} ms, p99 {p99:.1} ms",
        g.enquiries, g.concerns,
    );
    db.finish().await;
}

/// Need-to-know lists over a council's five years (`LISTS_PEOPLE` people):
/// the enquiry and concern lists through the API, for the manager whose team
/// holds every case and for a practitioner of another team, who sees few of
/// them (the database must skip the rest).
async fn lists_run(backend: Backend, people: u64, runs: usize, today: time::OffsetDateTime) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let core = Safeguard::new(
        db.store.clone(),
        CoreConfig {
            two_factor_roles: Vec::new(),
            ..CoreConfig::default()
        },
    );
    let year = Year::containing(today.date()).previous();
    let profile = Profile::new(u32::try_from(people).unwrap_or(u32::MAX), 5, year, 13);
    let g = core
        .generate(&profile, today, |_, _, _| {})
        .await
        .expect("generate");
    core.add_user(
        None,
        &safeguard_core::NewUserInput {
            username: "outside.worker".into(),
            display_name: "Outside Worker".into(),
            role: "practitioner".into(),
            agency: String::new(),
            team: "North Locality Team".into(),
            password: safeguard_core::demo::DEMO_PASSWORD.into(),
            email: String::new(),
        },
        &safeguard_core::Ctx::default(),
        today,
    )
    .await
    .expect("user");
    let r = router(&core);
    for who in ["manager", "outside.worker"] {
        let bearer = format!("Bearer {}", token(&r, who).await);
        for path in ["/api/v1/enquiries?state=all", "/api/v1/concerns"] {
            let auth = (header::AUTHORIZATION, bearer.clone());
            let (p50, p99) = p50_p99(&r, path, auth, runs, 3).await;
            println!(
                "Need-to-know list on {backend:?} ({} concerns, {} enquiries): {path} as {who}: \
                 p50 {p50:.1} ms, p99 {p99:.1} ms",
                g.concerns, g.enquiries,
            );
        }
    }
    db.finish().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let today = time::OffsetDateTime::now_utc();
    let sac = env("SAC_CONCLUDED", 1_000_000);
    let dash = env("DASHBOARD_ENQUIRIES", 100_000);
    let runs = env("DASHBOARD_RUNS", 200) as usize;
    let lists = env("LISTS_PEOPLE", 100_000);
    // BENCH_BACKENDS=sqlite or =postgres runs one (default: both).
    let only = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if !only.is_empty() && !only.split(',').any(|b| b.trim() == name) {
            continue;
        }
        if sac > 0 {
            sac_run(backend, sac, today).await;
        }
        if dash > 0 {
            dashboard_run(backend, dash, runs, today).await;
        }
        if lists > 0 {
            lists_run(backend, lists, 50, today).await;
        }
    }
}
