//! The Safeguarding Adults Collection return, its drill-down and
//! data-quality checks, and the register of Safeguarding Adults Reviews.

use safeguard_domain::Actor;
use safeguard_domain::dashboard::{self, Dashboard, Period};
use safeguard_domain::policy::{Action, Decision, decide};
use safeguard_domain::sac::{self, SacReturn, Year};
use safeguard_domain::validation::FieldErrors;
use safeguard_store::sac::{QUALITY_CHECKS, ReviewRow};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

/// A record behind a figure.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordRef {
    /// `concern`, `enquiry`, `person` or `review`.
    pub record: String,
    /// Its id.
    pub id: String,
    /// What names it: the person's name, a concern's reference, a review's title.
    pub label: String,
    /// Its date (received, started, born or completed).
    pub date: String,
}

/// The label of a record whose person is outside the user's need-to-know.
pub const OUTSIDE: &str = "A record outside your need-to-know";

/// The records behind one cell of the return.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CellRecords {
    /// The table's id.
    pub table: String,
    /// The row's label.
    pub row: String,
    /// The column's label.
    pub column: String,
    /// The figure in the cell.
    pub count: u64,
    /// How many records are behind it (a person counted once may have several).
    pub total: usize,
    /// The records (at most 1,000).
    pub records: Vec<RecordRef>,
}

/// One data-quality check and what it found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct QualityCheck {
    /// A stable code.
    pub code: String,
    /// What it finds.
    pub label: String,
    /// How many records it found.
    pub count: usize,
    /// The records (empty for users who may not see records).
    pub records: Vec<RecordRef>,
}

/// A Safeguarding Adults Review as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawReview {
    /// A title that does not identify the person (for example "Adult K").
    pub title: Option<String>,
    /// When the Safeguarding Adults Board commissioned it.
    pub commissioned_on: Option<String>,
    /// When it was completed (it counts in SG5 for that year).
    pub completed_on: Option<String>,
    /// Individuals in it who suffered serious harm and died.
    pub individuals_died: Option<String>,
    /// Individuals in it who suffered serious harm and survived.
    pub individuals_survived: Option<String>,
}

fn count_field(errors: &mut FieldErrors, field: &str, raw: &Option<String>) -> i64 {
    match raw.as_deref().map(str::trim).unwrap_or("0") {
        "" => 0,
        v => match v.parse::<i64>() {
            Ok(n) if (0..=500).contains(&n) => n,
            _ => {
                errors.add(field, "Enter a whole number from 0 to 500");
                0
            }
        },
    }
}

impl Safeguard {
    /// The SAC return for `year` (analysts and managers).
    pub async fn sac_return(
        &self,
        actor: &Actor,
        year: Year,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<SacReturn> {
        self.require(actor, Action::ViewReports, ctx, now).await?;
        let mut pass = sac::Pass::count(year);
        self.store.sac_pass(year, false, &mut pass).await?;
        Ok(pass.into_return())
    }

    /// The records behind one cell: managers only (analysts see counts).
    /// The listing is a view of personal data and is audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn sac_cell(
        &self,
        actor: &Actor,
        year: Year,
        table: &str,
        row: usize,
        column: usize,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<CellRecords> {
        self.require(actor, Action::ViewReports, ctx, now).await?;
        self.require(actor, Action::ViewEnquiries, ctx, now).await?;
        let cell = sac::cell_of(table, row, column).ok_or(CoreError::NotFound)?;
        let mut pass = sac::Pass::members(year, cell);
        self.store.sac_pass(year, true, &mut pass).await?;
        let sac::Behind { count, ids } = pass.into_behind();
        let total = ids.len();
        let record = if cell.table_id.starts_with("SG5") {
            "review"
        } else if cell.table_id.starts_with("SG1") {
            ""
        } else {
            "enquiry"
        };
        let mut records = Vec::new();
        if record == "review" {
            let reviews = self.store.reviews().await?;
            for id in &ids {
                if let Some(r) = reviews.iter().find(|r| &r.id == id) {
                    records.push(RecordRef {
                        record: "review".into(),
                        id: r.id.clone(),
                        label: r.title.clone(),
                        date: r.completed_on.clone().unwrap_or_default(),
                    });
                }
            }
        } else {
            // SG1 mixes concerns and enquiries: look each kind up.
            let kinds: &[&str] = if record.is_empty() {
                &["concern", "enquiry"]
            } else {
                &["enquiry"]
            };
            for kind in kinds {
                for (id, label, date) in self
                    .store
                    .sac_labels(kind, &ids, Some(&Self::viewer(actor, now)))
                    .await?
                {
                    let label = if label.is_empty() {
                        OUTSIDE.to_string()
                    } else {
                        label
                    };
                    records.push(RecordRef {
                        record: (*kind).to_string(),
                        id,
                        label,
                        date,
                    });
                }
            }
            let order: std::collections::HashMap<&str, usize> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect();
            records.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        }
        self.record(
            Self::event(actor, ctx, now, "view", "report", None, "success")?.with_detail(format!(
                "records behind {} {year} row {row} column {column}: {total}",
                cell.table_id
            )),
        )
        .await?;
        Ok(CellRecords {
            table: cell.table_id.into(),
            row: cell.row_label.into(),
            column: cell.column_label.into(),
            count,
            total,
            records,
        })
    }

    /// The data-quality checks for `year`; the records found are listed only
    /// for users who may see them.
    pub async fn sac_quality(
        &self,
        actor: &Actor,
        year: Year,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<QualityCheck>> {
        self.require(actor, Action::ViewReports, ctx, now).await?;
        let rows = self.store.sac_quality(year).await?;
        let records_allowed = decide(actor, Action::ViewEnquiries) == Decision::Allow;
        let mut out = Vec::new();
        for (code, label, record, _) in QUALITY_CHECKS {
            let ids: Vec<String> = rows
                .iter()
                .filter(|r| r.check_code == *code)
                .map(|r| r.id.clone())
                .collect();
            let records = if records_allowed {
                self.store
                    .sac_labels(record, &ids, Some(&Self::viewer(actor, now)))
                    .await?
                    .into_iter()
                    .map(|(id, label, date)| RecordRef {
                        record: (*record).to_string(),
                        id,
                        label: if label.is_empty() {
                            OUTSIDE.to_string()
                        } else {
                            label
                        },
                        date,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            out.push(QualityCheck {
                code: (*code).to_string(),
                label: (*label).to_string(),
                count: ids.len(),
                records,
            });
        }
        Ok(out)
    }

    /// The managers' dashboard for the period from `from` to `to` (dates as
    /// typed; see [`Period::parse`]), for one team (by id) or all teams
    /// (analysts and managers; figures only, no records).
    #[allow(clippy::too_many_arguments)]
    pub async fn dashboard(
        &self,
        actor: &Actor,
        from: Option<&str>,
        to: Option<&str>,
        team: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Dashboard> {
        self.require(actor, Action::ViewReports, ctx, now).await?;
        let period = Period::parse(from, to, self.today(now)).map_err(CoreError::Invalid)?;
        if let Some(team) = team
            && !self.store.list_teams().await?.iter().any(|t| t.id == team)
        {
            let mut e = FieldErrors::default();
            e.add("team", "Choose a team from the list");
            return Err(CoreError::Invalid(e));
        }
        let facts = self
            .store
            .dashboard_facts(period, team, self.today(now))
            .await?;
        let calendar = self.calendar(now).await?;
        let targets = self.targets().await?;
        Ok(dashboard::compute(
            period,
            &facts,
            &calendar,
            targets.decision_days,
            self.today(now),
        ))
    }

    /// The register of Safeguarding Adults Reviews (analysts and managers).
    pub async fn reviews(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<ReviewRow>> {
        self.require(actor, Action::ViewReports, ctx, now).await?;
        Ok(self.store.reviews().await?)
    }

    /// Adds a Safeguarding Adults Review to the register (managers).
    pub async fn add_review(
        &self,
        actor: &Actor,
        raw: &RawReview,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ReviewRow> {
        self.require(actor, Action::ManageReviews, ctx, now).await?;
        let mut e = FieldErrors::new();
        let title = safeguard_domain::text::required_field(
            &mut e,
            "title",
            "The review's title",
            &raw.title,
            120,
            false,
        );
        let commissioned = safeguard_domain::text::optional_date_field(
            &mut e,
            "commissioned_on",
            "The date commissioned",
            &raw.commissioned_on,
        );
        if commissioned.is_none() && e.get("commissioned_on").is_none() {
            e.add(
                "commissioned_on",
                "Enter the date the review was commissioned",
            );
        }
        let completed = safeguard_domain::text::optional_date_field(
            &mut e,
            "completed_on",
            "The date completed",
            &raw.completed_on,
        );
        if let (Some(a), Some(b)) = (commissioned, completed)
            && b < a
        {
            e.add(
                "completed_on",
                "The review cannot be completed before it was commissioned",
            );
        }
        if completed.is_some_and(|d| d > self.today(now)) {
            e.add(
                "completed_on",
                "The completion date cannot be in the future",
            );
        }
        let died = count_field(&mut e, "individuals_died", &raw.individuals_died);
        let survived = count_field(&mut e, "individuals_survived", &raw.individuals_survived);
        if e.is_empty() && died + survived == 0 {
            e.add(
                "individuals_died",
                "A review is about at least one individual: enter how many died or survived",
            );
        }
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let row = ReviewRow {
            id: new_uuid(now)?.to_string(),
            title,
            commissioned_on: commissioned
                .map(safeguard_domain::person::iso_date)
                .unwrap_or_default(),
            completed_on: completed.map(safeguard_domain::person::iso_date),
            individuals_died: died,
            individuals_survived: survived,
            created_at: unix_ms(now),
            created_by: actor.user_id.to_string(),
        };
        let mut tx = self.store.begin_audited().await?;
        tx.insert_review(&row).await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "create",
            "review",
            Some(row.id.clone()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// A review's recommendation, as the register shows it.
#[derive(Clone, Debug)]
pub struct RecommendationView {
    /// As stored.
    pub row: safeguard_store::sac::RecommendationRow,
    /// Its status.
    pub status: safeguard_domain::workforce::RecommendationStatus,
    /// The owner's name.
    pub owner: String,
    /// The training level it leads to, named.
    pub level: Option<String>,
    /// The share of case-file audits grading its question good or better,
    /// quarter by quarter (when it leads to one), oldest first.
    pub audit_trend: Vec<(
        safeguard_domain::case_audit::Quarter,
        safeguard_domain::case_audit::Tally,
    )>,
    /// Not done and past its date.
    pub overdue: bool,
    /// Whether the viewer may change its status (managers, its owner).
    pub may_update: bool,
}

impl RecommendationView {
    /// The audit question it leads to and how audits have graded it since,
    /// in words: "The person's voice … — July to September 2026: 50% good
    /// or better (2 of 4)".
    pub fn audit_summary(&self) -> Option<String> {
        let q = self.row.audit_question.as_deref()?;
        if self.audit_trend.is_empty() {
            return Some(format!("{q} — not graded in any audit yet"));
        }
        let trend: Vec<String> = self
            .audit_trend
            .iter()
            .map(|(quarter, t)| {
                format!(
                    "{}: {}% good or better ({} of {})",
                    quarter.label(),
                    t.percent().unwrap_or(0),
                    t.good,
                    t.graded
                )
            })
            .collect();
        Some(format!("{q} — {}", trend.join("; ")))
    }
}

/// A review with its recommendations.
#[derive(Clone, Debug)]
pub struct ReviewDetail {
    /// The review.
    pub review: ReviewRow,
    /// Its recommendations, by due date.
    pub recommendations: Vec<RecommendationView>,
}

impl Safeguard {
    /// A review and its recommendations (analysts and managers).
    pub async fn review_detail(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ReviewDetail> {
        self.require(actor, Action::ViewReports, ctx, now).await?;
        let review = self.store.review(id).await?.ok_or(CoreError::NotFound)?;
        let recommendations = self.recommendation_views(actor, Some(id), now).await?;
        Ok(ReviewDetail {
            review,
            recommendations,
        })
    }

    /// Recommendations (of one review, or all) as `actor` sees them.
    pub(crate) async fn recommendation_views(
        &self,
        actor: &Actor,
        review_id: Option<&str>,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<RecommendationView>> {
        let cat = self.workforce_catalogue().await?;
        let names = self.account_names().await?;
        let today = self.today(now);
        let manager = decide(actor, Action::ManageReviews) == Decision::Allow;
        let me = actor.user_id.to_string();
        let mut trends = std::collections::HashMap::new();
        let rows = self.store.recommendations(review_id).await?;
        for q in rows.iter().filter_map(|r| r.audit_question.as_deref()) {
            if !trends.contains_key(q) {
                trends.insert(q.to_string(), self.question_trend(q).await?);
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let status = safeguard_domain::workforce::RecommendationStatus::parse(&r.status)
                    .unwrap_or(safeguard_domain::workforce::RecommendationStatus::Open);
                RecommendationView {
                    overdue: status != safeguard_domain::workforce::RecommendationStatus::Done
                        && safeguard_domain::person::parse_iso_date(&r.due_on)
                            .is_some_and(|d| d < today),
                    may_update: manager || r.owner_id == me,
                    owner: names
                        .get(&r.owner_id)
                        .map(|n| n.0.clone())
                        .unwrap_or_default(),
                    level: r.level_id.as_deref().map(|id| cat.level_name(id)),
                    audit_trend: r
                        .audit_question
                        .as_deref()
                        .and_then(|q| trends.get(q).cloned())
                        .unwrap_or_default(),
                    status,
                    row: r,
                }
            })
            .collect())
    }

    /// Adds a recommendation to a review (managers); audited.
    pub async fn add_recommendation(
        &self,
        actor: &Actor,
        review_id: &str,
        raw: &safeguard_domain::workforce::RawRecommendation,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        self.require_as(
            actor,
            Action::ManageReviews,
            ctx,
            now,
            ("create", "recommendation", Some(review_id.into())),
        )
        .await?;
        if self.store.review(review_id).await?.is_none() {
            return Err(CoreError::NotFound);
        }
        let cat = self.workforce_catalogue().await?;
        let questions = self.audit_question_texts().await?;
        let n = raw
            .validate(&cat.levels, &questions)
            .map_err(CoreError::Invalid)?;
        let owner = match self.store.user_by_username(&n.owner).await? {
            Some(u) if u.agency_is_owner && !u.disabled => u,
            _ => {
                return Err(invalid("owner", "Choose a council colleague"));
            }
        };
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_recommendation(&safeguard_store::sac::RecommendationRow {
            id: id.clone(),
            review_id: review_id.into(),
            text: n.text,
            owner_id: owner.id,
            due_on: safeguard_domain::person::iso_date(n.due_on),
            status: safeguard_domain::workforce::RecommendationStatus::Open
                .code()
                .into(),
            level_id: n.level_id,
            audit_question: n.audit_question,
            created_by: actor.user_id.to_string(),
            created_at: unix_ms(now),
            updated_at: unix_ms(now),
        })
        .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "review",
                Some(review_id.into()),
                "success",
            )?
            .with_detail(format!("recommendation {id}")),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a recommendation's status (managers, or its owner); audited.
    /// Returns its review's id.
    pub async fn set_recommendation_status(
        &self,
        actor: &Actor,
        id: &str,
        status: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let attempted = ("update", "recommendation", Some(id.to_string()));
        let Some(r) = self.store.recommendation(id).await? else {
            return self
                .refuse(actor, ctx, now, attempted, CoreError::NotFound)
                .await;
        };
        if !(decide(actor, Action::ManageReviews) == Decision::Allow
            || r.owner_id == actor.user_id.to_string())
        {
            return self
                .refuse(actor, ctx, now, attempted, CoreError::Forbidden)
                .await;
        }
        let Some(status) = safeguard_domain::workforce::RecommendationStatus::parse(status.trim())
        else {
            return Err(invalid("status", "Choose open, in progress or done"));
        };
        let mut tx = self.store.begin_audited().await?;
        tx.set_recommendation_status(id, status.code(), unix_ms(now))
            .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "review",
                Some(r.review_id.clone()),
                "success",
            )?
            .with_detail(format!("recommendation {id} {}", status.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(r.review_id)
    }
}
