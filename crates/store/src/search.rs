//! The person search index: each record's search keys (see
//! `safeguard_domain::search`) in an inverted index — FTS5 on SQLite, a GIN
//! index over a `tsvector` on PostgreSQL — and each name word once in a
//! small index of words with the word's own keys (FTS5 on SQLite, a B-tree
//! of key rows on PostgreSQL), all written with the record in the same
//! transaction; and the lookups a search makes.

use std::collections::BTreeSet;

use safeguard_domain::search::{KEY_SCHEME, key_text, person_keys, word_keys};
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

/// A key's letters and digits (the domain's keys are nothing else; this
/// keeps anything else out of a query).
fn clean(key: &str) -> String {
    key.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// A key group query in each backend's syntax: groups joined by AND, the
/// keys in a group by OR; a key ending `*` is a prefix. Keys are the
/// domain's tokens (letters and digits only), quoted all the same.
fn match_expr(groups: &[Vec<String>], postgres: bool) -> String {
    let term = |k: &String| {
        let clean = clean(k);
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

    /// Name words the index has seen whose own keys meet any of `keys`, at
    /// most `limit` (the first step of a name search: which words are near
    /// a query word).
    pub async fn near_words(&self, keys: &[String], limit: i64) -> Result<Vec<String>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let groups = [keys.to_vec()];
        Ok(match &self.db {
            crate::Db::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT w.word FROM search_word_keys k JOIN search_words w ON w.id = k.rowid \
                     WHERE search_word_keys MATCH $1 LIMIT $2",
                )
                .bind(match_expr(&groups, false))
                .bind(limit)
                .fetch_all(p)
                .await?
            }
            crate::Db::Postgres(p) => {
                // Exact keys by equality; a prefix key (at most one per
                // word) as a range of keys.
                let exact: Vec<String> = keys
                    .iter()
                    .filter(|k| !k.ends_with('*'))
                    .map(|k| clean(k))
                    .collect();
                let prefix = keys.iter().find(|k| k.ends_with('*')).map(|k| clean(k));
                let end = prefix.as_ref().map(|p| format!("{p}{{"));
                sqlx::query_scalar(
                    "SELECT DISTINCT word FROM search_word_keys \
                     WHERE key = ANY($1) OR (key >= $2 COLLATE \"C\" AND key < $3 COLLATE \"C\") LIMIT $4",
                )
                .bind(&exact)
                .bind(prefix)
                .bind(end)
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
        self.insert_search_words(rows).await
    }

    /// Adds the name words of these records' keys (their `n` keys) to the
    /// words index, each with its own keys, if it is not there yet. Words
    /// go in sorted, so two transactions adding the same words wait for
    /// each other in one order rather than deadlock.
    async fn insert_search_words(&mut self, rows: &[(String, String)]) -> Result<()> {
        let words: BTreeSet<&str> = rows
            .iter()
            .flat_map(|(_, keys)| keys.split(' '))
            .filter_map(|k| k.strip_prefix('n'))
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Ok(());
        }
        match &mut self.inner {
            TxInner::Sqlite(t) => {
                let list = serde_json::to_string(&words).unwrap_or_default();
                let new: Vec<(i64, String)> = sqlx::query_as(
                    "INSERT INTO search_words (word) SELECT value FROM json_each($1) WHERE true \
                     ON CONFLICT (word) DO NOTHING RETURNING id, word",
                )
                .bind(list)
                .fetch_all(&mut **t)
                .await?;
                if new.is_empty() {
                    return Ok(());
                }
                let pairs: Vec<(i64, String)> = new
                    .into_iter()
                    .map(|(id, w)| (id, word_keys(&w).join(" ")))
                    .collect();
                sqlx::query(
                    "INSERT INTO search_word_keys (rowid, keys) \
                     SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each($1)",
                )
                .bind(serde_json::to_string(&pairs).unwrap_or_default())
                .execute(&mut **t)
                .await?;
            }
            TxInner::Postgres(t) => {
                let words: Vec<&str> = words.into_iter().collect();
                let new: Vec<String> = sqlx::query_scalar(
                    "INSERT INTO search_words (word) SELECT * FROM UNNEST($1::text[]) \
                     ON CONFLICT (word) DO NOTHING RETURNING word",
                )
                .bind(&words)
                .fetch_all(&mut **t)
                .await?;
                let (keys, of): (Vec<String>, Vec<&str>) = new
                    .iter()
                    .flat_map(|w| word_keys(w).into_iter().map(move |k| (k, w.as_str())))
                    .unzip();
                if !keys.is_empty() {
                    sqlx::query(
                        "INSERT INTO search_word_keys (key, word) \
                         SELECT * FROM UNNEST($1::text[], $2::text[])",
                    )
                    .bind(&keys)
                    .bind(&of)
                    .execute(&mut **t)
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Forgets every record's keys and the words index (before a rebuild).
    pub async fn clear_search_keys(&mut self) -> Result<()> {
        let tables: &[&str] = match &self.inner {
            TxInner::Sqlite(_) => &[
                "person_search",
                "person_search_ids",
                "search_word_keys",
                "search_words",
            ],
            TxInner::Postgres(_) => &["person_search", "search_word_keys", "search_words"],
        };
        for table in tables {
            let sql = format!("DELETE FROM {table}");
            on_tx!(self, |c| sqlx::query(&sql)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
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
