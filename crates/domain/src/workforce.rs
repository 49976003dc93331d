//! Competence and training: the levels a framework sets, the level each role
//! needs, the learning a worker records, and whether each worker's learning
//! is current, running out or out of date.
//!
//! Within a framework a higher rank includes the lower ones (a current Level 3
//! meets a Level 2 requirement); frameworks never stand in for each other.

use time::{Date, Month};

use crate::FieldErrors;
use crate::text::{optional_field, required_field};

crate::codes::coded!(
    /// A competency framework. The shipped levels of each can be edited.
    Framework {
        /// The intercollegiate document "Adult Safeguarding: Roles and
        /// Competencies for Health Care Staff": levels 1-5.
        Intercollegiate = "intercollegiate" : "Intercollegiate adult safeguarding levels",
        /// The Bournemouth National Competency Framework for Safeguarding
        /// Adults: staff groups.
        Bournemouth = "bournemouth" : "Bournemouth National Competency Framework",
    }
);

crate::codes::coded!(
    /// What kind of learning a record is.
    LearningKind {
        /// A taught course, in person or live online.
        Course = "course" : "Course",
        /// E-learning.
        ELearning = "e-learning" : "E-learning",
        /// A workshop, seminar or conference.
        Workshop = "workshop" : "Workshop, seminar or conference",
        /// Shadowing, coaching or being observed in practice.
        Practice = "practice" : "Shadowing, coaching or observed practice",
        /// Reading or research.
        Reading = "reading" : "Reading or research",
        /// Any other learning.
        Other = "other" : "Other learning",
    }
);

/// How far ahead a level running out is flagged, in days.
pub const EXPIRING_DAYS: i64 = 90;

/// One level of a framework.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    /// Stable id.
    pub id: String,
    /// Its framework.
    pub framework: Framework,
    /// Its place in the framework (1 is the first).
    pub rank: i64,
    /// Its name ("Level 3", "Staff group C").
    pub name: String,
    /// Who it is for.
    pub description: String,
    /// How many months learning at this level stays current.
    pub refresh_months: u32,
    /// Hours of learning it asks for over that period, in tenths.
    pub hours_tenths: i64,
}

impl Level {
    /// Its name with its framework's: "Staff group C (Bournemouth National
    /// Competency Framework)".
    pub fn full_name(&self) -> String {
        format!("{} ({})", self.name, self.framework.label())
    }

    /// Whether a current record at `other` meets this level.
    pub fn met_by(&self, other: &Level) -> bool {
        other.framework == self.framework && other.rank >= self.rank
    }
}

/// A learning record as the standing of a requirement needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Learning {
    /// The level it evidences, if any.
    pub level_id: Option<String>,
    /// When it was completed.
    pub completed_on: Date,
    /// Until when it keeps its level current.
    pub expires_on: Option<Date>,
    /// Its length, in tenths of an hour.
    pub hours_tenths: i64,
}

/// Where a worker stands against one requirement on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Current, for more than [`EXPIRING_DAYS`].
    Current {
        /// The last day it is current.
        until: Date,
    },
    /// Current, but running out within [`EXPIRING_DAYS`].
    Expiring {
        /// The last day it is current.
        until: Date,
        /// Days from today to that day.
        days: i64,
    },
    /// It was current, and ran out.
    Expired {
        /// The last day it was current.
        on: Date,
    },
    /// No learning at this level (or above) is recorded.
    Missing,
}

impl Standing {
    /// Whether the requirement is met today.
    pub fn is_current(self) -> bool {
        matches!(self, Standing::Current { .. } | Standing::Expiring { .. })
    }

    /// The compliance band it falls in.
    pub fn band(self) -> Band {
        match self {
            Standing::Current { .. } => Band::Current,
            Standing::Expiring { days, .. } if days <= 30 => Band::Within30,
            Standing::Expiring { days, .. } if days <= 60 => Band::Within60,
            Standing::Expiring { .. } => Band::Within90,
            Standing::Expired { .. } | Standing::Missing => Band::OutOfDate,
        }
    }

    /// Words for a page: "Current until 1 March 2027", "Out of date since ...".
    pub fn describe(self) -> String {
        use crate::dates::long_date;
        match self {
            Standing::Current { until } => format!("Current until {}", long_date(until)),
            Standing::Expiring { until, days } => format!(
                "Runs out on {} (in {days} day{})",
                long_date(until),
                if days == 1 { "" } else { "s" }
            ),
            Standing::Expired { on } => format!("Out of date since {}", long_date(on)),
            Standing::Missing => "No training recorded".into(),
        }
    }
}

crate::codes::coded!(
    /// A compliance band: how soon a requirement runs out.
    Band {
        /// Expired, or never recorded.
        OutOfDate = "out-of-date" : "Out of date",
        /// Runs out within 30 days.
        Within30 = "within-30" : "Runs out within 30 days",
        /// Within 31-60 days.
        Within60 = "within-60" : "Runs out in 31 to 60 days",
        /// Within 61-90 days.
        Within90 = "within-90" : "Runs out in 61 to 90 days",
        /// Current for more than 90 days.
        Current = "current" : "Current",
    }
);

/// Where a worker with `records` stands against `required` on `today`.
/// `levels` is every level (to know each record's framework and rank).
pub fn standing(required: &Level, levels: &[Level], records: &[Learning], today: Date) -> Standing {
    let best = records
        .iter()
        .filter(|r| {
            r.level_id
                .as_deref()
                .and_then(|id| levels.iter().find(|l| l.id == id))
                .is_some_and(|l| required.met_by(l))
        })
        .filter_map(|r| r.expires_on)
        .max();
    match best {
        None => Standing::Missing,
        Some(until) if until < today => Standing::Expired { on: until },
        Some(until) => {
            let days = (until - today).whole_days();
            if days <= EXPIRING_DAYS {
                Standing::Expiring { until, days }
            } else {
                Standing::Current { until }
            }
        }
    }
}

/// Hours of learning completed in the `months` before `today` (inclusive),
/// in tenths: what a level's hours are measured against.
pub fn hours_in(records: &[Learning], months: u32, today: Date) -> i64 {
    let from = add_months(today, -(months as i32));
    records
        .iter()
        .filter(|r| r.completed_on > from && r.completed_on <= today)
        .map(|r| r.hours_tenths)
        .sum()
}

/// `d` moved by `months` (negative: back), on the same day of the month or
/// that month's last day.
pub fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from((month0 + 1) as u8).unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

/// Tenths of an hour as written on a page: "7.5", "8".
pub fn hours_text(tenths: i64) -> String {
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, (tenths % 10).abs())
    }
}

/// A learning record as typed.
#[derive(Clone, Debug, Default)]
pub struct RawLearning {
    /// What it was ("Safeguarding adults: leading enquiries").
    pub title: Option<String>,
    /// A [`LearningKind`] code.
    pub kind: Option<String>,
    /// Who provided it.
    pub provider: Option<String>,
    /// When it was completed (`YYYY-MM-DD`).
    pub completed_on: Option<String>,
    /// How long, in hours ("3", "7.5").
    pub hours: Option<String>,
    /// The id of the level it evidences, if any.
    pub level: Option<String>,
    /// Until when it is current (`YYYY-MM-DD`); blank: the level's refresh period.
    pub expires_on: Option<String>,
    /// What shows it was done (a certificate's number, where it is filed).
    pub evidence: Option<String>,
}

/// A valid learning record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLearning {
    /// What it was.
    pub title: String,
    /// Its kind.
    pub kind: LearningKind,
    /// Who provided it.
    pub provider: Option<String>,
    /// When completed.
    pub completed_on: Date,
    /// Length in tenths of an hour.
    pub hours_tenths: i64,
    /// The level it evidences.
    pub level_id: Option<String>,
    /// Until when it keeps that level current.
    pub expires_on: Option<Date>,
    /// What shows it was done.
    pub evidence: Option<String>,
}

/// Hours as typed ("7.5") in tenths; at most one decimal place, 0 to 1,000.
pub fn parse_hours(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || whole.len() > 4 {
        return None;
    }
    if frac.len() > 1 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let tenths = w * 10 + f;
    (tenths <= 10_000).then_some(tenths)
}

impl RawLearning {
    /// Checks the record against `levels` on `today`; the expiry defaults to
    /// the completion date plus the level's refresh period.
    pub fn validate(&self, levels: &[Level], today: Date) -> Result<NewLearning, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = required_field(
            &mut e,
            "title",
            "what the learning was",
            &self.title,
            200,
            false,
        );
        let kind = match self.kind.as_deref().map(str::trim).unwrap_or("") {
            "" => {
                e.add("kind", "Choose what kind of learning it was");
                None
            }
            k => LearningKind::parse(k).or_else(|| {
                e.add("kind", "Choose what kind of learning it was");
                None
            }),
        };
        let provider = optional_field(
            &mut e,
            "provider",
            "who provided it",
            &self.provider,
            200,
            false,
        );
        let completed = crate::text::optional_date_field(
            &mut e,
            "completed_on",
            "The date completed",
            &self.completed_on,
        );
        match completed {
            None if e.get("completed_on").is_none() => {
                e.add("completed_on", "Enter the date the learning was completed")
            }
            Some(d) if d > today => {
                e.add("completed_on", "The date completed cannot be in the future")
            }
            _ => {}
        }
        let hours = match self.hours.as_deref().map(str::trim).unwrap_or("") {
            "" => {
                e.add("hours", "Enter how many hours the learning took");
                None
            }
            h => parse_hours(h).or_else(|| {
                e.add(
                    "hours",
                    "Hours must be a number from 0 to 1000, like 3 or 7.5",
                );
                None
            }),
        };
        let level = match self.level.as_deref().map(str::trim).unwrap_or("") {
            "" => None,
            id => levels.iter().find(|l| l.id == id).or_else(|| {
                e.add("level", "Choose a level from the list, or none");
                None
            }),
        };
        let typed_expiry = crate::text::optional_date_field(
            &mut e,
            "expires_on",
            "The date it runs out",
            &self.expires_on,
        );
        if let (Some(c), Some(x)) = (completed, typed_expiry)
            && x < c
        {
            e.add(
                "expires_on",
                "The date it runs out must be on or after the date completed",
            );
        }
        if typed_expiry.is_some() && level.is_none() && e.get("level").is_none() {
            e.add(
                "expires_on",
                "Only learning that evidences a level runs out: choose the level, or leave this blank",
            );
        }
        let evidence = optional_field(
            &mut e,
            "evidence",
            "the evidence",
            &self.evidence,
            2000,
            true,
        );
        if !e.is_empty() {
            return Err(e);
        }
        let (Some(kind), Some(completed_on), Some(hours_tenths)) = (kind, completed, hours) else {
            return Err(e);
        };
        let expires_on = level.map(|l| {
            typed_expiry.unwrap_or_else(|| add_months(completed_on, l.refresh_months as i32))
        });
        Ok(NewLearning {
            title,
            kind,
            provider,
            completed_on,
            hours_tenths,
            level_id: level.map(|l| l.id.clone()),
            expires_on,
            evidence,
        })
    }
}

/// A level as an administrator edits it.
#[derive(Clone, Debug, Default)]
pub struct RawLevel {
    /// Its name.
    pub name: Option<String>,
    /// Who it is for.
    pub description: Option<String>,
    /// Months it stays current ("36").
    pub refresh_months: Option<String>,
    /// Hours it asks for over that period ("8").
    pub hours: Option<String>,
}

/// A valid edit of a level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelEdit {
    /// Its name.
    pub name: String,
    /// Who it is for.
    pub description: String,
    /// Months it stays current (1-120).
    pub refresh_months: u32,
    /// Hours, in tenths.
    pub hours_tenths: i64,
}

impl RawLevel {
    /// Checks an edit of a level.
    pub fn validate(&self) -> Result<LevelEdit, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required_field(&mut e, "name", "the level's name", &self.name, 100, false);
        let description = required_field(
            &mut e,
            "description",
            "who the level is for",
            &self.description,
            500,
            false,
        );
        let months = self
            .refresh_months
            .as_deref()
            .map(str::trim)
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|m| (1..=120).contains(m));
        if months.is_none() {
            e.add(
                "refresh_months",
                "Months current must be a whole number from 1 to 120",
            );
        }
        let hours = self.hours.as_deref().and_then(parse_hours);
        if hours.is_none() {
            e.add(
                "hours",
                "Hours must be a number from 0 to 1000, like 3 or 7.5",
            );
        }
        match (months, hours) {
            (Some(refresh_months), Some(hours_tenths)) if e.is_empty() => Ok(LevelEdit {
                name,
                description,
                refresh_months,
                hours_tenths,
            }),
            _ => Err(e),
        }
    }
}

crate::codes::coded!(
    /// Where a review's recommendation stands.
    RecommendationStatus {
        /// Not started.
        Open = "open" : "Open",
        /// Under way.
        InProgress = "in_progress" : "In progress",
        /// Done.
        Done = "done" : "Done",
    }
);

/// A Safeguarding Adults Review's recommendation as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawRecommendation {
    /// What the review recommends.
    pub text: Option<String>,
    /// Who owns it (a username).
    pub owner: Option<String>,
    /// By when (`YYYY-MM-DD`).
    pub due_on: Option<String>,
    /// The id of the training level it leads to, if any.
    pub level_id: Option<String>,
    /// The case-file audit question it leads to, if any (its text).
    pub audit_question: Option<String>,
}

/// A valid recommendation (the owner still to be looked up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecommendation {
    /// What.
    pub text: String,
    /// Owner's username.
    pub owner: String,
    /// By when.
    pub due_on: Date,
    /// The level it leads to.
    pub level_id: Option<String>,
    /// The audit question it leads to.
    pub audit_question: Option<String>,
}

impl RawRecommendation {
    /// Checks a recommendation against the levels and the audit questions.
    pub fn validate(
        &self,
        levels: &[Level],
        questions: &[String],
    ) -> Result<NewRecommendation, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = required_field(&mut e, "text", "the recommendation", &self.text, 2000, true);
        let owner = self
            .owner
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .to_lowercase();
        if owner.is_empty() {
            e.add("owner", "Choose who owns the recommendation");
        }
        let due = crate::text::optional_date_field(&mut e, "due_on", "The date due", &self.due_on);
        if due.is_none() && e.get("due_on").is_none() {
            e.add("due_on", "Enter the date it is due");
        }
        let level_id = match self.level_id.as_deref().map(str::trim).unwrap_or("") {
            "" => None,
            id if levels.iter().any(|l| l.id == id) => Some(id.to_string()),
            _ => {
                e.add("level_id", "Choose a training level from the list, or none");
                None
            }
        };
        let audit_question = match self.audit_question.as_deref().map(str::trim).unwrap_or("") {
            "" => None,
            q if questions.iter().any(|x| x == q) => Some(q.to_string()),
            _ => {
                e.add(
                    "audit_question",
                    "Choose a case-file audit question from the list, or none",
                );
                None
            }
        };
        match due {
            Some(due_on) if e.is_empty() => Ok(NewRecommendation {
                text,
                owner,
                due_on,
                level_id,
                audit_question,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn level(id: &str, framework: Framework, rank: i64, months: u32) -> Level {
        Level {
            id: id.into(),
            framework,
            rank,
            name: id.into(),
            description: String::new(),
            refresh_months: months,
            hours_tenths: 80,
        }
    }

    fn levels() -> Vec<Level> {
        vec![
            level("ic2", Framework::Intercollegiate, 2, 36),
            level("ic3", Framework::Intercollegiate, 3, 36),
            level("c", Framework::Bournemouth, 3, 24),
        ]
    }

    fn record(level: &str, completed: Date, expires: Date) -> Learning {
        Learning {
            level_id: Some(level.into()),
            completed_on: completed,
            expires_on: Some(expires),
            hours_tenths: 30,
        }
    }

    #[test]
    fn a_higher_rank_meets_a_lower_one_in_the_same_framework_only() {
        let l = levels();
        let today = date!(2026 - 12 - 01);
        let recs = [record("ic3", date!(2026 - 01 - 01), date!(2028 - 12 - 31))];
        assert_eq!(
            standing(&l[0], &l, &recs, today),
            Standing::Current {
                until: date!(2028 - 12 - 31)
            }
        );
        assert_eq!(standing(&l[2], &l, &recs, today), Standing::Missing);
        let lower = [record("ic2", date!(2026 - 01 - 01), date!(2028 - 12 - 31))];
        assert_eq!(standing(&l[1], &l, &lower, today), Standing::Missing);
    }

    #[test]
    fn the_latest_expiry_counts_and_bands_follow_the_days_left() {
        let l = levels();
        let today = date!(2026 - 12 - 01);
        let recs = [
            record("c", date!(2023 - 01 - 01), date!(2025 - 01 - 01)),
            record("c", date!(2025 - 01 - 20), date!(2026 - 12 - 21)),
        ];
        let s = standing(&l[2], &l, &recs, today);
        assert_eq!(
            s,
            Standing::Expiring {
                until: date!(2026 - 12 - 21),
                days: 20
            }
        );
        assert_eq!(s.band(), Band::Within30);
        assert!(s.is_current());
        let old = [record("c", date!(2023 - 01 - 01), date!(2026 - 11 - 30))];
        let s = standing(&l[2], &l, &old, today);
        assert_eq!(
            s,
            Standing::Expired {
                on: date!(2026 - 11 - 30)
            }
        );
        assert_eq!(s.band(), Band::OutOfDate);
        assert!(!s.is_current());
        // The last day is still current.
        let s = standing(&l[2], &l, &old, date!(2026 - 11 - 30));
        assert_eq!(s.band(), Band::Within30);
        let s = Standing::Expiring {
            until: today,
            days: 61,
        };
        assert_eq!(s.band(), Band::Within90);
    }

    #[test]
    fn months_are_added_to_the_month_end() {
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 03 - 15), 24), date!(2028 - 03 - 15));
        assert_eq!(
            add_months(date!(2026 - 01 - 15), -36),
            date!(2023 - 01 - 15)
        );
        assert_eq!(add_months(date!(2026 - 12 - 31), 2), date!(2027 - 02 - 28));
    }

    #[test]
    fn hours_are_tenths() {
        assert_eq!(parse_hours("7.5"), Some(75));
        assert_eq!(parse_hours("8"), Some(80));
        assert_eq!(parse_hours(".5"), Some(5));
        assert_eq!(parse_hours("0"), Some(0));
        assert_eq!(parse_hours("1000"), Some(10_000));
        for bad in ["", ".", "-1", "7.25", "1001", "seven", "1e3", "99999"] {
            assert_eq!(parse_hours(bad), None, "{bad}");
        }
        assert_eq!(hours_text(75), "7.5");
        assert_eq!(hours_text(80), "8");
    }

    #[test]
    fn a_record_gets_its_levels_refresh_period_unless_an_expiry_is_typed() {
        let l = levels();
        let today = date!(2026 - 12 - 01);
        let raw = RawLearning {
            title: Some(" Leading enquiries ".into()),
            kind: Some("course".into()),
            completed_on: Some("2026-03-15".into()),
            hours: Some("6.5".into()),
            level: Some("c".into()),
            ..Default::default()
        };
        let n = raw.validate(&l, today).expect("valid");
        assert_eq!(n.title, "Leading enquiries");
        assert_eq!(n.hours_tenths, 65);
        assert_eq!(n.expires_on, Some(date!(2028 - 03 - 15)));
        let typed = RawLearning {
            expires_on: Some("2027-03-15".into()),
            ..raw.clone()
        };
        assert_eq!(
            typed.validate(&l, today).expect("valid").expires_on,
            Some(date!(2027 - 03 - 15))
        );
        let no_level = RawLearning {
            level: None,
            ..raw.clone()
        };
        assert_eq!(
            no_level.validate(&l, today).expect("valid").expires_on,
            None
        );
    }

    #[test]
    fn bad_records_say_what_is_wrong_with_each_field() {
        let l = levels();
        let today = date!(2026 - 12 - 01);
        let e = RawLearning::default()
            .validate(&l, today)
            .expect_err("refused");
        for f in ["title", "kind", "completed_on", "hours"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        let e = RawLearning {
            title: Some("x".into()),
            kind: Some("nap".into()),
            completed_on: Some("2027-01-01".into()),
            hours: Some("lots".into()),
            level: Some("nope".into()),
            expires_on: Some("2026-13-01".into()),
            evidence: Some("a\u{0}b".into()),
            ..Default::default()
        }
        .validate(&l, today)
        .expect_err("refused");
        for f in [
            "kind",
            "completed_on",
            "hours",
            "level",
            "expires_on",
            "evidence",
        ] {
            assert!(e.get(f).is_some(), "{f}");
        }
        let e = RawLearning {
            title: Some("x".into()),
            kind: Some("course".into()),
            completed_on: Some("2026-01-01".into()),
            hours: Some("1".into()),
            expires_on: Some("2025-01-01".into()),
            level: Some("c".into()),
            ..Default::default()
        }
        .validate(&l, today)
        .expect_err("refused");
        assert!(
            e.get("expires_on")
                .expect("an error on the expiry")
                .contains("on or after")
        );
    }

    #[test]
    fn hours_count_within_the_period() {
        let today = date!(2026 - 12 - 01);
        let recs = [
            record("c", date!(2026 - 06 - 01), date!(2028 - 06 - 01)),
            record("c", date!(2023 - 12 - 01), date!(2025 - 12 - 01)),
            record("c", date!(2023 - 12 - 02), date!(2025 - 12 - 02)),
        ];
        assert_eq!(hours_in(&recs, 36, today), 60);
    }

    #[test]
    fn level_edits_are_checked() {
        let ok = RawLevel {
            name: Some("Level 3".into()),
            description: Some("Registered staff".into()),
            refresh_months: Some("36".into()),
            hours: Some("8".into()),
        }
        .validate()
        .expect("valid");
        assert_eq!(ok.refresh_months, 36);
        assert_eq!(ok.hours_tenths, 80);
        let e = RawLevel {
            refresh_months: Some("0".into()),
            hours: Some("-2".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("refused");
        for f in ["name", "description", "refresh_months", "hours"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn recommendations_are_checked() {
        let l = levels();
        let ok = RawRecommendation {
            text: Some("Train all leads in professional curiosity".into()),
            owner: Some("Manager".into()),
            due_on: Some("2027-03-31".into()),
            level_id: Some("c".into()),
            audit_question: Some("Voice".into()),
        }
        .validate(&l, &["Voice".to_string()])
        .expect("valid");
        assert_eq!(ok.audit_question.as_deref(), Some("Voice"));
        assert_eq!(ok.owner, "manager");
        assert_eq!(ok.level_id.as_deref(), Some("c"));
        let e = RawRecommendation {
            level_id: Some("nope".into()),
            due_on: Some("31/03/2027".into()),
            audit_question: Some("Not a question".into()),
            ..Default::default()
        }
        .validate(&l, &["Voice".to_string()])
        .expect_err("refused");
        for f in ["text", "owner", "due_on", "level_id", "audit_question"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
}
