//! Case-file audit: templates and their questions, the audits drawn each
//! quarter, the grades, moderation and response, and improvement actions.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// An audit template.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct TemplateRow {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub created_at: i64,
}

/// A template's question.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct QuestionRow {
    pub template_id: String,
    pub position: i64,
    pub text: String,
}

/// One case-file audit.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct CaseAuditRow {
    pub id: String,
    /// `2026-Q4`.
    pub quarter: String,
    pub team_id: String,
    /// The team's name (read with the row).
    pub team: String,
    pub enquiry_id: String,
    pub template_id: String,
    pub worker_id: String,
    pub auditor_id: Option<String>,
    pub moderator_id: Option<String>,
    pub drawn_by: String,
    pub drawn_at: i64,
    pub findings: Option<String>,
    pub graded_at: Option<i64>,
    pub moderation_note: Option<String>,
    pub moderated_at: Option<i64>,
    pub response: Option<String>,
    pub responded_at: Option<i64>,
}

/// A graded question.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AnswerRow {
    pub audit_id: String,
    pub position: i64,
    pub grade: String,
    pub evidence: String,
    pub moderated_grade: Option<String>,
}

/// An improvement action.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AuditActionRow {
    pub id: String,
    pub audit_id: String,
    pub action: String,
    pub owner_id: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    pub done_at: Option<i64>,
}

/// One grade as the themes count it.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct GradeFactRow {
    pub quarter: String,
    pub team: String,
    pub question: String,
    pub grade: String,
    pub moderated_grade: Option<String>,
}

const AUDIT: &str = "SELECT a.id, a.quarter, a.team_id, t.name AS team, a.enquiry_id, a.template_id, \
    a.worker_id, a.auditor_id, a.moderator_id, a.drawn_by, a.drawn_at, a.findings, a.graded_at, \
    a.moderation_note, a.moderated_at, a.response, a.responded_at \
    FROM case_audits a JOIN teams t ON t.id = a.team_id";

impl Store {
    /// Every template, the one in use first.
    pub async fn audit_templates(&self) -> Result<Vec<TemplateRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, name, active, created_at FROM case_audit_templates \
             ORDER BY active DESC, created_at DESC, id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Every template's questions, in order.
    pub async fn audit_questions(&self) -> Result<Vec<QuestionRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT template_id, position, text FROM case_audit_questions \
             ORDER BY template_id, position"
        )
        .fetch_all(p)
        .await)?)
    }

    /// One template's questions, in order.
    pub async fn audit_template_questions(&self, template_id: &str) -> Result<Vec<String>> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT text FROM case_audit_questions WHERE template_id = $1 ORDER BY position"
        )
        .bind(template_id)
        .fetch_all(p)
        .await)?)
    }

    /// The enquiries a team's sample for a quarter is drawn from, as
    /// (enquiry id, lead id): led by a member of the team, begun by the
    /// quarter's end and not concluded before it began, about a person whose
    /// record is not restricted, and not already drawn for that quarter.
    pub async fn audit_candidates(
        &self,
        team_id: &str,
        quarter: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, String)>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT e.id, e.lead_user_id FROM enquiries e JOIN users u ON u.id = e.lead_user_id \
             WHERE u.team_id = $1 AND e.started_on <= $4 \
             AND (e.state <> 'concluded' OR EXISTS (SELECT 1 FROM enquiry_conclusions c \
                  WHERE c.enquiry_id = e.id AND c.concluded_on >= $3)) \
             AND NOT EXISTS (SELECT 1 FROM person_restrictions r WHERE r.person_id = e.person_id) \
             AND NOT EXISTS (SELECT 1 FROM case_audits a WHERE a.enquiry_id = e.id AND a.quarter = $2) \
             ORDER BY e.id"
        )
        .bind(team_id)
        .bind(quarter)
        .bind(start)
        .bind(end)
        .fetch_all(p)
        .await
        })?)
    }

    /// Every audit, newest quarter first.
    pub async fn case_audits(&self) -> Result<Vec<CaseAuditRow>> {
        let sql = format!("{AUDIT} ORDER BY a.quarter DESC, t.name, a.drawn_at, a.id");
        Ok(on_db!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// How many audits `user` has to grade (named auditor, not graded) or
    /// moderate (named moderator, graded, not moderated).
    pub async fn case_audits_to_do(&self, user: &str) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_audits WHERE \
             (auditor_id = $1 AND graded_at IS NULL) \
             OR (moderator_id = $1 AND graded_at IS NOT NULL AND moderated_at IS NULL)"
        )
        .bind(user)
        .fetch_one(p)
        .await)?)
    }

    /// One audit.
    pub async fn case_audit(&self, id: &str) -> Result<Option<CaseAuditRow>> {
        let sql = format!("{AUDIT} WHERE a.id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// An audit's grades, in the template's order.
    pub async fn case_audit_answers(&self, audit_id: &str) -> Result<Vec<AnswerRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT audit_id, position, grade, evidence, moderated_grade FROM case_audit_answers \
             WHERE audit_id = $1 ORDER BY position"
        )
        .bind(audit_id)
        .fetch_all(p)
        .await)?)
    }

    /// Every audit's overall grades (for the lists): (audit id, grade,
    /// moderated grade).
    pub async fn case_audit_grades(&self) -> Result<Vec<(String, String, Option<String>)>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT audit_id, grade, moderated_grade FROM case_audit_answers ORDER BY audit_id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// An audit's improvement actions.
    pub async fn case_audit_actions(&self, audit_id: &str) -> Result<Vec<AuditActionRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, audit_id, action, owner_id, due_on, done_at FROM case_audit_actions \
             WHERE audit_id = $1 ORDER BY due_on, id"
        )
        .bind(audit_id)
        .fetch_all(p)
        .await)?)
    }

    /// One improvement action.
    pub async fn case_audit_action(&self, id: &str) -> Result<Option<AuditActionRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, audit_id, action, owner_id, due_on, done_at FROM case_audit_actions \
             WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }

    /// Every grade of a graded audit, with its quarter, team and question.
    pub async fn case_audit_facts(&self) -> Result<Vec<GradeFactRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT a.quarter, t.name AS team, q.text AS question, g.grade, g.moderated_grade \
             FROM case_audit_answers g JOIN case_audits a ON a.id = g.audit_id \
             JOIN teams t ON t.id = a.team_id \
             JOIN case_audit_questions q ON q.template_id = a.template_id AND q.position = g.position \
             ORDER BY a.quarter, t.name, g.position"
        )
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Adds a template with its questions.
    pub async fn insert_audit_template(
        &mut self,
        id: &str,
        name: &str,
        questions: &[String],
        by: &str,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO case_audit_templates (id, name, active, created_by, created_at) \
             VALUES ($1, $2, FALSE, $3, $4)"
        )
        .bind(id)
        .bind(name)
        .bind(by)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        for (i, q) in questions.iter().enumerate() {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO case_audit_questions (template_id, position, text) VALUES ($1, $2, $3)"
            )
            .bind(id)
            .bind(i as i64)
            .bind(q)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Makes `id` the template new samples use; false when there is none.
    pub async fn activate_audit_template(&mut self, id: &str) -> Result<bool> {
        let found: Option<String> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM case_audit_templates WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?;
        if found.is_none() {
            return Ok(false);
        }
        on_tx!(self, |c| sqlx::query(
            "UPDATE case_audit_templates SET active = (id = $1)"
        )
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(true)
    }

    /// Adds a drawn audit.
    pub async fn insert_case_audit(&mut self, a: &CaseAuditRow) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO case_audits (id, quarter, team_id, enquiry_id, template_id, worker_id, \
             drawn_by, drawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(&a.id)
        .bind(&a.quarter)
        .bind(&a.team_id)
        .bind(&a.enquiry_id)
        .bind(&a.template_id)
        .bind(&a.worker_id)
        .bind(&a.drawn_by)
        .bind(a.drawn_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Names the auditor and the moderator.
    pub async fn set_case_auditors(
        &mut self,
        id: &str,
        auditor: Option<&str>,
        moderator: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE case_audits SET auditor_id = $2, moderator_id = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(auditor)
        .bind(moderator)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records the grades, findings and actions; false when the audit was
    /// already graded (nothing is written then).
    pub async fn grade_case_audit(
        &mut self,
        id: &str,
        answers: &[(String, String)],
        findings: &str,
        actions: &[AuditActionRow],
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE case_audits SET findings = $2, graded_at = $3 WHERE id = $1 AND graded_at IS NULL"
        )
        .bind(id)
        .bind(findings)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Ok(false);
        }
        for (i, (grade, evidence)) in answers.iter().enumerate() {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO case_audit_answers (audit_id, position, grade, evidence) \
                 VALUES ($1, $2, $3, $4)"
            )
            .bind(id)
            .bind(i as i64)
            .bind(grade)
            .bind(evidence)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        for a in actions {
            self.insert_case_audit_action(a).await?;
        }
        Ok(true)
    }

    /// Adds an improvement action.
    pub async fn insert_case_audit_action(&mut self, a: &AuditActionRow) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO case_audit_actions (id, audit_id, action, owner_id, due_on) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&a.id)
        .bind(&a.audit_id)
        .bind(&a.action)
        .bind(&a.owner_id)
        .bind(&a.due_on)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records moderation; false when the audit is not graded or was
    /// already moderated.
    pub async fn moderate_case_audit(
        &mut self,
        id: &str,
        grades: &[Option<String>],
        note: Option<&str>,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE case_audits SET moderation_note = $2, moderated_at = $3 \
             WHERE id = $1 AND graded_at IS NOT NULL AND moderated_at IS NULL"
        )
        .bind(id)
        .bind(note)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        for (i, g) in grades.iter().enumerate() {
            if let Some(g) = g {
                on_tx!(self, |c| sqlx::query(
                    "UPDATE case_audit_answers SET moderated_grade = $3 \
                     WHERE audit_id = $1 AND position = $2"
                )
                .bind(id)
                .bind(i as i64)
                .bind(g)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
            }
        }
        Ok(true)
    }

    /// Records the worker's response; false when the audit is not graded or
    /// they have already responded.
    pub async fn respond_to_case_audit(&mut self, id: &str, text: &str, at: i64) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE case_audits SET response = $2, responded_at = $3 \
             WHERE id = $1 AND graded_at IS NOT NULL AND responded_at IS NULL"
        )
        .bind(id)
        .bind(text)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Marks an improvement action done; false when it already was.
    pub async fn complete_case_audit_action(&mut self, id: &str, at: i64) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE case_audit_actions SET done_at = $2 WHERE id = $1 AND done_at IS NULL"
        )
        .bind(id)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}
