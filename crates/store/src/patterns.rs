//! People alleged to have caused harm, the pattern rules' settings, and
//! pattern alerts with the concerns behind them.

use sqlx::FromRow;

use crate::concerns::{CONCERN_COLUMNS, ConcernRow, ConcernScope, bind_all, scope_clause};
use crate::{Result, Store, Tx, on_db, on_tx};

/// A person alleged to have caused harm, on a concern.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AllegedRow {
    pub id: String,
    pub concern_id: String,
    pub kind: String,
    pub person_id: Option<String>,
    pub provider_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub relationship: String,
    pub match_key: Option<String>,
    pub outcome: String,
    pub outcome_detail: Option<String>,
    pub outcome_at: Option<i64>,
    pub outcome_by: Option<String>,
    pub created_at: i64,
    pub created_by: String,
}

const ALLEGED_COLUMNS: &str = "id, concern_id, kind, person_id, provider_id, name, description, \
    relationship, match_key, outcome, outcome_detail, outcome_at, outcome_by, created_at, created_by";

/// A rule's settings as the council set them.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RuleRow {
    pub rule: String,
    pub enabled: bool,
    pub threshold: i64,
    pub days: i64,
}

/// A pattern alert.
#[derive(Clone, Debug, FromRow, PartialEq, Eq, serde::Deserialize)]
#[allow(missing_docs)]
pub struct AlertRow {
    pub id: String,
    pub rule: String,
    /// `person`, `provider` or `alleged`.
    pub subject_kind: String,
    /// The person's or provider's id, or the alleged person's key.
    pub subject_id: String,
    pub subject_label: String,
    pub threshold: i64,
    pub days: i64,
    pub raised_at: i64,
    pub decision: Option<String>,
    pub reasons: Option<String>,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_by_name: Option<String>,
}

pub(crate) const ALERT_COLUMNS: &str = "id, rule, subject_kind, subject_id, subject_label, threshold, days, \
    raised_at, decision, reasons, decided_at, decided_by, decided_by_name";

/// A concern and the adult it is about, for counting adults.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct ConcernAdult {
    /// The concern.
    pub concern_id: String,
    /// The adult: their person record, or the concern and position when unlinked.
    pub adult: String,
}

impl Store {
    /// The people alleged to have caused harm on a concern, oldest first.
    pub async fn alleged_for_concern(&self, concern_id: &str) -> Result<Vec<AllegedRow>> {
        let sql = format!(
            "SELECT {ALLEGED_COLUMNS} FROM alleged_persons WHERE concern_id = $1 ORDER BY created_at, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(concern_id)
            .fetch_all(p)
            .await)?)
    }

    /// The people alleged to have caused harm who worked for a provider, on
    /// the concerns `scope` lets the reader see.
    pub async fn alleged_staff_of(
        &self,
        scope: &ConcernScope,
        provider_id: &str,
    ) -> Result<Vec<AllegedRow>> {
        let Some((clause, arg)) = scope_clause(scope, 2) else {
            return Ok(Vec::new());
        };
        let cols = ALLEGED_COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM alleged_persons a JOIN concerns ON concerns.id = a.concern_id \
             WHERE a.provider_id = $1 AND {clause} ORDER BY a.created_at DESC"
        );
        Ok(on_db!(self, |p| {
            bind_all!(sqlx::query_as(&sql).bind(provider_id), &arg)
                .fetch_all(p)
                .await
        })?)
    }

    /// The council's rule settings (rules never set have no row).
    pub async fn pattern_rules(&self) -> Result<Vec<RuleRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT rule, enabled, threshold, days FROM pattern_rules ORDER BY rule"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Alerts, undecided first then newest, with how many of each alert's
    /// concerns `scope` lets the reader see; alerts they may see none of are
    /// left out.
    pub async fn alerts(&self, scope: &ConcernScope, limit: i64) -> Result<Vec<(AlertRow, i64)>> {
        let Some((clause, arg)) = scope_clause(scope, 2) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {ALERT_COLUMNS}, (SELECT COUNT(*) FROM pattern_alert_concerns pc \
             JOIN concerns ON concerns.id = pc.concern_id WHERE pc.alert_id = pattern_alerts.id AND {clause}) AS seen \
             FROM pattern_alerts ORDER BY CASE WHEN decided_at IS NULL THEN 0 ELSE 1 END, raised_at DESC, id LIMIT $1"
        );
        let rows: Vec<AlertWithCount> = on_db!(self, |p| {
            bind_all!(sqlx::query_as(&sql).bind(limit), &arg)
                .fetch_all(p)
                .await
        })?;
        Ok(rows
            .into_iter()
            .filter(|r| r.seen > 0)
            .map(|r| (r.alert, r.seen))
            .collect())
    }

    /// How many undecided alerts have a concern `scope` lets the reader see.
    pub async fn undecided_alerts(&self, scope: &ConcernScope) -> Result<i64> {
        let Some((clause, arg)) = scope_clause(scope, 1) else {
            return Ok(0);
        };
        let sql = format!(
            "SELECT COUNT(*) FROM pattern_alerts WHERE decided_at IS NULL AND EXISTS \
             (SELECT 1 FROM pattern_alert_concerns pc JOIN concerns ON concerns.id = pc.concern_id \
             WHERE pc.alert_id = pattern_alerts.id AND {clause})"
        );
        Ok(on_db!(self, |p| {
            bind_all!(sqlx::query_scalar(&sql), &arg).fetch_one(p).await
        })?)
    }

    /// One alert.
    pub async fn alert(&self, id: &str) -> Result<Option<AlertRow>> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM pattern_alerts WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// The alerts about one subject, newest first.
    pub async fn alerts_about(&self, kind: &str, subject_id: &str) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM pattern_alerts WHERE subject_kind = $1 AND subject_id = $2 \
             ORDER BY raised_at DESC, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(kind)
            .bind(subject_id)
            .fetch_all(p)
            .await)?)
    }

    /// The alerts a concern is behind, newest first.
    pub async fn alerts_for_concern(&self, concern_id: &str) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM pattern_alerts WHERE id IN \
             (SELECT alert_id FROM pattern_alert_concerns WHERE concern_id = $1) ORDER BY raised_at DESC, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(concern_id)
            .fetch_all(p)
            .await)?)
    }

    /// The alerts about one person, as the adult (`person`) or as someone
    /// alleged to have caused harm (`alleged`), newest first: one read for
    /// the person's page.
    pub async fn alerts_about_person(&self, person_id: &str) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM pattern_alerts WHERE subject_id = $1 \
             AND subject_kind IN ('person', 'alleged') ORDER BY raised_at DESC, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(person_id)
            .fetch_all(p)
            .await)?)
    }

    /// The concerns behind an alert that `scope` lets the reader see, oldest first.
    pub async fn alert_concerns(
        &self,
        scope: &ConcernScope,
        alert_id: &str,
    ) -> Result<Vec<ConcernRow>> {
        let Some((clause, arg)) = scope_clause(scope, 2) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {CONCERN_COLUMNS} FROM concerns WHERE id IN \
             (SELECT concern_id FROM pattern_alert_concerns WHERE alert_id = $1) AND {clause} \
             ORDER BY received_at, id"
        );
        Ok(on_db!(self, |p| {
            bind_all!(sqlx::query_as(&sql).bind(alert_id), &arg)
                .fetch_all(p)
                .await
        })?)
    }
}

#[derive(FromRow)]
struct AlertWithCount {
    #[sqlx(flatten)]
    alert: AlertRow,
    seen: i64,
}

impl Tx {
    /// Records a person alleged to have caused harm.
    pub async fn insert_alleged(&mut self, a: &AllegedRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO alleged_persons ({ALLEGED_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        );
        on_tx!(self, |x| sqlx::query(&sql)
            .bind(&a.id)
            .bind(&a.concern_id)
            .bind(&a.kind)
            .bind(&a.person_id)
            .bind(&a.provider_id)
            .bind(&a.name)
            .bind(&a.description)
            .bind(&a.relationship)
            .bind(&a.match_key)
            .bind(&a.outcome)
            .bind(&a.outcome_detail)
            .bind(a.outcome_at)
            .bind(&a.outcome_by)
            .bind(a.created_at)
            .bind(&a.created_by)
            .execute(&mut *x)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Records the outcome for an alleged person on a concern; false when
    /// there is no such person on that concern.
    pub async fn set_alleged_outcome(
        &mut self,
        concern_id: &str,
        id: &str,
        outcome: &str,
        detail: Option<&str>,
        at: i64,
        by: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| {
            sqlx::query(
            "UPDATE alleged_persons SET outcome = $3, outcome_detail = $4, outcome_at = $5, outcome_by = $6 \
             WHERE id = $1 AND concern_id = $2"
        )
        .bind(id)
        .bind(concern_id)
        .bind(outcome)
        .bind(detail)
        .bind(at)
        .bind(by)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// The council's rule settings, read in the transaction.
    pub async fn pattern_rules(&mut self) -> Result<Vec<RuleRow>> {
        Ok(on_tx!(self, |x| sqlx::query_as(
            "SELECT rule, enabled, threshold, days FROM pattern_rules ORDER BY rule"
        )
        .fetch_all(&mut *x)
        .await)?)
    }

    /// Sets a rule's settings.
    pub async fn set_pattern_rule(&mut self, r: &RuleRow, at: i64, by: &str) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO pattern_rules (rule, enabled, threshold, days, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rule) DO UPDATE SET enabled = excluded.enabled, \
             threshold = excluded.threshold, days = excluded.days, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by"
        )
        .bind(&r.rule)
        .bind(r.enabled)
        .bind(r.threshold)
        .bind(r.days)
        .bind(at)
        .bind(by)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Concerns naming a person received at or after `since`, oldest first.
    pub async fn concerns_about_person_since(
        &mut self,
        person_id: &str,
        since: i64,
    ) -> Result<Vec<String>> {
        Ok(on_tx!(self, |x| sqlx::query_scalar(
            "SELECT c.id FROM concerns c WHERE c.received_at >= $2 AND EXISTS \
             (SELECT 1 FROM concern_adults a WHERE a.concern_id = c.id AND a.person_id = $1) \
             ORDER BY c.received_at, c.id"
        )
        .bind(person_id)
        .bind(since)
        .fetch_all(&mut *x)
        .await)?)
    }

    /// The concerns that led to a person's enquiries signed off at or after
    /// `since`, other than `except`.
    pub async fn enquiries_closed_since(
        &mut self,
        person_id: &str,
        since: i64,
        except: &str,
    ) -> Result<Vec<String>> {
        Ok(on_tx!(self, |x| {
            sqlx::query_scalar(
            "SELECT e.concern_id FROM enquiries e JOIN enquiry_conclusions k ON k.enquiry_id = e.id \
             WHERE e.person_id = $1 AND k.signed_off_at >= $2 AND e.concern_id <> $3 \
             ORDER BY k.signed_off_at, e.concern_id"
        )
        .bind(person_id)
        .bind(since)
        .bind(except)
        .fetch_all(&mut *x)
        .await
        })?)
    }

    /// Concerns about a provider received at or after `since`, oldest first.
    pub async fn concerns_about_provider_since(
        &mut self,
        provider_id: &str,
        since: i64,
    ) -> Result<Vec<String>> {
        Ok(on_tx!(self, |x| {
            sqlx::query_scalar(
            "SELECT id FROM concerns WHERE provider_id = $1 AND received_at >= $2 ORDER BY received_at, id"
        )
        .bind(provider_id)
        .bind(since)
        .fetch_all(&mut *x)
        .await
        })?)
    }

    /// The concerns received at or after `since` naming the same alleged
    /// person (by person record, or else by key), with each adult they are
    /// about.
    pub async fn adults_with_alleged_since(
        &mut self,
        person_id: Option<&str>,
        key: Option<&str>,
        since: i64,
    ) -> Result<Vec<ConcernAdult>> {
        let (filter, value) = match (person_id, key) {
            (Some(p), _) => ("al.person_id = $1", p),
            (None, Some(k)) => ("al.person_id IS NULL AND al.match_key = $1", k),
            (None, None) => return Ok(Vec::new()),
        };
        let sql = format!(
            "SELECT DISTINCT c.id AS concern_id, \
             COALESCE(ad.person_id, c.id || ':' || CAST(ad.position AS TEXT)) AS adult \
             FROM alleged_persons al JOIN concerns c ON c.id = al.concern_id \
             JOIN concern_adults ad ON ad.concern_id = c.id \
             WHERE {filter} AND c.received_at >= $2 ORDER BY 1, 2"
        );
        Ok(on_tx!(self, |x| sqlx::query_as(&sql)
            .bind(value)
            .bind(since)
            .fetch_all(&mut *x)
            .await)?)
    }

    /// The undecided alert of a rule about a subject, if there is one.
    pub async fn open_alert(
        &mut self,
        rule: &str,
        kind: &str,
        subject_id: &str,
    ) -> Result<Option<String>> {
        Ok(on_tx!(self, |x| {
            sqlx::query_scalar(
            "SELECT id FROM pattern_alerts WHERE subject_kind = $2 AND subject_id = $3 AND rule = $1 \
             AND decided_at IS NULL ORDER BY raised_at DESC LIMIT 1"
        )
        .bind(rule)
        .bind(kind)
        .bind(subject_id)
        .fetch_optional(&mut *x)
        .await
        })?)
    }

    /// Whether a concern is already behind a decided alert of this rule about
    /// this subject (so deciding an alert is not undone by re-counting the
    /// same concerns).
    pub async fn concern_already_decided(
        &mut self,
        rule: &str,
        kind: &str,
        subject_id: &str,
        concern_id: &str,
    ) -> Result<bool> {
        let n: i64 = on_tx!(self, |x| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM pattern_alert_concerns pc JOIN pattern_alerts a ON a.id = pc.alert_id \
             WHERE a.rule = $1 AND a.subject_kind = $2 AND a.subject_id = $3 AND pc.concern_id = $4"
        )
        .bind(rule)
        .bind(kind)
        .bind(subject_id)
        .bind(concern_id)
        .fetch_one(&mut *x)
        .await
        })?;
        Ok(n > 0)
    }

    /// Raises an alert.
    pub async fn insert_alert(&mut self, a: &AlertRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO pattern_alerts ({ALERT_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        on_tx!(self, |x| sqlx::query(&sql)
            .bind(&a.id)
            .bind(&a.rule)
            .bind(&a.subject_kind)
            .bind(&a.subject_id)
            .bind(&a.subject_label)
            .bind(a.threshold)
            .bind(a.days)
            .bind(a.raised_at)
            .bind(&a.decision)
            .bind(&a.reasons)
            .bind(a.decided_at)
            .bind(&a.decided_by)
            .bind(&a.decided_by_name)
            .execute(&mut *x)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Puts concerns behind an alert (those already there stay once);
    /// returns how many were new.
    pub async fn add_alert_concerns(&mut self, alert_id: &str, ids: &[String]) -> Result<u64> {
        let mut n = 0;
        for id in ids {
            n += on_tx!(self, |x| sqlx::query(
                "INSERT INTO pattern_alert_concerns (alert_id, concern_id) VALUES ($1, $2) \
                 ON CONFLICT (alert_id, concern_id) DO NOTHING"
            )
            .bind(alert_id)
            .bind(id)
            .execute(&mut *x)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Ok(n)
    }

    /// Records a manager's decision on an undecided alert; false when it was
    /// already decided.
    pub async fn decide_alert(
        &mut self,
        id: &str,
        decision: &str,
        reasons: &str,
        at: i64,
        by: &str,
        by_name: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| {
            sqlx::query(
            "UPDATE pattern_alerts SET decision = $2, reasons = $3, decided_at = $4, decided_by = $5, \
             decided_by_name = $6 WHERE id = $1 AND decided_at IS NULL"
        )
        .bind(id)
        .bind(decision)
        .bind(reasons)
        .bind(at)
        .bind(by)
        .bind(by_name)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// The council managers to tell of a new alert: (name, email address),
    /// active accounts with an address only.
    pub async fn alert_recipients(&mut self) -> Result<Vec<(String, String)>> {
        Ok(on_tx!(self, |x| {
            sqlx::query_as(
            "SELECT u.display_name, u.email FROM users u JOIN agencies a ON a.id = u.agency_id \
             WHERE u.role = 'manager' AND a.is_owner AND NOT u.disabled AND NOT u.awaiting_approval \
             AND u.email IS NOT NULL AND u.email <> '' ORDER BY u.username"
        )
        .fetch_all(&mut *x)
        .await
        })?)
    }

    /// A provider's name, address and CQC location id, read in the transaction.
    pub async fn provider_facts(
        &mut self,
        id: &str,
    ) -> Result<Option<(String, Option<String>, Option<String>)>> {
        Ok(on_tx!(self, |x| sqlx::query_as(
            "SELECT name, postcode, registration_id FROM providers WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(&mut *x)
        .await)?)
    }
}
