//! Reflective practice: a worker's reflective log.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// A reflection.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ReflectionRow {
    pub id: String,
    pub user_id: String,
    /// `YYYY-MM-DD`.
    pub written_on: String,
    pub title: String,
    pub what_happened: String,
    pub learned: String,
    pub will_change: String,
    pub principle: Option<String>,
    pub enquiry_id: Option<String>,
    pub peer_id: Option<String>,
    pub hours_tenths: i64,
    /// Whoever oversees the worker may read it, not only their supervisor.
    pub shared: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, user_id, written_on, title, what_happened, learned, will_change, principle, \
    enquiry_id, peer_id, hours_tenths, shared, created_at";

impl Store {
    /// A worker's reflections, newest first.
    pub async fn reflections(&self, user_id: &str) -> Result<Vec<ReflectionRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM reflections WHERE user_id = $1 ORDER BY written_on DESC, created_at DESC"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(p)
            .await)?)
    }
}

impl Tx {
    /// Adds a reflection.
    pub async fn insert_reflection(&mut self, r: &ReflectionRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO reflections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(&r.id)
            .bind(&r.user_id)
            .bind(&r.written_on)
            .bind(&r.title)
            .bind(&r.what_happened)
            .bind(&r.learned)
            .bind(&r.will_change)
            .bind(&r.principle)
            .bind(&r.enquiry_id)
            .bind(&r.peer_id)
            .bind(r.hours_tenths)
            .bind(r.shared)
            .bind(r.created_at)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
