//! Retention: which case files are past their retention period with no
//! open work, disposing of one completely, and the certificates left behind.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// A case file past retention.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DueRow {
    pub person_id: String,
    /// Unix ms of the last activity on the case (its chronology, or the record's last change).
    pub last_activity: i64,
    pub concerns: i64,
    pub enquiries: i64,
}

/// A disposal certificate.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct CertificateRow {
    pub id: String,
    pub record_type: String,
    pub rule: String,
    pub last_activity_on: String,
    /// What was disposed, as counts per kind of record.
    pub summary: String,
    pub disposed_at: i64,
    pub disposed_by: String,
}

/// The last activity on a person's case (SQL over `p`).
const LAST_ACTIVITY: &str = "(SELECT CASE WHEN MAX(ch.at) IS NULL OR MAX(ch.at) < p.updated_at THEN p.updated_at \
     ELSE MAX(ch.at) END FROM chronology ch WHERE ch.person_id = p.id)";

/// Open work on a person's case (SQL over `p`): an enquiry not concluded, or
/// a concern naming them still waiting for a decision and not closed.
const OPEN_WORK: &str = "(EXISTS (SELECT 1 FROM enquiries oe WHERE oe.person_id = p.id AND oe.state <> 'concluded') \
     OR EXISTS (SELECT 1 FROM concern_adults oa JOIN concerns oc ON oc.id = oa.concern_id \
        WHERE oa.person_id = p.id AND oc.decided_at IS NULL AND oc.closed_at IS NULL))";

/// A concern about no known person, past retention.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DueConcernRow {
    pub concern_id: String,
    pub reference: String,
    /// Unix ms it was decided or closed, whichever was later.
    pub finished_at: i64,
}

/// When a concern was finished with (SQL over `c`).
const FINISHED: &str = "(CASE WHEN c.closed_at IS NULL OR c.closed_at < c.decided_at THEN c.decided_at ELSE c.closed_at END)";

/// A concern linked to no person record (SQL over `c`).
const UNLINKED: &str = "NOT EXISTS (SELECT 1 FROM concern_adults ua WHERE ua.concern_id = c.id AND ua.person_id IS NOT NULL)";

/// Case files (`DueRow`s) past `cutoff` (a bind) with no open work, also
/// meeting `extra` (an SQL condition followed by `AND `, or empty).
fn due_cases(extra: &str, cutoff: &str) -> String {
    format!(
        "SELECT p.id AS person_id, {LAST_ACTIVITY} AS last_activity, \
         (SELECT COUNT(DISTINCT ca.concern_id) FROM concern_adults ca WHERE ca.person_id = p.id) AS concerns, \
         (SELECT COUNT(*) FROM enquiries e WHERE e.person_id = p.id) AS enquiries \
         FROM people p WHERE {extra}{LAST_ACTIVITY} < {cutoff} AND NOT {OPEN_WORK}"
    )
}

/// Concerns about no known person (`DueConcernRow`s) finished with before
/// `cutoff`, also meeting `extra` (as for [`due_cases`]).
fn due_concerns(extra: &str, cutoff: &str) -> String {
    format!(
        "SELECT c.id AS concern_id, c.reference, {FINISHED} AS finished_at FROM concerns c \
         WHERE {extra}{UNLINKED} AND (c.decided_at IS NOT NULL OR c.closed_at IS NOT NULL) AND {FINISHED} < {cutoff}"
    )
}

impl Store {
    /// Case files whose last activity is before `cutoff` (ms) and that have
    /// no open work, oldest first.
    pub async fn retention_due(&self, cutoff: i64, limit: i64) -> Result<Vec<DueRow>> {
        let sql = format!(
            "{} ORDER BY last_activity, p.id LIMIT $2",
            due_cases("", "$1")
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(cutoff)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Concerns about no known person, decided or closed before `cutoff` (ms), oldest first.
    pub async fn retention_due_concerns(
        &self,
        cutoff: i64,
        limit: i64,
    ) -> Result<Vec<DueConcernRow>> {
        let sql = format!(
            "{} ORDER BY finished_at, c.id LIMIT $2",
            due_concerns("", "$1")
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(cutoff)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Disposal certificates, newest first.
    pub async fn certificates(&self, limit: i64) -> Result<Vec<CertificateRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, record_type, rule, last_activity_on, summary, disposed_at, disposed_by \
             FROM disposal_certificates ORDER BY disposed_at DESC, id LIMIT $1"
        )
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }
}

impl Tx {
    /// The case file, if it is still past `cutoff` with no open work (checked
    /// inside the transaction that disposes of it).
    pub async fn still_due(&mut self, person_id: &str, cutoff: i64) -> Result<Option<DueRow>> {
        let sql = due_cases("p.id = $1 AND ", "$2");
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(person_id)
            .bind(cutoff)
            .fetch_optional(&mut *c)
            .await)?)
    }

    async fn delete(&mut self, sql: &str, id: &str) -> Result<u64> {
        Ok(on_tx!(self, |c| sqlx::query(sql)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?)
    }

    /// Deletes a person's whole case file: the record, its enquiries and
    /// everything in them, concerns about no one else, the chronology,
    /// shares, restrictions, emergency openings and drafts of forms about
    /// them. A concern that also names another person keeps them and loses
    /// only this person. Returns what was deleted, by kind. The audit trail
    /// keeps its events (which hold ids, never personal data).
    pub async fn dispose_person(&mut self, p: &str) -> Result<Vec<(&'static str, u64)>> {
        const E: &str = "(SELECT id FROM enquiries WHERE person_id = $1)";
        // Concerns that name this person and no other adult.
        const ONLY: &str = "(SELECT ca.concern_id FROM concern_adults ca WHERE ca.person_id = $1 \
            AND NOT EXISTS (SELECT 1 FROM concern_adults o WHERE o.concern_id = ca.concern_id \
            AND (o.person_id IS NULL OR o.person_id <> $1)))";
        let steps: Vec<(&'static str, String)> = vec![
            // First: which attachments are theirs is read through the
            // enquiries and concerns deleted below.
            ("attachments", format!("DELETE FROM attachments WHERE {}", crate::attachments::OF_CASE_FILE)),
            ("drafts", "DELETE FROM form_drafts WHERE path LIKE '%' || $1 || '%' \
                OR EXISTS (SELECT 1 FROM enquiries d WHERE d.person_id = $1 AND form_drafts.path LIKE '%' || d.id || '%')".into()),
            ("stashed forms", "DELETE FROM form_stash WHERE path LIKE '%' || $1 || '%' \
                OR EXISTS (SELECT 1 FROM enquiries d WHERE d.person_id = $1 AND form_stash.path LIKE '%' || d.id || '%')".into()),
            ("outcome history", format!("DELETE FROM desired_outcome_history WHERE outcome_id IN \
                (SELECT id FROM desired_outcomes WHERE enquiry_id IN {E})")),
            ("plan actions", format!("DELETE FROM plan_actions WHERE enquiry_id IN {E}")),
            ("desired outcomes", format!("DELETE FROM desired_outcomes WHERE enquiry_id IN {E}")),
            ("conclusions", format!("DELETE FROM enquiry_conclusions WHERE enquiry_id IN {E}")),
            ("conclusions returned for changes", format!("DELETE FROM conclusion_returns WHERE enquiry_id IN {E}")),
            ("enquiry records", format!("DELETE FROM enquiry_records WHERE enquiry_id IN {E}")),
            ("feedback", format!("DELETE FROM feedback WHERE enquiry_id IN {E}")),
            ("feedback links", format!("DELETE FROM feedback_links WHERE enquiry_id IN {E}")),
            ("need-to-know members", format!("DELETE FROM enquiry_members WHERE enquiry_id IN {E}")),
            ("leads allocated without the required training", format!("DELETE FROM competence_overrides WHERE enquiry_id IN {E}")),
            ("decisions about it in supervision", format!("DELETE FROM supervision_cases WHERE enquiry_id IN {E}")),
            ("case-file audit grades", format!("DELETE FROM case_audit_answers WHERE audit_id IN \
                (SELECT id FROM case_audits WHERE enquiry_id IN {E})")),
            ("case-file audit actions", format!("DELETE FROM case_audit_actions WHERE audit_id IN \
                (SELECT id FROM case_audits WHERE enquiry_id IN {E})")),
            ("case-file audits", format!("DELETE FROM case_audits WHERE enquiry_id IN {E}")),
            // A reflection is its author's CPD record: it stays, unlinked from the case.
            ("reflections linked to it (unlinked)", format!("UPDATE reflections SET enquiry_id = NULL WHERE enquiry_id IN {E}")),
            ("information shares", format!("DELETE FROM information_shares WHERE person_id = $1 OR enquiry_id IN {E}")),
            // The large-scale enquiry is about the provider: it stays, without this adult.
            ("links to large-scale enquiries", format!("DELETE FROM large_scale_links WHERE enquiry_id IN {E}")),
            ("enquiries", "DELETE FROM enquiries WHERE person_id = $1".into()),
            ("contacts and case notes", "DELETE FROM contacts WHERE person_id = $1".into()),
            ("chronology", format!("DELETE FROM chronology WHERE person_id = $1 OR concern_id IN {ONLY}")),
            ("emergency openings", "DELETE FROM break_glass WHERE person_id = $1".into()),
            ("access list", "DELETE FROM restriction_access WHERE person_id = $1".into()),
            ("restriction", "DELETE FROM person_restrictions WHERE person_id = $1".into()),
            ("messages to raisers", format!("DELETE FROM concern_messages WHERE concern_id IN {ONLY}")),
            ("triage decisions", format!("DELETE FROM triage_decisions WHERE concern_id IN {ONLY}")),
            ("concerns behind pattern alerts", format!("DELETE FROM pattern_alert_concerns WHERE concern_id IN {ONLY} \
                OR alert_id IN (SELECT id FROM pattern_alerts WHERE subject_kind = 'person' AND subject_id = $1)")),
            ("pattern alerts about them", "DELETE FROM pattern_alerts WHERE subject_kind = 'person' AND subject_id = $1".into()),
            ("people alleged to have caused harm", format!("DELETE FROM alleged_persons WHERE concern_id IN {ONLY}")),
            // An allegation against this person on someone else's concern is
            // that concern's record: it stays, no longer linked to the record.
            ("named as alleged to have caused harm (unlinked)", "UPDATE alleged_persons SET person_id = NULL WHERE person_id = $1".into()),
            ("concerns", format!("DELETE FROM concerns WHERE id IN {ONLY}")),
            ("named in others' concerns", "DELETE FROM concern_adults WHERE person_id = $1".into()),
            ("suspected duplicates", "DELETE FROM suspected_duplicates WHERE person_id = $1 OR other_id = $1 \
                OR person_id IN (SELECT id FROM people WHERE merged_into = $1) \
                OR other_id IN (SELECT id FROM people WHERE merged_into = $1)".into()),
            ("merges", "DELETE FROM person_merges WHERE kept_id = $1 OR merged_id = $1".into()),
            ("records merged into it", "DELETE FROM people WHERE merged_into = $1".into()),
            ("other names", "DELETE FROM person_other_names WHERE person_id = $1".into()),
            ("key people", "DELETE FROM person_key_people WHERE person_id = $1".into()),
            ("person records", "DELETE FROM people WHERE id = $1".into()),
        ];
        // The search index is not a record of its own: it goes unreported.
        self.delete_search_keys(p).await?;
        let mut out = Vec::new();
        for (what, sql) in steps {
            let n = self.delete(&sql, p).await?;
            if n > 0 {
                out.push((what, n));
            }
        }
        Ok(out)
    }

    /// The concern, if it is still about no known person and finished before `cutoff`.
    pub async fn concern_still_due(
        &mut self,
        id: &str,
        cutoff: i64,
    ) -> Result<Option<DueConcernRow>> {
        let sql = due_concerns("c.id = $1 AND ", "$2");
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(cutoff)
            .fetch_optional(&mut *c)
            .await)?)
    }

    /// Deletes a concern about no known person and everything in it.
    pub async fn dispose_concern(&mut self, id: &str) -> Result<Vec<(&'static str, u64)>> {
        let steps: [(&'static str, &str); 8] = [
            (
                "attachments",
                "DELETE FROM attachments WHERE owner_kind = 'concern' AND owner_id = $1",
            ),
            ("chronology", "DELETE FROM chronology WHERE concern_id = $1"),
            (
                "concerns behind pattern alerts",
                "DELETE FROM pattern_alert_concerns WHERE concern_id = $1",
            ),
            (
                "people alleged to have caused harm",
                "DELETE FROM alleged_persons WHERE concern_id = $1",
            ),
            (
                "messages to raisers",
                "DELETE FROM concern_messages WHERE concern_id = $1",
            ),
            (
                "triage decisions",
                "DELETE FROM triage_decisions WHERE concern_id = $1",
            ),
            (
                "adults named",
                "DELETE FROM concern_adults WHERE concern_id = $1",
            ),
            ("concerns", "DELETE FROM concerns WHERE id = $1"),
        ];
        let mut out = Vec::new();
        for (what, sql) in steps {
            let n = self.delete(sql, id).await?;
            if n > 0 {
                out.push((what, n));
            }
        }
        Ok(out)
    }

    /// Records a disposal certificate.
    pub async fn insert_certificate(&mut self, c: &CertificateRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO disposal_certificates (id, record_type, rule, last_activity_on, summary, disposed_at, disposed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&c.id)
        .bind(&c.record_type)
        .bind(&c.rule)
        .bind(&c.last_activity_on)
        .bind(&c.summary)
        .bind(c.disposed_at)
        .bind(&c.disposed_by)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}
