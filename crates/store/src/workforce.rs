//! Competence and training: framework levels, the level each role needs,
//! workers' learning records, leads allocated without the required
//! competence, and the reminders queued before learning runs out.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// One level of a competency framework.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct LevelRow {
    pub id: String,
    pub framework: String,
    pub rank: i64,
    pub name: String,
    pub description: String,
    pub refresh_months: i64,
    pub hours_tenths: i64,
}

/// A learning record.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct LearningRow {
    pub id: String,
    pub user_id: String,
    pub title: String,
    pub kind: String,
    pub provider: Option<String>,
    /// `YYYY-MM-DD`.
    pub completed_on: String,
    pub hours_tenths: i64,
    pub level_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    pub evidence: Option<String>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// A lead allocated without the required current competence.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct OverrideRow {
    pub id: String,
    pub enquiry_id: String,
    pub lead_id: String,
    pub level_id: String,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: i64,
}

const LEARNING_COLUMNS: &str = "id, user_id, title, kind, provider, completed_on, hours_tenths, \
    level_id, expires_on, evidence, recorded_by, recorded_at";

impl Store {
    /// Every framework level, by framework and rank.
    pub async fn competence_levels(&self) -> Result<Vec<LevelRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, framework, rank, name, description, refresh_months, hours_tenths \
             FROM competence_levels ORDER BY framework, rank"
        )
        .fetch_all(p)
        .await)?)
    }

    /// The levels each role needs: (role code, level id).
    pub async fn competence_requirements(&self) -> Result<Vec<(String, String)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT role, level_id FROM competence_requirements ORDER BY role, level_id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Every account's job title: (user id, title).
    pub async fn job_titles(&self) -> Result<Vec<(String, String)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT user_id, job_title FROM user_job_titles ORDER BY user_id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// The levels each job title needs: (title, level id).
    pub async fn job_requirements(&self) -> Result<Vec<(String, String)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT job_title, level_id FROM competence_job_requirements \
             ORDER BY job_title, level_id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// The level an enquiry lead needs, if one is set.
    pub async fn enquiry_lead_level(&self) -> Result<Option<String>> {
        let v: Option<Option<String>> = on_db!(self, |p| sqlx::query_scalar(
            "SELECT enquiry_lead_level_id FROM workforce_settings WHERE id = 1"
        )
        .fetch_optional(p)
        .await)?;
        Ok(v.flatten())
    }

    /// The learning records of these workers, newest first.
    pub async fn learning_of(&self, user_ids: &[String]) -> Result<Vec<LearningRow>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = Vec::new();
        for chunk in user_ids.chunks(500) {
            let sql = format!(
                "SELECT {LEARNING_COLUMNS} FROM learning_records WHERE user_id IN ({}) \
                 ORDER BY completed_on DESC, recorded_at DESC",
                crate::marks(1, chunk.len())
            );
            let mut part: Vec<LearningRow> = on_db!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?;
            rows.append(&mut part);
        }
        Ok(rows)
    }

    /// Leads allocated without the required competence since `from_ms`, newest first.
    pub async fn competence_overrides_since(&self, from_ms: i64) -> Result<Vec<OverrideRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, enquiry_id, lead_id, level_id, reason, decided_by, decided_at \
             FROM competence_overrides WHERE decided_at >= $1 ORDER BY decided_at DESC"
        )
        .bind(from_ms)
        .fetch_all(p)
        .await)?)
    }
}

impl Tx {
    /// Records a worker's learning.
    pub async fn insert_learning(&mut self, r: &LearningRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO learning_records (id, user_id, title, kind, provider, completed_on, hours_tenths, \
             level_id, expires_on, evidence, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        )
        .bind(&r.id)
        .bind(&r.user_id)
        .bind(&r.title)
        .bind(&r.kind)
        .bind(&r.provider)
        .bind(&r.completed_on)
        .bind(r.hours_tenths)
        .bind(&r.level_id)
        .bind(&r.expires_on)
        .bind(&r.evidence)
        .bind(&r.recorded_by)
        .bind(r.recorded_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Changes a level's name, description, refresh period and hours.
    /// Returns whether the level exists.
    pub async fn update_level(
        &mut self,
        id: &str,
        name: &str,
        description: &str,
        refresh_months: i64,
        hours_tenths: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE competence_levels SET name = $2, description = $3, refresh_months = $4, hours_tenths = $5 \
             WHERE id = $1"
        )
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(refresh_months)
        .bind(hours_tenths)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Adds a level at the end of its framework.
    pub async fn insert_level(&mut self, l: &LevelRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO competence_levels (id, framework, rank, name, description, refresh_months, hours_tenths) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(rank), 0) + 1 FROM competence_levels WHERE framework = $2), \
             $3, $4, $5, $6)"
        )
        .bind(&l.id)
        .bind(&l.framework)
        .bind(&l.name)
        .bind(&l.description)
        .bind(l.refresh_months)
        .bind(l.hours_tenths)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Sets the levels `role` needs (replacing what it needed).
    pub async fn set_requirements(&mut self, role: &str, level_ids: &[String]) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM competence_requirements WHERE role = $1"
        )
        .bind(role)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        for id in level_ids {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO competence_requirements (role, level_id) VALUES ($1, $2)"
            )
            .bind(role)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Sets (or, with `None`, clears) an account's job title.
    pub async fn set_job_title(&mut self, user_id: &str, title: Option<&str>) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM user_job_titles WHERE user_id = $1"
        )
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        if let Some(t) = title {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO user_job_titles (user_id, job_title) VALUES ($1, $2)"
            )
            .bind(user_id)
            .bind(t)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Sets the levels a job title needs (none: it needs nothing of its own).
    pub async fn set_job_requirements(&mut self, title: &str, level_ids: &[String]) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM competence_job_requirements WHERE job_title = $1"
        )
        .bind(title)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        for id in level_ids {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO competence_job_requirements (job_title, level_id) VALUES ($1, $2)"
            )
            .bind(title)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Sets the level an enquiry lead needs (none: any council practitioner or manager).
    pub async fn set_enquiry_lead_level(&mut self, level_id: Option<&str>) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO workforce_settings (id, enquiry_lead_level_id) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET enquiry_lead_level_id = excluded.enquiry_lead_level_id"
        )
        .bind(level_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records a lead allocated without the required competence, with the reason.
    pub async fn insert_competence_override(&mut self, o: &OverrideRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO competence_overrides (id, enquiry_id, lead_id, level_id, reason, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&o.id)
        .bind(&o.enquiry_id)
        .bind(&o.lead_id)
        .bind(&o.level_id)
        .bind(&o.reason)
        .bind(&o.decided_by)
        .bind(o.decided_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Grants or withdraws the workforce lead's permission. Returns whether
    /// the account exists.
    pub async fn set_workforce_lead(&mut self, user_id: &str, lead: bool) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE users SET workforce_lead = $2 WHERE id = $1"
        )
        .bind(user_id)
        .bind(lead)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Notes a reminder as queued; false if it already was (each is sent once).
    pub async fn claim_learning_reminder(
        &mut self,
        user_id: &str,
        level_id: &str,
        expires_on: &str,
        band: &str,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "INSERT INTO learning_reminders (user_id, level_id, expires_on, band, queued_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
        )
        .bind(user_id)
        .bind(level_id)
        .bind(expires_on)
        .bind(band)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
