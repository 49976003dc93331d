//! PostgreSQL connections kept between the hottest reads (see `on_warm!`).
//!
//! sqlx checks every connection handed back to its pool: on PostgreSQL a
//! round trip to the server after every statement. The person page makes
//! three short reads (session, access facts, page), so half of its round
//! trips were those checks. A connection kept here after a statement that
//! succeeded is handed to the next hot read as it is. A few are kept at
//! most (the pool has as many more, so other reads have their usual
//! number); one kept longer than [`CHECK_IF_IDLE_FOR`] goes back to the
//! pool at the next hot read, and the pool checks it before handing it out
//! again, as it checks any connection idle that long. The pool counts the
//! kept ones as lent, and closing it waits for every lent connection, so
//! `Store::close` hands them back first.
//!
//! SQLite's check is a trip to the connection's own thread in this
//! process; keeping its connections the same way made the page faster on
//! average but slower at the 99th percentile (reads that found none kept
//! waited in the pool's queue while later ones took the kept ones); SQLite's
//! hot reads run on the asking thread instead (the `inline` module).

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

use crate::CHECK_IF_IDLE_FOR;

/// Idle connections, in the order they came back.
type Idle = Mutex<Vec<(PoolConnection<Postgres>, Instant)>>;

/// The connections a pool keeps between hot reads, at most `keep`: a hot
/// read takes the one kept last if there is one, and otherwise one from
/// the pool as any read does.
pub(crate) struct Warm {
    keep: usize,
    idle: Idle,
}

impl std::fmt::Debug for Warm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warm").field("keep", &self.keep).finish()
    }
}

/// A connection dropped outside a Tokio runtime (a store dropped after its
/// runtime ended) cannot go back to its pool, which returns connections on
/// a task of their own: it is closed instead.
impl Drop for Warm {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            self.take_all().into_iter().for_each(|c| drop(c.detach()));
        }
    }
}

impl Warm {
    /// Keeps at most `keep` connections (none: every read goes to the pool).
    pub(crate) fn new(keep: usize) -> Warm {
        Warm {
            keep,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// A kept connection, or one from the pool.
    pub(crate) async fn take(
        &self,
        pool: &PgPool,
    ) -> Result<PoolConnection<Postgres>, sqlx::Error> {
        match self.fresh() {
            Some(c) => Ok(c),
            None => pool.acquire().await,
        }
    }

    /// The connection kept last. Those kept longer than the window go back
    /// to the pool first (dropped: sqlx checks each on its return), so none
    /// stays out of the pool long when the hottest reads need fewer.
    fn fresh(&self) -> Option<PoolConnection<Postgres>> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // In the order they came back: the stale ones come first.
        let fresh = idle
            .iter()
            .position(|(_, at)| at.elapsed() <= CHECK_IF_IDLE_FOR)
            .unwrap_or(idle.len());
        let stale: Vec<_> = idle.drain(..fresh).collect();
        let found = idle.pop().map(|(c, _)| c);
        drop(idle);
        drop(stale);
        found
    }

    /// Keeps a connection after a statement that succeeded, or hands it
    /// back to the pool if as many are kept as may be. Dropped instead (the
    /// statement failed, or the request went away mid-statement), a
    /// connection goes back to its pool, which checks it.
    pub(crate) fn keep(&self, c: PoolConnection<Postgres>) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.keep {
            idle.push((c, Instant::now()));
        } else {
            drop(idle);
            drop(c);
        }
    }

    /// How many connections are kept now (for the contract tests).
    #[cfg(feature = "testing")]
    pub(crate) fn kept(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Every kept connection, taken out (for tests that hold a whole pool,
    /// and to close them).
    pub(crate) fn take_all(&self) -> Vec<PoolConnection<Postgres>> {
        std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner))
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }
}
