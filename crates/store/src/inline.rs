//! SQLite's hottest reads, run on the request's own thread.
//!
//! sqlx runs each SQLite connection on a thread of its own: a statement is
//! a message to that thread and its rows a message back, each a wake-up,
//! and the pool checks every connection handed back to it with one more
//! such trip. A profile of the person page at 32 clients put about 30 %
//! of the machine in the kernel switching between those threads, where
//! SQLite running the statements was under 4 %. The three reads every record view
//! makes (the session and its user, the record's access facts, the page)
//! run here instead: on a connection of this module's own, directly on
//! the thread that asked, with no trip and no check. Each is a lookup by
//! key over indexes, tens of microseconds, so the thread it runs on is
//! held no longer than a trip to another thread would have taken.
//!
//! A read that finds the database busy (a writer restoring the log after a
//! crash, say) does not wait here, holding the thread: it is given back
//! (`None`) and made through the pool as any other read. A connection that
//! failed a statement is closed, not kept.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

/// How many connections are kept: reads here never wait, so at most one
/// runs on each thread at a time, and the server has a thread a core.
const KEEP: usize = 8;

/// How long a read waits for a lock before it is handed to the pool.
const BUSY_WAIT: Duration = Duration::from_millis(20);

/// Connections to one SQLite file for reads made on the asking thread.
pub(crate) struct Inline {
    path: PathBuf,
    cache_kib: u64,
    statement_timeout: Option<Duration>,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Inline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inline").field("path", &self.path).finish()
    }
}

impl Inline {
    /// Reads `path` with the pool's page cache of `cache_kib` per
    /// connection, each statement stopped after `statement_timeout` as the
    /// pool's are.
    pub(crate) fn new(path: PathBuf, cache_kib: u64, statement_timeout: Option<Duration>) -> Self {
        Inline {
            path,
            cache_kib,
            statement_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on a kept connection (one is opened when none is idle).
    /// `None` when the database was busy or a connection could not be
    /// opened: the caller reads through the pool instead.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Option<crate::Result<T>> {
        let taken = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match taken {
            Some(c) => c,
            None => match self.open() {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open an SQLite connection for hot reads");
                    return None;
                }
            },
        };
        match read(&conn) {
            Ok(out) => {
                let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
                if idle.len() < KEEP {
                    idle.push(conn);
                }
                Some(Ok(out))
            }
            Err(e) if busy(&e) => None,
            Err(e) => Some(Err(e.into())),
        }
    }

    /// How many connections are kept idle (for tests: whether reads ran here).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn kept(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_WAIT)?;
        // Reads only, with the pool's bounded page cache (SQLite counts a
        // negative size in KiB).
        conn.pragma_update(None, "query_only", true)?;
        conn.pragma_update(None, "cache_size", -(self.cache_kib as i64))?;
        if let Some(limit) = self.statement_timeout {
            let mut within = crate::statement_clock(limit);
            // SQLite stops the statement when this says true.
            conn.progress_handler(100_000, Some(move || !within()));
        }
        Ok(conn)
    }
}

/// Whether `e` says another connection held a lock too long.
fn busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy_error() -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None)
    }

    fn kept(inline: &Inline) -> usize {
        inline.kept()
    }

    #[test]
    fn reads_keep_their_connection_and_busy_or_failed_ones_are_not_kept() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("t.db");
        Connection::open(&path)
            .expect("open")
            .execute_batch(
                "PRAGMA journal_mode = wal; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7)",
            )
            .expect("table");
        let inline = Inline::new(path, 1024, Some(Duration::from_secs(1)));
        let x: i64 = inline
            .read(|c| {
                c.prepare_cached("SELECT x FROM t")?
                    .query_row([], |r| r.get(0))
            })
            .expect("read here")
            .expect("read");
        assert_eq!(x, 7);
        assert_eq!(kept(&inline), 1);
        // A kept connection holds no snapshot of the log between reads, so
        // the log can be copied into the database and emptied whole.
        let other = Connection::open(dir.path().join("t.db")).expect("open");
        other
            .execute("INSERT INTO t VALUES (9)", [])
            .expect("write");
        let (busy, _, _): (i64, i64, i64) = other
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .expect("checkpoint");
        assert_eq!(busy, 0, "no reader held the log");
        other
            .execute("DELETE FROM t WHERE x = 9", [])
            .expect("write");
        // Reads only.
        let write = inline.read(|c| c.execute("INSERT INTO t VALUES (8)", []));
        assert!(matches!(write, Some(Err(crate::StoreError::Sqlite(_)))));
        assert_eq!(kept(&inline), 0, "a connection that failed is closed");
        // Busy: handed back to the caller to read through the pool.
        assert!(inline.read(|_| Err::<(), _>(busy_error())).is_none());
        assert_eq!(kept(&inline), 0);
        let n: i64 = inline
            .read(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)))
            .expect("read here")
            .expect("read");
        assert_eq!(n, 1, "the refused write left nothing");
    }

    #[test]
    fn a_file_that_cannot_be_opened_reads_through_the_pool() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let inline = Inline::new(dir.path().join("no/such/dir/t.db"), 1024, None);
        assert!(inline.read(|_| Ok(())).is_none());
    }
}
