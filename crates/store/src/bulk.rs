//! Many rows at once, for loading generated synthetic data: multi-row
//! `INSERT`s of at most a few thousand values each, on either backend.

use crate::{Result, Tx, on_tx};

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text, or NULL.
    Text(Option<String>),
    /// An integer, or NULL.
    Int(Option<i64>),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(Some(s.to_string()))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(Some(s))
    }
}

impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Self {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(Some(n))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// On SQLite's asking thread, bound as the pool binds it (see `bind_all!`).
impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Value::Text(t) => t.to_sql(),
            Value::Int(i) => i.to_sql(),
            Value::Bool(b) => b.to_sql(),
        }
    }
}

/// The most values one statement binds: small statements parse and bind
/// faster than huge ones on both backends.
const MAX_VALUES: usize = 2_000;

impl Tx {
    /// Inserts `rows` into `table`'s `columns`. Table and column names are
    /// the caller's constants, never user input.
    pub async fn bulk_insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Value>],
    ) -> Result<()> {
        let per = (MAX_VALUES / columns.len().max(1)).max(1);
        let sqlite = matches!(self.inner, crate::TxInner::Sqlite(_));
        for chunk in rows.chunks(per) {
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (i, row) in chunk.iter().enumerate() {
                debug_assert_eq!(row.len(), columns.len());
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..row.len() {
                    n += 1;
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    if sqlite {
                        sql.push('?');
                    } else {
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    }
                }
                sql.push(')');
            }
            on_tx!(self, |c| {
                let mut q = sqlx::query(&sql);
                for row in chunk {
                    for v in row {
                        q = match v {
                            Value::Text(t) => q.bind(t.clone()),
                            Value::Int(i) => q.bind(*i),
                            Value::Bool(b) => q.bind(*b),
                        };
                    }
                }
                q.execute(&mut *c).await.map(|_| ())
            })?;
        }
        Ok(())
    }
}
