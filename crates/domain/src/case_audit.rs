//! Case-file audit against Making Safeguarding Personal: a template of
//! questions, a quarter's random sample of each team's cases, an auditor who
//! is neither the case's worker nor its team's manager grading each question
//! on four points with evidence, findings and improvement actions, a second
//! auditor's moderation, the worker's response, and the themes across teams
//! and quarters.

use std::collections::BTreeMap;

use time::{Date, Month};

use crate::FieldErrors;
use crate::text::{optional_field, required_field};

crate::codes::coded!(
    /// The four-point grade of one question.
    Grade {
        /// Practice to learn from.
        Outstanding = "outstanding" : "Outstanding",
        /// What the question asks was done well.
        Good = "good" : "Good",
        /// Done in part, or not recorded well.
        RequiresImprovement = "requires_improvement" : "Requires improvement",
        /// Not done.
        Inadequate = "inadequate" : "Inadequate",
    }
);

impl Grade {
    /// Outstanding or good: what the themes count as met.
    pub fn good_or_better(self) -> bool {
        matches!(self, Grade::Outstanding | Grade::Good)
    }
}

/// The questions of the shipped template (the migration holds the same).
pub const DEFAULT_QUESTIONS: [&str; 8] = [
    "The person's voice is recorded in their own words",
    "Desired outcomes were asked at the start and revisited",
    "Consent was sought, and capacity assessed for the decision where in doubt",
    "Advocacy was considered and arranged where needed",
    "Protective actions are the least restrictive option",
    "Risk is assessed with the person's own view of it",
    "Outcomes achieved are recorded as the person sees them",
    "The person's feedback was sought",
];

/// A calendar quarter, `2026-Q4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// The year.
    pub year: i32,
    /// 1 to 4.
    pub q: u8,
}

impl Quarter {
    /// The quarter a day falls in.
    pub fn of(d: Date) -> Quarter {
        Quarter {
            year: d.year(),
            q: (u8::from(d.month()) - 1) / 3 + 1,
        }
    }

    /// `2026-Q4` (years 2000 to 2100 only).
    pub fn parse(s: &str) -> Option<Quarter> {
        let (y, q) = s.trim().split_once("-Q")?;
        let year: i32 = y.parse().ok().filter(|y| (2000..=2100).contains(y))?;
        let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        Some(Quarter { year, q })
    }

    /// The stable code, `2026-Q4`.
    pub fn code(self) -> String {
        format!("{}-Q{}", self.year, self.q)
    }

    /// In words: "October to December 2026".
    pub fn label(self) -> String {
        let first = Month::try_from((self.q - 1) * 3 + 1).unwrap_or(Month::January);
        format!("{first} to {} {}", first.next().next(), self.year)
    }

    /// Its first day.
    pub fn start(self) -> Date {
        let month = Month::try_from((self.q - 1) * 3 + 1).unwrap_or(Month::January);
        Date::from_calendar_date(self.year, month, 1).unwrap_or(Date::MIN)
    }

    /// Its last day.
    pub fn end(self) -> Date {
        self.next().start().previous_day().unwrap_or(Date::MIN)
    }

    /// The quarter after.
    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    /// The quarter before.
    pub fn previous(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
}

/// Where an audit has got to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Drawn; no auditor yet.
    AwaitingAuditor,
    /// With its auditor.
    WithAuditor,
    /// Graded; waiting for the second auditor.
    AwaitingModeration,
    /// Graded and moderated.
    Complete,
}

impl Stage {
    /// Where an audit with these facts has got to.
    pub fn of(has_auditor: bool, graded: bool, moderated: bool) -> Stage {
        match (has_auditor, graded, moderated) {
            (_, _, true) => Stage::Complete,
            (_, true, false) => Stage::AwaitingModeration,
            (true, false, false) => Stage::WithAuditor,
            (false, false, false) => Stage::AwaitingAuditor,
        }
    }

    /// The stable code used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Stage::AwaitingAuditor => "awaiting_auditor",
            Stage::WithAuditor => "with_auditor",
            Stage::AwaitingModeration => "awaiting_moderation",
            Stage::Complete => "complete",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Stage::AwaitingAuditor => "Needs an auditor",
            Stage::WithAuditor => "With the auditor",
            Stage::AwaitingModeration => "Awaiting moderation",
            Stage::Complete => "Moderated",
        }
    }
}

/// A request to draw a quarter's sample, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawSample {
    /// The quarter, `2026-Q4`.
    pub quarter: Option<String>,
    /// How many cases of each team, 1 to 20.
    pub per_team: Option<String>,
}

impl RawSample {
    /// The quarter and the number per team; the quarter must have begun.
    pub fn validate(&self, today: Date) -> Result<(Quarter, usize), FieldErrors> {
        let mut e = FieldErrors::new();
        let quarter = self.quarter.as_deref().and_then(Quarter::parse);
        match quarter {
            None => e.add("quarter", "Enter the quarter, for example 2026-Q4"),
            Some(q) if q.start() > today => e.add("quarter", "That quarter has not begun"),
            _ => {}
        }
        let n = self
            .per_team
            .as_deref()
            .map(str::trim)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=20).contains(n));
        if n.is_none() {
            e.add(
                "per_team",
                "Cases for each team must be a whole number from 1 to 20",
            );
        }
        match (quarter, n) {
            (Some(q), Some(n)) if e.is_empty() => Ok((q, n)),
            _ => Err(e),
        }
    }
}

/// Takes `n` of `candidates` at random: each candidate is given the key at
/// its position in `keys` (random numbers the caller draws) and the `n`
/// smallest are taken, so every candidate is equally likely.
pub fn sample<T: Clone>(candidates: &[T], keys: &[u64], n: usize) -> Vec<T> {
    let mut keyed: Vec<(u64, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, _)| (keys.get(i).copied().unwrap_or(u64::MAX), i))
        .collect();
    keyed.sort_unstable();
    keyed
        .into_iter()
        .take(n)
        .map(|(_, i)| candidates[i].clone())
        .collect()
}

/// One question's grade as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawAnswer {
    /// `outstanding`, `good`, `requires_improvement` or `inadequate`.
    pub grade: Option<String>,
    /// What in the file shows it.
    pub evidence: Option<String>,
}

/// An improvement action as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawImprovement {
    /// What will be done.
    pub action: Option<String>,
    /// Who (a council username).
    pub owner: Option<String>,
    /// By when, `YYYY-MM-DD`.
    pub due_on: Option<String>,
}

/// The auditor's grading as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawGrading {
    /// One a question, in the template's order.
    #[serde(default)]
    pub answers: Vec<RawAnswer>,
    /// What the audit found, overall.
    pub findings: Option<String>,
    /// Improvement actions.
    #[serde(default)]
    pub actions: Vec<RawImprovement>,
}

/// A graded question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The grade.
    pub grade: Grade,
    /// The evidence.
    pub evidence: String,
}

/// An improvement action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Improvement {
    /// What.
    pub action: String,
    /// Who (username, lower case).
    pub owner: String,
    /// By when.
    pub due_on: Date,
}

/// A valid grading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grading {
    /// One a question.
    pub answers: Vec<Answer>,
    /// Findings.
    pub findings: String,
    /// Improvement actions.
    pub actions: Vec<Improvement>,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

fn grade_field(e: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<Grade> {
    let g = raw.as_deref().map(str::trim).and_then(Grade::parse);
    if g.is_none() {
        e.add(field, "Choose a grade");
    }
    g
}

/// The improvement actions of a form; at most 20.
pub fn improvements(e: &mut FieldErrors, raw: &[RawImprovement]) -> Vec<Improvement> {
    if raw.len() > 20 {
        e.add("actions", "Record at most 20 actions");
    }
    crate::supervision::owned_actions(
        e,
        raw.iter()
            .take(20)
            .map(|a| (&a.action, &a.owner, &a.due_on)),
    )
    .into_iter()
    .map(|(action, owner, due_on)| Improvement {
        action,
        owner,
        due_on,
    })
    .collect()
}

impl RawGrading {
    /// A grade and evidence for each of `questions` questions, the findings,
    /// and the actions.
    pub fn validate(&self, questions: usize) -> Result<Grading, FieldErrors> {
        let mut e = FieldErrors::new();
        if self.answers.len() != questions {
            e.add(
                "answers",
                format!("Grade each of the {questions} questions"),
            );
        }
        let mut answers = Vec::new();
        for (i, a) in self.answers.iter().enumerate().take(questions) {
            let grade = grade_field(&mut e, &format!("q_{i}_grade"), &a.grade);
            let evidence = required_field(
                &mut e,
                &format!("q_{i}_evidence"),
                "the evidence for the grade",
                &a.evidence,
                4000,
                true,
            );
            if let Some(grade) = grade {
                answers.push(Answer { grade, evidence });
            }
        }
        let findings = required_field(
            &mut e,
            "findings",
            "what the audit found",
            &self.findings,
            crate::text::LONG,
            true,
        );
        let actions = improvements(&mut e, &self.actions);
        if e.is_empty() {
            Ok(Grading {
                answers,
                findings,
                actions,
            })
        } else {
            Err(e)
        }
    }
}

/// The second auditor's moderation as typed: for each question, blank to
/// agree or the grade they would give.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawModeration {
    /// One a question: absent or blank to agree, or a different grade.
    #[serde(default)]
    pub grades: Vec<Option<String>>,
    /// What moderation found (required when a grade changes).
    pub note: Option<String>,
}

/// A valid moderation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moderation {
    /// One a question: `None` where the moderator agrees.
    pub grades: Vec<Option<Grade>>,
    /// The note.
    pub note: Option<String>,
}

impl RawModeration {
    /// Checks the grades against the auditor's (`given`): a grade equal to
    /// the auditor's counts as agreeing; a changed grade needs a note.
    pub fn validate(&self, given: &[Grade]) -> Result<Moderation, FieldErrors> {
        let mut e = FieldErrors::new();
        if self.grades.len() > given.len() {
            e.add(
                "grades",
                "There is a grade for a question the audit does not have",
            );
        }
        let mut grades = Vec::new();
        for (i, auditor) in given.iter().enumerate() {
            let raw = self.grades.get(i).cloned().flatten();
            let g = if blank(&raw) {
                None
            } else {
                let g = grade_field(&mut e, &format!("q_{i}_moderated"), &raw);
                g.filter(|g| g != auditor)
            };
            grades.push(g);
        }
        let note = optional_field(
            &mut e,
            "note",
            "the moderation note",
            &self.note,
            crate::text::LONG,
            true,
        );
        if grades.iter().any(Option::is_some) && note.is_none() && e.get("note").is_none() {
            e.add("note", "Say why you would grade differently");
        }
        if e.is_empty() {
            Ok(Moderation { grades, note })
        } else {
            Err(e)
        }
    }
}

/// A new template as typed: a name and its questions, one a line.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawTemplate {
    /// Its name.
    pub name: Option<String>,
    /// Its questions, one a line (2 to 30).
    pub questions: Option<String>,
}

impl RawTemplate {
    /// The name and the questions.
    pub fn validate(&self) -> Result<(String, Vec<String>), FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required_field(
            &mut e,
            "name",
            "the template's name",
            &self.name,
            200,
            false,
        );
        let questions: Vec<String> = self
            .questions
            .as_deref()
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if !(2..=30).contains(&questions.len()) {
            e.add("questions", "Enter from 2 to 30 questions, one a line");
        } else if questions.iter().any(|q| q.chars().count() > 300) {
            e.add("questions", "Each question must be 300 characters or fewer");
        } else if questions.iter().any(|q| q.chars().any(char::is_control)) {
            e.add("questions", "A question cannot hold control characters");
        }
        if e.is_empty() {
            Ok((name, questions))
        } else {
            Err(e)
        }
    }
}

/// One graded question of a completed or graded audit, for the themes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GradedFact {
    /// The quarter.
    pub quarter: Quarter,
    /// The team's name.
    pub team: String,
    /// The question's text.
    pub question: String,
    /// The grade that stands (the moderator's where they changed it).
    pub grade: Grade,
}

/// How many were graded and how many good or better.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Graded.
    pub graded: u64,
    /// Outstanding or good.
    pub good: u64,
}

impl Tally {
    /// Counts one grade.
    pub fn add(&mut self, g: Grade) {
        self.graded += 1;
        if g.good_or_better() {
            self.good += 1;
        }
    }

    /// The share good or better, in whole per cent (`None` when none graded).
    pub fn percent(self) -> Option<u64> {
        (self.graded > 0).then(|| (self.good * 100 + self.graded / 2) / self.graded)
    }
}

/// The themes: by question and by team, quarter by quarter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Themes {
    /// The quarters with grades, oldest first.
    pub quarters: Vec<Quarter>,
    /// Each question's tally by quarter.
    pub by_question: BTreeMap<String, BTreeMap<Quarter, Tally>>,
    /// Each team's tally (all questions) by quarter.
    pub by_team: BTreeMap<String, BTreeMap<Quarter, Tally>>,
    /// Every grade by quarter: how many of each.
    pub grades: BTreeMap<Quarter, BTreeMap<&'static str, u64>>,
}

/// Counts the facts.
pub fn themes(facts: &[GradedFact]) -> Themes {
    let mut t = Themes::default();
    for f in facts {
        t.by_question
            .entry(f.question.clone())
            .or_default()
            .entry(f.quarter)
            .or_default()
            .add(f.grade);
        t.by_team
            .entry(f.team.clone())
            .or_default()
            .entry(f.quarter)
            .or_default()
            .add(f.grade);
        *t.grades
            .entry(f.quarter)
            .or_default()
            .entry(f.grade.code())
            .or_default() += 1;
    }
    t.quarters = t.grades.keys().copied().collect();
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn quarters_are_calendar_quarters() {
        let q = Quarter::of(date!(2026 - 12 - 03));
        assert_eq!(q.code(), "2026-Q4");
        assert_eq!(q.label(), "October to December 2026");
        assert_eq!(q.start(), date!(2026 - 10 - 01));
        assert_eq!(q.end(), date!(2026 - 12 - 31));
        assert_eq!(q.next().code(), "2027-Q1");
        assert_eq!(
            q.previous().previous().previous().previous(),
            Quarter::of(date!(2025 - 11 - 01))
        );
        assert_eq!(
            Quarter::of(date!(2026 - 03 - 31)).end(),
            date!(2026 - 03 - 31)
        );
        assert_eq!(
            Quarter::parse("2026-Q2"),
            Some(Quarter { year: 2026, q: 2 })
        );
        for bad in [
            "2026-Q5",
            "2026-Q0",
            "26-Q1",
            "2026Q1",
            "99999999999-Q1",
            "",
            "-2147483648-Q1",
        ] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_sample_is_drawn_only_for_a_quarter_that_has_begun() {
        let today = date!(2026 - 12 - 03);
        let raw = |q: &str, n: &str| RawSample {
            quarter: Some(q.into()),
            per_team: Some(n.into()),
        };
        assert_eq!(
            raw("2026-Q4", "3").validate(today),
            Ok((Quarter { year: 2026, q: 4 }, 3))
        );
        assert!(
            raw("2027-Q1", "3")
                .validate(today)
                .expect_err("refused")
                .get("quarter")
                .is_some()
        );
        assert!(
            raw("2026-Q3", "0")
                .validate(today)
                .expect_err("refused")
                .get("per_team")
                .is_some()
        );
        assert!(
            raw("2026-Q3", "21")
                .validate(today)
                .expect_err("refused")
                .get("per_team")
                .is_some()
        );
    }

    #[test]
    fn the_sample_takes_the_smallest_keys() {
        let c = ["a", "b", "c", "d"];
        assert_eq!(sample(&c, &[40, 10, 30, 20], 2), vec!["b", "d"]);
        assert_eq!(
            sample(&c, &[1, 2, 3, 4], 10).len(),
            4,
            "never more than there are"
        );
        assert!(sample::<&str>(&[], &[], 3).is_empty());
    }

    fn answer(g: &str) -> RawAnswer {
        RawAnswer {
            grade: Some(g.into()),
            evidence: Some("Seen in the record of the visit".into()),
        }
    }

    #[test]
    fn grading_needs_every_question_graded_with_evidence() {
        let ok = RawGrading {
            answers: vec![answer("good"), answer("inadequate")],
            findings: Some("Outcomes were not revisited".into()),
            actions: vec![RawImprovement {
                action: Some("Revisit outcomes at each review".into()),
                owner: Some(" North.Worker ".into()),
                due_on: Some("2027-01-31".into()),
            }],
        };
        let g = ok.validate(2).expect("valid");
        assert_eq!(g.answers[1].grade, Grade::Inadequate);
        assert_eq!(g.actions[0].owner, "north.worker");
        let e = ok.validate(3).expect_err("refused");
        assert!(e.get("answers").is_some());
        let mut bad = ok.clone();
        bad.answers[0].evidence = Some("  ".into());
        bad.answers[1].grade = Some("fine".into());
        bad.findings = None;
        let e = bad.validate(2).expect_err("refused");
        assert!(e.get("q_0_evidence").is_some());
        assert!(e.get("q_1_grade").is_some());
        assert!(e.get("findings").is_some());
    }

    #[test]
    fn moderation_agrees_by_default_and_explains_a_change() {
        let given = [Grade::Good, Grade::Inadequate];
        let agree = RawModeration::default().validate(&given).expect("agrees");
        assert_eq!(agree.grades, vec![None, None]);
        let same = RawModeration {
            grades: vec![Some("good".into()), None],
            note: None,
        };
        assert_eq!(
            same.validate(&given).expect("same").grades,
            vec![None, None]
        );
        let change = RawModeration {
            grades: vec![None, Some("requires_improvement".into())],
            note: None,
        };
        assert!(
            change
                .validate(&given)
                .expect_err("refused")
                .get("note")
                .is_some()
        );
        let explained = RawModeration {
            note: Some("Outcomes were asked, not revisited".into()),
            ..change
        };
        assert_eq!(
            explained.validate(&given).expect("valid").grades,
            vec![None, Some(Grade::RequiresImprovement)]
        );
    }

    #[test]
    fn templates_need_a_name_and_two_to_thirty_questions() {
        let t = RawTemplate {
            name: Some("Hospital discharge".into()),
            questions: Some("First\n\n  Second  \n".into()),
        };
        assert_eq!(
            t.validate(),
            Ok((
                "Hospital discharge".into(),
                vec!["First".into(), "Second".into()]
            ))
        );
        let one = RawTemplate {
            questions: Some("Only".into()),
            ..t
        };
        assert!(
            one.validate()
                .expect_err("refused")
                .get("questions")
                .is_some()
        );
    }

    #[test]
    fn themes_count_good_or_better_by_question_team_and_quarter() {
        let q3 = Quarter { year: 2026, q: 3 };
        let q4 = Quarter { year: 2026, q: 4 };
        let fact = |quarter, team: &str, question: &str, grade| GradedFact {
            quarter,
            team: team.into(),
            question: question.into(),
            grade,
        };
        let t = themes(&[
            fact(q3, "Hub", "Voice", Grade::Good),
            fact(q3, "Hub", "Voice", Grade::Inadequate),
            fact(q4, "North", "Voice", Grade::Outstanding),
            fact(q4, "North", "Feedback", Grade::RequiresImprovement),
        ]);
        assert_eq!(t.quarters, vec![q3, q4]);
        assert_eq!(t.by_question["Voice"][&q3], Tally { graded: 2, good: 1 });
        assert_eq!(t.by_question["Voice"][&q3].percent(), Some(50));
        assert_eq!(t.by_team["North"][&q4].percent(), Some(50));
        assert_eq!(t.grades[&q4]["requires_improvement"], 1);
        assert_eq!(Tally::default().percent(), None);
    }

    #[test]
    fn stages_follow_the_facts() {
        assert_eq!(Stage::of(false, false, false), Stage::AwaitingAuditor);
        assert_eq!(Stage::of(true, false, false), Stage::WithAuditor);
        assert_eq!(Stage::of(true, true, false), Stage::AwaitingModeration);
        assert_eq!(Stage::of(true, true, true), Stage::Complete);
    }
}
