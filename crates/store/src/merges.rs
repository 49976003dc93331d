//! Merged records: the rows that move from one record to the other, and the
//! merge itself, kept so that it can be undone exactly.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// The rows a merge moved from the record merged away to the one kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    /// Concerns naming the person: (concern id, position).
    pub concern_adults: Vec<(String, i64)>,
    /// Enquiries.
    pub enquiries: Vec<String>,
    /// Chronology entries.
    pub chronology: Vec<String>,
    /// Information shares.
    pub shares: Vec<String>,
    /// Emergency openings.
    pub break_glass: Vec<String>,
    /// Contacts and case notes.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// Allegations naming the person as having caused harm.
    #[serde(default)]
    pub alleged: Vec<String>,
    /// Attachments of the person's record and enquiries (by id).
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Suspected-duplicate pairs closed as merged.
    pub pairs: Vec<String>,
    /// The merged record's restriction was copied to the kept one.
    pub restriction_copied: bool,
}

/// A merge.
#[derive(Clone, Debug, FromRow, PartialEq, Eq, serde::Deserialize)]
#[allow(missing_docs)]
pub struct MergeRow {
    pub id: String,
    pub kept_id: String,
    pub merged_id: String,
    /// The kept record's version the merge left (undo needs it unchanged).
    pub kept_version_after: i64,
    /// The kept record before the merge (JSON of its raw details).
    pub kept_before: String,
    /// The merged-away record before the merge (JSON).
    pub merged_before: String,
    /// Codes of the parts taken from the merged-away record, comma-separated.
    pub taken_from_merged: String,
    /// JSON of [`Moved`].
    pub moved: String,
    pub merged_at: i64,
    pub merged_by: String,
    pub undone_at: Option<i64>,
    pub undone_by: Option<String>,
}

pub(crate) const COLUMNS: &str = "id, kept_id, merged_id, kept_version_after, kept_before, merged_before, \
    taken_from_merged, moved, merged_at, merged_by, undone_at, undone_by";

/// (table, id column) of rows that belong to a person by `person_id`.
const BY_ID: [(&str, &str); 6] = [
    ("enquiries", "id"),
    ("chronology", "id"),
    ("information_shares", "id"),
    ("break_glass", "id"),
    ("contacts", "id"),
    ("alleged_persons", "id"),
];

impl Store {
    /// The record a merged-away record now points at, if it was merged.
    pub async fn merged_into(&self, person_id: &str) -> Result<Option<String>> {
        let v: Option<Option<String>> = on_db!(self, |p| sqlx::query_scalar(
            "SELECT merged_into FROM people WHERE id = $1"
        )
        .bind(person_id)
        .fetch_optional(p)
        .await)?;
        Ok(v.flatten())
    }

    /// One merge.
    pub async fn merge(&self, id: &str) -> Result<Option<MergeRow>> {
        let sql = format!("SELECT {COLUMNS} FROM person_merges WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// The merges into a record, newest first.
    pub async fn merges_into(&self, kept_id: &str) -> Result<Vec<MergeRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM person_merges WHERE kept_id = $1 ORDER BY merged_at DESC, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(kept_id)
            .fetch_all(p)
            .await)?)
    }
}

impl Tx {
    /// Whether one concern names both people (they cannot then be merged:
    /// a concern names a person once).
    pub async fn share_a_concern(&mut self, a: &str, b: &str) -> Result<bool> {
        let n: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM concern_adults x JOIN concern_adults y ON y.concern_id = x.concern_id \
             WHERE x.person_id = $1 AND y.person_id = $2"
        )
        .bind(a)
        .bind(b)
        .fetch_one(&mut *c)
        .await
        })?;
        Ok(n > 0)
    }

    /// Moves every row of `from`'s case to `to`; returns what moved.
    pub async fn move_case(&mut self, from: &str, to: &str) -> Result<Moved> {
        let mut moved = Moved {
            concern_adults: on_tx!(self, |c| {
                sqlx::query_as(
                "SELECT concern_id, CAST(position AS BIGINT) FROM concern_adults WHERE person_id = $1 \
                 ORDER BY concern_id, position"
            )
            .bind(from)
            .fetch_all(&mut *c)
            .await
            })?,
            ..Moved::default()
        };
        for (table, id) in BY_ID {
            let sql = format!("SELECT {id} FROM {table} WHERE person_id = $1 ORDER BY {id}");
            let ids: Vec<String> = on_tx!(self, |c| sqlx::query_scalar(&sql)
                .bind(from)
                .fetch_all(&mut *c)
                .await)?;
            match table {
                "enquiries" => moved.enquiries = ids,
                "chronology" => moved.chronology = ids,
                "information_shares" => moved.shares = ids,
                "contacts" => moved.contacts = ids,
                "alleged_persons" => moved.alleged = ids,
                _ => moved.break_glass = ids,
            }
        }
        moved.attachments = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM attachments WHERE person_id = $1 ORDER BY id"
        )
        .bind(from)
        .fetch_all(&mut *c)
        .await)?;
        // A record's own attachments follow it; its enquiries' keep their
        // enquiry and take the kept person.
        on_tx!(self, |c| sqlx::query(
            "UPDATE attachments SET owner_id = $2 WHERE owner_kind = 'person' AND owner_id = $1"
        )
        .bind(from)
        .bind(to)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        for table in [
            "attachments",
            "concern_adults",
            "enquiries",
            "chronology",
            "information_shares",
            "break_glass",
            "contacts",
            "alleged_persons",
        ] {
            let sql = format!("UPDATE {table} SET person_id = $2 WHERE person_id = $1");
            on_tx!(self, |c| sqlx::query(&sql)
                .bind(from)
                .bind(to)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
        }
        Ok(moved)
    }

    /// Puts the rows a merge moved back on `to` (the record merged away).
    pub async fn move_back(&mut self, moved: &Moved, to: &str) -> Result<()> {
        for (concern, position) in &moved.concern_adults {
            on_tx!(self, |c| sqlx::query(
                "UPDATE concern_adults SET person_id = $3 WHERE concern_id = $1 AND position = $2"
            )
            .bind(concern)
            .bind(*position as i32)
            .bind(to)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        for ((table, id), ids) in BY_ID.iter().zip([
            &moved.enquiries,
            &moved.chronology,
            &moved.shares,
            &moved.break_glass,
            &moved.contacts,
            &moved.alleged,
        ]) {
            let sql = format!("UPDATE {table} SET person_id = $2 WHERE {id} = $1");
            for row in ids {
                on_tx!(self, |c| sqlx::query(&sql)
                    .bind(row)
                    .bind(to)
                    .execute(&mut *c)
                    .await
                    .map(|_| ()))?;
            }
        }
        for row in &moved.attachments {
            on_tx!(self, |c| sqlx::query(
                "UPDATE attachments SET person_id = $2, \
                 owner_id = CASE WHEN owner_kind = 'person' THEN $2 ELSE owner_id END WHERE id = $1"
            )
            .bind(row)
            .bind(to)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Marks a record as merged into another (or, with `None`, not).
    pub async fn set_merged_into(&mut self, id: &str, into: Option<&str>) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE people SET merged_into = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(into)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Copies `from`'s restriction and access list to `to`, if `from` is
    /// restricted and `to` is not; true if it did.
    pub async fn copy_restriction(&mut self, from: &str, to: &str) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO person_restrictions (person_id, reason, contact, restricted_by, restricted_at) \
             SELECT $2, reason, contact, restricted_by, restricted_at FROM person_restrictions \
             WHERE person_id = $1 AND NOT EXISTS (SELECT 1 FROM person_restrictions WHERE person_id = $2)"
        )
        .bind(from)
        .bind(to)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Ok(false);
        }
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO restriction_access (person_id, user_id, added_by, added_at) \
             SELECT $2, user_id, added_by, added_at FROM restriction_access WHERE person_id = $1"
        )
        .bind(from)
        .bind(to)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(true)
    }

    /// Removes a record's restriction (and its access list).
    pub async fn drop_restriction(&mut self, person_id: &str) -> Result<()> {
        for sql in [
            "DELETE FROM restriction_access WHERE person_id = $1",
            "DELETE FROM person_restrictions WHERE person_id = $1",
        ] {
            on_tx!(self, |c| sqlx::query(sql)
                .bind(person_id)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// Closes the open suspected-duplicate pairs that involve `merged` as
    /// merged; returns their ids.
    pub async fn close_pairs_as_merged(
        &mut self,
        merged: &str,
        by: &str,
        at: i64,
    ) -> Result<Vec<String>> {
        let ids: Vec<String> = on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT id FROM suspected_duplicates WHERE state = 'open' AND (person_id = $1 OR other_id = $1) \
             ORDER BY id"
        )
        .bind(merged)
        .fetch_all(&mut *c)
        .await
        })?;
        for id in &ids {
            self.decide_duplicate(id, "merged", by, at).await?;
        }
        Ok(ids)
    }

    /// Opens pairs again (a merge undone).
    pub async fn reopen_pairs(&mut self, ids: &[String]) -> Result<()> {
        for id in ids {
            on_tx!(self, |c| {
                sqlx::query(
                "UPDATE suspected_duplicates SET state = 'open', decided_by = NULL, decided_at = NULL \
                 WHERE id = $1 AND state = 'merged'"
            )
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Records a merge.
    pub async fn insert_merge(&mut self, m: &MergeRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO person_merges ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(&m.id)
            .bind(&m.kept_id)
            .bind(&m.merged_id)
            .bind(m.kept_version_after)
            .bind(&m.kept_before)
            .bind(&m.merged_before)
            .bind(&m.taken_from_merged)
            .bind(&m.moved)
            .bind(m.merged_at)
            .bind(&m.merged_by)
            .bind(m.undone_at)
            .bind(&m.undone_by)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Marks a merge undone; false if it already was.
    pub async fn mark_merge_undone(&mut self, id: &str, by: &str, at: i64) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE person_merges SET undone_at = $3, undone_by = $2 WHERE id = $1 AND undone_at IS NULL"
        )
        .bind(id)
        .bind(by)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}
