//! Large-scale enquiries: their links to adults' enquiries, meetings,
//! actions and closure.

use sqlx::FromRow;

use crate::access::Viewer;
use crate::concerns::bind_all;
use crate::enquiries::EnquiryRow;
use crate::{Result, Store, Tx, on_db, on_tx};

/// A large-scale enquiry.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct LargeScaleRow {
    pub id: String,
    pub provider_id: String,
    pub reason: String,
    pub alert_id: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    pub opened_at: i64,
    pub opened_by: String,
    pub opened_by_name: String,
    pub outcome: Option<String>,
    pub closure_summary: Option<String>,
    pub closed_at: Option<i64>,
    pub closed_by_name: Option<String>,
}

const COLUMNS: &str = "id, provider_id, reason, alert_id, state, opened_at, opened_by, \
    opened_by_name, outcome, closure_summary, closed_at, closed_by_name";

/// An action of a large-scale enquiry.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct LsActionRow {
    pub id: String,
    pub lse_id: String,
    pub description: String,
    pub owner: String,
    pub by_provider: bool,
    pub due_on: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by_name: String,
}

/// A meeting of a large-scale enquiry.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct LsMeetingRow {
    pub id: String,
    pub lse_id: String,
    pub kind: String,
    pub held_on: String,
    pub attendees: String,
    pub summary: String,
    pub recorded_at: i64,
    pub recorded_by_name: String,
}

#[derive(FromRow)]
struct Named {
    #[sqlx(flatten)]
    lse: LargeScaleRow,
    provider_name: String,
}

impl Store {
    /// Large-scale enquiries with their provider's name, open first, then newest.
    pub async fn large_scale_enquiries(&self) -> Result<Vec<(LargeScaleRow, String)>> {
        let cols = COLUMNS
            .split(", ")
            .map(|c| format!("l.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols}, p.name AS provider_name FROM large_scale_enquiries l \
             JOIN providers p ON p.id = l.provider_id \
             ORDER BY CASE WHEN l.state = 'open' THEN 0 ELSE 1 END, l.opened_at DESC, l.id LIMIT 500"
        );
        let rows: Vec<Named> = on_db!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|r| (r.lse, r.provider_name)).collect())
    }

    /// The large-scale enquiries about a provider, newest first.
    pub async fn large_scale_for_provider(&self, provider_id: &str) -> Result<Vec<LargeScaleRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM large_scale_enquiries WHERE provider_id = $1 ORDER BY opened_at DESC, id"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(provider_id)
            .fetch_all(p)
            .await)?)
    }

    /// The large-scale enquiries an adult's enquiry is linked to.
    pub async fn large_scale_for_enquiry(&self, enquiry_id: &str) -> Result<Vec<LargeScaleRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM large_scale_enquiries WHERE id IN \
             (SELECT lse_id FROM large_scale_links WHERE enquiry_id = $1) ORDER BY opened_at DESC"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(enquiry_id)
            .fetch_all(p)
            .await)?)
    }

    /// One large-scale enquiry.
    pub async fn large_scale(&self, id: &str) -> Result<Option<LargeScaleRow>> {
        let sql = format!("SELECT {COLUMNS} FROM large_scale_enquiries WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// How many adults' enquiries are linked, and how many of them `viewer`
    /// may see (the rest are counted, never shown).
    pub async fn large_scale_linked(
        &self,
        id: &str,
        viewer: &Viewer,
    ) -> Result<(i64, Vec<EnquiryRow>)> {
        let all: i64 = on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM large_scale_links WHERE lse_id = $1"
        )
        .bind(id)
        .fetch_one(p)
        .await)?;
        // Binds from $2: user, team, now, manager.
        let visible = viewer.person_sql("enquiries.person_id", 2);
        let hidden = crate::access::restricted_out_sql("enquiries.person_id", 2, 4);
        let sql = format!(
            "SELECT {} FROM enquiries WHERE id IN (SELECT enquiry_id FROM large_scale_links WHERE lse_id = $1) \
             AND ({visible} OR (EXISTS (SELECT 1 FROM enquiry_members em \
             WHERE em.enquiry_id = enquiries.id AND em.user_id = $2) AND NOT {hidden})) ORDER BY created_at",
            crate::enquiries::ENQUIRY_COLUMNS
        );
        let binds = viewer.binds();
        let rows: Vec<EnquiryRow> = on_db!(self, |p| {
            bind_all!(sqlx::query_as(&sql).bind(id), &binds)
                .fetch_all(p)
                .await
        })?;
        Ok((all, rows))
    }

    /// Its actions, by due date.
    pub async fn large_scale_actions(&self, id: &str) -> Result<Vec<LsActionRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, lse_id, description, owner, by_provider, due_on, status, created_at, updated_at, \
             updated_by_name FROM large_scale_actions WHERE lse_id = $1 ORDER BY due_on, created_at"
        )
        .bind(id)
        .fetch_all(p)
        .await
        })?)
    }

    /// Its meetings, oldest first.
    pub async fn large_scale_meetings(&self, id: &str) -> Result<Vec<LsMeetingRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, lse_id, kind, held_on, attendees, summary, recorded_at, recorded_by_name \
             FROM large_scale_meetings WHERE lse_id = $1 ORDER BY held_on, recorded_at"
        )
        .bind(id)
        .fetch_all(p)
        .await)?)
    }
}

impl Tx {
    /// Opens a large-scale enquiry.
    pub async fn insert_large_scale(&mut self, r: &LargeScaleRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO large_scale_enquiries ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        on_tx!(self, |x| sqlx::query(&sql)
            .bind(&r.id)
            .bind(&r.provider_id)
            .bind(&r.reason)
            .bind(&r.alert_id)
            .bind(&r.state)
            .bind(r.opened_at)
            .bind(&r.opened_by)
            .bind(&r.opened_by_name)
            .bind(&r.outcome)
            .bind(&r.closure_summary)
            .bind(r.closed_at)
            .bind(&r.closed_by_name)
            .execute(&mut *x)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Links an adult's enquiry; false when it already was.
    pub async fn link_large_scale(
        &mut self,
        id: &str,
        enquiry_id: &str,
        at: i64,
        by_name: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| sqlx::query(
            "INSERT INTO large_scale_links (lse_id, enquiry_id, linked_at, linked_by_name) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (lse_id, enquiry_id) DO NOTHING"
        )
        .bind(id)
        .bind(enquiry_id)
        .bind(at)
        .bind(by_name)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Adds an action.
    pub async fn insert_ls_action(&mut self, a: &LsActionRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO large_scale_actions (id, lse_id, description, owner, by_provider, due_on, status, \
             created_at, updated_at, updated_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .bind(&a.id)
        .bind(&a.lse_id)
        .bind(&a.description)
        .bind(&a.owner)
        .bind(a.by_provider)
        .bind(&a.due_on)
        .bind(&a.status)
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(&a.updated_by_name)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Sets an action's status; false when the action is not this enquiry's.
    pub async fn set_ls_action_status(
        &mut self,
        id: &str,
        action_id: &str,
        status: &str,
        at: i64,
        by_name: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| sqlx::query(
            "UPDATE large_scale_actions SET status = $3, updated_at = $4, updated_by_name = $5 \
             WHERE id = $2 AND lse_id = $1"
        )
        .bind(id)
        .bind(action_id)
        .bind(status)
        .bind(at)
        .bind(by_name)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Records a meeting.
    pub async fn insert_ls_meeting(&mut self, m: &LsMeetingRow) -> Result<()> {
        on_tx!(self, |x| {
            sqlx::query(
            "INSERT INTO large_scale_meetings (id, lse_id, kind, held_on, attendees, summary, recorded_at, \
             recorded_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(&m.id)
        .bind(&m.lse_id)
        .bind(&m.kind)
        .bind(&m.held_on)
        .bind(&m.attendees)
        .bind(&m.summary)
        .bind(m.recorded_at)
        .bind(&m.recorded_by_name)
        .execute(&mut *x)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Closes an open large-scale enquiry; false when it was not open.
    pub async fn close_large_scale(
        &mut self,
        id: &str,
        outcome: &str,
        summary: &str,
        at: i64,
        by_name: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |x| {
            sqlx::query(
            "UPDATE large_scale_enquiries SET state = 'closed', outcome = $2, closure_summary = $3, \
             closed_at = $4, closed_by_name = $5 WHERE id = $1 AND state = 'open'"
        )
        .bind(id)
        .bind(outcome)
        .bind(summary)
        .bind(at)
        .bind(by_name)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// How many of its actions are still planned or in progress.
    pub async fn ls_open_actions(&mut self, id: &str) -> Result<i64> {
        Ok(on_tx!(self, |x| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM large_scale_actions WHERE lse_id = $1 AND status IN ('planned', 'in_progress')"
        )
        .bind(id)
        .fetch_one(&mut *x)
        .await
        })?)
    }
}
