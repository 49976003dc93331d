//! Safeguard's storage: SQLite (the embedded default) and PostgreSQL behind
//! one API, with one SQL text for both wherever possible.
//!
//! * [`Store`] is an enum over two typed sqlx pools; the [`on_db!`] and
//!   [`on_tx!`] macros compile each query once per backend.
//! * Every write goes through a [`Tx`]. An audited transaction
//!   ([`Store::begin_audited`]) takes the audit chain's head row first, so
//!   writers are serialised on the chain and each write commits together with
//!   its audit event (see [`audit`]).
//! * Queries that return personal data take a [`PersonScope`] from the access
//!   policy; a scope that allows nothing returns "not found" without a query.

pub mod access;
pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod bulk;
pub mod case_audits;
pub mod concerns;
pub mod contacts;
pub mod dashboard;
pub mod duplicates;
pub mod enquiries;
mod inline;
pub mod large_scale;
pub mod merges;
pub mod patterns;
pub mod people;
pub mod reflections;
pub mod retention;
pub mod sac;
pub mod search;
pub mod sso;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
pub mod two_factor;
mod warm;
pub mod workforce;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use sqlx::{Postgres, Sqlite, Transaction};

pub use safeguard_domain::PersonScope;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// A storage failure. Never turned into "not found": an outage must not look
/// like an empty record.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database refused or failed a read made on the asking thread
    /// (see the `inline` module).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Migrations failed to apply.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back into a domain type.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The database address is not understood.
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    BadUrl,
    /// An audited write was attempted on a transaction that did not take the audit head.
    #[error("audit event written outside an audited transaction")]
    NotAudited,
    /// The database stayed busy with other writers past the time limit.
    #[error("the database is busy: try again")]
    Busy,
    /// The group commit this event was waiting for failed.
    #[error("{0}")]
    Shared(std::sync::Arc<StoreError>),
    /// The group commit this event was waiting for stopped before it
    /// finished; the event may not be recorded.
    #[error("recording the audit event was interrupted: try again")]
    Interrupted,
}

impl StoreError {
    /// Whether the statement was stopped for running past its time limit
    /// (PostgreSQL's `statement_timeout`, SQLite's interrupt).
    pub fn is_timeout(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("57014") | Some("9"))
            }
            StoreError::Sqlite(e) => {
                e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
            }
            _ => false,
        }
    }
}

/// How a store's connections behave.
#[derive(Clone, Copy, Debug, Default)]
pub struct StoreOptions {
    /// The longest one statement may run before it is stopped (none when
    /// `None`): on PostgreSQL `statement_timeout`; on SQLite an interrupt
    /// from the progress handler once a statement (or statements run back
    /// to back, with no pause of 100 ms) has run this long.
    pub statement_timeout: Option<Duration>,
    /// SQLite: the page cache of each connection, in MiB (default
    /// [`SQLITE_CACHE_MIB`]). The operating system caches the file as well,
    /// so a small cache per connection costs little speed and keeps the
    /// server's memory bounded; loading millions of generated records at
    /// once wants more.
    pub sqlite_cache_mib: Option<u32>,
    /// SQLite: load in bulk. The write-ahead log is copied into the
    /// database only once it reaches about 1 GiB (rather than every 4 MiB),
    /// so an index page that many transactions change is copied once; call
    /// [`Store::checkpoint`] when the load is done. Other handles on the
    /// same file keep working as usual.
    pub sqlite_bulk_load: bool,
}

/// The page cache of each SQLite connection, in MiB, unless set: with the
/// main pool's readers, its writer and the reserve, at most 14 MiB in all,
/// and 2 MiB for each connection of the hottest reads (about one per
/// thread running requests). The operating system caches the file too,
/// and SQLite empties a reading connection's cache whenever another has
/// committed, which every audited view does: under load at a million
/// people, 8 MiB each served no faster and held 40 MiB more at the peak.
pub const SQLITE_CACHE_MIB: u32 = 2;

/// Pages the write-ahead log may grow to before it is copied into the
/// database when loading in bulk (about 1 GiB of 4 KiB pages): a page that
/// many transactions change is copied once, not once per thousand pages.
const BULK_CHECKPOINT_PAGES: u32 = 262_144;

/// A pause between progress callbacks longer than this means the SQLite
/// connection was idle: the next callback belongs to a new statement.
const SQLITE_IDLE_GAP: Duration = Duration::from_millis(100);

/// How long a SQLite writer waits for its turn before giving up (as the
/// busy timeout does for other processes).
const WRITE_GATE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections kept apart for work that must never starve behind slow
/// reads (the public concern form and health checks).
const RESERVE_CONNECTIONS: u32 = 2;

/// A pooled connection idle for longer than this is checked (pinged) before
/// it is handed out; one used more recently is not. sqlx checks every
/// connection it hands out by default, a round trip to the server (or to
/// SQLite's connection thread) before each statement, which under load
/// cost more than many of the statements themselves. A connection that
/// broke while in use is dropped when it is handed back (sqlx checks it
/// then), so one handed back less than this ago was checked moments
/// before; the window is HikariCP's (`aliveBypassWindowMs`).
const CHECK_IF_IDLE_FOR: Duration = Duration::from_millis(500);

/// Pool settings shared by every pool: see [`CHECK_IF_IDLE_FOR`].
fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::<DB>::new()
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > CHECK_IF_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// Bytes as lowercase hexadecimal, two digits a byte: how digests (the
/// audit chain's hashes, token hashes, file checksums) are kept as text.
/// One string, not one per byte.
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(b.len() * 2);
    for x in b {
        out.push(char::from(DIGITS[usize::from(x >> 4)]));
        out.push(char::from(DIGITS[usize::from(x & 0x0f)]));
    }
    out
}

/// Rows read as one JSON value (see [`Store::json_rows`]).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One pool of either backend.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite (a file in the data directory).
    Sqlite(SqlitePool),
    /// PostgreSQL (shared by several app servers).
    Postgres(PgPool),
}

/// The database: a pool of either backend, and what every handle on the
/// same database shares (the SQLite writers' queue, the audit group commit).
#[derive(Clone, Debug)]
pub struct Store {
    /// The pool.
    pub db: Db,
    shared: std::sync::Arc<Shared>,
    /// PostgreSQL: connections of this pool kept between the hottest reads.
    warm: std::sync::Arc<warm::Warm>,
    /// SQLite: whether this handle makes the hottest reads on the asking
    /// thread (see [`Store::inline`]); tests turn it off to compare.
    inline: bool,
}

/// What all handles on one database share.
#[derive(Debug, Default)]
struct Shared {
    /// SQLite has one writer at a time: writers queue here, in order, rather
    /// than polling the file lock (which left some waiting half a second).
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the one connection writes go through, whichever handle
    /// starts them. Only the writer whose turn it is uses it, so it never
    /// waits; and as no other connection commits to the file, its page
    /// cache stays warm (SQLite empties a connection's cache whenever
    /// another connection has committed since its last transaction).
    writer: Option<SqlitePool>,
    /// Audit events waiting for the next group commit.
    audit_queue: std::sync::Mutex<Vec<audit::Pending>>,
    /// Held by whoever is committing the queued audit events.
    audit_leader: tokio::sync::Mutex<()>,
    /// SQLite: new concerns waiting for the next shared commit.
    concern_queue: std::sync::Mutex<Vec<concerns::PendingConcern>>,
    /// SQLite: held by whoever is committing the queued concerns.
    concern_leader: tokio::sync::Mutex<()>,
    /// SQLite: the chain's head as this process last committed it, so a
    /// write need not read it first (checked as the head moves).
    head_cache: std::sync::Mutex<Option<(i64, String)>>,
    /// SQLite: connections for the hottest reads, made on the asking
    /// thread (see [`Store::inline`]); none for a database in memory.
    inline: Option<inline::Inline>,
    /// PostgreSQL: held by whoever is appending waiting events to the chain.
    sequencer: tokio::sync::Mutex<()>,
    /// PostgreSQL: a sequencer pass is scheduled and has not started yet.
    chain_scheduled: std::sync::atomic::AtomicBool,
    /// The person page's statements with its reader's access flags (see
    /// [`Store::person_page_for`]), built at the first page: the same text
    /// for every page on this database.
    page_for_sql: std::sync::OnceLock<people::PageForSql>,
    /// Recently opened people's page parts, with the mark each was read at
    /// (see [`people::PageCache`]).
    page_cache: std::sync::Mutex<people::PageCache>,
}

impl Store {
    /// PostgreSQL: the connections this pool keeps between the hottest reads.
    pub(crate) fn warm(&self) -> &warm::Warm {
        &self.warm
    }

    /// SQLite: runs `read` on the asking thread, on a connection kept for
    /// the hottest reads (see the `inline` module). `None` on PostgreSQL,
    /// or when the read should go through the pool instead (the database
    /// was busy): the caller then reads as it does on every other path.
    pub(crate) fn inline<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<Result<T>> {
        if !self.inline {
            return None;
        }
        self.shared.inline.as_ref()?.read(read)
    }

    fn new(db: Db) -> Store {
        Store {
            db,
            shared: Default::default(),
            warm: std::sync::Arc::new(warm::Warm::new(WARM_KEEP as usize)),
            inline: true,
        }
    }
}

/// SQLite: connections in the main pool, for reads (writes have their own).
/// The hottest reads do not use them (see [`Store::inline`]); the rest are
/// searches, lists and reports, for which twice the cores is enough, and
/// each connection's thread keeps memory of its own in the C allocator
/// (seven held about 50 MiB at a million people under load).
const SQLITE_READERS: u32 = 4;

/// PostgreSQL: connections of the main pool kept between the hottest reads
/// (see `on_warm!`); the pool has this many more than its usual 16, so
/// other reads have as many as before.
const WARM_KEEP: u32 = 3;

/// The options of a SQLite pool: the statement time limit, if set, on
/// every connection.
fn sqlite_pool(options: StoreOptions) -> sqlx::pool::PoolOptions<sqlx::Sqlite> {
    let mut pool = pool_options::<sqlx::Sqlite>();
    if let Some(limit) = options.statement_timeout {
        pool = pool.after_connect(move |conn, _| {
            Box::pin(async move {
                let mut handle = conn.lock_handle().await?;
                // Every ~100,000 virtual-machine steps (well under a
                // millisecond): stop the statement once it has run too long.
                handle.set_progress_handler(100_000, statement_clock(limit));
                Ok(())
            })
        });
    }
    pool
}

/// For SQLite's progress handler, called every so many steps of a
/// statement: whether the statement (or statements run back to back, with
/// no pause of [`SQLITE_IDLE_GAP`]) has run no longer than `limit`.
fn statement_clock(limit: Duration) -> impl FnMut() -> bool + Send + 'static {
    let mut last: Option<std::time::Instant> = None;
    let mut started = std::time::Instant::now();
    move || {
        let now = std::time::Instant::now();
        if last.is_none_or(|l| now.duration_since(l) > SQLITE_IDLE_GAP) {
            started = now;
        }
        last = Some(now);
        now.duration_since(started) <= limit
    }
}

/// Runs `$body`, which must give a `Result<_, sqlx::Error>`, for one of the
/// hottest reads (every signed-in request's session, every record's access
/// facts, the person page), with `$c` bound to something to run it on: on
/// PostgreSQL a connection kept from the last such read when there is one
/// (`&mut PgConnection`; see the `warm` module), which skips the round trip
/// sqlx makes to check every connection handed back to its pool; on SQLite
/// the pool, as for every other read.
///
/// With `inline |$l| $lite` first, SQLite runs `$lite` (a `rusqlite::Result`
/// from `$l: &rusqlite::Connection`, the same statement) on the asking
/// thread instead ([`Store::inline`]), and `$body` only when that is
/// declined; both give this crate's `Result`.
macro_rules! on_warm {
    ($store:expr, inline |$l:ident| $lite:expr, |$c:ident| $body:expr) => {{
        let store: &$crate::Store = &$store;
        match store.inline(|$l| $lite) {
            Some(read) => read,
            None => $crate::on_warm!(store, |$c| $body).map_err($crate::StoreError::from),
        }
    }};
    ($store:expr, |$c:ident| $body:expr) => {{
        let store: &$crate::Store = &$store;
        match &store.db {
            $crate::Db::Sqlite(pool) => {
                let $c = pool;
                $body
            }
            $crate::Db::Postgres(pool) => match store.warm().take(pool).await {
                Ok(mut held) => {
                    let out = {
                        let $c: &mut sqlx::PgConnection = &mut *held;
                        $body
                    };
                    if out.is_ok() {
                        store.warm().keep(held);
                    }
                    out
                }
                Err(e) => Err(e),
            },
        }
    }};
}
pub(crate) use on_warm;

/// Builds `$ty` from a `rusqlite` row (the `from_lite` twin of a `FromRow`
/// derive): the named fields from the row's columns in order, from column
/// `$first` (0 unless given). By position, not by name: finding a column by
/// its name compares it with every column before it, which for a row of
/// twenty columns cost more than reading them. Builds with debug
/// assertions (every test) check each column's name is its field's.
macro_rules! from_columns {
    ($r:expr, $ty:ident { $($field:ident),* $(,)? }) => {
        $crate::from_columns!($r, 0, $ty { $($field),* })
    };
    ($r:expr, $first:expr, $ty:ident { $($field:ident),* $(,)? }) => {{
        let r: &rusqlite::Row<'_> = $r;
        let mut column: usize = $first;
        #[allow(unused_assignments)]
        let row = $ty {
            $($field: {
                debug_assert_eq!(
                    r.as_ref().column_name(column).ok(),
                    Some(stringify!($field)),
                    "column {} read as a {} field", column, stringify!($ty)
                );
                let value = r.get(column)?;
                column += 1;
                value
            }),*
        };
        row
    }};
}
pub(crate) use from_columns;

/// Runs `$body` with `$p` bound to the backend's pool; the body is compiled
/// once per backend and must return the same type from both.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match &$db.db {
            $crate::Db::Sqlite($p) => $body,
            $crate::Db::Postgres($p) => $body,
        }
    };
}

/// Numbered placeholders `$from, $from+1, …` for `n` values.
pub(crate) fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($first, …), (…)`: `rows` groups of `per` parameters numbered on from
/// `$first` (the rows of a multi-row `INSERT`).
pub(crate) fn placeholders(first: usize, rows: usize, per: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", marks(first + r * per, per)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `$body` with `$c` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::TxInner::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}

/// The backend-specific transaction inside a [`Tx`].
#[derive(Debug)]
pub enum TxInner {
    /// SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

/// A write transaction. Dropping it without [`Tx::commit`] rolls back.
#[derive(Debug)]
pub struct Tx {
    /// The backend transaction.
    pub inner: TxInner,
    /// The audit chain head (last sequence number and hash) when this
    /// transaction holds it.
    pub(crate) head: Option<(i64, String)>,
    /// Whether this transaction may record audit events.
    pub(crate) audited: bool,
    /// Audit events to append when the transaction commits.
    pub(crate) pending: Vec<audit::NewAuditEvent>,
    /// The store, to append queued audit events to the chain after commit.
    store: Store,
    /// SQLite: this transaction's place as the one writer.
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    /// Commits every write made in this transaction, audit events included.
    /// The audit events are appended to the chain last, so the chain's head
    /// is held (on PostgreSQL, locked) only for that append and the commit.
    pub async fn commit(mut self) -> Result<()> {
        let queued = self.append_pending().await?;
        match self.inner {
            TxInner::Sqlite(t) => {
                // The cached head is this commit's, or unknown if it failed
                // (updated before this writer's turn ends).
                // On SQLite the head is only ever held to move it.
                let committed = t.commit().await;
                let mut cache = audit::lock(&self.store.shared.head_cache);
                match &committed {
                    Ok(()) if self.head.is_some() => *cache = self.head.take(),
                    Ok(()) => {}
                    Err(_) => *cache = None,
                }
                committed?
            }
            TxInner::Postgres(t) => t.commit().await?,
        }
        if queued {
            self.store.chain_soon();
        }
        Ok(())
    }
}

impl Store {
    /// Refreshes the query planner's statistics (after loading many rows at
    /// once, so reports pick the right indexes).
    pub async fn analyze(&self) -> Result<()> {
        on_db!(self, |p| sqlx::raw_sql("ANALYZE")
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// SQLite: copies the write-ahead log into the database and empties it
    /// (after a bulk load, whose log may have grown large); nothing on
    /// PostgreSQL.
    pub async fn checkpoint(&self) -> Result<()> {
        if let Db::Sqlite(p) = &self.db {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// Opens the embedded SQLite database `safeguard.db` in `dir`, creating
    /// both as needed, and applies migrations.
    pub async fn open_data_dir(dir: &Path) -> Result<Store> {
        Self::open_data_dir_with(dir, StoreOptions::default()).await
    }

    /// As [`Store::open_data_dir`], with `options`.
    pub async fn open_data_dir_with(dir: &Path, options: StoreOptions) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Corrupt(format!("cannot create data directory: {e}")))?;
        let opts = SqliteConnectOptions::new().filename(dir.join("safeguard.db"));
        Self::open_sqlite(opts, options).await
    }

    /// Connects to `sqlite://…` or `postgres://…` and applies migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// As [`Store::connect`], with `options`.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Store> {
        if url.starts_with("sqlite:") {
            Self::open_sqlite(SqliteConnectOptions::from_str(url)?, options).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut opts = sqlx::postgres::PgConnectOptions::from_str(url)?;
            if let Some(t) = options.statement_timeout {
                opts = opts.options([("statement_timeout", t.as_millis().to_string())]);
            }
            let pool = pool_options::<sqlx::Postgres>()
                .max_connections(16 + WARM_KEEP)
                .connect_with(opts)
                .await?;
            POSTGRES_MIGRATOR.run(&pool).await?;
            let store = Store::new(Db::Postgres(pool));
            store.prepare_search().await?;
            // Events committed before a stop and not yet in the chain.
            store.settle_audit().await?;
            Ok(store)
        } else {
            Err(StoreError::BadUrl)
        }
    }

    /// A small pool of its own over the same database, for work that must
    /// never wait behind slow reads on the main pool (the public concern
    /// form, health checks). It connects when first used.
    pub fn reserve(&self) -> Store {
        let db = match &self.db {
            Db::Sqlite(p) => Db::Sqlite(
                pool_options::<sqlx::Sqlite>()
                    .max_connections(RESERVE_CONNECTIONS)
                    .connect_lazy_with((*p.connect_options()).clone()),
            ),
            Db::Postgres(p) => Db::Postgres(
                pool_options::<sqlx::Postgres>()
                    .max_connections(RESERVE_CONNECTIONS)
                    .connect_lazy_with((*p.connect_options()).clone()),
            ),
        };
        // The same database: the same writers' queue and audit group commit.
        // None of its few connections is kept back (see `on_warm!`).
        Store {
            db,
            shared: self.shared.clone(),
            warm: std::sync::Arc::new(warm::Warm::new(0)),
            inline: self.inline,
        }
    }

    async fn open_sqlite(opts: SqliteConnectOptions, options: StoreOptions) -> Result<Store> {
        let cache_kib = u64::from(options.sqlite_cache_mib.unwrap_or(SQLITE_CACHE_MIB)) * 1024;
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma(
                "wal_autocheckpoint",
                if options.sqlite_bulk_load {
                    BULK_CHECKPOINT_PAGES
                } else {
                    1000
                }
                .to_string(),
            )
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // A bounded page cache per connection (SQLite counts a negative
            // size in KiB).
            .pragma("cache_size", format!("-{cache_kib}"))
            .busy_timeout(Duration::from_secs(10));
        let path = opts.get_filename().to_path_buf();
        let pool = sqlite_pool(options);
        let writer = sqlite_pool(options)
            .max_connections(1)
            .connect_lazy_with(opts.clone());
        let pool = pool
            .max_connections(SQLITE_READERS)
            .connect_with(opts)
            .await?;
        SQLITE_MIGRATOR.run(&pool).await?;
        let store = Store {
            db: Db::Sqlite(pool),
            shared: std::sync::Arc::new(Shared {
                writer: Some(writer),
                inline: path
                    .is_file()
                    .then(|| inline::Inline::new(path, cache_kib, options.statement_timeout)),
                ..Default::default()
            }),
            warm: std::sync::Arc::new(warm::Warm::new(0)),
            inline: true,
        };
        store.prepare_search().await?;
        Ok(store)
    }

    /// A scalar subquery giving, as JSON text, an array of the rows `from`
    /// yields (a table with its `WHERE`, or a derived table with an alias),
    /// each an object of `columns` (comma-separated names) in `order` (in no
    /// particular order when empty);
    /// `flags` are the boolean columns among them (SQLite keeps 0 and 1).
    ///
    /// Rows read this way cross from the database to the request as one
    /// value: sqlx hands SQLite's rows over one at a time from the
    /// connection's own thread, a wake-up each, so a page that reads its
    /// parts as arrays beside the record makes one trip, not one per row
    /// and part.
    pub(crate) fn json_rows(
        &self,
        columns: &str,
        flags: &[&str],
        from: &str,
        order: &str,
    ) -> String {
        let postgres = matches!(self.db, Db::Postgres(_));
        let pairs = columns
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                if !postgres && flags.contains(&c) {
                    format!("'{c}', json(CASE WHEN {c} THEN 'true' ELSE 'false' END)")
                } else {
                    format!("'{c}', {c}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let order = if order.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {order}")
        };
        if postgres {
            format!(
                "(SELECT COALESCE(json_agg(json_build_object({pairs}){order})::text, '[]') FROM {from})"
            )
        } else {
            format!(
                "(SELECT COALESCE(json_group_array(json_object({pairs}){order}), '[]') FROM {from})"
            )
        }
    }

    /// The rows `from` yields as JSON text, one array for each of `columns`
    /// (comma-separated names) in their order: `[[a1, a2…], [b1, b2…]…]`,
    /// each array `null` when there are no rows (read, for the latest
    /// chronology entries, by `RecentEntry::from_json_columns`). `from`
    /// must give its rows in `order`: a derived table ordered within (with
    /// its `LIMIT`), nothing joined to it.
    ///
    /// For parts of many rows. An object per row copies every column's name
    /// into every row; an array per row (`json_build_array`) looks up each
    /// value's type again for every row, and was still a tenth of
    /// PostgreSQL's time for the person page's fifty latest chronology
    /// entries, sorted once more for the aggregate. Here each column's
    /// aggregate looks its type up once. PostgreSQL aggregates the derived
    /// table's rows in the order it gives them (an aggregate over one
    /// ordered subquery, with nothing joined, as its manual describes), so
    /// no aggregate sorts them again; SQLite, which promises no such thing,
    /// is given the order for each.
    pub(crate) fn json_columns(&self, columns: &str, from: &str, order: &str) -> String {
        let names = columns.split(',').map(str::trim).filter(|c| !c.is_empty());
        match self.db {
            Db::Postgres(_) => {
                let aggs: Vec<String> = names.map(|c| format!("json_agg({c})")).collect();
                format!(
                    "(SELECT json_build_array({})::text FROM {from})",
                    aggs.join(", ")
                )
            }
            Db::Sqlite(_) => {
                let aggs: Vec<String> = names
                    .map(|c| format!("json_group_array({c} ORDER BY {order})"))
                    .collect();
                format!("(SELECT json_array({}) FROM {from})", aggs.join(", "))
            }
        }
    }

    /// "sqlite" or "postgres".
    pub fn backend_name(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// SQLite: writes a consistent copy of the whole database to `path`
    /// (`VACUUM INTO`), which must not exist yet. Not for PostgreSQL.
    pub async fn sqlite_snapshot(&self, path: &Path) -> Result<()> {
        match &self.db {
            Db::Sqlite(p) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path.to_string_lossy().to_string())
                    .execute(p)
                    .await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::Corrupt(
                "a snapshot by VACUUM INTO is for SQLite; use pg_dump".into(),
            )),
        }
    }

    /// The database's own consistency check: `ok`, or what is wrong
    /// (SQLite `PRAGMA integrity_check`; PostgreSQL keeps its own and
    /// answers `ok` once it answers at all).
    pub async fn integrity_check(&self) -> Result<String> {
        match &self.db {
            Db::Sqlite(p) => {
                let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_all(p)
                    .await?;
                Ok(rows.join("; "))
            }
            Db::Postgres(p) => {
                sqlx::query("SELECT 1").execute(p).await?;
                Ok("ok".into())
            }
        }
    }

    /// The pool's connections: (open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        match &self.db {
            Db::Sqlite(p) => (p.size(), p.num_idle()),
            Db::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    /// Emails waiting in the outbox (not yet sent).
    pub async fn outbox_backlog(&self) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL"
        )
        .fetch_one(p)
        .await)?)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A transaction for writes that record no audit event (session upkeep).
    /// On SQLite it first takes its turn as the one writer (in order, in
    /// this process; other processes are waited for by the busy timeout).
    pub async fn begin(&self) -> Result<Tx> {
        match &self.db {
            Db::Sqlite(p) => {
                // The turn first, then the writing connection, which is free
                // whenever the turn is ours.
                let gate = self.write_turn().await?;
                let pool = self.shared.writer.as_ref().unwrap_or(p);
                // Immediate: the write lock from the start, so a write never
                // has to upgrade a read another process has overtaken.
                let inner = TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?);
                Ok(self.tx(inner, Some(gate)))
            }
            Db::Postgres(p) => Ok(self.tx(TxInner::Postgres(p.begin().await?), None)),
        }
    }

    /// A transaction on a connection of this pool if one is free now, or
    /// else on `other`'s (audited if `audited`): the public concern form
    /// writes through the main pool while it has room and through its own
    /// small pool when slow reads hold the main one.
    ///
    /// On SQLite every write goes through the one writing connection
    /// whichever handle starts it (see [`Store::begin`]).
    pub async fn begin_free_or(&self, other: &Store, audited: bool) -> Result<Tx> {
        let inner = match &self.db {
            Db::Sqlite(_) => None,
            Db::Postgres(p) => p.try_begin().await?.map(TxInner::Postgres),
        };
        let Some(inner) = inner else {
            return if audited {
                other.begin_audited().await
            } else {
                other.begin().await
            };
        };
        let mut tx = self.tx(inner, None);
        tx.audited = audited;
        Ok(tx)
    }

    /// SQLite: this process's turn as the one writer, in order (other
    /// processes are waited for by the busy timeout).
    pub(crate) async fn write_turn(&self) -> Result<tokio::sync::OwnedMutexGuard<()>> {
        tokio::time::timeout(
            WRITE_GATE_TIMEOUT,
            self.shared.write_gate.clone().lock_owned(),
        )
        .await
        .map_err(|_| StoreError::Busy)
    }

    fn tx(&self, inner: TxInner, gate: Option<tokio::sync::OwnedMutexGuard<()>>) -> Tx {
        Tx {
            inner,
            head: None,
            audited: false,
            pending: Vec::new(),
            store: self.clone(),
            _gate: gate,
        }
    }

    /// A transaction that will record audit events. On SQLite it holds the
    /// write lock from the start, and its events are appended to the chain
    /// as it commits. On PostgreSQL its events commit with it
    /// into `audit_pending`, without waiting for the chain, and a sequencer
    /// appends them in batches straight after (see [`Store::settle_audit`]).
    pub async fn begin_audited(&self) -> Result<Tx> {
        let mut tx = self.begin().await?;
        tx.audited = true;
        Ok(tx)
    }

    /// Closes the pool, once waiting audit events are in the chain.
    pub async fn close(&self) {
        if let Err(e) = self.settle_audit().await {
            tracing::warn!(error = %e, "audit events left waiting: they join the chain when the database is next opened");
        }
        self.close_pool().await
    }

    /// Closes the pool, handing back first the connections kept between
    /// hot reads: the pool waits until every connection it lent is back,
    /// and it lends those until they are handed back. Without this, a
    /// close found no idle connection to make up for them (after a quiet
    /// spell, or when the audit's last connection came back a moment
    /// late) and waited for ever.
    pub(crate) async fn close_pool(&self) {
        drop(self.warm.take_all());
        on_db!(self, |p| p.close().await)
    }
}
