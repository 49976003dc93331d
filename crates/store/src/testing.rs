//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database
//! created on the server named by `SAFEGUARD_TEST_POSTGRES_URL` (for example
//! `postgres://postgres@127.0.0.1:5432`) and dropped afterwards.
//!
//! When that variable is unset the PostgreSQL half of each test is skipped
//! with a message; when `CI` is set it is an error instead, so CI can never
//! pass without running the PostgreSQL tests.

use sqlx::Connection;

use crate::{Result, Store, on_db};

/// A handle on the same database that makes every read through the pool,
/// none on the asking thread: to check that both ways read alike.
pub fn through_pool(store: &Store) -> Store {
    Store {
        inline: false,
        ..store.clone()
    }
}

/// How many person pages `store`'s server has opened with their parts as
/// it held them, not read again (see decision 0027).
pub fn page_parts_held(store: &Store) -> u64 {
    crate::audit::lock(&store.shared.page_cache).hits
}

/// Whether `store` has made a read on the asking thread (SQLite: it keeps
/// the connection it used; never on PostgreSQL).
pub fn has_read_inline(store: &Store) -> bool {
    store.shared.inline.as_ref().is_some_and(|i| i.kept() > 0)
}

/// The environment variable naming the test PostgreSQL server.
pub const POSTGRES_ENV: &str = "SAFEGUARD_TEST_POSTGRES_URL";

/// Which backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in a temporary directory.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// A database for one test.
pub struct TestDb {
    /// The store over it.
    pub store: Store,
    /// The URL another app server (or the CLI) can use to reach the same database.
    pub url: String,
    /// Which backend.
    pub backend: Backend,
    dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

fn random_name() -> String {
    let mut b = [0u8; 8];
    uuid_rand::getrandom(&mut b).expect("random bytes");
    format!("sg_test_{}", crate::hex(&b))
}

/// The server part of a PostgreSQL URL (without a database name).
fn server_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

impl TestDb {
    /// A test database on `backend`, or `None` when PostgreSQL is not configured (outside CI).
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite().await),
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Store::open_data_dir(dir.path()).await.expect("open SQLite");
        let url = format!("sqlite://{}", dir.path().join("safeguard.db").display());
        TestDb {
            store,
            url,
            backend: Backend::Sqlite,
            dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (with a message) when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(base) = std::env::var(POSTGRES_ENV) else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "{POSTGRES_ENV} is not set on CI: the PostgreSQL half of the suite must run"
                );
            }
            eprintln!(
                "SKIPPED on PostgreSQL: set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432 to run it"
            );
            return None;
        };
        let server = server_url(&base);
        let name = random_name();
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = format!("{server}/{name}");
        let store = Store::connect(&url).await.expect("open PostgreSQL");
        Some(TestDb {
            store,
            url,
            backend: Backend::Postgres,
            dir: None,
            pg: Some((server, name)),
        })
    }

    /// Closes the store and removes the database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((server, name)) = self.pg
            && let Ok(mut admin) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        }
        drop(self.dir);
    }
}

/// Runs raw SQL outside the application, as someone with direct database
/// access would (tests use it to tamper with the audit trail).
pub async fn execute_raw(store: &Store, sql: &str) -> Result<u64> {
    // The trail as a reader sees it: every committed event in the chain.
    store.settle_audit().await?;
    Ok(on_db!(store, |p| sqlx::raw_sql(sql)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
}

/// SQL that removes the append-only triggers, for tamper tests.
pub fn drop_audit_guards(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
        Backend::Postgres => {
            "DROP TRIGGER audit_events_no_update ON audit_events; DROP TRIGGER audit_events_no_truncate ON audit_events;"
        }
    }
}

/// How long one story may run before it fails as hung: many times the
/// slowest story's time on a loaded two-core machine, and far less than a
/// whole test run's allowance, so a wait that nothing ends fails its own
/// story, by name, instead of stopping the run.
pub const STORY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `story`, failing with `name` if it has not finished within
/// `deadline` (see [`STORY_DEADLINE`]).
pub async fn within(deadline: std::time::Duration, name: &str, story: impl Future<Output = ()>) {
    if tokio::time::timeout(deadline, story).await.is_err() {
        panic!("{name} did not finish within {deadline:?}: something waited that nothing ended");
    }
}

/// Defines a test that runs `$story(TestDb)` once on SQLite and once on
/// PostgreSQL, each within [`STORY_DEADLINE`].
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident => $story:path;)+) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = $crate::testing::TestDb::sqlite().await;
                    $crate::testing::within(
                        $crate::testing::STORY_DEADLINE,
                        concat!(stringify!($name), " on SQLite"),
                        $story(db),
                    )
                    .await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::testing::TestDb::postgres().await {
                        $crate::testing::within(
                            $crate::testing::STORY_DEADLINE,
                            concat!(stringify!($name), " on PostgreSQL"),
                            $story(db),
                        )
                        .await;
                    }
                }
            }
        )+
    };
}

/// Runs a raw SQL query that yields one integer (tests use it to count
/// records independently of the code under test).
pub async fn count_raw(store: &Store, sql: &str) -> Result<i64> {
    store.settle_audit().await?;
    let (n,): (i64,) = on_db!(store, |p| sqlx::query_as(sql).fetch_one(p).await)?;
    Ok(n)
}

/// How many rows of the tables the database's triggers keep differ from
/// what the rows they are kept from say now, counted both ways: 0 when
/// both are right. `person_deciders` (migration 0041) from the triage
/// decisions and the concerns' links to people; `chronology_counts`
/// (migration 0042) from the chronology.
pub async fn kept_drift(store: &Store) -> Result<i64> {
    let deciders = (
        "SELECT person_id, user_id, decisions FROM person_deciders",
        "SELECT a.person_id, d.decided_by, COUNT(*) FROM concern_adults a \
         JOIN triage_decisions d ON d.concern_id = a.concern_id \
         WHERE a.person_id IS NOT NULL GROUP BY a.person_id, d.decided_by",
    );
    let chronology = (
        "SELECT person_id, entries FROM chronology_counts",
        "SELECT person_id, COUNT(*) FROM chronology GROUP BY person_id",
    );
    let mut drift = 0;
    for (kept, derived) in [deciders, chronology] {
        for (a, b) in [(kept, derived), (derived, kept)] {
            drift += count_raw(
                store,
                &format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) drift"),
            )
            .await?;
        }
    }
    Ok(drift)
}

/// Runs a raw SQL query with text parameters `$1`, `$2`… and returns how
/// many rows it yields (benchmarks use it to time bare queries).
pub async fn fetch_rows_raw(store: &Store, sql: &str, binds: &[&str]) -> Result<usize> {
    store.settle_audit().await?;
    Ok(on_db!(store, |p| {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_all(p).await.map(|r| r.len())
    })?)
}

/// Closes every connection idle in `store`'s pool, as the pool's idle
/// timeout does after a quiet spell, leaving those kept between hot reads
/// (see `on_warm!`) as they are. Returns how many were closed.
pub async fn close_idle_connections(store: &Store) -> Result<usize> {
    let mut closed = 0;
    if let crate::Db::Postgres(p) = &store.db {
        while let Some(c) = p.try_acquire() {
            c.close().await?;
            closed += 1;
        }
    }
    Ok(closed)
}

/// How many PostgreSQL connections `store` keeps between hot reads now
/// (see `on_warm!`; none on SQLite).
pub fn kept_connections(store: &Store) -> usize {
    store.warm().kept()
}

/// Closes `store`'s pool as [`Store::close`] does once the audit trail is
/// settled (which may leave a connection idle in the pool, or not).
pub async fn close_pool(store: &Store) {
    store.close_pool().await
}

/// Connections taken from a store's pool and held until dropped.
pub struct HeldConnections(#[allow(dead_code)] Box<dyn std::any::Any + Send>);

/// Takes every connection of `store`'s pool (as slow searches whose clients
/// have gone would), holding them until the result is dropped.
pub async fn hold_every_connection(store: &Store) -> Result<HeldConnections> {
    // Those kept between hot reads first: the pool counts them as in use.
    let kept = store.warm().take_all();
    Ok(match &store.db {
        crate::Db::Sqlite(p) => {
            let mut held = Vec::new();
            for _ in 0..p.options().get_max_connections() {
                held.push(p.acquire().await?);
            }
            HeldConnections(Box::new(held))
        }
        crate::Db::Postgres(p) => {
            let mut held = kept;
            while held.len() < p.options().get_max_connections() as usize {
                held.push(p.acquire().await?);
            }
            HeldConnections(Box::new(held))
        }
    })
}

/// Runs a statement that would take minutes (counting to a billion).
pub async fn run_slow_statement(store: &Store) -> Result<i64> {
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) \
               SELECT COUNT(*) FROM c";
    Ok(on_db!(store, |p| sqlx::query_scalar(sql)
        .fetch_one(p)
        .await)?)
}

/// A person found by [`Store::people_named`].
#[derive(Clone, Debug)]
pub struct NamedPerson {
    /// The record's id.
    pub id: String,
    /// Date of birth.
    pub date_of_birth: Option<time::Date>,
}

impl Store {
    /// For tests: the records with every word of `name` among their names
    /// (exactly, any case), by family name then given name.
    pub async fn people_named(&self, name: &str) -> crate::Result<Vec<NamedPerson>> {
        use safeguard_domain::search::{Query, name_words};
        let q = Query::parse(name);
        let groups: Vec<Vec<String>> = q.words.iter().map(|w| vec![format!("n{w}")]).collect();
        let ids = self.search_by_keys(&groups, 1_000).await?;
        let mut found: Vec<_> = self
            .search_records(&ids)
            .await?
            .into_iter()
            .filter(|(r, others)| {
                let mut words = name_words(&r.given_name);
                words.extend(name_words(&r.family_name));
                others.iter().for_each(|o| words.extend(name_words(o)));
                q.words.iter().all(|w| words.contains(w))
            })
            .map(|(r, _)| r)
            .collect();
        found.sort_by(|a, b| {
            (&a.family_name, &a.given_name, &a.id).cmp(&(&b.family_name, &b.given_name, &b.id))
        });
        Ok(found
            .into_iter()
            .map(|r| NamedPerson {
                date_of_birth: r
                    .date_of_birth
                    .as_deref()
                    .and_then(safeguard_domain::person::parse_iso_date),
                id: r.id,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    #[should_panic(expected = "a wait on nothing did not finish within 50ms")]
    async fn a_story_that_never_ends_fails_at_its_deadline() {
        let story = super::within(
            std::time::Duration::from_millis(50),
            "a wait on nothing",
            std::future::pending(),
        );
        // Bounded itself: a deadline that never came fails with another message.
        tokio::time::timeout(std::time::Duration::from_secs(10), story)
            .await
            .expect("the deadline came");
    }
}
