//! Supervision: how often a worker is supervised and by whom, and each
//! session — the cases discussed with the decisions made, actions with
//! owners and dates, and how the worker is. The notes of a session are
//! private to the worker and their supervisor; a case's page shows only that
//! it was discussed, and the decision.

use time::Date;

use crate::FieldErrors;
use crate::text::{optional_date_field, optional_field, required_field};

crate::codes::coded!(
    /// How the worker said they were, in a supervision session.
    Wellbeing {
        /// Doing well.
        Good = "good" : "Doing well",
        /// Managing.
        Managing = "managing" : "Managing",
        /// Under strain: support agreed.
        Strained = "strained" : "Under strain: support agreed",
    }
);

/// At most this many cases or actions per session on the page form.
pub const FORM_ROWS: usize = 3;

/// The day supervision is next due: `weeks` after the last session, or
/// after the agreement began when there has been none.
pub fn next_due(started_on: Date, weeks: u32, last: Option<Date>) -> Date {
    last.unwrap_or(started_on)
        .checked_add(time::Duration::weeks(i64::from(weeks)))
        .unwrap_or(Date::MAX)
}

/// A supervision agreement as typed.
#[derive(Clone, Debug, Default)]
pub struct RawAgreement {
    /// The supervisor's username.
    pub supervisor: Option<String>,
    /// Every how many weeks ("4").
    pub frequency_weeks: Option<String>,
    /// From when (`YYYY-MM-DD`).
    pub started_on: Option<String>,
}

/// A valid agreement (the supervisor still to be looked up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// The supervisor's username.
    pub supervisor: String,
    /// Weeks between sessions, 1-26.
    pub frequency_weeks: u32,
    /// From when.
    pub started_on: Date,
}

impl RawAgreement {
    /// Checks the agreement.
    pub fn validate(&self) -> Result<Agreement, FieldErrors> {
        let mut e = FieldErrors::new();
        let supervisor = self
            .supervisor
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        if supervisor.is_none() {
            e.add("supervisor", "Choose the supervisor");
        }
        let weeks = self
            .frequency_weeks
            .as_deref()
            .map(str::trim)
            .and_then(|w| w.parse::<u32>().ok())
            .filter(|w| (1..=26).contains(w));
        if weeks.is_none() {
            e.add(
                "frequency_weeks",
                "How often must be a whole number of weeks from 1 to 26",
            );
        }
        let started = optional_date_field(&mut e, "started_on", "The start date", &self.started_on);
        if started.is_none() && e.get("started_on").is_none() {
            e.add("started_on", "Enter the date the agreement starts");
        }
        match (supervisor, weeks, started) {
            (Some(supervisor), Some(frequency_weeks), Some(started_on)) if e.is_empty() => {
                Ok(Agreement {
                    supervisor,
                    frequency_weeks,
                    started_on,
                })
            }
            _ => Err(e),
        }
    }
}

/// A case discussed, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawCase {
    /// The enquiry's id.
    pub enquiry_id: Option<String>,
    /// The decision reached about it.
    pub decision: Option<String>,
}

/// An action agreed, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawSupervisionAction {
    /// What will be done.
    pub action: Option<String>,
    /// Who will do it (a username).
    pub owner: Option<String>,
    /// By when (`YYYY-MM-DD`).
    pub due_on: Option<String>,
}

/// A supervision session as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    /// When it was held (`YYYY-MM-DD`).
    pub held_on: Option<String>,
    /// `good`, `managing` or `strained`.
    pub wellbeing: Option<String>,
    /// Private notes (the worker and their supervisor only).
    pub notes: Option<String>,
    /// Cases discussed, with the decision about each.
    #[serde(default)]
    pub cases: Vec<RawCase>,
    /// Actions agreed.
    #[serde(default)]
    pub actions: Vec<RawSupervisionAction>,
}

/// A valid case discussed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseDiscussed {
    /// The enquiry.
    pub enquiry_id: String,
    /// The decision.
    pub decision: String,
}

/// A valid action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisionAction {
    /// What.
    pub action: String,
    /// Who (a username, to be looked up).
    pub owner: String,
    /// By when.
    pub due_on: Date,
}

/// A valid session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// When held.
    pub held_on: Date,
    /// How the worker is.
    pub wellbeing: Wellbeing,
    /// Private notes.
    pub notes: Option<String>,
    /// Cases discussed.
    pub cases: Vec<CaseDiscussed>,
    /// Actions.
    pub actions: Vec<SupervisionAction>,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Actions agreed on a form, each (what, who, by when) in rows named
/// `action_{i}_text`, `action_{i}_owner` and `action_{i}_due`: blank rows
/// are skipped; a row begun must be complete. Returns (what, owner's
/// username in lower case, date) for the complete rows.
pub fn owned_actions<'a>(
    e: &mut FieldErrors,
    rows: impl Iterator<Item = (&'a Option<String>, &'a Option<String>, &'a Option<String>)>,
) -> Vec<(String, String, Date)> {
    let mut out = Vec::new();
    for (i, (action, owner, due_on)) in rows.enumerate() {
        if blank(action) && blank(owner) && blank(due_on) {
            continue;
        }
        let action = required_field(
            e,
            &format!("action_{i}_text"),
            "what will be done",
            action,
            500,
            false,
        );
        let owner = owner.as_deref().map(str::trim).unwrap_or("").to_lowercase();
        if owner.is_empty() {
            e.add(format!("action_{i}_owner"), "Choose who will do it");
        }
        let field = format!("action_{i}_due");
        let due = optional_date_field(e, &field, "The date due", due_on);
        if due.is_none() && e.get(&field).is_none() {
            e.add(field, "Enter the date it is due");
        }
        if let Some(due) = due {
            out.push((action, owner, due));
        }
    }
    out
}

impl RawSession {
    /// Checks the session on `today`. Fields of the `i`th case are named
    /// `case_{i}_enquiry` and `case_{i}_decision`; of actions,
    /// `action_{i}_text`, `action_{i}_owner` and `action_{i}_due`. A row left
    /// wholly blank is ignored.
    pub fn validate(&self, today: Date) -> Result<Session, FieldErrors> {
        let mut e = FieldErrors::new();
        let held = optional_date_field(&mut e, "held_on", "The date held", &self.held_on);
        match held {
            None if e.get("held_on").is_none() => {
                e.add("held_on", "Enter the date the session was held")
            }
            Some(d) if d > today => e.add("held_on", "The date held cannot be in the future"),
            _ => {}
        }
        let wellbeing = self
            .wellbeing
            .as_deref()
            .map(str::trim)
            .and_then(Wellbeing::parse);
        if wellbeing.is_none() {
            e.add("wellbeing", "Choose how the worker is");
        }
        let notes = optional_field(
            &mut e,
            "notes",
            "the notes",
            &self.notes,
            crate::text::LONG,
            true,
        );
        if self.cases.len() > 20 || self.actions.len() > 20 {
            e.add(
                "cases",
                "Record at most 20 cases and 20 actions in one session",
            );
        }
        let mut cases = Vec::new();
        for (i, c) in self.cases.iter().enumerate().take(20) {
            if blank(&c.enquiry_id) && blank(&c.decision) {
                continue;
            }
            let field = format!("case_{i}_enquiry");
            let id = c.enquiry_id.as_deref().map(str::trim).unwrap_or("");
            if id.is_empty() || id.len() > 64 {
                e.add(&field, "Choose the case discussed");
            }
            let decision = required_field(
                &mut e,
                &format!("case_{i}_decision"),
                "the decision about the case",
                &c.decision,
                2000,
                true,
            );
            cases.push(CaseDiscussed {
                enquiry_id: id.to_string(),
                decision,
            });
        }
        let actions = owned_actions(
            &mut e,
            self.actions
                .iter()
                .take(20)
                .map(|a| (&a.action, &a.owner, &a.due_on)),
        )
        .into_iter()
        .map(|(action, owner, due_on)| SupervisionAction {
            action,
            owner,
            due_on,
        })
        .collect();
        match (held, wellbeing) {
            (Some(held_on), Some(wellbeing)) if e.is_empty() => Ok(Session {
                held_on,
                wellbeing,
                notes,
                cases,
                actions,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn supervision_is_due_its_frequency_after_the_last_session() {
        let start = date!(2026 - 01 - 05);
        assert_eq!(next_due(start, 4, None), date!(2026 - 02 - 02));
        assert_eq!(
            next_due(start, 6, Some(date!(2026 - 10 - 01))),
            date!(2026 - 11 - 12)
        );
        assert_eq!(next_due(Date::MAX, 4, None), Date::MAX, "no overflow");
    }

    #[test]
    fn agreements_are_checked() {
        let a = RawAgreement {
            supervisor: Some(" Manager ".into()),
            frequency_weeks: Some("4".into()),
            started_on: Some("2026-01-05".into()),
        }
        .validate()
        .expect("valid");
        assert_eq!(a.supervisor, "manager");
        let e = RawAgreement {
            frequency_weeks: Some("0".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("refused");
        for f in ["supervisor", "frequency_weeks", "started_on"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn blank_rows_are_ignored_and_partial_ones_refused() {
        let today = date!(2026 - 12 - 01);
        let s = RawSession {
            held_on: Some("2026-11-30".into()),
            wellbeing: Some("managing".into()),
            notes: Some("Caseload is heavy this month.".into()),
            cases: vec![
                RawCase {
                    enquiry_id: Some("e1".into()),
                    decision: Some("Hold a strategy meeting with the police".into()),
                },
                RawCase::default(),
            ],
            actions: vec![
                RawSupervisionAction {
                    action: Some("Book the Mental Capacity Act refresher".into()),
                    owner: Some("Practitioner".into()),
                    due_on: Some("2026-12-20".into()),
                },
                RawSupervisionAction::default(),
            ],
        }
        .validate(today)
        .expect("valid");
        assert_eq!(s.cases.len(), 1);
        assert_eq!(s.actions.len(), 1);
        assert_eq!(s.actions[0].owner, "practitioner");
        let e = RawSession {
            held_on: Some("2027-01-01".into()),
            wellbeing: Some("fine".into()),
            cases: vec![RawCase {
                enquiry_id: Some("e1".into()),
                decision: None,
            }],
            actions: vec![RawSupervisionAction {
                action: Some("Do it".into()),
                owner: None,
                due_on: Some("soon".into()),
            }],
            ..Default::default()
        }
        .validate(today)
        .expect_err("refused");
        for f in [
            "held_on",
            "wellbeing",
            "case_0_decision",
            "action_0_owner",
            "action_0_due",
        ] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
}
