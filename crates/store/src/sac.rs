//! Reads for the Safeguarding Adults Collection return: the facts of one
//! financial year (counted by `safeguard_domain::sac`), the data-quality
//! checks, and the register of Safeguarding Adults Reviews.
//!
//! Concluded enquiries are grouped in SQL by their SAC answers, so a year of
//! any size reaches the counting rules as a few thousand weighted facts.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use safeguard_domain::codes::{Ethnicity, Gender, LocationType, PrimarySupportReason, RiskType};
use safeguard_domain::enquiry::{
    Achievement, ActionResult, Asked, Capacity, RiskOutcome, SourceType,
};
use safeguard_domain::person::{iso_date, parse_iso_date};
use safeguard_domain::sac::{Case, CaseKind, Concluded, Pass, PersonFacts, Review, Year};
use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

#[derive(FromRow)]
struct CaseRow {
    id: String,
    kind: String,
    person_id: Option<String>,
    support_reason: Option<String>,
    date_of_birth: Option<String>,
    gender: Option<String>,
    ethnicity: Option<String>,
    autism: Option<bool>,
    asperger: Option<bool>,
}

/// A case and what is known of its person (nothing, for an adult with no
/// record).
fn case_of(c: CaseRow) -> (Case, PersonFacts) {
    let person = PersonFacts {
        date_of_birth: c.date_of_birth.as_deref().and_then(parse_iso_date),
        gender: c.gender.as_deref().and_then(Gender::parse),
        ethnicity: c.ethnicity.as_deref().and_then(Ethnicity::parse),
        autism: c.autism.unwrap_or(false),
        asperger: c.asperger.unwrap_or(false),
    };
    let case = Case {
        kind: match c.kind.as_str() {
            "concern" => CaseKind::Concern,
            "section_42" => CaseKind::Section42,
            _ => CaseKind::Other,
        },
        id: c.id,
        person_id: c.person_id,
        support_reason: c
            .support_reason
            .as_deref()
            .and_then(PrimarySupportReason::parse),
    };
    (case, person)
}

#[derive(FromRow)]
struct ConcludedRow {
    enquiry_id: Option<String>,
    n: i64,
    risk_types: String,
    locations: String,
    sources: String,
    action_result: String,
    risk_outcome: Option<String>,
    capacity: String,
    capacity_support: Option<bool>,
    asked: String,
    achievement: Option<String>,
}

#[derive(FromRow)]
struct ReviewCountRow {
    id: String,
    individuals_died: i64,
    individuals_survived: i64,
}

/// A Safeguarding Adults Review on the register.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ReviewRow {
    pub id: String,
    pub title: String,
    pub commissioned_on: String,
    pub completed_on: Option<String>,
    pub individuals_died: i64,
    pub individuals_survived: i64,
    pub created_at: i64,
    pub created_by: String,
}

/// One record a data-quality check found.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct QualityRow {
    /// Which check (see [`QUALITY_CHECKS`]).
    pub check_code: String,
    /// What the id is of: `enquiry`, `concern` or `person`.
    pub record: String,
    /// The record's id.
    pub id: String,
}

/// The data-quality checks run before a return is submitted: code, what it
/// finds (in words for the analyst), and the query finding it. `$1` and `$2`
/// are the year's first and last days; each query yields `id`.
pub const QUALITY_CHECKS: &[(&str, &str, &str, &str)] = &[
    (
        "no_sg4a",
        "Concluded Section 42 enquiries with no answer to SG4a (asked about desired outcomes: Not Recorded)",
        "enquiry",
        "SELECT e.id FROM enquiries e JOIN enquiry_conclusions ec ON ec.enquiry_id = e.id \
         WHERE e.kind = 'section_42' AND e.state = 'concluded' AND ec.concluded_on >= $1 AND ec.concluded_on <= $2 \
         AND ec.asked = 'not_recorded'",
    ),
    (
        "no_achievement",
        "Concluded Section 42 enquiries where outcomes were expressed but not rated (SG4a part 2)",
        "enquiry",
        "SELECT e.id FROM enquiries e JOIN enquiry_conclusions ec ON ec.enquiry_id = e.id \
         WHERE e.kind = 'section_42' AND e.state = 'concluded' AND ec.concluded_on >= $1 AND ec.concluded_on <= $2 \
         AND ec.asked = 'yes_expressed' AND ec.achievement IS NULL",
    ),
    (
        "no_sg2e",
        "Risk identified and action taken, but no risk outcome (SG2e)",
        "enquiry",
        "SELECT e.id FROM enquiries e JOIN enquiry_conclusions ec ON ec.enquiry_id = e.id \
         WHERE e.kind = 'section_42' AND e.state = 'concluded' AND ec.concluded_on >= $1 AND ec.concluded_on <= $2 \
         AND ec.action_result = 'risk_action' AND ec.risk_outcome IS NULL",
    ),
    (
        "no_sg3a",
        "Concluded Section 42 enquiries with capacity not recorded (SG3a)",
        "enquiry",
        "SELECT e.id FROM enquiries e JOIN enquiry_conclusions ec ON ec.enquiry_id = e.id \
         WHERE e.kind = 'section_42' AND e.state = 'concluded' AND ec.concluded_on >= $1 AND ec.concluded_on <= $2 \
         AND ec.capacity = 'not_recorded'",
    ),
    (
        "concluded_before_start",
        "Enquiries concluded before they started",
        "enquiry",
        "SELECT e.id FROM enquiries e JOIN enquiry_conclusions ec ON ec.enquiry_id = e.id \
         WHERE ec.concluded_on >= $1 AND ec.concluded_on <= $2 AND ec.concluded_on < e.started_on",
    ),
    (
        "awaiting_sign_off",
        "Conclusions dated in the year still awaiting a manager's sign-off (not counted until signed off)",
        "enquiry",
        "SELECT e.id FROM enquiries e JOIN enquiry_conclusions ec ON ec.enquiry_id = e.id \
         WHERE e.state = 'awaiting_sign_off' AND ec.concluded_on >= $1 AND ec.concluded_on <= $2",
    ),
    (
        "no_date_of_birth",
        "Adults at risk in the year's cases with no date of birth (counted as age not recorded)",
        "person",
        "SELECT p.id FROM people p WHERE p.date_of_birth IS NULL AND (\
         EXISTS (SELECT 1 FROM concern_adults ca JOIN concerns c ON c.id = ca.concern_id \
                 WHERE ca.person_id = p.id AND c.received_on >= $1 AND c.received_on <= $2) \
         OR EXISTS (SELECT 1 FROM enquiries e WHERE e.person_id = p.id AND e.started_on >= $1 AND e.started_on <= $2))",
    ),
    (
        "under_18",
        "People in the year's cases aged under 18 on 31 March (not counted in SG1a: check the date of birth)",
        "person",
        "SELECT p.id FROM people p WHERE p.date_of_birth > $3 AND (\
         EXISTS (SELECT 1 FROM concern_adults ca JOIN concerns c ON c.id = ca.concern_id \
                 WHERE ca.person_id = p.id AND c.received_on >= $1 AND c.received_on <= $2) \
         OR EXISTS (SELECT 1 FROM enquiries e WHERE e.person_id = p.id AND e.started_on >= $1 AND e.started_on <= $2))",
    ),
    (
        "enquiry_person_not_named",
        "Enquiries whose person the concern they came from no longer names (re-linked after the decision)",
        "enquiry",
        "SELECT e.id FROM enquiries e WHERE e.started_on >= $1 AND e.started_on <= $2 \
         AND NOT EXISTS (SELECT 1 FROM concern_adults ca \
                         WHERE ca.concern_id = e.concern_id AND ca.person_id = e.person_id)",
    ),
    (
        "unlinked_adult",
        "Concerns with an adult not linked to a person record (counted as an individual of whom nothing is known)",
        "concern",
        "SELECT DISTINCT c.id FROM concerns c JOIN concern_adults ca ON ca.concern_id = c.id \
         WHERE c.received_on >= $1 AND c.received_on <= $2 AND ca.person_id IS NULL",
    ),
];

fn list<T: Copy>(csv: &str, parse: fn(&str) -> Option<T>) -> Vec<T> {
    csv.split(',').filter_map(|c| parse(c.trim())).collect()
}

fn concluded_of(r: ConcludedRow) -> Concluded {
    Concluded {
        id: r.enquiry_id,
        weight: u64::try_from(r.n).unwrap_or(0),
        risk_types: list(&r.risk_types, RiskType::parse),
        locations: list(&r.locations, LocationType::parse),
        sources: list(&r.sources, SourceType::parse),
        action_result: ActionResult::parse(&r.action_result),
        risk_outcome: r.risk_outcome.as_deref().and_then(RiskOutcome::parse),
        capacity: Capacity::parse(&r.capacity),
        capacity_support: r.capacity_support.unwrap_or(false),
        asked: Asked::parse(&r.asked),
        achievement: r.achievement.as_deref().and_then(Achievement::parse),
    }
}

const CONCLUDED_FROM: &str = "FROM enquiry_conclusions ec JOIN enquiries e ON e.id = ec.enquiry_id \
    WHERE e.kind = 'section_42' AND e.state = 'concluded' AND ec.concluded_on >= $1 AND ec.concluded_on <= $2";
const CONCLUDED_ANSWERS: &str = "ec.risk_types, ec.locations, ec.sources, ec.action_result, ec.risk_outcome, \
    ec.capacity, ec.capacity_support, ec.asked, ec.achievement";

impl Store {
    /// Feeds the facts of `year` to `pass` as they are read, so memory does
    /// not grow with the year: SG1 cases with their person's facts, grouped
    /// by person; then concluded enquiries — with `each`, one by one with
    /// their ids (for drill-down), otherwise grouped by their answers — and
    /// the reviews completed in the year.
    pub async fn sac_pass(&self, year: Year, each: bool, pass: &mut Pass) -> Result<()> {
        let from = iso_date(year.first_day());
        let to = iso_date(year.last_day());
        let cases_sql = "SELECT x.id, x.kind, x.person_id, x.support_reason, p.date_of_birth, \
             p.gender, p.ethnicity, p.autism, p.asperger FROM ( \
             SELECT c.id AS id, 'concern' AS kind, ca.person_id AS person_id, ca.support_reason AS support_reason \
             FROM concern_adults ca JOIN concerns c ON c.id = ca.concern_id \
             WHERE c.received_on >= $1 AND c.received_on <= $2 \
             UNION ALL \
             SELECT e.id, e.kind, e.person_id, e.support_reason FROM enquiries e \
             WHERE e.started_on >= $1 AND e.started_on <= $2) x \
             LEFT JOIN people p ON p.id = x.person_id ORDER BY x.person_id, x.id";
        on_db!(self, |p| {
            let mut rows = sqlx::query_as::<_, CaseRow>(cases_sql)
                .bind(&from)
                .bind(&to)
                .fetch(p);
            while let Some(c) = rows.try_next().await? {
                let (case, person) = case_of(c);
                pass.case(&case, &person);
            }
            Ok::<(), sqlx::Error>(())
        })?;
        let concluded_sql = if each {
            format!(
                "SELECT ec.enquiry_id AS enquiry_id, CAST(1 AS BIGINT) AS n, {CONCLUDED_ANSWERS} {CONCLUDED_FROM} ORDER BY ec.concluded_on, ec.enquiry_id"
            )
        } else {
            format!(
                "SELECT CAST(NULL AS TEXT) AS enquiry_id, COUNT(*) AS n, {CONCLUDED_ANSWERS} {CONCLUDED_FROM} GROUP BY {CONCLUDED_ANSWERS}"
            )
        };
        on_db!(self, |p| {
            let mut rows = sqlx::query_as::<_, ConcludedRow>(&concluded_sql)
                .bind(&from)
                .bind(&to)
                .fetch(p);
            while let Some(r) = rows.try_next().await? {
                pass.concluded(&concluded_of(r));
            }
            Ok::<(), sqlx::Error>(())
        })?;
        let reviews: Vec<ReviewCountRow> = on_db!(self, |p| sqlx::query_as(
            "SELECT id, individuals_died, individuals_survived FROM safeguarding_reviews \
             WHERE completed_on >= $1 AND completed_on <= $2 ORDER BY completed_on, id"
        )
        .bind(&from)
        .bind(&to)
        .fetch_all(p)
        .await)?;
        for r in reviews {
            pass.review(&Review {
                id: r.id,
                died: std::iter::repeat_n(true, usize::try_from(r.individuals_died).unwrap_or(0))
                    .chain(std::iter::repeat_n(
                        false,
                        usize::try_from(r.individuals_survived).unwrap_or(0),
                    ))
                    .collect(),
            });
        }
        Ok(())
    }

    /// What the data-quality checks find for `year`, check by check.
    pub async fn sac_quality(&self, year: Year) -> Result<Vec<QualityRow>> {
        let from = iso_date(year.first_day());
        let to = iso_date(year.last_day());
        // Born after this date: under 18 on 31 March.
        let eighteen = year
            .last_day()
            .replace_year(year.last_day().year() - 18)
            .map(iso_date)
            .unwrap_or_default();
        let mut out = Vec::new();
        for (code, _, record, sql) in QUALITY_CHECKS {
            let ids: Vec<(String,)> = if sql.contains("$3") {
                on_db!(self, |p| sqlx::query_as(sql)
                    .bind(&from)
                    .bind(&to)
                    .bind(&eighteen)
                    .fetch_all(p)
                    .await)?
            } else {
                on_db!(self, |p| sqlx::query_as(sql)
                    .bind(&from)
                    .bind(&to)
                    .fetch_all(p)
                    .await)?
            };
            out.extend(ids.into_iter().map(|(id,)| QualityRow {
                check_code: (*code).to_string(),
                record: (*record).to_string(),
                id,
            }));
        }
        Ok(out)
    }

    /// For drill-down: each record's id, what names it (the person's name
    /// for an enquiry or person, the reference for a concern) and its date,
    /// for up to 1,000 ids of one kind (`concern`, `enquiry` or `person`).
    /// With a viewer, names of people outside their need-to-know come back
    /// empty (and the date with them).
    pub async fn sac_labels(
        &self,
        record: &str,
        ids: &[String],
        viewer: Option<&crate::access::Viewer>,
    ) -> Result<Vec<(String, String, String)>> {
        let ids = &ids[..ids.len().min(1000)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = crate::marks(1, ids.len());
        let first = ids.len() + 1;
        let shown = |person: &str| match viewer {
            Some(v) => v.person_sql(person, first),
            None => "1 = 1".to_string(),
        };
        let sql = match record {
            "concern" => {
                format!("SELECT id, reference, received_on FROM concerns WHERE id IN ({marks})")
            }
            "enquiry" => format!(
                "SELECT e.id, CASE WHEN {v} THEN p.given_name || ' ' || p.family_name ELSE '' END, \
                 CASE WHEN {v} THEN e.started_on ELSE '' END FROM enquiries e \
                 JOIN people p ON p.id = e.person_id WHERE e.id IN ({marks})",
                v = shown("e.person_id")
            ),
            _ => format!(
                "SELECT people.id, CASE WHEN {v} THEN given_name || ' ' || family_name ELSE '' END, \
                 CASE WHEN {v} THEN COALESCE(date_of_birth, '') ELSE '' END FROM people WHERE people.id IN ({marks})",
                v = shown("people.id")
            ),
        };
        let binds = viewer.map(|v| v.binds()).unwrap_or_default();
        let mut rows: Vec<(String, String, String)> = on_db!(self, |p| {
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(id);
            }
            crate::concerns::bind_all!(q, &binds).fetch_all(p).await
        })?;
        let order: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        rows.sort_by_key(|r| order.get(r.0.as_str()).copied().unwrap_or(usize::MAX));
        Ok(rows)
    }

    /// Every Safeguarding Adults Review on the register, newest first.
    pub async fn reviews(&self) -> Result<Vec<ReviewRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, title, commissioned_on, completed_on, individuals_died, individuals_survived, created_at, created_by \
             FROM safeguarding_reviews ORDER BY commissioned_on DESC, id"
        )
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Adds a Safeguarding Adults Review to the register.
    pub async fn insert_review(&mut self, r: &ReviewRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO safeguarding_reviews (id, title, commissioned_on, completed_on, individuals_died, \
             individuals_survived, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(&r.id)
        .bind(&r.title)
        .bind(&r.commissioned_on)
        .bind(&r.completed_on)
        .bind(r.individuals_died)
        .bind(r.individuals_survived)
        .bind(r.created_at)
        .bind(&r.created_by)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}

/// A recommendation of a Safeguarding Adults Review.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RecommendationRow {
    pub id: String,
    pub review_id: String,
    pub text: String,
    pub owner_id: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// `open`, `in_progress` or `done`.
    pub status: String,
    /// The training level it leads to.
    pub level_id: Option<String>,
    /// The case-file audit question it leads to.
    pub audit_question: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const RECOMMENDATION_COLUMNS: &str = "id, review_id, text, owner_id, due_on, status, level_id, created_by, created_at, updated_at, \
     audit_question";

impl Store {
    /// One review on the register.
    pub async fn review(&self, id: &str) -> Result<Option<ReviewRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, title, commissioned_on, completed_on, individuals_died, individuals_survived, created_at, created_by \
             FROM safeguarding_reviews WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Every recommendation (of one review, or all), by due date.
    pub async fn recommendations(&self, review_id: Option<&str>) -> Result<Vec<RecommendationRow>> {
        let all = format!(
            "SELECT {RECOMMENDATION_COLUMNS} FROM review_recommendations ORDER BY due_on, id"
        );
        let one = format!(
            "SELECT {RECOMMENDATION_COLUMNS} FROM review_recommendations WHERE review_id = $1 ORDER BY due_on, id"
        );
        Ok(match review_id {
            None => on_db!(self, |p| sqlx::query_as(&all).fetch_all(p).await)?,
            Some(r) => on_db!(self, |p| sqlx::query_as(&one).bind(r).fetch_all(p).await)?,
        })
    }

    /// One recommendation.
    pub async fn recommendation(&self, id: &str) -> Result<Option<RecommendationRow>> {
        let sql =
            format!("SELECT {RECOMMENDATION_COLUMNS} FROM review_recommendations WHERE id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }
}

impl Tx {
    /// Adds a recommendation to a review.
    pub async fn insert_recommendation(&mut self, r: &RecommendationRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO review_recommendations ({RECOMMENDATION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(&r.id)
            .bind(&r.review_id)
            .bind(&r.text)
            .bind(&r.owner_id)
            .bind(&r.due_on)
            .bind(&r.status)
            .bind(&r.level_id)
            .bind(&r.created_by)
            .bind(r.created_at)
            .bind(r.updated_at)
            .bind(&r.audit_question)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Changes a recommendation's status; false if it does not exist.
    pub async fn set_recommendation_status(
        &mut self,
        id: &str,
        status: &str,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE review_recommendations SET status = $2, updated_at = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(status)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
