//! Attachments: the rows that say what each file kept with a record is,
//! whose record it belongs to and where its virus scan stands. The files
//! themselves are in the object store, not the database.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// An attachment's row.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AttachmentRow {
    pub id: String,
    /// `person`, `concern` or `enquiry`.
    pub owner_kind: String,
    pub owner_id: String,
    /// The person it is about, when known.
    pub person_id: Option<String>,
    pub filename: String,
    /// From its first bytes.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the original, in hex.
    pub sha256: String,
    pub description: Option<String>,
    /// `quarantined`, `released` or `infected`.
    pub status: String,
    /// What the scanner said (a signature's name when infected).
    pub scan_result: Option<String>,
    pub scanned_at: Option<i64>,
    pub uploaded_by: String,
    pub uploaded_by_name: String,
    pub uploaded_at: i64,
}

const COLUMNS: &str = "id, owner_kind, owner_id, person_id, filename, content_type, size_bytes, \
    sha256, description, status, scan_result, scanned_at, uploaded_by, uploaded_by_name, uploaded_at";

/// The attachments a person's case file holds: their record's own, their
/// enquiries', and those of concerns that name them and no other adult (as
/// [`Tx::dispose_person`] counts them).
pub(crate) const OF_CASE_FILE: &str = "(owner_kind = 'person' AND owner_id = $1) \
    OR (owner_kind = 'enquiry' AND owner_id IN (SELECT id FROM enquiries WHERE person_id = $1)) \
    OR (owner_kind = 'concern' AND owner_id IN (SELECT ca.concern_id FROM concern_adults ca \
        WHERE ca.person_id = $1 AND NOT EXISTS (SELECT 1 FROM concern_adults o \
        WHERE o.concern_id = ca.concern_id AND (o.person_id IS NULL OR o.person_id <> $1))))";

impl Store {
    /// One attachment's row.
    pub async fn attachment(&self, id: &str) -> Result<Option<AttachmentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM attachments WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// The attachments of one record (`person`, `concern` or `enquiry`),
    /// oldest first.
    pub async fn attachments_of(&self, kind: &str, owner_id: &str) -> Result<Vec<AttachmentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE owner_kind = $1 AND owner_id = $2 \
             ORDER BY uploaded_at, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(kind)
            .bind(owner_id)
            .fetch_all(p)
            .await)?)
    }

    /// Every attachment of a person's case file (their record's, their
    /// enquiries' and their own concerns'), oldest first: for a subject
    /// access copy.
    pub async fn attachments_of_case_file(&self, person_id: &str) -> Result<Vec<AttachmentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE {OF_CASE_FILE} ORDER BY uploaded_at, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(person_id)
            .fetch_all(p)
            .await)?)
    }

    /// Attachments still waiting for a virus scan, oldest first.
    pub async fn quarantined_attachments(&self, limit: i64) -> Result<Vec<AttachmentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE status = 'quarantined' \
             ORDER BY uploaded_at, id LIMIT $1"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// How many attachments there are in each status (`quarantined`,
    /// `released`, `infected`), for operators' monitoring.
    pub async fn attachments_by_status(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT status, COUNT(*) FROM attachments GROUP BY status ORDER BY status"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Every attachment (id, status, size, SHA-256), oldest first: what a
    /// backup lists, so the object store's copy can be checked against it.
    pub async fn attachment_manifest(&self) -> Result<Vec<(String, String, i64, String)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, status, size_bytes, sha256 FROM attachments ORDER BY uploaded_at, id"
        )
        .fetch_all(p)
        .await)?)
    }
}

impl Tx {
    /// Records a new attachment (in quarantine).
    pub async fn insert_attachment(&mut self, a: &AttachmentRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO attachments ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        );
        on_tx!(self, |x| sqlx::query(&sql)
            .bind(&a.id)
            .bind(&a.owner_kind)
            .bind(&a.owner_id)
            .bind(&a.person_id)
            .bind(&a.filename)
            .bind(&a.content_type)
            .bind(a.size_bytes)
            .bind(&a.sha256)
            .bind(&a.description)
            .bind(&a.status)
            .bind(&a.scan_result)
            .bind(a.scanned_at)
            .bind(&a.uploaded_by)
            .bind(&a.uploaded_by_name)
            .bind(a.uploaded_at)
            .execute(&mut *x)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Records a quarantined attachment's scan: `released` or `infected`.
    /// False when it was not in quarantine (scanned already).
    pub async fn set_attachment_scan(
        &mut self,
        id: &str,
        status: &str,
        result: &str,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| sqlx::query(
            "UPDATE attachments SET status = $2, scan_result = $3, scanned_at = $4 \
             WHERE id = $1 AND status = 'quarantined'"
        )
        .bind(id)
        .bind(status)
        .bind(result)
        .bind(at)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The ids of a person's case file's attachments, read before
    /// [`Tx::dispose_person`] deletes their rows, so their files can go too.
    pub async fn case_file_attachments(&mut self, person_id: &str) -> Result<Vec<String>> {
        let sql = format!("SELECT id FROM attachments WHERE {OF_CASE_FILE}");
        Ok(on_tx!(self, |x| sqlx::query_scalar(&sql)
            .bind(person_id)
            .fetch_all(&mut *x)
            .await)?)
    }

    /// The ids of a concern's attachments, read before
    /// [`Tx::dispose_concern`] deletes their rows.
    pub async fn concern_attachments(&mut self, concern_id: &str) -> Result<Vec<String>> {
        Ok(on_tx!(self, |x| sqlx::query_scalar(
            "SELECT id FROM attachments WHERE owner_kind = 'concern' AND owner_id = $1"
        )
        .bind(concern_id)
        .fetch_all(&mut *x)
        .await)?)
    }
}
