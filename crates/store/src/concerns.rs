//! Concerns, their adults, triage decisions, messages to raisers, providers,
//! the person chronology, the working-day calendar, settings, public form
//! drafts and the email outbox.

use sqlx::FromRow;

use crate::bulk::Value;
use crate::{Result, Store, Tx, on_db, on_tx};

/// Which concerns a user's queries may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConcernScope {
    /// Every concern (for use cases that have already checked access).
    All,
    /// Need-to-know (council practitioners and managers): concerns waiting
    /// for a triage decision (the front door), those the user raised,
    /// those decided by the user's team, and those about people the user
    /// may see in full; never a restricted person's unless the user is on
    /// its access list or has opened it in an emergency.
    Council(crate::access::Viewer),
    /// Only those this user raised (partner-agency staff).
    RaisedBy(String),
    /// None.
    Nothing,
}

/// A stored concern.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ConcernRow {
    pub id: String,
    pub reference: String,
    pub receipt_hash: String,
    pub state: String,
    pub raiser_kind: String,
    pub raiser_name: Option<String>,
    pub raiser_role: Option<String>,
    pub raiser_phone: Option<String>,
    pub raiser_email: Option<String>,
    pub raised_by: Option<String>,
    pub raiser_agency_id: Option<String>,
    pub channel: String,
    pub received_at: i64,
    pub received_on: String,
    pub what_happened: String,
    pub where_happened: Option<String>,
    pub location_type: Option<String>,
    pub provider_name: Option<String>,
    pub provider_id: Option<String>,
    pub immediate_danger: String,
    pub consent: String,
    pub consent_reason: Option<String>,
    pub consent_detail: Option<String>,
    pub suspected_types: String,
    pub acknowledged_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// An adult named in a concern.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AdultRow {
    pub concern_id: String,
    pub position: i32,
    pub name: Option<String>,
    pub age: Option<String>,
    pub address: Option<String>,
    pub description: Option<String>,
    pub nhs_number: Option<String>,
    pub person_id: Option<String>,
}

/// A triage decision.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DecisionRow {
    pub concern_id: String,
    pub decided_at: i64,
    pub decided_by: String,
    pub needs: String,
    pub needs_evidence: String,
    pub abuse: String,
    pub abuse_evidence: String,
    pub unable: String,
    pub unable_evidence: String,
    pub person_views: Option<String>,
    pub immediate_actions: Option<String>,
    pub outcome: String,
    pub instead: Option<String>,
    pub reasons: String,
}

/// A message to the person who raised a concern.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct MessageRow {
    pub id: String,
    pub concern_id: String,
    pub at: i64,
    pub by_user: Option<String>,
    pub by_name: String,
    pub body: String,
    pub emailed: bool,
}

/// A provider of services.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ProviderRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub registration_id: Option<String>,
    pub created_at: i64,
    pub created_by: String,
}

/// A line of a person's chronology.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ChronologyRow {
    pub id: String,
    pub person_id: String,
    pub at: i64,
    pub kind: String,
    pub summary: String,
    pub actor_name: String,
    pub concern_id: Option<String>,
}

impl ChronologyEntry {
    /// An entry as read on the asking thread, its columns in
    /// [`CHRONOLOGY_COLUMNS`] order.
    fn from_lite(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChronologyEntry> {
        Ok(crate::from_columns!(
            r,
            ChronologyEntry {
                id,
                person_id,
                at,
                kind,
                summary,
                actor_name,
                concern_id,
                significant,
                analysis
            }
        ))
    }
}

/// Which of a person's chronology entries to read (see
/// [`Store::chronology_filtered`]); the default keeps them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChronologyFilter {
    /// Only entries of this kind (`contact`, `concern`, …).
    pub kind: Option<String>,
    /// Only the entries a worker marked significant.
    pub significant: bool,
    /// Only entries at or after this instant (Unix ms).
    pub from_ms: Option<i64>,
    /// Only entries before this instant (Unix ms).
    pub until_ms: Option<i64>,
}

/// A chronology entry as read, with the worker's curation.
#[derive(Clone, Debug, FromRow, PartialEq, Eq, serde::Deserialize)]
#[allow(missing_docs)]
pub struct ChronologyEntry {
    pub id: String,
    pub person_id: String,
    pub at: i64,
    pub kind: String,
    pub summary: String,
    pub actor_name: String,
    pub concern_id: Option<String>,
    /// Marked by a worker as a significant event.
    pub significant: bool,
    /// Why it is significant, in the worker's words.
    pub analysis: Option<String>,
}

/// What the person page shows of a chronology entry: when, what and who
/// (the whole entry is on the chronology's own page). Only these are read,
/// not the entry's ids and curation, on the busiest page there is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentEntry {
    /// When it happened (ms since the epoch).
    pub at: i64,
    /// What happened.
    pub summary: String,
    /// Who recorded it.
    pub actor_name: String,
}

impl RecentEntry {
    /// Entries read as columns, `[[at…], [summary…], [actor_name…]]`, each
    /// `null` when there are none (see `Store::json_columns`), in the order
    /// read.
    pub(crate) fn from_json_columns(json: &str) -> crate::Result<Vec<RecentEntry>> {
        type Columns = (Option<Vec<i64>>, Option<Vec<String>>, Option<Vec<String>>);
        let (at, summary, actor): Columns = crate::from_json(json)?;
        let (at, summary, actor) = (
            at.unwrap_or_default(),
            summary.unwrap_or_default(),
            actor.unwrap_or_default(),
        );
        if summary.len() != at.len() || actor.len() != at.len() {
            return Err(crate::StoreError::Corrupt(format!(
                "chronology columns of {}, {} and {} entries",
                at.len(),
                summary.len(),
                actor.len()
            )));
        }
        Ok(at
            .into_iter()
            .zip(summary)
            .zip(actor)
            .map(|((at, summary), actor_name)| RecentEntry {
                at,
                summary,
                actor_name,
            })
            .collect())
    }
}

impl From<ChronologyEntry> for RecentEntry {
    fn from(e: ChronologyEntry) -> Self {
        RecentEntry {
            at: e.at,
            summary: e.summary,
            actor_name: e.actor_name,
        }
    }
}

/// A public form in progress.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DraftRow {
    pub id_hash: String,
    pub data: String,
    pub concern_id: String,
    pub reference: String,
    pub receipt_code: String,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
}

/// An email waiting to be sent.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct EmailRow {
    pub id: String,
    pub created_at: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub sent_at: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// How many chronology entries person `$1` has, as the database keeps the
/// count (`chronology_counts`, kept by triggers as entries are added, moved
/// and removed: migration 0042), so the person page reads one row instead
/// of counting every entry.
pub(crate) const CHRONOLOGY_TOTAL: &str =
    "COALESCE((SELECT entries FROM chronology_counts WHERE person_id = $1), 0)";

/// A chronology entry's columns as [`RecentEntry`] reads them, in its
/// fields' order (a pool's person page reads them as a column each, see
/// [`RecentEntry::from_json_columns`]).
pub(crate) const RECENT_COLUMNS: &str = "at, summary, actor_name";

/// The newest `$2` chronology entries of person `$1`, newest first (a
/// table for a `FROM`).
pub(crate) const LATEST_FROM: &str =
    "(SELECT * FROM chronology WHERE person_id = $1 ORDER BY at DESC, id DESC LIMIT $2) latest";

/// The order of [`LATEST_FROM`]'s rows.
pub(crate) const LATEST_ORDER: &str = "at DESC, id DESC";

/// A chronology entry's columns, as [`ChronologyEntry`] reads them.
pub(crate) const CHRONOLOGY_COLUMNS: &str =
    "id, person_id, at, kind, summary, actor_name, concern_id, significant, analysis";

pub(crate) const CONCERN_COLUMNS: &str = "id, reference, receipt_hash, state, raiser_kind, raiser_name, raiser_role, raiser_phone, \
    raiser_email, raised_by, raiser_agency_id, channel, received_at, received_on, what_happened, where_happened, \
    location_type, provider_name, provider_id, immediate_danger, consent, consent_reason, consent_detail, \
    suspected_types, acknowledged_at, decided_at, closed_at";

/// Binds a concern's fields in [`CONCERN_COLUMNS`] order.
macro_rules! bind_concern {
    ($q:expr, $c:expr) => {
        $q.bind(&$c.id)
            .bind(&$c.reference)
            .bind(&$c.receipt_hash)
            .bind(&$c.state)
            .bind(&$c.raiser_kind)
            .bind(&$c.raiser_name)
            .bind(&$c.raiser_role)
            .bind(&$c.raiser_phone)
            .bind(&$c.raiser_email)
            .bind(&$c.raised_by)
            .bind(&$c.raiser_agency_id)
            .bind(&$c.channel)
            .bind($c.received_at)
            .bind(&$c.received_on)
            .bind(&$c.what_happened)
            .bind(&$c.where_happened)
            .bind(&$c.location_type)
            .bind(&$c.provider_name)
            .bind(&$c.provider_id)
            .bind(&$c.immediate_danger)
            .bind(&$c.consent)
            .bind(&$c.consent_reason)
            .bind(&$c.consent_detail)
            .bind(&$c.suspected_types)
            .bind($c.acknowledged_at)
            .bind($c.decided_at)
            .bind($c.closed_at)
    };
}

/// Binds an adult's fields in the order [`adult_values`] numbers them.
macro_rules! bind_adult {
    ($q:expr, $a:expr) => {
        $q.bind(&$a.concern_id)
            .bind($a.position)
            .bind(&$a.name)
            .bind(&$a.age)
            .bind(&$a.address)
            .bind(&$a.description)
            .bind(&$a.nhs_number)
            .bind(&$a.person_id)
    };
}

/// Parameters per concern row.
const CONCERN_PARAMS: usize = 27;
/// Parameters per adult row.
const ADULT_PARAMS: usize = 8;

const ADULT_INSERT: &str = "INSERT INTO concern_adults (concern_id, position, name, age, address, description, \
                            nhs_number, person_id, support_reason) VALUES ";

/// An adult's values numbered from `$from`; the support reason comes from
/// the linked person record, if any.
fn adult_values(from: usize) -> String {
    format!(
        "({}, (SELECT primary_support_reason FROM people WHERE id = ${}))",
        crate::marks(from, ADULT_PARAMS),
        from + ADULT_PARAMS - 1
    )
}

/// One statement inserting `concerns` rows and another inserting `adults`
/// rows (none if there are none), numbered from `$1`, to be bound with
/// [`bind_concern!`] for each concern and then [`bind_adult!`] for each
/// adult; and the number of parameters they take.
fn intake_inserts(concerns: usize, adults: usize) -> (String, Option<String>, usize) {
    let concern_sql = format!(
        "INSERT INTO concerns ({CONCERN_COLUMNS}) VALUES {}",
        crate::placeholders(1, concerns, CONCERN_PARAMS)
    );
    let first = 1 + concerns * CONCERN_PARAMS;
    let adult_sql = (adults > 0).then(|| {
        let rows = (0..adults)
            .map(|i| adult_values(first + i * ADULT_PARAMS))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{ADULT_INSERT}{rows}")
    });
    (concern_sql, adult_sql, first - 1 + adults * ADULT_PARAMS)
}

/// The scope as SQL over `concerns` (unaliased), with values to bind from `$param`.
pub(crate) fn scope_clause(scope: &ConcernScope, param: usize) -> Option<(String, Vec<Value>)> {
    match scope {
        ConcernScope::All => Some(("1 = 1".into(), Vec::new())),
        ConcernScope::RaisedBy(u) => Some((
            format!("raised_by = ${param}"),
            vec![Value::Text(Some(u.clone()))],
        )),
        ConcernScope::Council(v) => {
            let (u, t, n) = (param, param + 1, param + 2);
            let visible = v.person_sql("sa.person_id", param);
            let hidden = crate::access::restricted_out_sql("ra.person_id", u, n);
            let sql = format!(
                "((concerns.decided_at IS NULL OR concerns.raised_by = ${u} \
                   OR EXISTS (SELECT 1 FROM triage_decisions sd JOIN users su ON su.id = sd.decided_by \
                      WHERE sd.concern_id = concerns.id AND su.team_id = ${t}) \
                   OR EXISTS (SELECT 1 FROM concern_adults sa WHERE sa.concern_id = concerns.id \
                      AND sa.person_id IS NOT NULL AND {visible})) \
                 AND NOT EXISTS (SELECT 1 FROM concern_adults ra WHERE ra.concern_id = concerns.id \
                   AND {hidden}))"
            );
            Some((sql, v.binds()))
        }
        ConcernScope::Nothing => None,
    }
}

/// Binds `values` to a query, in order.
macro_rules! bind_all {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for v in $values {
            q = match v {
                $crate::bulk::Value::Text(t) => q.bind(t.clone()),
                $crate::bulk::Value::Int(i) => q.bind(*i),
                $crate::bulk::Value::Bool(b) => q.bind(*b),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

impl Store {
    /// A concern by id, within scope.
    pub async fn concern(&self, scope: &ConcernScope, id: &str) -> Result<Option<ConcernRow>> {
        let Some((clause, arg)) = scope_clause(scope, 2) else {
            return Ok(None);
        };
        let sql = format!("SELECT {CONCERN_COLUMNS} FROM concerns WHERE id = $1 AND {clause}");
        Ok(on_db!(self, |p| {
            bind_all!(sqlx::query_as(&sql).bind(id), &arg)
                .fetch_optional(p)
                .await
        })?)
    }

    /// A concern by its reference (for the public status page).
    pub async fn concern_by_reference(&self, reference: &str) -> Result<Option<ConcernRow>> {
        let sql = format!("SELECT {CONCERN_COLUMNS} FROM concerns WHERE reference = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(reference)
            .fetch_optional(p)
            .await)?)
    }

    /// Concerns in a state, oldest first, within scope.
    pub async fn concerns(
        &self,
        scope: &ConcernScope,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ConcernRow>> {
        let Some((clause, arg)) = scope_clause(scope, 3) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {CONCERN_COLUMNS} FROM concerns WHERE ($1 IS NULL OR state = $1) AND {clause} \
             ORDER BY received_at, id LIMIT $2"
        );
        Ok(on_db!(self, |p| {
            bind_all!(sqlx::query_as(&sql).bind(state).bind(limit), &arg)
                .fetch_all(p)
                .await
        })?)
    }

    /// Concerns about a provider, newest first.
    pub async fn concerns_for_provider(
        &self,
        scope: &ConcernScope,
        provider_id: &str,
    ) -> Result<Vec<ConcernRow>> {
        let Some((clause, arg)) = scope_clause(scope, 2) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {CONCERN_COLUMNS} FROM concerns WHERE provider_id = $1 AND {clause} ORDER BY received_at DESC"
        );
        Ok(on_db!(self, |p| {
            bind_all!(sqlx::query_as(&sql).bind(provider_id), &arg)
                .fetch_all(p)
                .await
        })?)
    }

    /// Ids of the concerns naming a person, oldest first.
    pub async fn concern_ids_for_person(&self, person_id: &str) -> Result<Vec<String>> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT c.id FROM concerns c WHERE EXISTS (SELECT 1 FROM concern_adults a \
             WHERE a.concern_id = c.id AND a.person_id = $1) ORDER BY c.received_at, c.id"
        )
        .bind(person_id)
        .fetch_all(p)
        .await)?)
    }

    /// The adults named in a concern.
    pub async fn concern_adults(&self, concern_id: &str) -> Result<Vec<AdultRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT concern_id, position, name, age, address, description, nhs_number, person_id \
             FROM concern_adults WHERE concern_id = $1 ORDER BY position"
        )
        .bind(concern_id)
        .fetch_all(p)
        .await)?)
    }

    /// The adults named in each of `concern_ids`, in one query, keyed by concern.
    pub async fn adults_of(
        &self,
        concern_ids: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<AdultRow>>> {
        let mut out: std::collections::HashMap<String, Vec<AdultRow>> =
            std::collections::HashMap::new();
        for chunk in concern_ids.chunks(500) {
            let marks = crate::marks(1, chunk.len());
            let sql = format!(
                "SELECT concern_id, position, name, age, address, description, nhs_number, person_id \
                 FROM concern_adults WHERE concern_id IN ({}) ORDER BY concern_id, position",
                marks
            );
            let rows: Vec<AdultRow> = on_db!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?;
            for r in rows {
                out.entry(r.concern_id.clone()).or_default().push(r);
            }
        }
        Ok(out)
    }

    /// A concern's triage decision.
    pub async fn decision(&self, concern_id: &str) -> Result<Option<DecisionRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT concern_id, decided_at, decided_by, needs, needs_evidence, abuse, abuse_evidence, unable, \
             unable_evidence, person_views, immediate_actions, outcome, instead, reasons \
             FROM triage_decisions WHERE concern_id = $1"
        )
        .bind(concern_id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Messages sent to a concern's raiser, oldest first.
    pub async fn messages(&self, concern_id: &str) -> Result<Vec<MessageRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, concern_id, at, by_user, by_name, body, emailed FROM concern_messages \
             WHERE concern_id = $1 ORDER BY at, id"
        )
        .bind(concern_id)
        .fetch_all(p)
        .await)?)
    }

    /// A provider.
    pub async fn provider(&self, id: &str) -> Result<Option<ProviderRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, name, kind, address, postcode, registration_id, created_at, created_by FROM providers WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Providers whose name contains `q` (all when blank), by name.
    pub async fn providers(&self, q: &str, limit: i64) -> Result<Vec<ProviderRow>> {
        let pattern = format!(
            "%{}%",
            q.trim().to_lowercase().replace(['%', '_', '\\'], "")
        );
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, name, kind, address, postcode, registration_id, created_at, created_by FROM providers \
             WHERE LOWER(name) LIKE $1 ORDER BY name LIMIT $2"
        )
        .bind(&pattern)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }

    /// A person's chronology, newest first.
    pub async fn chronology(&self, person_id: &str) -> Result<Vec<ChronologyEntry>> {
        let every = ChronologyFilter::default();
        Ok(self
            .chronology_filtered(person_id, &every, None, 0)
            .await?
            .0)
    }

    /// The entries of a person's chronology that `filter` keeps, newest
    /// first: `limit` of them (all with `None`) after skipping `offset`,
    /// and how many the filter keeps in all. The filter runs in the
    /// database, so a page of a long chronology reads only its page.
    pub async fn chronology_filtered(
        &self,
        person_id: &str,
        filter: &ChronologyFilter,
        limit: Option<i64>,
        offset: i64,
    ) -> Result<(Vec<ChronologyEntry>, i64)> {
        // Each filter's clause with its value, numbered as bound.
        let mut clauses = vec!["person_id = $1".to_string()];
        let mut values = vec![Value::from(person_id)];
        for (clause, value) in [
            ("kind =", filter.kind.clone().map(Value::from)),
            ("at >=", filter.from_ms.map(Value::from)),
            ("at <", filter.until_ms.map(Value::from)),
        ] {
            if let Some(value) = value {
                values.push(value);
                clauses.push(format!("{clause} ${}", values.len()));
            }
        }
        if filter.significant {
            clauses.push("significant".into());
        }
        let counted = values.len();
        let page = match limit {
            Some(limit) => {
                values.extend([Value::from(limit.max(0)), Value::from(offset.max(0))]);
                format!(" LIMIT ${} OFFSET ${}", counted + 1, counted + 2)
            }
            None => String::new(),
        };
        let filtered = clauses.join(" AND ");
        let rows_sql = format!(
            "SELECT {CHRONOLOGY_COLUMNS} FROM chronology WHERE {filtered} \
             ORDER BY at DESC, id DESC{page}"
        );
        let count_sql = format!("SELECT COUNT(*) FROM chronology WHERE {filtered}");
        // SQLite: on the asking thread, as the person page reads, both in
        // one read transaction (the rows come a few microseconds each, not
        // a message each from the pool's thread).
        let lite = self.inline(|c| {
            // Only the unfiltered chronology's statements are kept prepared,
            // not one for each mix of filters beside the page's own.
            let unfiltered = clauses.len() == 1;
            fn with<T>(
                c: &rusqlite::Connection,
                sql: &str,
                keep: bool,
                run: impl FnOnce(&mut rusqlite::Statement<'_>) -> rusqlite::Result<T>,
            ) -> rusqlite::Result<T> {
                if keep {
                    run(&mut *c.prepare_cached(sql)?)
                } else {
                    run(&mut c.prepare(sql)?)
                }
            }
            c.prepare_cached("BEGIN")?.execute([])?;
            let rows = with(c, &rows_sql, unfiltered, |s| {
                s.query_map(
                    rusqlite::params_from_iter(&values),
                    ChronologyEntry::from_lite,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
            })?;
            let total: i64 = with(c, &count_sql, unfiltered, |s| {
                s.query_row(rusqlite::params_from_iter(&values[..counted]), |r| r.get(0))
            })?;
            c.prepare_cached("COMMIT")?.execute([])?;
            Ok((rows, total))
        });
        if let Some(read) = lite {
            return read;
        }
        // Through a pool: one statement, the count beside each row (worked
        // out once, the rows' own snapshot); a page past the end counts on
        // its own.
        let counted_sql = format!(
            "SELECT {CHRONOLOGY_COLUMNS}, ({count_sql}) AS total FROM chronology \
             WHERE {filtered} ORDER BY at DESC, id DESC{page}"
        );
        #[derive(FromRow)]
        struct Counted {
            #[sqlx(flatten)]
            entry: ChronologyEntry,
            total: i64,
        }
        Ok(on_db!(self, |p| {
            let rows = bind_all!(sqlx::query_as::<_, Counted>(&counted_sql), &values)
                .fetch_all(p)
                .await?;
            let total: i64 = match rows.first() {
                Some(r) => r.total,
                None if limit.is_some() => {
                    bind_all!(sqlx::query_scalar(&count_sql), &values[..counted])
                        .fetch_one(p)
                        .await?
                }
                None => 0,
            };
            (rows.into_iter().map(|r| r.entry).collect(), total)
        }))
    }

    /// One entry of a person's chronology, and how many of theirs are newer
    /// (where it stands in the chronology, newest first).
    pub async fn chronology_entry(
        &self,
        person_id: &str,
        entry_id: &str,
    ) -> Result<Option<(ChronologyEntry, i64)>> {
        let sql = format!(
            "SELECT {CHRONOLOGY_COLUMNS}, (SELECT COUNT(*) FROM chronology n \
               WHERE n.person_id = c.person_id AND (n.at > c.at OR (n.at = c.at AND n.id > c.id))) \
             AS newer FROM chronology c WHERE c.person_id = $1 AND c.id = $2"
        );
        #[derive(FromRow)]
        struct Placed {
            #[sqlx(flatten)]
            entry: ChronologyEntry,
            newer: i64,
        }
        let found: Option<Placed> = on_db!(self, |p| {
            sqlx::query_as(&sql)
                .bind(person_id)
                .bind(entry_id)
                .fetch_optional(p)
                .await
        })?;
        Ok(found.map(|f| (f.entry, f.newer)))
    }

    /// SQL for the newest `$2` chronology entries of person `$1`, newest
    /// first, as a JSON array (with the person page's other parts, or alone).
    pub(crate) fn latest_chronology_sql(&self) -> String {
        self.json_rows(
            CHRONOLOGY_COLUMNS,
            &["significant"],
            LATEST_FROM,
            LATEST_ORDER,
        )
    }

    /// The newest `limit` entries of a person's chronology, and how many
    /// there are in all (counted entry by entry, not read from the kept
    /// count the person page reads).
    pub async fn recent_chronology(
        &self,
        person_id: &str,
        limit: i64,
    ) -> Result<(Vec<ChronologyEntry>, i64)> {
        // One statement and one row: the latest entries as a JSON array
        // beside the count. On the hottest page each row read is a wake-up
        // between SQLite's connection thread and the request (fifty entries
        // were fifty), and the count was a second round trip.
        let latest = self.latest_chronology_sql();
        let sql =
            format!("SELECT {latest}, (SELECT COUNT(*) FROM chronology WHERE person_id = $1)");
        let (json, total): (String, i64) = on_db!(self, |p| sqlx::query_as(&sql)
            .bind(person_id)
            .bind(limit)
            .fetch_one(p)
            .await)?;
        let rows: Vec<ChronologyEntry> = crate::from_json(&json)?;
        Ok((rows, total))
    }

    /// The organisation's holidays (`YYYY-MM-DD`, name), in date order.
    pub async fn bank_holidays(&self) -> Result<Vec<(String, String)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT day, name FROM bank_holidays ORDER BY day"
        )
        .fetch_all(p)
        .await)?)
    }

    /// A setting's value.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT value FROM settings WHERE key = $1"
        )
        .bind(key)
        .fetch_optional(p)
        .await)?)
    }

    /// A public form draft by the hash of its token.
    pub async fn draft(&self, id_hash: &str) -> Result<Option<DraftRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id_hash, data, concern_id, reference, receipt_code, created_at, submitted_at FROM concern_drafts WHERE id_hash = $1"
        )
        .bind(id_hash)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Emails not yet sent, oldest first.
    pub async fn pending_emails(&self, limit: i64) -> Result<Vec<EmailRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, created_at, to_address, subject, body, sent_at, attempts, last_error FROM email_outbox \
             WHERE sent_at IS NULL AND attempts < 10 ORDER BY created_at, id LIMIT $1"
        )
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Stores a new concern and its adults.
    pub async fn insert_concern(&mut self, c: &ConcernRow, adults: &[AdultRow]) -> Result<()> {
        let (concern_sql, _, _) = intake_inserts(1, 0);
        on_tx!(self, |x| bind_concern!(sqlx::query(&concern_sql), c)
            .execute(&mut *x)
            .await
            .map(|_| ()))?;
        let adult_sql = format!("{ADULT_INSERT}{}", adult_values(1));
        for a in adults {
            on_tx!(self, |x| bind_adult!(sqlx::query(&adult_sql), a)
                .execute(&mut *x)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// Whether a concern with this id exists (read in this transaction).
    pub async fn concern_exists(&mut self, id: &str) -> Result<bool> {
        let n: i64 = on_tx!(self, |x| sqlx::query_scalar(
            "SELECT COUNT(*) FROM concerns WHERE id = $1"
        )
        .bind(id)
        .fetch_one(&mut *x)
        .await)?;
        Ok(n > 0)
    }

    /// Links an adult not yet linked; false when there is no such unlinked adult.
    pub async fn link_adult(
        &mut self,
        concern_id: &str,
        position: i32,
        person_id: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| sqlx::query(
            "UPDATE concern_adults SET person_id = $3, \
             support_reason = (SELECT primary_support_reason FROM people WHERE id = $3) \
             WHERE concern_id = $1 AND position = $2 AND person_id IS NULL"
        )
        .bind(concern_id)
        .bind(position)
        .bind(person_id)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Records a triage decision and moves the concern on, if it is still new.
    /// Returns false (and changes nothing) when it was already decided.
    pub async fn decide(&mut self, d: &DecisionRow, new_state: &str) -> Result<bool> {
        let closed_at = (new_state == "closed").then_some(d.decided_at);
        let n = on_tx!(self, |x| {
            sqlx::query(
            "UPDATE concerns SET state = $2, decided_at = $3, closed_at = $4, acknowledged_at = COALESCE(acknowledged_at, $3) \
             WHERE id = $1 AND state = 'new'"
        )
        .bind(&d.concern_id)
        .bind(new_state)
        .bind(d.decided_at)
        .bind(closed_at)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Ok(false);
        }
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO triage_decisions (concern_id, decided_at, decided_by, needs, needs_evidence, abuse, abuse_evidence, \
             unable, unable_evidence, person_views, immediate_actions, outcome, instead, reasons) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        )
        .bind(&d.concern_id)
        .bind(d.decided_at)
        .bind(&d.decided_by)
        .bind(&d.needs)
        .bind(&d.needs_evidence)
        .bind(&d.abuse)
        .bind(&d.abuse_evidence)
        .bind(&d.unable)
        .bind(&d.unable_evidence)
        .bind(&d.person_views)
        .bind(&d.immediate_actions)
        .bind(&d.outcome)
        .bind(&d.instead)
        .bind(&d.reasons)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(true)
    }

    /// Closes a concern that is not yet closed. Returns whether it changed.
    pub async fn close_concern(&mut self, id: &str, at: i64) -> Result<bool> {
        let n = on_tx!(self, |x| {
            sqlx::query(
            "UPDATE concerns SET state = 'closed', closed_at = $2 WHERE id = $1 AND state <> 'closed'"
        )
        .bind(id)
        .bind(at)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// Marks a concern acknowledged (the first time only).
    pub async fn acknowledge(&mut self, id: &str, at: i64) -> Result<()> {
        on_tx!(self, |x| sqlx::query(
            "UPDATE concerns SET acknowledged_at = $2 WHERE id = $1 AND acknowledged_at IS NULL"
        )
        .bind(id)
        .bind(at)
        .execute(&mut *x)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Sets a concern's provider.
    pub async fn set_concern_provider(
        &mut self,
        id: &str,
        provider_id: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, |x| sqlx::query(
            "UPDATE concerns SET provider_id = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(provider_id)
        .execute(&mut *x)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Stores a message to a raiser.
    pub async fn insert_message(&mut self, m: &MessageRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO concern_messages (id, concern_id, at, by_user, by_name, body, emailed) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&m.id)
        .bind(&m.concern_id)
        .bind(m.at)
        .bind(&m.by_user)
        .bind(&m.by_name)
        .bind(&m.body)
        .bind(m.emailed)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Queues an email (sent after the transaction commits, by the outbox worker).
    pub async fn queue_email(&mut self, e: &EmailRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO email_outbox (id, created_at, to_address, subject, body) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&e.id)
        .bind(e.created_at)
        .bind(&e.to_address)
        .bind(&e.subject)
        .bind(&e.body)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Records the result of an attempt to send an email.
    pub async fn email_attempted(
        &mut self,
        id: &str,
        sent_at: Option<i64>,
        error: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "UPDATE email_outbox SET sent_at = $2, last_error = $3, attempts = attempts + 1 WHERE id = $1"
        )
        .bind(id)
        .bind(sent_at)
        .bind(error)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Adds a line to a person's chronology.
    pub async fn add_chronology(&mut self, c: &ChronologyRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO chronology (id, person_id, at, kind, summary, actor_name, concern_id) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&c.id)
        .bind(&c.person_id)
        .bind(c.at)
        .bind(&c.kind)
        .bind(&c.summary)
        .bind(&c.actor_name)
        .bind(&c.concern_id)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Stores a provider.
    pub async fn insert_provider(&mut self, p: &ProviderRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO providers (id, name, kind, address, postcode, registration_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.kind)
        .bind(&p.address)
        .bind(&p.postcode)
        .bind(&p.registration_id)
        .bind(p.created_at)
        .bind(&p.created_by)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Adds a holiday (no change if the day is already one).
    pub async fn add_holiday(&mut self, day: &str, name: &str) -> Result<bool> {
        let n = on_tx!(self, |x| sqlx::query(
            "INSERT INTO bank_holidays (day, name) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING"
        )
        .bind(day)
        .bind(name)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Removes a holiday.
    pub async fn remove_holiday(&mut self, day: &str) -> Result<bool> {
        let n = on_tx!(self, |x| sqlx::query(
            "DELETE FROM bank_holidays WHERE day = $1"
        )
        .bind(day)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Sets a setting.
    pub async fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        .bind(key)
        .bind(value)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Starts a public form draft.
    pub async fn insert_draft(&mut self, d: &DraftRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO concern_drafts (id_hash, data, concern_id, reference, receipt_code, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&d.id_hash)
        .bind(&d.data)
        .bind(&d.concern_id)
        .bind(&d.reference)
        .bind(&d.receipt_code)
        .bind(d.created_at)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Saves a draft's answers (only while it is not submitted).
    pub async fn save_draft(&mut self, id_hash: &str, data: &str) -> Result<bool> {
        let n = on_tx!(self, |x| sqlx::query(
            "UPDATE concern_drafts SET data = $2 WHERE id_hash = $1 AND submitted_at IS NULL"
        )
        .bind(id_hash)
        .bind(data)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Marks a draft submitted.
    pub async fn draft_submitted(&mut self, id_hash: &str, at: i64) -> Result<()> {
        on_tx!(self, |x| sqlx::query(
            "UPDATE concern_drafts SET submitted_at = $2 WHERE id_hash = $1"
        )
        .bind(id_hash)
        .bind(at)
        .execute(&mut *x)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Removes drafts started before `before` (their answers and receipt codes go with them).
    pub async fn purge_drafts(&mut self, before: i64) -> Result<u64> {
        Ok(on_tx!(self, |x| sqlx::query(
            "DELETE FROM concern_drafts WHERE created_at < $1"
        )
        .bind(before)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?)
    }
}

/// A new concern waiting for a shared commit, with its audit event, and
/// where to say how it went.
pub(crate) type PendingConcern = (
    ConcernRow,
    Vec<AdultRow>,
    crate::audit::NewAuditEvent,
    tokio::sync::oneshot::Sender<std::result::Result<(), std::sync::Arc<crate::StoreError>>>,
);

/// The most concerns one shared commit stores.
const CONCERN_BATCH: usize = 256;

impl Store {
    /// Stores a new concern and its adults with the audit event `event`,
    /// and returns once they are committed (the public form's write).
    ///
    /// On SQLite, which has one writer at a time, concerns arriving while a
    /// commit is under way wait and share the next one (group commit),
    /// written in one trip to the database; if anything in it fails, each is
    /// written again under its own savepoint, so one that fails is undone
    /// alone and its caller told why. No caller hears "stored" before the
    /// shared commit is durable. On PostgreSQL, where writers commit side by
    /// side (sharing commits there was measured slower), each concern is one
    /// statement, its own transaction, on a connection of this pool if one
    /// is free and otherwise of `other`'s (the public form's reserve, see
    /// [`Store::begin_free_or`]).
    pub async fn store_concern(
        &self,
        other: &Store,
        row: ConcernRow,
        adults: Vec<AdultRow>,
        event: crate::audit::NewAuditEvent,
    ) -> Result<()> {
        if let (crate::Db::Postgres(p), crate::Db::Postgres(reserve)) = (&self.db, &other.db) {
            // One statement, so one trip and its own transaction: the
            // concern, its adults and its event (for the sequencer) commit
            // together or not at all.
            let (concern_sql, adult_sql, params) = intake_inserts(1, adults.len());
            let mut sql = format!("WITH concern AS ({concern_sql})");
            if let Some(adult_sql) = adult_sql {
                sql.push_str(&format!(", adults AS ({adult_sql})"));
            }
            sql.push(' ');
            sql.push_str(&crate::audit::pending_sql(params + 1, 1));
            let mut q = bind_concern!(sqlx::query(&sql), row);
            for a in &adults {
                q = bind_adult!(q, a);
            }
            q = crate::audit::bind_pending(q, &event);
            let mut conn = match p.try_acquire() {
                Some(c) => c,
                None => reserve.acquire().await?,
            };
            q.execute(&mut *conn).await?;
            self.chain_soon();
            return Ok(());
        }
        let (done, mut result) = tokio::sync::oneshot::channel();
        crate::audit::lock(&self.shared.concern_queue).push((row, adults, event, done));
        let leader = self.shared.concern_leader.lock().await;
        // Commit the oldest waiting concerns, a batch at a time, until this
        // caller's own is among those committed: so none is left queued with
        // nobody to lead it.
        loop {
            if let Ok(r) = result.try_recv() {
                return r.map_err(crate::StoreError::Shared);
            }
            let batch: Vec<PendingConcern> = {
                let mut queue = crate::audit::lock(&self.shared.concern_queue);
                let n = queue.len().min(CONCERN_BATCH);
                queue.drain(..n).collect()
            };
            if batch.is_empty() {
                break;
            }
            // Run to the end even if this caller goes away, so the others
            // waiting on the batch hear how it went.
            let (store, other) = (self.clone(), other.clone());
            let _ = tokio::spawn(async move { store.commit_concerns(&other, batch).await }).await;
        }
        drop(leader);
        match result.await {
            Ok(r) => r.map_err(crate::StoreError::Shared),
            Err(_) => Err(crate::StoreError::Interrupted),
        }
    }

    /// Writes `batch` in one transaction, in one trip if it can (see
    /// [`Store::commit_concerns_at_once`]) and otherwise each concern under
    /// a savepoint when there are several, and tells each caller how it
    /// went.
    async fn commit_concerns(&self, other: &Store, batch: Vec<PendingConcern>) {
        type Done = tokio::sync::oneshot::Sender<
            std::result::Result<(), std::sync::Arc<crate::StoreError>>,
        >;
        fn fail(waiting: impl IntoIterator<Item = Done>, e: crate::StoreError) {
            let e = std::sync::Arc::new(e);
            for w in waiting {
                let _ = w.send(Err(e.clone()));
            }
        }
        if self.commit_concerns_at_once(&batch).await {
            for (_, _, _, done) in batch {
                let _ = done.send(Ok(()));
            }
            return;
        }
        let mut tx = match self.begin_free_or(other, true).await {
            Ok(tx) => tx,
            Err(e) => return fail(batch.into_iter().map(|p| p.3), e),
        };
        // A concern alone needs no savepoint: if it fails, so does the
        // transaction, which holds nothing else.
        let shared = batch.len() > 1;
        let mut stored: Vec<Done> = Vec::with_capacity(batch.len());
        let mut rest = batch.into_iter();
        while let Some((row, adults, event, done)) = rest.next() {
            let written = async {
                if !shared {
                    tx.insert_concern(&row, &adults).await?;
                    tx.audit(event).await?;
                    return Ok(Ok(()));
                }
                savepoint(&mut tx, "SAVEPOINT concern").await?;
                match tx.insert_concern(&row, &adults).await {
                    Ok(()) => {
                        savepoint(&mut tx, "RELEASE concern").await?;
                        tx.audit(event).await?;
                        Ok(Ok(()))
                    }
                    Err(e) => {
                        // This concern alone is undone; the others stand.
                        savepoint(&mut tx, "ROLLBACK TO concern").await?;
                        savepoint(&mut tx, "RELEASE concern").await?;
                        Ok(Err(e))
                    }
                }
            }
            .await;
            match written {
                Ok(Ok(())) => stored.push(done),
                Ok(Err(e)) => fail([done], e),
                // The transaction itself failed: nothing in it is kept.
                Err(e) => {
                    return fail(stored.into_iter().chain([done]).chain(rest.map(|p| p.3)), e);
                }
            }
        }
        let outcome = tx.commit().await.map_err(std::sync::Arc::new);
        for w in stored {
            let _ = w.send(outcome.clone());
        }
    }

    /// SQLite: writes `batch` in one trip to the database — the begin, the
    /// concerns, their adults, the audit events with the head's move, and
    /// the commit as one list of statements — and says whether it did.
    ///
    /// Each statement is a trip to SQLite's connection thread and back (two
    /// thread switches), which at one client cost more than the statements.
    /// This needs the head this process last committed (see
    /// [`Store::one_trip`]). Anything that fails (a duplicate id, a
    /// stale head, a full disk) rolls the whole trip back, and the caller
    /// writes the batch the careful way, which finds out which concern
    /// failed and why.
    async fn commit_concerns_at_once(&self, batch: &[PendingConcern]) -> bool {
        let adults: usize = batch.iter().map(|c| c.1.len()).sum();
        let (concern_sql, adult_sql, params) = intake_inserts(batch.len(), adults);
        if params + crate::audit::chain_params(batch.len()) > MAX_PARAMETERS {
            return false;
        }
        let Some(trip) = self.one_trip().await else {
            return false;
        };
        let from = trip.from.clone();
        let (links, end) = crate::audit::link(&from, batch.iter().map(|c| &c.2));
        let mut sql = format!("BEGIN IMMEDIATE; {concern_sql}; ");
        if let Some(adult_sql) = adult_sql {
            sql.push_str(&adult_sql);
            sql.push_str("; ");
        }
        sql.push_str(&crate::audit::chain_sql(params + 1, batch.len()));
        sql.push_str("; COMMIT");
        // A lone concern (every one at one client) always has the same
        // statements: keep them prepared.
        let mut q = sqlx::query(&sql).persistent(batch.len() == 1 && adults == 1);
        for c in batch {
            q = bind_concern!(q, c.0);
        }
        for a in batch.iter().flat_map(|c| &c.1) {
            q = bind_adult!(q, a);
        }
        let q = crate::audit::bind_chain(q, &from, &end, batch.iter().map(|c| &c.2), &links);
        self.run_one_trip(trip, q, end.clone()).await
    }
}

/// The most parameters one statement list binds (SQLite allows 32,766).
const MAX_PARAMETERS: usize = 30_000;

/// Runs a savepoint statement in `tx`.
async fn savepoint(tx: &mut Tx, sql: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(sql).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::RecentEntry;

    #[test]
    fn entries_read_as_columns_pair_up_in_order_and_a_short_column_is_refused() {
        let entries =
            RecentEntry::from_json_columns(r#"[[5, 3], ["Visit \"b\"", "Call"], ["Zoë", "Pat"]]"#)
                .expect("columns");
        assert_eq!(
            entries,
            [
                RecentEntry {
                    at: 5,
                    summary: "Visit \"b\"".into(),
                    actor_name: "Zoë".into()
                },
                RecentEntry {
                    at: 3,
                    summary: "Call".into(),
                    actor_name: "Pat".into()
                }
            ]
        );
        // No rows: each column null (PostgreSQL) or empty (SQLite).
        for none in ["[null, null, null]", "[[], [], []]"] {
            assert_eq!(RecentEntry::from_json_columns(none).expect("none"), []);
        }
        for bad in [
            r#"[[5, 3], ["Visit"], ["Zoë", "Pat"]]"#,
            r#"[[5], ["Visit"], ["Zoë", "Pat"]]"#,
            r#"[[5], ["Visit"]]"#,
        ] {
            assert!(
                matches!(
                    RecentEntry::from_json_columns(bad),
                    Err(crate::StoreError::Corrupt(_))
                ),
                "{bad}"
            );
        }
    }
}
