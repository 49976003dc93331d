//! Records suspected to be the same person, kept for a manager's review.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// A pair of records that may be one person.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DuplicateRow {
    pub id: String,
    /// The record made despite the likely match.
    pub person_id: String,
    /// The record it may duplicate.
    pub other_id: String,
    pub score: i64,
    /// The reasons, joined by "; ".
    pub reasons: String,
    pub found_at: i64,
    pub found_by: String,
    /// `open`, `distinct` (two people) or `merged`.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

const COLUMNS: &str =
    "id, person_id, other_id, score, reasons, found_at, found_by, state, decided_by, decided_at";

impl Store {
    /// Pairs still to review, oldest first, at most `limit`.
    pub async fn open_duplicates(&self, limit: i64) -> Result<Vec<DuplicateRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM suspected_duplicates WHERE state = 'open' \
             ORDER BY found_at, id LIMIT $1"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// How many pairs are still to review.
    pub async fn count_open_duplicates(&self) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM suspected_duplicates WHERE state = 'open'"
        )
        .fetch_one(p)
        .await)?)
    }

    /// One pair.
    pub async fn duplicate(&self, id: &str) -> Result<Option<DuplicateRow>> {
        let sql = format!("SELECT {COLUMNS} FROM suspected_duplicates WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }
}

impl Tx {
    /// Records a suspected pair (once: the same pair again is ignored).
    pub async fn insert_duplicate(&mut self, d: &DuplicateRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO suspected_duplicates (id, person_id, other_id, score, reasons, found_at, found_by, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') ON CONFLICT (person_id, other_id) DO NOTHING"
        )
        .bind(&d.id)
        .bind(&d.person_id)
        .bind(&d.other_id)
        .bind(d.score)
        .bind(&d.reasons)
        .bind(d.found_at)
        .bind(&d.found_by)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Closes an open pair as `state` (`distinct` or `merged`); false if it
    /// was not open.
    pub async fn decide_duplicate(
        &mut self,
        id: &str,
        state: &str,
        by: &str,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE suspected_duplicates SET state = $2, decided_by = $3, decided_at = $4 \
             WHERE id = $1 AND state = 'open'"
        )
        .bind(id)
        .bind(state)
        .bind(by)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
