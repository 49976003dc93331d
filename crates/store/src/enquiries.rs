//! Enquiries, the person's desired outcomes (with their history) and conclusions.

use sqlx::FromRow;

use crate::access::Viewer;
use crate::concerns::bind_all;
use crate::{Result, Store, Tx, on_db, on_tx};

/// An enquiry.
#[derive(Clone, Debug, FromRow, PartialEq, Eq, serde::Deserialize)]
#[allow(missing_docs)]
pub struct EnquiryRow {
    pub id: String,
    pub concern_id: String,
    pub person_id: String,
    pub kind: String,
    pub state: String,
    pub lead_user_id: Option<String>,
    pub caused_agency_id: Option<String>,
    pub started_on: String,
    pub asked: Option<String>,
    pub created_at: i64,
    pub next_review_on: Option<String>,
}

/// A desired outcome.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct OutcomeRow {
    pub id: String,
    pub enquiry_id: String,
    pub position: i32,
    pub text: String,
    pub expressed_by: String,
    pub representative: Option<String>,
    pub expressed_on: String,
    pub active: bool,
    pub achievement: Option<String>,
    pub comment: Option<String>,
}

/// A change to a desired outcome.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct OutcomeHistoryRow {
    pub id: String,
    pub outcome_id: String,
    pub at: i64,
    pub by_name: String,
    pub change: String,
    pub text: String,
}

/// A conclusion (proposed, then signed off).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ConclusionRow {
    pub enquiry_id: String,
    pub risk_types: String,
    pub locations: String,
    pub sources: String,
    pub provider_id: Option<String>,
    pub action_result: String,
    pub risk_outcome: Option<String>,
    pub capacity: String,
    pub capacity_support: Option<bool>,
    pub asked: String,
    /// SG4a part 2 for the enquiry, when outcomes were expressed.
    pub achievement: Option<String>,
    pub concluded_on: String,
    pub proposed_by: String,
    pub proposed_at: i64,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<i64>,
    /// Why the conclusion differs from what the enquiry recorded, if it does.
    pub change_reason: Option<String>,
}

pub(crate) const ENQUIRY_COLUMNS: &str = "id, concern_id, person_id, kind, state, lead_user_id, caused_agency_id, started_on, asked, created_at, next_review_on";
const OUTCOME_COLUMNS: &str = "id, enquiry_id, position, text, expressed_by, representative, expressed_on, active, achievement, comment";
const CONCLUSION_COLUMNS: &str = "enquiry_id, risk_types, locations, sources, provider_id, action_result, risk_outcome, \
    capacity, capacity_support, asked, concluded_on, proposed_by, proposed_at, signed_off_by, signed_off_at, achievement, change_reason";

impl Store {
    /// An enquiry.
    pub async fn enquiry(&self, id: &str) -> Result<Option<EnquiryRow>> {
        let sql = format!("SELECT {ENQUIRY_COLUMNS} FROM enquiries WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Enquiries about a person, newest first.
    pub async fn enquiries_for_person(&self, person_id: &str) -> Result<Vec<EnquiryRow>> {
        let sql = format!(
            "SELECT {ENQUIRY_COLUMNS} FROM enquiries WHERE person_id = $1 ORDER BY created_at DESC"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(person_id)
            .fetch_all(p)
            .await)?)
    }

    /// Enquiries opened from a concern.
    pub async fn enquiries_for_concern(&self, concern_id: &str) -> Result<Vec<EnquiryRow>> {
        let sql = format!(
            "SELECT {ENQUIRY_COLUMNS} FROM enquiries WHERE concern_id = $1 ORDER BY created_at"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(concern_id)
            .fetch_all(p)
            .await)?)
    }

    /// The enquiries opened from any of `concern_ids`, oldest first.
    pub async fn enquiries_for_concerns(&self, concern_ids: &[String]) -> Result<Vec<EnquiryRow>> {
        let mut out = Vec::new();
        for chunk in concern_ids.chunks(500) {
            let sql = format!(
                "SELECT {ENQUIRY_COLUMNS} FROM enquiries WHERE concern_id IN ({}) ORDER BY created_at",
                crate::marks(1, chunk.len())
            );
            let rows: Vec<EnquiryRow> = on_db!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        out.sort_by_key(|e| e.created_at);
        Ok(out)
    }

    /// Enquiries in a state (all when `None`), oldest first; with a
    /// viewer, only those about people they may see in full and those whose
    /// need-to-know team they are in (a restricted person's only when they
    /// are on its access list or have opened it in an emergency).
    pub async fn enquiries(
        &self,
        state: Option<&str>,
        viewer: Option<&Viewer>,
        limit: i64,
    ) -> Result<Vec<EnquiryRow>> {
        let (scope, binds) = match viewer {
            None => ("1 = 1".to_string(), Vec::new()),
            Some(v) => {
                // Binds from $3: user, team, now, manager.
                let visible = v.person_sql("enquiries.person_id", 3);
                let hidden = crate::access::restricted_out_sql("enquiries.person_id", 3, 5);
                (
                    format!(
                        "({visible} OR (EXISTS (SELECT 1 FROM enquiry_members em \
                            WHERE em.enquiry_id = enquiries.id AND em.user_id = $3) AND NOT {hidden}))"
                    ),
                    v.binds(),
                )
            }
        };
        let sql = format!(
            "SELECT {ENQUIRY_COLUMNS} FROM enquiries WHERE ($1 IS NULL OR state = $1) AND {scope} \
             ORDER BY created_at LIMIT $2"
        );
        Ok(on_db!(self, |p| bind_all!(
            sqlx::query_as(&sql).bind(state).bind(limit),
            &binds
        )
        .fetch_all(p)
        .await)?)
    }

    /// An enquiry's desired outcomes (dropped ones too), in order.
    pub async fn outcomes(&self, enquiry_id: &str) -> Result<Vec<OutcomeRow>> {
        let sql = format!(
            "SELECT {OUTCOME_COLUMNS} FROM desired_outcomes WHERE enquiry_id = $1 ORDER BY position"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(enquiry_id)
            .fetch_all(p)
            .await)?)
    }

    /// The history of an enquiry's desired outcomes, oldest first.
    pub async fn outcome_history(&self, enquiry_id: &str) -> Result<Vec<OutcomeHistoryRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT h.id, h.outcome_id, h.at, h.by_name, h.change, h.text FROM desired_outcome_history h \
             JOIN desired_outcomes o ON o.id = h.outcome_id WHERE o.enquiry_id = $1 ORDER BY h.at, h.id"
        )
        .bind(enquiry_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// An enquiry's conclusion, if proposed.
    pub async fn conclusion(&self, enquiry_id: &str) -> Result<Option<ConclusionRow>> {
        let sql =
            format!("SELECT {CONCLUSION_COLUMNS} FROM enquiry_conclusions WHERE enquiry_id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(enquiry_id)
            .fetch_optional(p)
            .await)?)
    }
}

impl Tx {
    /// Opens an enquiry.
    pub async fn insert_enquiry(&mut self, e: &EnquiryRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO enquiries ({ENQUIRY_COLUMNS}, support_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             (SELECT primary_support_reason FROM people WHERE id = $3))"
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(&e.id)
            .bind(&e.concern_id)
            .bind(&e.person_id)
            .bind(&e.kind)
            .bind(&e.state)
            .bind(&e.lead_user_id)
            .bind(&e.caused_agency_id)
            .bind(&e.started_on)
            .bind(&e.asked)
            .bind(e.created_at)
            .bind(&e.next_review_on)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Moves an enquiry from one state to another; false when it was not in `from`.
    pub async fn move_enquiry(&mut self, id: &str, from: &str, to: &str) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE enquiries SET state = $3 WHERE id = $1 AND state = $2"
        )
        .bind(id)
        .bind(from)
        .bind(to)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Records whether the person was asked about desired outcomes (SG4a part 1).
    pub async fn set_asked(&mut self, id: &str, asked: &str) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE enquiries SET asked = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(asked)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Allocates the enquiry lead, or causes the enquiry to be made by a partner agency.
    pub async fn allocate(
        &mut self,
        id: &str,
        lead: Option<&str>,
        agency: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE enquiries SET lead_user_id = $2, caused_agency_id = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(lead)
        .bind(agency)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Adds a desired outcome.
    pub async fn insert_outcome(&mut self, o: &OutcomeRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO desired_outcomes ({OUTCOME_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(&o.id)
            .bind(&o.enquiry_id)
            .bind(o.position)
            .bind(&o.text)
            .bind(&o.expressed_by)
            .bind(&o.representative)
            .bind(&o.expressed_on)
            .bind(o.active)
            .bind(&o.achievement)
            .bind(&o.comment)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Rewords an active outcome; false when it is not an active outcome of this enquiry.
    pub async fn reword_outcome(&mut self, enquiry_id: &str, id: &str, text: &str) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE desired_outcomes SET text = $3 WHERE id = $2 AND enquiry_id = $1 AND active = TRUE"
        )
        .bind(enquiry_id)
        .bind(id)
        .bind(text)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// Drops an active outcome (it stays in the history); false when not found.
    pub async fn drop_outcome(&mut self, enquiry_id: &str, id: &str) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE desired_outcomes SET active = FALSE WHERE id = $2 AND enquiry_id = $1 AND active = TRUE"
        )
        .bind(enquiry_id)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// Records a change to an outcome.
    pub async fn insert_outcome_history(&mut self, h: &OutcomeHistoryRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO desired_outcome_history (id, outcome_id, at, by_name, change, text) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&h.id)
        .bind(&h.outcome_id)
        .bind(h.at)
        .bind(&h.by_name)
        .bind(&h.change)
        .bind(&h.text)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Records how far an outcome was achieved, in the person's words.
    pub async fn set_achievement(
        &mut self,
        id: &str,
        achievement: Option<&str>,
        comment: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE desired_outcomes SET achievement = $2, comment = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(achievement)
        .bind(comment)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Stores (or replaces) a proposed conclusion.
    pub async fn put_conclusion(&mut self, r: &ConclusionRow) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM enquiry_conclusions WHERE enquiry_id = $1"
        )
        .bind(&r.enquiry_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        let sql = format!(
            "INSERT INTO enquiry_conclusions ({CONCLUSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(&r.enquiry_id)
            .bind(&r.risk_types)
            .bind(&r.locations)
            .bind(&r.sources)
            .bind(&r.provider_id)
            .bind(&r.action_result)
            .bind(&r.risk_outcome)
            .bind(&r.capacity)
            .bind(r.capacity_support)
            .bind(&r.asked)
            .bind(&r.concluded_on)
            .bind(&r.proposed_by)
            .bind(r.proposed_at)
            .bind(&r.signed_off_by)
            .bind(r.signed_off_at)
            .bind(&r.achievement)
            .bind(&r.change_reason)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Signs a conclusion off.
    pub async fn sign_off(&mut self, enquiry_id: &str, by: &str, at: i64) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE enquiry_conclusions SET signed_off_by = $2, signed_off_at = $3 WHERE enquiry_id = $1"
        )
        .bind(enquiry_id)
        .bind(by)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}

/// A record made during an enquiry (advocacy check, capacity assessment, consent).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct EnquiryRecordRow {
    pub id: String,
    pub enquiry_id: String,
    pub kind: String,
    pub data: String,
    pub at: i64,
    pub by_user: String,
    pub by_name: String,
}

impl Store {
    /// An enquiry's records, oldest first.
    pub async fn enquiry_records(&self, enquiry_id: &str) -> Result<Vec<EnquiryRecordRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, enquiry_id, kind, data, at, by_user, by_name FROM enquiry_records WHERE enquiry_id = $1 ORDER BY at, id"
        )
        .bind(enquiry_id)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Adds a record to an enquiry.
    pub async fn insert_enquiry_record(&mut self, r: &EnquiryRecordRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO enquiry_records (id, enquiry_id, kind, data, at, by_user, by_name) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&r.id)
        .bind(&r.enquiry_id)
        .bind(&r.kind)
        .bind(&r.data)
        .bind(r.at)
        .bind(&r.by_user)
        .bind(&r.by_name)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}

/// A safeguarding plan action.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct PlanActionRow {
    pub id: String,
    pub enquiry_id: String,
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub status: String,
    pub outcome_id: Option<String>,
    pub less_restrictive: String,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    /// The worker who owns it, if a worker does.
    pub owner_user_id: Option<String>,
    /// The partner agency that owns it, if one does.
    pub owner_agency_id: Option<String>,
}

const ACTION_COLUMNS: &str = "id, enquiry_id, description, owner, due_on, status, outcome_id, less_restrictive, created_at, created_by, updated_at, \
    owner_user_id, owner_agency_id";

/// A plan action as its owner sees it: what, when, for whom, and who leads.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct OwnedActionRow {
    pub id: String,
    pub enquiry_id: String,
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub status: String,
    pub updated_at: i64,
    pub owner_user_id: Option<String>,
    pub owner_agency_id: Option<String>,
    /// The person's name, `None` when their record is restricted.
    pub person_name: Option<String>,
    pub lead_name: Option<String>,
    pub lead_email: Option<String>,
    pub enquiry_state: String,
}

impl Store {
    /// An enquiry's plan actions, by due date.
    pub async fn plan_actions(&self, enquiry_id: &str) -> Result<Vec<PlanActionRow>> {
        let sql = format!(
            "SELECT {ACTION_COLUMNS} FROM plan_actions WHERE enquiry_id = $1 ORDER BY due_on, created_at"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(enquiry_id)
            .fetch_all(p)
            .await)?)
    }

    /// One plan action.
    pub async fn plan_action(&self, id: &str) -> Result<Option<PlanActionRow>> {
        let sql = format!("SELECT {ACTION_COLUMNS} FROM plan_actions WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// The plan actions owned by the user `user_id` or (when given) the
    /// agency `agency_id`, on enquiries not concluded, soonest due first.
    pub async fn owned_actions(
        &self,
        user_id: &str,
        agency_id: Option<&str>,
    ) -> Result<Vec<OwnedActionRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT a.id, a.enquiry_id, a.description, a.owner, a.due_on, a.status, a.updated_at, \
             a.owner_user_id, a.owner_agency_id, \
             CASE WHEN EXISTS (SELECT 1 FROM person_restrictions r WHERE r.person_id = e.person_id) \
                  THEN NULL ELSE p.given_name || ' ' || p.family_name END AS person_name, \
             u.display_name AS lead_name, u.email AS lead_email, e.state AS enquiry_state \
             FROM plan_actions a JOIN enquiries e ON e.id = a.enquiry_id \
             JOIN people p ON p.id = e.person_id LEFT JOIN users u ON u.id = e.lead_user_id \
             WHERE (a.owner_user_id = $1 OR a.owner_agency_id = $2) AND e.state <> 'concluded' \
             ORDER BY CASE WHEN a.status IN ('planned', 'in_progress') THEN 0 ELSE 1 END, a.due_on, a.id \
             LIMIT 200"
        )
        .bind(user_id)
        .bind(agency_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// How many enquiries not yet concluded have a review due before `today` (`YYYY-MM-DD`).
    pub async fn overdue_reviews(&self, today: &str) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM enquiries WHERE state <> 'concluded' AND next_review_on < $1"
        )
        .bind(today)
        .fetch_one(p)
        .await)?)
    }

    /// Plan actions not done, due by `until`, on the open enquiries `lead`
    /// leads: (enquiry id, what, due `YYYY-MM-DD`), soonest first.
    pub async fn actions_due_for(
        &self,
        lead: &str,
        until: &str,
    ) -> Result<Vec<(String, String, String)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT a.enquiry_id, a.description, a.due_on FROM plan_actions a \
             JOIN enquiries e ON e.id = a.enquiry_id \
             WHERE e.lead_user_id = $1 AND e.state <> 'concluded' \
             AND a.status IN ('planned', 'in_progress') AND a.due_on <= $2 \
             ORDER BY a.due_on, a.id LIMIT 50"
        )
        .bind(lead)
        .bind(until)
        .fetch_all(p)
        .await)?)
    }

    /// How many actions still to do were due before `today` (`YYYY-MM-DD`).
    pub async fn overdue_actions(&self, today: &str) -> Result<i64> {
        Ok(on_db!(self, |p| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM plan_actions WHERE status IN ('planned', 'in_progress') AND due_on < $1"
        )
        .bind(today)
        .fetch_one(p)
        .await
        })?)
    }
}

impl Tx {
    /// Adds a plan action.
    pub async fn insert_plan_action(&mut self, a: &PlanActionRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO plan_actions ({ACTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(&a.id)
            .bind(&a.enquiry_id)
            .bind(&a.description)
            .bind(&a.owner)
            .bind(&a.due_on)
            .bind(&a.status)
            .bind(&a.outcome_id)
            .bind(&a.less_restrictive)
            .bind(a.created_at)
            .bind(&a.created_by)
            .bind(a.updated_at)
            .bind(&a.owner_user_id)
            .bind(&a.owner_agency_id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Sets when the plan is next reviewed.
    pub async fn set_next_review(&mut self, id: &str, on: &str) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE enquiries SET next_review_on = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(on)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Changes an action's status; false when it is not an action of this enquiry.
    pub async fn set_action_status(
        &mut self,
        enquiry_id: &str,
        id: &str,
        status: &str,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE plan_actions SET status = $3, updated_at = $4 WHERE id = $2 AND enquiry_id = $1"
        )
        .bind(enquiry_id)
        .bind(id)
        .bind(status)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }
}

/// Feedback given at or after closure.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct FeedbackRow {
    pub id: String,
    pub enquiry_id: String,
    pub respondent: String,
    pub representative: Option<String>,
    pub answers: String,
    pub comment: Option<String>,
    pub method: String,
    pub at: i64,
    pub recorded_by: Option<String>,
}

/// A one-time link for feedback.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct FeedbackLinkRow {
    pub token_hash: String,
    pub enquiry_id: String,
    pub respondent: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl Store {
    /// Feedback on an enquiry, oldest first.
    pub async fn feedback(&self, enquiry_id: &str) -> Result<Vec<FeedbackRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, enquiry_id, respondent, representative, answers, comment, method, at, recorded_by FROM feedback \
             WHERE enquiry_id = $1 ORDER BY at, id"
        )
        .bind(enquiry_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// A feedback link by the hash of its token.
    pub async fn feedback_link(&self, token_hash: &str) -> Result<Option<FeedbackLinkRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT token_hash, enquiry_id, respondent, created_at, expires_at, used_at FROM feedback_links WHERE token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await
        })?)
    }
}

impl Tx {
    /// Stores feedback.
    pub async fn insert_feedback(&mut self, f: &FeedbackRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO feedback (id, enquiry_id, respondent, representative, answers, comment, method, at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(&f.id)
        .bind(&f.enquiry_id)
        .bind(&f.respondent)
        .bind(&f.representative)
        .bind(&f.answers)
        .bind(&f.comment)
        .bind(&f.method)
        .bind(f.at)
        .bind(&f.recorded_by)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Stores a feedback link.
    pub async fn insert_feedback_link(&mut self, l: &FeedbackLinkRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO feedback_links (token_hash, enquiry_id, respondent, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&l.token_hash)
        .bind(&l.enquiry_id)
        .bind(&l.respondent)
        .bind(l.created_at)
        .bind(l.expires_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Uses a link once; false when it was used already or has expired.
    pub async fn use_feedback_link(&mut self, token_hash: &str, now: i64) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE feedback_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }
}

/// A conclusion returned for changes.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ReturnRow {
    pub enquiry_id: String,
    pub reason: String,
    /// Who returned it (their name).
    pub returned_by: String,
    pub returned_at: i64,
}

/// A conclusion returned to its lead and not yet proposed again.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ReturnedRow {
    pub enquiry_id: String,
    /// The person's name.
    pub person: String,
    pub reason: String,
    pub returned_at: i64,
}

impl Store {
    /// An enquiry's returned conclusions, newest first.
    pub async fn conclusion_returns(&self, enquiry_id: &str) -> Result<Vec<ReturnRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT r.enquiry_id, r.reason, u.display_name AS returned_by, r.returned_at \
             FROM conclusion_returns r JOIN users u ON u.id = r.returned_by \
             WHERE r.enquiry_id = $1 ORDER BY r.returned_at DESC"
        )
        .bind(enquiry_id)
        .fetch_all(p)
        .await)?)
    }

    /// The conclusions returned to `lead` that wait for them: enquiries they
    /// lead, open again after a return, the latest return each (records
    /// restricted to others left out).
    pub async fn returned_to(&self, lead: &str) -> Result<Vec<ReturnedRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT e.id AS enquiry_id, p.given_name || ' ' || p.family_name AS person, \
             r.reason, r.returned_at FROM enquiries e \
             JOIN people p ON p.id = e.person_id \
             JOIN conclusion_returns r ON r.enquiry_id = e.id \
             WHERE e.lead_user_id = $1 AND e.state = 'open' \
             AND EXISTS (SELECT 1 FROM enquiry_conclusions c WHERE c.enquiry_id = e.id) \
             AND r.returned_at = (SELECT MAX(x.returned_at) FROM conclusion_returns x \
                                  WHERE x.enquiry_id = e.id) \
             AND (NOT EXISTS (SELECT 1 FROM person_restrictions pr WHERE pr.person_id = e.person_id) \
                  OR EXISTS (SELECT 1 FROM restriction_access ra \
                             WHERE ra.person_id = e.person_id AND ra.user_id = $1)) \
             ORDER BY r.returned_at DESC, e.id"
        )
        .bind(lead)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Records a conclusion returned for changes.
    pub async fn insert_conclusion_return(
        &mut self,
        id: &str,
        enquiry_id: &str,
        reason: &str,
        by: &str,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO conclusion_returns (id, enquiry_id, reason, returned_by, returned_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(id)
        .bind(enquiry_id)
        .bind(reason)
        .bind(by)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
