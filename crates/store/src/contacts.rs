//! Contacts and case notes, and the worker's curation of the chronology.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// A contact or case note.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ContactRow {
    pub id: String,
    pub person_id: String,
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub with_person: bool,
    pub others: Option<String>,
    /// What the person said, in their own words.
    pub person_words: Option<String>,
    pub note: String,
    /// The chronology entry it made.
    pub chronology_id: String,
    pub recorded_by: String,
    pub recorded_by_name: String,
    pub recorded_at: i64,
}

const COLUMNS: &str = "id, person_id, kind, held_on, with_person, others, person_words, note, \
    chronology_id, recorded_by, recorded_by_name, recorded_at";

impl Store {
    /// A person's contacts and case notes, newest first.
    pub async fn contacts(&self, person_id: &str) -> Result<Vec<ContactRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM contacts WHERE person_id = $1 ORDER BY held_on DESC, recorded_at DESC"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(person_id)
            .fetch_all(p)
            .await)?)
    }
}

impl Tx {
    /// Records a contact or case note.
    pub async fn insert_contact(&mut self, c: &ContactRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO contacts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        on_tx!(self, |x| sqlx::query(&sql)
            .bind(&c.id)
            .bind(&c.person_id)
            .bind(&c.kind)
            .bind(&c.held_on)
            .bind(c.with_person)
            .bind(&c.others)
            .bind(&c.person_words)
            .bind(&c.note)
            .bind(&c.chronology_id)
            .bind(&c.recorded_by)
            .bind(&c.recorded_by_name)
            .bind(c.recorded_at)
            .execute(&mut *x)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Marks one of a person's chronology entries significant (with the
    /// analysis) or not; false when the person has no such entry.
    pub async fn set_significance(
        &mut self,
        person_id: &str,
        entry_id: &str,
        significant: bool,
        analysis: Option<&str>,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| {
            sqlx::query(
            "UPDATE chronology SET significant = $3, analysis = $4 WHERE id = $2 AND person_id = $1"
        )
        .bind(person_id)
        .bind(entry_id)
        .bind(significant)
        .bind(analysis)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}
