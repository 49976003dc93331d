//! The audit trail: append-only and hash-chained.
//!
//! Each event's hash covers its own fields and the previous event's hash, so
//! editing, deleting or reordering any stored event breaks the chain from
//! that point on. The `audit_head` row holds the last sequence number and
//! hash, so removing events from the end is detected too. Database triggers
//! refuse `UPDATE` and `DELETE` on `audit_events`; the chain catches anyone
//! who goes around them.

use sha2::{Digest, Sha256};
use sqlx::FromRow;

use crate::{Db, Result, Store, StoreError, Tx, on_db, on_tx};

/// The hash the chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to record. Times are Unix milliseconds.
#[derive(Clone, Debug, Default)]
pub struct NewAuditEvent {
    /// Event id (UUIDv7 text).
    pub id: String,
    /// When it happened.
    pub at: i64,
    /// The acting user's id, when known.
    pub actor_id: Option<String>,
    /// The acting user's username (or the username tried, for a failed login).
    pub actor_name: String,
    /// The acting user's role, or `system`/`anonymous`.
    pub actor_role: String,
    /// `view`, `create`, `update`, `search`, `login`, `logout`, `export`…
    pub action: String,
    /// `person`, `user`, `session`, `audit`…
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: Option<String>,
    /// `success`, `denied`, `failure`.
    pub outcome: String,
    /// A reason, where one is required.
    pub reason: Option<String>,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// Extra detail (no free text typed about a person).
    pub detail: Option<String>,
}

impl NewAuditEvent {
    /// The event with extra detail (no free text typed about a person).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The event with the reason access was given or the action taken (a
    /// code such as `team` or `break_glass`).
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// An event about a person, with the acting user's agency.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct PersonAuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_name: String,
    pub actor_role: String,
    pub agency_name: Option<String>,
    pub display_name: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub outcome: String,
    pub reason: Option<String>,
    /// The request that wrote it (events of one request are one viewing).
    pub request_id: Option<String>,
}

/// A stored event.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Event id.
    pub id: String,
    /// When (Unix ms).
    pub at: i64,
    /// Acting user id.
    pub actor_id: Option<String>,
    /// Acting username.
    pub actor_name: String,
    /// Acting role.
    pub actor_role: String,
    /// Action.
    pub action: String,
    /// Subject type.
    pub subject_type: String,
    /// Subject id.
    pub subject_id: Option<String>,
    /// Outcome.
    pub outcome: String,
    /// Reason.
    pub reason: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Detail.
    pub detail: Option<String>,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The hash of an event's fields chained onto `prev_hash`. Each field is
/// length-prefixed so no two different events serialise alike; an optional
/// field is `+` and its text when present, `-` when not. Fed to the hash as
/// it is, field by field, with no copy of any (every event recorded is
/// hashed by the one writer appending to the chain).
fn chain_hash(seq: i64, e: &NewAuditEvent, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    let mut parts = |parts: &[&[u8]]| {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        h.update((len as u64).to_be_bytes());
        for p in parts {
            h.update(p);
        }
    };
    fn field(s: &str) -> [&[u8]; 1] {
        [s.as_bytes()]
    }
    fn opt(o: &Option<String>) -> [&[u8]; 2] {
        match o {
            Some(s) => [b"+", s.as_bytes()],
            None => [b"-", b""],
        }
    }
    parts(&field("safeguard-audit-v1"));
    parts(&field(&seq.to_string()));
    parts(&field(&e.id));
    parts(&field(&e.at.to_string()));
    parts(&opt(&e.actor_id));
    parts(&field(&e.actor_name));
    parts(&field(&e.actor_role));
    parts(&field(&e.action));
    parts(&field(&e.subject_type));
    parts(&opt(&e.subject_id));
    parts(&field(&e.outcome));
    parts(&opt(&e.reason));
    parts(&opt(&e.request_id));
    parts(&opt(&e.detail));
    parts(&field(prev_hash));
    crate::hex(&h.finalize())
}

impl AuditEvent {
    fn as_new(&self) -> NewAuditEvent {
        NewAuditEvent {
            id: self.id.clone(),
            at: self.at,
            actor_id: self.actor_id.clone(),
            actor_name: self.actor_name.clone(),
            actor_role: self.actor_role.clone(),
            action: self.action.clone(),
            subject_type: self.subject_type.clone(),
            subject_id: self.subject_id.clone(),
            outcome: self.outcome.clone(),
            reason: self.reason.clone(),
            request_id: self.request_id.clone(),
            detail: self.detail.clone(),
        }
    }
}

const COLUMNS: &str = "seq, id, at, actor_id, actor_name, actor_role, action, subject_type, subject_id, \
                       outcome, reason, request_id, detail, prev_hash, hash";

/// Binds an event's fields in column order, from `id` to `detail`.
macro_rules! bind_event {
    ($q:expr, $e:expr) => {
        $q.bind(&$e.id)
            .bind($e.at)
            .bind(&$e.actor_id)
            .bind(&$e.actor_name)
            .bind(&$e.actor_role)
            .bind(&$e.action)
            .bind(&$e.subject_type)
            .bind(&$e.subject_id)
            .bind(&$e.outcome)
            .bind(&$e.reason)
            .bind(&$e.request_id)
            .bind(&$e.detail)
    };
}

/// Audit events waiting for a group commit, and where to say how it went.
pub(crate) type Pending = (
    Vec<NewAuditEvent>,
    tokio::sync::oneshot::Sender<std::result::Result<(), std::sync::Arc<StoreError>>>,
);

/// The most events one statement appends (15 parameters each, well under
/// SQLite's and PostgreSQL's limits).
const APPEND_CHUNK: usize = 500;

impl Tx {
    /// Records an event in this transaction: it is appended to the chain
    /// when the transaction commits, and only if it does.
    pub async fn audit(&mut self, e: NewAuditEvent) -> Result<()> {
        if !self.audited {
            return Err(StoreError::NotAudited);
        }
        self.pending.push(e);
        Ok(())
    }

    /// Takes the chain's head row (locking it until the transaction ends).
    pub(crate) async fn take_head(&mut self) -> Result<()> {
        let head: (i64, String) = on_tx!(self, |c| {
            sqlx::query_as(
                "UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash",
            )
            .fetch_one(&mut *c)
            .await
        })?;
        self.head = Some(head);
        Ok(())
    }

    /// Writes the events recorded in this transaction, before it commits:
    /// on SQLite into the chain; on PostgreSQL into `audit_pending`, for the
    /// sequencer (true when events were queued so).
    pub(crate) async fn append_pending(&mut self) -> Result<bool> {
        if self.pending.is_empty() {
            return Ok(false);
        }
        match self.inner {
            crate::TxInner::Sqlite(_) => {
                self.append_to_chain().await?;
                Ok(false)
            }
            crate::TxInner::Postgres(_) => {
                self.queue_pending().await?;
                Ok(true)
            }
        }
    }

    /// Queues the recorded events in `audit_pending` (PostgreSQL).
    async fn queue_pending(&mut self) -> Result<()> {
        let events = std::mem::take(&mut self.pending);
        for chunk in events.chunks(APPEND_CHUNK) {
            let sql = pending_sql(1, chunk.len());
            on_tx!(self, |c| {
                let mut q = sqlx::query(&sql);
                for e in chunk {
                    q = bind_event!(q, e);
                }
                q.execute(&mut *c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Appends the events recorded in this transaction to the chain: the
    /// head is taken (if it is not held yet), each event is hashed onto the
    /// one before, and the head moves to the last.
    pub(crate) async fn append_to_chain(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut self.pending);
        // SQLite: start from the head this process last committed, if known.
        // The head row moves only if it still holds that value; another
        // process may have written, and then it is read afresh.
        let mut start = match (&self.head, &self.inner) {
            (None, crate::TxInner::Sqlite(_)) => lock(&self.store.shared.head_cache).clone(),
            _ => None,
        };
        let (links, end) = loop {
            let from = match start.take().or_else(|| self.head.clone()) {
                Some(h) => h,
                None => {
                    self.take_head().await?;
                    continue;
                }
            };
            let (links, end) = link(&from, &events);
            let moved = on_tx!(self, |c| sqlx::query(
                "UPDATE audit_head SET last_seq = $1, last_hash = $2 \
                 WHERE id = 1 AND last_seq = $3 AND last_hash = $4"
            )
            .bind(end.0)
            .bind(&end.1)
            .bind(from.0)
            .bind(&from.1)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
            if moved == 1 {
                break (links, end);
            }
            // Stale: read the head (and hold it) and link again.
            self.take_head().await?;
        };
        for (chunk, links) in events.chunks(APPEND_CHUNK).zip(links.chunks(APPEND_CHUNK)) {
            let sql = events_sql(1, chunk.len());
            on_tx!(self, |c| {
                let mut q = sqlx::query(&sql);
                for (e, (seq, prev, hash)) in chunk.iter().zip(links) {
                    q = bind_event!(q.bind(*seq), e).bind(prev).bind(hash);
                }
                q.execute(&mut *c).await.map(|_| ())
            })?;
        }
        self.head = Some(end);
        Ok(())
    }
}

/// Each event's (sequence number, previous hash, hash) chained from
/// `start`, and the head after the last.
#[allow(clippy::type_complexity)]
pub(crate) fn link<'a>(
    start: &(i64, String),
    events: impl IntoIterator<Item = &'a NewAuditEvent>,
) -> (Vec<(i64, String, String)>, (i64, String)) {
    let (mut seq, mut hash) = start.clone();
    let events = events.into_iter();
    let mut out = Vec::with_capacity(events.size_hint().0);
    for e in events {
        let prev = hash;
        seq += 1;
        hash = chain_hash(seq, e, &prev);
        out.push((seq, prev, hash.clone()));
    }
    (out, (seq, hash))
}

/// SQLite: statements that move the chain's head from `from` and insert
/// `n` events after it, with parameters numbered from `$first` (bind them
/// with [`bind_chain`]), for writes that append in the same trip as their
/// other statements. If the head no longer holds `from` (another process
/// has written since), the move sets its sequence number to NULL, which the
/// column refuses: the statement fails, and with it the rest of the trip, so
/// nothing is ever linked to a stale head.
pub(crate) fn chain_sql(first: usize, n: usize) -> String {
    format!(
        "UPDATE audit_head SET last_seq = CASE WHEN last_seq = ${} AND last_hash = ${} THEN ${} END, \
         last_hash = ${} WHERE id = 1; {}",
        first,
        first + 1,
        first + 2,
        first + 3,
        events_sql(first + HEAD_PARAMS, n)
    )
}

/// SQLite: a whole transaction that moves the chain's head as
/// [`chain_sql`] does and inserts the events given as one JSON array
/// (`$5`, from [`events_json`]), each an array of the event's columns in
/// [`COLUMNS`] order. One text for any number of events, so it is prepared
/// once: a statement of fifteen parameters an event was prepared afresh
/// for every size of batch, and SQLite's lookup of numbered parameters
/// grows with their square. JSON integers come back as SQLite integers,
/// strings as text and null as NULL: the stored row is the one bound
/// column by column would be, so each event's hash still covers it.
static CHAIN_JSON_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let columns = (0..EVENT_PARAMS)
        .map(|i| format!("value ->> {i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "BEGIN IMMEDIATE; \
         UPDATE audit_head SET last_seq = CASE WHEN last_seq = $1 AND last_hash = $2 THEN $3 END, \
         last_hash = $4 WHERE id = 1; \
         INSERT INTO audit_events ({COLUMNS}) SELECT {columns} FROM json_each($5); \
         COMMIT"
    )
});

/// The events and their links as [`CHAIN_JSON_SQL`] takes them.
fn events_json(events: &[NewAuditEvent], links: &[(i64, String, String)]) -> String {
    let rows: Vec<serde_json::Value> = events
        .iter()
        .zip(links)
        .map(|(e, (seq, prev, hash))| {
            serde_json::json!([
                seq,
                e.id,
                e.at,
                e.actor_id,
                e.actor_name,
                e.actor_role,
                e.action,
                e.subject_type,
                e.subject_id,
                e.outcome,
                e.reason,
                e.request_id,
                e.detail,
                prev,
                hash
            ])
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// How many parameters [`chain_sql`] takes for `n` events.
pub(crate) fn chain_params(n: usize) -> usize {
    HEAD_PARAMS + n * EVENT_PARAMS
}

/// Parameters of the head's move: from (sequence, hash) and to.
const HEAD_PARAMS: usize = 4;
/// Parameters of one event in the chain (its columns).
const EVENT_PARAMS: usize = 15;
/// Parameters of one event waiting in `audit_pending`.
const PENDING_PARAMS: usize = 12;

/// Inserts `n` events into the chain, parameters numbered from `$first`:
/// for each, its sequence number, the event's fields, previous hash, hash.
fn events_sql(first: usize, n: usize) -> String {
    format!(
        "INSERT INTO audit_events ({COLUMNS}) VALUES {}",
        crate::placeholders(first, n, EVENT_PARAMS)
    )
}

/// Binds [`chain_sql`]'s parameters: the head it moves from (`from`) and to
/// (`end`), then each event with its link (from [`link`]).
pub(crate) fn bind_chain<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    from: &'q (i64, String),
    end: &'q (i64, String),
    events: impl Iterator<Item = &'q NewAuditEvent>,
    links: &'q [(i64, String, String)],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let mut q = q.bind(from.0).bind(&from.1).bind(end.0).bind(&end.1);
    for (e, (seq, prev, hash)) in events.zip(links) {
        q = bind_event!(q.bind(*seq), e).bind(prev).bind(hash);
    }
    q
}

/// PostgreSQL: `audit_pending`'s columns and `n` rows of them with
/// parameters numbered from `$first`, bound with [`bind_pending`].
pub(crate) fn pending_sql(first: usize, n: usize) -> String {
    format!(
        "INSERT INTO audit_pending ({PENDING_COLUMNS}) VALUES {}",
        crate::placeholders(first, n, PENDING_PARAMS)
    )
}

/// Binds [`pending_sql`]'s parameters for `e`.
pub(crate) fn bind_pending<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    e: &'q NewAuditEvent,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    bind_event!(q, e)
}

impl Store {
    /// Records audit events that go with no write of their own (views,
    /// searches, refusals) and returns once they are committed. Events
    /// arriving while a commit is under way wait and share the next one, so
    /// many readers at once cost one durable commit, not one each; no caller
    /// hears "recorded" before its events are.
    pub async fn record_audit(&self, events: Vec<NewAuditEvent>) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let (done, mut result) = tokio::sync::oneshot::channel();
        lock(&self.shared.audit_queue).push((events, done));
        let leader = self.shared.audit_leader.lock().await;
        if let Ok(r) = result.try_recv() {
            return r.map_err(StoreError::Shared);
        }
        let batch = std::mem::take(&mut *lock(&self.shared.audit_queue));
        if !batch.is_empty() {
            // Run to the end even if this caller goes away, so the others
            // waiting on the batch hear how it went.
            let store = self.clone();
            let commit = tokio::spawn(async move {
                let (events, waiting): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                let outcome = store
                    .commit_audit_events(events.into_iter().flatten().collect())
                    .await
                    .map_err(std::sync::Arc::new);
                for w in waiting {
                    let _ = w.send(outcome.clone());
                }
            });
            let _ = commit.await;
        }
        drop(leader);
        match result.await {
            Ok(r) => r.map_err(StoreError::Shared),
            Err(_) => Err(StoreError::Interrupted),
        }
    }

    /// Commits `events` in one trip to the database when it can: on
    /// PostgreSQL one statement queues them for the sequencer (its own
    /// transaction); on SQLite begin, append and commit go as one list of
    /// statements (see [`Store::one_trip`]). Otherwise, a transaction.
    async fn commit_audit_events(&self, events: Vec<NewAuditEvent>) -> Result<()> {
        match &self.db {
            Db::Postgres(p) if events.len() <= APPEND_CHUNK => {
                let sql = pending_sql(1, events.len());
                let mut q = sqlx::query(&sql);
                for e in &events {
                    q = bind_pending(q, e);
                }
                q.execute(p).await?;
                self.chain_soon();
                return Ok(());
            }
            Db::Sqlite(_) if events.len() <= APPEND_CHUNK => {
                if let Some(trip) = self.one_trip().await {
                    let from = trip.from.clone();
                    let (links, end) = link(&from, &events);
                    let rows = events_json(&events, &links);
                    let q = sqlx::query(&CHAIN_JSON_SQL)
                        .bind(from.0)
                        .bind(&from.1)
                        .bind(end.0)
                        .bind(&end.1)
                        .bind(&rows);
                    if self.run_one_trip(trip, q, end.clone()).await {
                        return Ok(());
                    }
                }
            }
            _ => {}
        }
        let mut tx = self.begin_audited().await?;
        tx.pending.extend(events);
        tx.commit().await
    }

    /// SQLite: this process's turn as the one writer, with the chain's
    /// head as this process last committed it, for a write made in one trip
    /// to the database ([`Store::run_one_trip`]). None on PostgreSQL, or
    /// when the head is not known (nothing committed yet, or the last write
    /// in one trip failed).
    ///
    /// Each statement is a trip to SQLite's connection thread and back, two
    /// thread switches, which cost more than small statements do: a write
    /// whose statements all go in one list makes one trip, not one each.
    pub(crate) async fn one_trip(&self) -> Option<OneTrip> {
        let Db::Sqlite(_) = &self.db else {
            return None;
        };
        let gate = self.write_turn().await.ok()?;
        // Read under the turn: no write of this process can move the head
        // past it now. Another process may have; then the head's move fails
        // (see [`chain_sql`]).
        let from = lock(&self.shared.head_cache).clone()?;
        Some(OneTrip { gate, from })
    }

    /// Runs `q`, a whole transaction from `BEGIN IMMEDIATE` to `COMMIT`
    /// whose chain statements ([`chain_sql`]) move the head from
    /// `trip.from` to `end`, on the writing connection, and says whether it
    /// committed. If it did not, nothing of it is kept: the transaction is
    /// rolled back (statements that fail leave it open), and if there is
    /// none to roll back or the rollback fails, the connection is let go
    /// and the pool opens another, so no later write can land in a
    /// transaction left over. The head is then read afresh by the next
    /// write, which the caller makes the careful way.
    pub(crate) async fn run_one_trip<'q>(
        &self,
        trip: OneTrip,
        q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        end: (i64, String),
    ) -> bool {
        let Db::Sqlite(p) = &self.db else {
            return false;
        };
        let pool = self.shared.writer.as_ref().unwrap_or(p);
        let Ok(mut conn) = pool.acquire().await else {
            return false;
        };
        let written = q.execute(&mut *conn).await.is_ok();
        *lock(&self.shared.head_cache) = written.then_some(end);
        if !written && sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
            drop(conn.detach());
        }
        drop(trip.gate);
        written
    }
}

/// A writer's turn and the chain's head, for a write made in one trip.
pub(crate) struct OneTrip {
    gate: tokio::sync::OwnedMutexGuard<()>,
    /// The head the write's events are linked onto.
    pub(crate) from: (i64, String),
}

const PENDING_COLUMNS: &str = "event_id, at, actor_id, actor_name, actor_role, action, subject_type, \
                               subject_id, outcome, reason, request_id, detail";

/// An event waiting in `audit_pending`.
#[derive(FromRow)]
struct PendingRow {
    id: i64,
    event_id: String,
    at: i64,
    actor_id: Option<String>,
    actor_name: String,
    actor_role: String,
    action: String,
    subject_type: String,
    subject_id: Option<String>,
    outcome: String,
    reason: Option<String>,
    request_id: Option<String>,
    detail: Option<String>,
}

/// How long a scheduled sequencer pass waits for more events to gather.
/// Each pass is seven statements whatever it carries; no one waits on it
/// (writers have committed, readers of the trail settle first), so a
/// longer gathering costs nothing seen and makes the passes fewer.
const SEQUENCE_DELAY: std::time::Duration = std::time::Duration::from_millis(20);

/// The most waiting events one sequencer transaction appends.
const SEQUENCE_BATCH: i64 = 2_000;

impl Store {
    /// PostgreSQL: appends every audit event waiting in `audit_pending` to
    /// the chain, oldest first, in batches (each batch: lock the waiting rows
    /// and the head, append, delete them, commit). Every reader of the trail
    /// calls this first, so what was committed is what is read. Several app
    /// servers may run it at once: waiting rows another has locked are left
    /// to it. SQLite appends inside each write, so there is nothing to do.
    pub async fn settle_audit(&self) -> Result<()> {
        let Db::Postgres(_) = &self.db else {
            return Ok(());
        };
        let _one = self.shared.sequencer.lock().await;
        loop {
            let mut tx = self.begin().await?;
            let crate::TxInner::Postgres(t) = &mut tx.inner else {
                return Ok(());
            };
            // This commit need not wait for the disk: every event in it was
            // made durable in `audit_pending` by the write that recorded it,
            // and is deleted there only by this same transaction: lost in a
            // crash, the pass is simply made again from the rows still
            // waiting. The log is written in order, so any later durable
            // commit makes this one durable too. Writers no longer wait on
            // the disk for a second commit per batch.
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut **t)
                .await?;
            let rows: Vec<PendingRow> = sqlx::query_as(&format!(
                "SELECT id, {PENDING_COLUMNS} FROM audit_pending ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
            ))
            .bind(SEQUENCE_BATCH)
            .fetch_all(&mut **t)
            .await?;
            if rows.is_empty() {
                return Ok(());
            }
            let full = rows.len() as i64 == SEQUENCE_BATCH;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            sqlx::query("DELETE FROM audit_pending WHERE id = ANY($1)")
                .bind(&ids)
                .execute(&mut **t)
                .await?;
            tx.pending = rows
                .into_iter()
                .map(|r| NewAuditEvent {
                    id: r.event_id,
                    at: r.at,
                    actor_id: r.actor_id,
                    actor_name: r.actor_name,
                    actor_role: r.actor_role,
                    action: r.action,
                    subject_type: r.subject_type,
                    subject_id: r.subject_id,
                    outcome: r.outcome,
                    reason: r.reason,
                    request_id: r.request_id,
                    detail: r.detail,
                })
                .collect();
            tx.append_to_chain().await?;
            tx.commit().await?;
            if !full {
                return Ok(());
            }
        }
    }

    /// Schedules a sequencer pass in the background (PostgreSQL), unless one
    /// is scheduled and has not started yet: that one will see these events.
    pub(crate) fn chain_soon(&self) {
        use std::sync::atomic::Ordering;
        if self.shared.chain_scheduled.swap(true, Ordering::SeqCst) {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            // A moment's wait gathers the events of writes arriving together
            // into one pass; readers never wait for it (they settle first).
            tokio::time::sleep(SEQUENCE_DELAY).await;
            // Cleared before reading, so events committed from now on
            // schedule another pass.
            store.shared.chain_scheduled.store(false, Ordering::SeqCst);
            if let Err(e) = store.settle_audit().await {
                tracing::warn!(error = %e, "audit events wait to join the chain: the next reader or write retries");
            }
        });
    }
}

pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every event is in place and the chain is unbroken.
    Intact {
        /// How many events were checked.
        events: i64,
    },
    /// The chain breaks at this event.
    Broken {
        /// The sequence number of the first event that fails.
        seq: i64,
        /// The id of that event, when it exists.
        id: Option<String>,
        /// What is wrong.
        reason: String,
    },
}

/// Filters for listing events.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only events about this subject id.
    pub subject_id: Option<String>,
    /// Only events by this user id.
    pub actor_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
}

impl Store {
    /// The chain's head: the last event's sequence number and hash (0 and
    /// [`GENESIS`] before the first event).
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        self.settle_audit().await?;
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1"
        )
        .fetch_one(p)
        .await)?)
    }

    /// The stored hash of event `seq` ([`GENESIS`] for 0), if it exists.
    pub async fn audit_hash_at(&self, seq: i64) -> Result<Option<String>> {
        self.settle_audit().await?;
        if seq == 0 {
            return Ok(Some(GENESIS.to_string()));
        }
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT hash FROM audit_events WHERE seq = $1"
        )
        .bind(seq)
        .fetch_optional(p)
        .await)?)
    }

    /// Recomputes every event's hash and the head from the stored fields,
    /// as someone who can write the database could (for tests that show the
    /// anchor catching it; the triggers must be dropped first).
    #[cfg(feature = "testing")]
    pub async fn rewrite_audit_chain(&self) -> Result<()> {
        let sql = format!("SELECT {COLUMNS} FROM audit_events ORDER BY seq");
        let rows: Vec<AuditEvent> = on_db!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?;
        let mut prev = GENESIS.to_string();
        for row in rows {
            let hash = chain_hash(row.seq, &row.as_new(), &prev);
            on_db!(self, |p| sqlx::query(
                "UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3"
            )
            .bind(&prev)
            .bind(&hash)
            .bind(row.seq)
            .execute(p)
            .await
            .map(|_| ()))?;
            on_db!(self, |p| sqlx::query(
                "UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1"
            )
            .bind(row.seq)
            .bind(&hash)
            .execute(p)
            .await
            .map(|_| ()))?;
            prev = hash;
        }
        Ok(())
    }

    /// Walks the whole chain in order and checks every link.
    pub async fn verify_audit(&self) -> Result<Verification> {
        self.settle_audit().await?;
        let mut expected_seq = 1_i64;
        let mut prev = GENESIS.to_string();
        let batch = 2000_i64;
        let sql =
            format!("SELECT {COLUMNS} FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2");
        loop {
            let rows: Vec<AuditEvent> = on_db!(self, |p| sqlx::query_as(&sql)
                .bind(expected_seq)
                .bind(batch)
                .fetch_all(p)
                .await)?;
            let n = rows.len() as i64;
            for row in rows {
                if row.seq != expected_seq {
                    return Ok(Verification::Broken {
                        seq: expected_seq,
                        id: None,
                        reason: format!(
                            "event {expected_seq} is missing: the chain jumps from {} to {}",
                            expected_seq - 1,
                            row.seq
                        ),
                    });
                }
                if row.prev_hash != prev {
                    return Ok(Verification::Broken {
                        seq: row.seq,
                        id: Some(row.id.clone()),
                        reason: format!(
                            "event {} does not follow event {}: an event was removed, replaced or reordered",
                            row.seq,
                            row.seq - 1
                        ),
                    });
                }
                if chain_hash(row.seq, &row.as_new(), &row.prev_hash) != row.hash {
                    return Ok(Verification::Broken {
                        seq: row.seq,
                        id: Some(row.id.clone()),
                        reason: format!("event {} was changed after it was written", row.seq),
                    });
                }
                prev = row.hash;
                expected_seq += 1;
            }
            if n < batch {
                break;
            }
        }
        let last = expected_seq - 1;
        let (head_seq, head_hash): (i64, String) = on_db!(self, |p| sqlx::query_as(
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1"
        )
        .fetch_one(p)
        .await)?;
        if head_seq != last || head_hash != prev {
            return Ok(Verification::Broken {
                seq: last + 1,
                id: None,
                reason: format!(
                    "the chain ends at event {last} but {head_seq} events were written: events were removed from the end"
                ),
            });
        }
        Ok(Verification::Intact { events: last })
    }

    /// Every event about a person — their record, enquiries about them,
    /// concerns naming them, and searches that listed them — oldest first,
    /// with the agency of whoever acted.
    pub async fn audit_about_person(
        &self,
        person_id: &str,
        limit: i64,
    ) -> Result<Vec<PersonAuditRow>> {
        self.settle_audit().await?;
        let like = format!("%{person_id}%");
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT e.seq, e.at, e.actor_name, e.actor_role, a.name AS agency_name, u.display_name, \
             e.action, e.subject_type, e.outcome, e.reason, e.request_id FROM audit_events e \
             LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN agencies a ON a.id = u.agency_id \
             WHERE (e.subject_type = 'person' AND e.subject_id = $1) \
             OR (e.subject_type = 'enquiry' AND e.subject_id IN (SELECT id FROM enquiries WHERE person_id = $1)) \
             OR (e.subject_type = 'concern' AND e.subject_id IN (SELECT concern_id FROM concern_adults WHERE person_id = $1)) \
             OR (e.subject_type = 'person' AND e.subject_id IS NULL AND e.action = 'search' AND e.detail LIKE $2) \
             ORDER BY e.seq LIMIT $3"
        )
        .bind(person_id)
        .bind(&like)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }

    /// Users who opened at least `threshold` different case records
    /// (people or enquiries) within one clock hour since `since` (ms):
    /// (user id, username, hour start in ms, how many), most first.
    pub async fn access_bursts(
        &self,
        since: i64,
        threshold: i64,
    ) -> Result<Vec<(Option<String>, String, i64, i64)>> {
        self.settle_audit().await?;
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT actor_id, actor_name, (at / 3600000) * 3600000 AS hour, COUNT(DISTINCT subject_id) AS n \
             FROM audit_events WHERE at >= $1 AND action = 'view' AND outcome = 'success' \
             AND subject_type IN ('person', 'enquiry') AND subject_id IS NOT NULL \
             GROUP BY actor_id, actor_name, (at / 3600000) * 3600000 \
             HAVING COUNT(DISTINCT subject_id) >= $2 ORDER BY n DESC, hour DESC LIMIT 50"
        )
        .bind(since)
        .bind(threshold)
        .fetch_all(p)
        .await
        })?)
    }

    /// Per user since `since` (ms): how many times they were refused a case
    /// record, and how many emergency openings they made, with when each
    /// last happened; busiest first.
    pub async fn access_outside(&self, since: i64) -> Result<Vec<AccessOutsideRow>> {
        self.settle_audit().await?;
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT actor_id, actor_name, \
             SUM(CASE WHEN outcome = 'denied' THEN 1 ELSE 0 END) AS refused, \
             SUM(CASE WHEN action = 'break_glass' AND outcome = 'success' THEN 1 ELSE 0 END) AS glass, \
             MAX(CASE WHEN outcome = 'denied' THEN at END) AS refused_last, \
             MAX(CASE WHEN action = 'break_glass' AND outcome = 'success' THEN at END) AS glass_last \
             FROM audit_events WHERE at >= $1 AND subject_type IN ('person', 'enquiry', 'concern') \
             AND subject_id IS NOT NULL AND (outcome = 'denied' OR action = 'break_glass') \
             GROUP BY actor_id, actor_name ORDER BY glass DESC, refused DESC LIMIT 100"
        )
        .bind(since)
        .fetch_all(p)
        .await
        })?)
    }

    /// The most recent events matching `filter`, newest first.
    pub async fn list_audit(&self, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditEvent>> {
        self.settle_audit().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_events \
             WHERE ($1 IS NULL OR subject_id = $1) AND ($2 IS NULL OR actor_id = $2) AND ($3 IS NULL OR action = $3) \
             ORDER BY seq DESC LIMIT $4"
        );
        let rows = on_db!(self, |p| sqlx::query_as(&sql)
            .bind(&filter.subject_id)
            .bind(&filter.actor_id)
            .bind(&filter.action)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_every_field_and_the_previous_hash() {
        let e = NewAuditEvent {
            id: "a".into(),
            action: "view".into(),
            ..Default::default()
        };
        let h = chain_hash(1, &e, GENESIS);
        assert_eq!(h.len(), 64);
        assert_ne!(h, chain_hash(2, &e, GENESIS));
        assert_ne!(h, chain_hash(1, &e, &h));
        let mut e2 = e.clone();
        e2.detail = Some(String::new());
        assert_ne!(
            h,
            chain_hash(1, &e2, GENESIS),
            "None and Some(\"\") must differ"
        );
    }

    /// The chain's hash as first written (each field copied, the digest
    /// formatted a byte at a time): chains already kept were made with it,
    /// so the hash may change how it works, never what it gives.
    fn hash_as_first_written(seq: i64, e: &NewAuditEvent, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        let mut field = |s: &str| {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        };
        let opt = |o: &Option<String>| {
            o.clone()
                .map(|s| format!("+{s}"))
                .unwrap_or_else(|| "-".into())
        };
        field("safeguard-audit-v1");
        field(&seq.to_string());
        field(&e.id);
        field(&e.at.to_string());
        field(&opt(&e.actor_id));
        field(&e.actor_name);
        field(&e.actor_role);
        field(&e.action);
        field(&e.subject_type);
        field(&opt(&e.subject_id));
        field(&e.outcome);
        field(&opt(&e.reason));
        field(&opt(&e.request_id));
        field(&opt(&e.detail));
        field(prev_hash);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hashes_are_those_of_chains_already_kept() {
        let texts = [
            None,
            Some(""),
            Some("+"),
            Some("-x"),
            Some("Zoë said \"no\""),
        ];
        let mut prev = GENESIS.to_string();
        let mut n = 0_i64;
        for actor in texts {
            for subject in texts {
                for rest in texts {
                    let e = NewAuditEvent {
                        id: format!("0190-{n}"),
                        at: 1_780_000_000_000 + n,
                        actor_id: actor.map(Into::into),
                        actor_name: actor.unwrap_or("Pat").into(),
                        actor_role: "practitioner".into(),
                        action: "view".into(),
                        subject_type: "person".into(),
                        subject_id: subject.map(Into::into),
                        outcome: "success".into(),
                        reason: rest.map(Into::into),
                        request_id: subject.map(Into::into),
                        detail: rest.map(|r| format!("{r}{n}")),
                    };
                    let h = chain_hash(n - 3, &e, &prev);
                    assert_eq!(h, hash_as_first_written(n - 3, &e, &prev), "{e:?}");
                    prev = h;
                    n += 1;
                }
            }
        }
        assert_eq!(n, 125);
    }

    #[test]
    fn hex_is_two_lowercase_digits_a_byte() {
        assert_eq!(crate::hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
        assert_eq!(crate::hex(&[]), "");
        // The same digits the formatter gives, for every byte.
        let all: Vec<u8> = (0..=255).collect();
        let formatted: String = all.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(crate::hex(&all), formatted);
    }
}

/// One user's refusals and emergency openings in a window.
#[derive(Clone, Debug, sqlx::FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AccessOutsideRow {
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub refused: i64,
    pub glass: i64,
    /// When the last refusal was (ms).
    pub refused_last: Option<i64>,
    /// When the last emergency opening was (ms).
    pub glass_last: Option<i64>,
}
