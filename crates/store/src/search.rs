//! The person search index: each record's search keys (see
//! `safeguard_domain::search`) in an inverted index — FTS5 on SQLite, a GIN
//! index over a `tsvector` on PostgreSQL — written with the record in the
//! same transaction, and the lookups a search makes.

use safeguard_domain::search::{KEY_SCHEME, key_text, person_keys};
use sqlx::FromRow;

use crate::{Result, Store, Tx, TxInner, on_db, on_tx};

/// One record as search scores it.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct SearchRecordRow {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<String>,
    pub nhs_number: Option<String>,
    pub postcode: Option<String>,
}

/// A key group query in each backend's syntax: groups joined by AND, the
/// keys in a group by OR; a key ending `*` is a prefix. Keys are the
/// domain's tokens (letters and digits only), quoted all the same.
fn match_expr(groups: &[Vec<String>], postgres: bool) -> String {
    let term = |k: &String| {
        let clean: String = k.chars().filter(char::is_ascii_alphanumeric).collect();
        match (k.ends_with('*'), postgres) {
            (true, true) => format!("{clean}:*"),
            (false, true) => format!("'{clean}'"),
            (true, false) => format!("\"{clean}\"*"),
            (false, false) => format!("\"{clean}\""),
        }
    };
    let (and, or) = if postgres {
        (" & ", " | ")
    } else {
        (" AND ", " OR ")
    };
    groups
        .iter()
        .filter(|g| !g.is_empty())
        .map(|g| format!("({})", g.iter().map(term).collect::<Vec<_>>().join(or)))
        .collect::<Vec<_>>()
        .join(and)
}

impl Store {
    /// Ids of records whose keys meet every group (a group is met by any one
    /// of its keys), at most `limit`.
    pub async fn search_by_keys(&self, groups: &[Vec<String>], limit: i64) -> Result<Vec<String>> {
        if groups.iter().all(Vec::is_empty) {
            return Ok(Vec::new());
        }
        Ok(match &self.db {
            crate::Db::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT i.person_id FROM person_search s JOIN person_search_ids i ON i.seq = s.rowid \
                     WHERE person_search MATCH $1 LIMIT $2",
                )
                .bind(match_expr(groups, false))
                .bind(limit)
                .fetch_all(p)
                .await?
            }
            crate::Db::Postgres(p) => {
                sqlx::query_scalar(
                    "SELECT person_id FROM person_search WHERE keys @@ $1::tsquery LIMIT $2",
                )
                .bind(match_expr(groups, true))
                .bind(limit)
                .fetch_all(p)
                .await?
            }
        })
    }

    /// Ids of records with this date of birth (ISO), NHS number or
    /// postcode — whichever are given — at most `limit` each.
    pub async fn search_by_identifiers(
        &self,
        date_of_birth: Option<&str>,
        nhs_number: Option<&str>,
        postcode: Option<&str>,
        limit: i64,
    ) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (column, value) in [
            ("date_of_birth", date_of_birth),
            ("nhs_number", nhs_number),
            ("postcode", postcode),
        ] {
            let Some(value) = value else { continue };
            let sql = format!(
                "SELECT id FROM people WHERE {column} = $1 AND merged_into IS NULL LIMIT $2"
            );
            let ids: Vec<String> = on_db!(self, |p| sqlx::query_scalar(&sql)
                .bind(value)
                .bind(limit)
                .fetch_all(p)
                .await)?;
            out.extend(ids);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// What search scores of these records, with their other names.
    pub async fn search_records(
        &self,
        ids: &[String],
    ) -> Result<Vec<(SearchRecordRow, Vec<String>)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = crate::marks(1, chunk.len());
            let sql = format!(
                "SELECT id, given_name, family_name, date_of_birth, nhs_number, postcode FROM people \
                 WHERE id IN ({marks}) AND merged_into IS NULL"
            );
            let rows: Vec<SearchRecordRow> = on_db!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?;
            let sql = format!(
                "SELECT person_id, name FROM person_other_names WHERE person_id IN ({marks}) \
                 ORDER BY person_id, position"
            );
            let names: Vec<(String, String)> = on_db!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?;
            for r in rows {
                let others = names
                    .iter()
                    .filter(|(id, _)| *id == r.id)
                    .map(|(_, n)| n.clone())
                    .collect();
                out.push((r, others));
            }
        }
        Ok(out)
    }

    /// Rebuilds every record's search keys if they were made under an
    /// older key scheme (or none, as after the upgrade that brought the
    /// index), in one transaction that claims the work first: of two
    /// servers starting at once, one rebuilds and the other waits for it.
    /// Returns how many records were indexed.
    pub async fn prepare_search(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        let claimed = on_tx!(tx, |c| sqlx::query(
            "UPDATE search_state SET key_scheme = $1 WHERE id = 1 AND key_scheme < $1"
        )
        .bind(KEY_SCHEME)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        if claimed == 0 {
            tx.commit().await?;
            return Ok(0);
        }
        tx.clear_search_keys().await?;
        let mut after = String::new();
        let mut done = 0u64;
        loop {
            let batch = self.names_after(&after, 2_000).await?;
            let Some(last) = batch.last() else { break };
            after = last.0.clone();
            let rows: Vec<(String, String)> = batch
                .iter()
                .map(|(id, g, f, o)| (id.clone(), key_text(&person_keys(g, f, o))))
                .collect();
            tx.insert_search_keys(&rows).await?;
            done += rows.len() as u64;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Up to `limit` records after `after` (by id), with their names, for
    /// rebuilding keys.
    pub async fn names_after(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, String, Vec<String>)>> {
        let rows: Vec<(String, String, String)> = on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, given_name, family_name FROM people WHERE id > $1 AND merged_into IS NULL \
             ORDER BY id LIMIT $2"
        )
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await
        })?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        let names: Vec<(String, String)> = on_db!(self, |p| {
            sqlx::query_as(
            "SELECT person_id, name FROM person_other_names WHERE person_id >= $1 AND person_id <= $2 \
             ORDER BY person_id, position"
        )
        .bind(&first.0)
        .bind(&last.0)
        .fetch_all(p)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, g, f)| {
                let others = names
                    .iter()
                    .filter(|(p, _)| *p == id)
                    .map(|(_, n)| n.clone())
                    .collect();
                (id, g, f, others)
            })
            .collect())
    }
}

impl Tx {
    /// Replaces one record's search keys (computed from its names).
    pub async fn replace_search_keys(
        &mut self,
        person_id: &str,
        given: &str,
        family: &str,
        other_names: &[String],
    ) -> Result<()> {
        self.delete_search_keys(person_id).await?;
        let keys = key_text(&person_keys(given, family, other_names));
        self.insert_search_keys(&[(person_id.to_string(), keys)])
            .await
    }

    /// Removes one record's search keys; returns how many index rows went.
    pub async fn delete_search_keys(&mut self, person_id: &str) -> Result<u64> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => {
                sqlx::query(
                    "DELETE FROM person_search WHERE rowid IN \
                     (SELECT seq FROM person_search_ids WHERE person_id = $1)",
                )
                .bind(person_id)
                .execute(&mut **t)
                .await?;
                sqlx::query("DELETE FROM person_search_ids WHERE person_id = $1")
                    .bind(person_id)
                    .execute(&mut **t)
                    .await?
                    .rows_affected()
            }
            TxInner::Postgres(t) => sqlx::query("DELETE FROM person_search WHERE person_id = $1")
                .bind(person_id)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    /// Indexes records' keys (`(person id, space-separated keys)`), in one
    /// statement per backend table however many there are.
    pub async fn insert_search_keys(&mut self, rows: &[(String, String)]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match &mut self.inner {
            TxInner::Sqlite(t) => {
                // One array of [id, keys] pairs: joining two arrays on their
                // positions would compare every element with every other.
                let pairs = serde_json::to_string(rows).unwrap_or_default();
                sqlx::query(
                    "INSERT INTO person_search_ids (person_id) SELECT value ->> '$[0]' FROM json_each($1)",
                )
                .bind(&pairs)
                .execute(&mut **t)
                .await?;
                sqlx::query(
                    "INSERT INTO person_search (rowid, keys) \
                     SELECT i.seq, k.value ->> '$[1]' FROM json_each($1) k \
                     JOIN person_search_ids i ON i.person_id = k.value ->> '$[0]'",
                )
                .bind(pairs)
                .execute(&mut **t)
                .await?;
            }
            TxInner::Postgres(t) => {
                let (ids, keys): (Vec<&str>, Vec<&str>) =
                    rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).unzip();
                sqlx::query(
                    "INSERT INTO person_search (person_id, keys) \
                     SELECT p, k::tsvector FROM UNNEST($1::text[], $2::text[]) AS t(p, k)",
                )
                .bind(&ids)
                .bind(&keys)
                .execute(&mut **t)
                .await?;
            }
        }
        Ok(())
    }

    /// Forgets every record's keys (before a rebuild).
    pub async fn clear_search_keys(&mut self) -> Result<()> {
        match &mut self.inner {
            TxInner::Sqlite(t) => {
                sqlx::query("DELETE FROM person_search")
                    .execute(&mut **t)
                    .await?;
                sqlx::query("DELETE FROM person_search_ids")
                    .execute(&mut **t)
                    .await?;
            }
            TxInner::Postgres(t) => {
                sqlx::query("DELETE FROM person_search")
                    .execute(&mut **t)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_expressions_in_each_syntax() {
        let g = vec![
            vec!["nada*".to_string(), "mat".into()],
            vec!["nsmith".into()],
        ];
        assert_eq!(
            match_expr(&g, false),
            "(\"nada\"* OR \"mat\") AND (\"nsmith\")"
        );
        assert_eq!(match_expr(&g, true), "(nada:* | 'mat') & ('nsmith')");
        // Nothing but letters and digits reaches the query.
        let odd = vec![vec!["n\"a' OR x*".to_string()]];
        assert_eq!(match_expr(&odd, false), "(\"naORx\"*)");
    }
}
