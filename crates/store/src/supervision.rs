//! Supervision: agreements (who supervises whom, how often), sessions, the
//! cases discussed in them with their decisions, and the actions agreed.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// Who supervises a worker, and how often.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AgreementRow {
    pub user_id: String,
    pub supervisor_id: String,
    pub frequency_weeks: i64,
    /// `YYYY-MM-DD`.
    pub started_on: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// A supervision session.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub supervisor_id: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub wellbeing: String,
    /// Private to the worker and their supervisor.
    pub notes: Option<String>,
    pub recorded_at: i64,
}

/// A case discussed in a session.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct CaseRow {
    pub session_id: String,
    pub position: i64,
    pub enquiry_id: String,
    pub decision: String,
}

/// An action agreed in a session.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct SupervisionActionRow {
    pub id: String,
    pub session_id: String,
    pub action: String,
    pub owner_id: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    pub done_at: Option<i64>,
}

/// An action with the session it was agreed in.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct ActionInSession {
    /// The action.
    #[sqlx(flatten)]
    pub action: SupervisionActionRow,
    /// The supervised worker.
    pub worker_id: String,
    /// Who held the session.
    pub session_supervisor_id: String,
}

/// A case's discussion in supervision, as the case's page shows it.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DiscussionRow {
    pub held_on: String,
    /// The supervisor's name.
    pub supervisor: String,
    /// The supervised worker's name.
    pub worker: String,
    pub decision: String,
}

impl Store {
    /// Every supervision agreement.
    pub async fn supervision_agreements(&self) -> Result<Vec<AgreementRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT user_id, supervisor_id, frequency_weeks, started_on, recorded_by, recorded_at \
             FROM supervision_agreements ORDER BY user_id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// One worker's agreement, if any.
    pub async fn supervision_agreement(&self, user_id: &str) -> Result<Option<AgreementRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT user_id, supervisor_id, frequency_weeks, started_on, recorded_by, recorded_at \
             FROM supervision_agreements WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(p)
        .await)?)
    }

    /// The date of each worker's latest session: (user id, `YYYY-MM-DD`).
    pub async fn last_supervision(&self) -> Result<Vec<(String, String)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT user_id, MAX(held_on) FROM supervision_sessions GROUP BY user_id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// A worker's sessions, newest first.
    pub async fn supervision_sessions(&self, user_id: &str) -> Result<Vec<SessionRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, user_id, supervisor_id, held_on, wellbeing, notes, recorded_at \
             FROM supervision_sessions WHERE user_id = $1 ORDER BY held_on DESC, recorded_at DESC"
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?)
    }

    /// The cases discussed in a worker's sessions.
    pub async fn supervision_cases(&self, user_id: &str) -> Result<Vec<CaseRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT c.session_id, c.position, c.enquiry_id, c.decision FROM supervision_cases c \
             JOIN supervision_sessions s ON s.id = c.session_id WHERE s.user_id = $1 \
             ORDER BY c.session_id, c.position"
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?)
    }

    /// The actions agreed in a worker's sessions.
    pub async fn supervision_actions(&self, user_id: &str) -> Result<Vec<SupervisionActionRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT a.id, a.session_id, a.action, a.owner_id, a.due_on, a.done_at \
             FROM supervision_actions a JOIN supervision_sessions s ON s.id = a.session_id \
             WHERE s.user_id = $1 ORDER BY a.due_on, a.id"
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?)
    }

    /// One action, with the worker whose session agreed it and the supervisor.
    pub async fn supervision_action(&self, id: &str) -> Result<Option<ActionInSession>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT a.id, a.session_id, a.action, a.owner_id, a.due_on, a.done_at, \
             s.user_id AS worker_id, s.supervisor_id AS session_supervisor_id \
             FROM supervision_actions a JOIN supervision_sessions s ON s.id = a.session_id WHERE a.id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// When an enquiry was discussed in supervision, and the decisions.
    pub async fn enquiry_discussions(&self, enquiry_id: &str) -> Result<Vec<DiscussionRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT s.held_on, sup.display_name AS supervisor, w.display_name AS worker, c.decision \
             FROM supervision_cases c JOIN supervision_sessions s ON s.id = c.session_id \
             JOIN users sup ON sup.id = s.supervisor_id JOIN users w ON w.id = s.user_id WHERE c.enquiry_id = $1 \
             ORDER BY s.held_on DESC, c.position"
        )
        .bind(enquiry_id)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Sets (or replaces) a worker's supervision agreement.
    pub async fn put_supervision_agreement(&mut self, a: &AgreementRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO supervision_agreements (user_id, supervisor_id, frequency_weeks, started_on, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET \
             supervisor_id = excluded.supervisor_id, frequency_weeks = excluded.frequency_weeks, \
             started_on = excluded.started_on, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at"
        )
        .bind(&a.user_id)
        .bind(&a.supervisor_id)
        .bind(a.frequency_weeks)
        .bind(&a.started_on)
        .bind(&a.recorded_by)
        .bind(a.recorded_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Records a session with its cases and actions.
    pub async fn insert_supervision_session(
        &mut self,
        s: &SessionRow,
        cases: &[CaseRow],
        actions: &[SupervisionActionRow],
    ) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO supervision_sessions (id, user_id, supervisor_id, held_on, wellbeing, notes, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(&s.supervisor_id)
        .bind(&s.held_on)
        .bind(&s.wellbeing)
        .bind(&s.notes)
        .bind(s.recorded_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        for k in cases {
            on_tx!(self, |c| {
                sqlx::query(
                "INSERT INTO supervision_cases (session_id, position, enquiry_id, decision) VALUES ($1, $2, $3, $4)"
            )
            .bind(&k.session_id)
            .bind(k.position)
            .bind(&k.enquiry_id)
            .bind(&k.decision)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
        }
        for a in actions {
            on_tx!(self, |c| {
                sqlx::query(
                "INSERT INTO supervision_actions (id, session_id, action, owner_id, due_on, done_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)"
            )
            .bind(&a.id)
            .bind(&a.session_id)
            .bind(&a.action)
            .bind(&a.owner_id)
            .bind(&a.due_on)
            .bind(a.done_at)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Marks an action done; false if it was already.
    pub async fn complete_supervision_action(&mut self, id: &str, at: i64) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE supervision_actions SET done_at = $2 WHERE id = $1 AND done_at IS NULL"
        )
        .bind(id)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
