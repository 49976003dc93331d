//! Large-scale (organisational) enquiries: about a provider or place, with
//! the individual adults' enquiries linked to it (each still counted for
//! its adult in the SAC), their own meetings, actions (the provider's
//! among them) and closure.

use time::Date;

use crate::codes::coded;
use crate::plan::{ActionStatus, MeetingKind};
use crate::text;
use crate::validation::FieldErrors;

coded!(
    /// How a large-scale enquiry ended.
    LargeScaleOutcome {
        /// The concerns were substantiated and the service improved.
        Substantiated = "substantiated" : "Concerns substantiated: the service has made the improvements needed",
        /// Some concerns were substantiated.
        Partly = "partly" : "Concerns partly substantiated: improvements made",
        /// The concerns were not substantiated.
        NotSubstantiated = "not_substantiated" : "Concerns not substantiated",
        /// The service closed or stopped providing care.
        ServiceClosed = "service_closed" : "The service closed or stopped providing care",
        /// Handed to the regulator or another body to take forward.
        Referred = "referred" : "Taken forward by the regulator or another body",
    }
);

/// What a manager typed opening a large-scale enquiry.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawLargeScale {
    /// The provider or place it is about.
    pub provider_id: Option<String>,
    /// Why it is needed.
    pub reason: Option<String>,
    /// The pattern alert it was opened from, if any.
    pub alert_id: Option<String>,
}

/// A validated opening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LargeScale {
    /// Provider id.
    pub provider_id: String,
    /// Why.
    pub reason: String,
    /// Alert id.
    pub alert_id: Option<String>,
}

impl RawLargeScale {
    /// Validates: a provider and the reasons.
    pub fn parse(&self) -> Result<LargeScale, FieldErrors> {
        let mut e = FieldErrors::new();
        let provider_id = text::required_field(
            &mut e,
            "provider_id",
            "The provider or place",
            &self.provider_id,
            text::SHORT,
            false,
        );
        let reason = text::required_field(
            &mut e,
            "reason",
            "Why a large-scale enquiry is needed",
            &self.reason,
            text::LONG,
            true,
        );
        let alert_id = self
            .alert_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        e.into_result(LargeScale {
            provider_id,
            reason,
            alert_id,
        })
    }
}

/// What was typed for an action of the large-scale enquiry's plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawLsAction {
    /// What is to be done.
    pub description: Option<String>,
    /// Who does it (a named person or organisation).
    pub owner: Option<String>,
    /// "yes" when the provider does it (its improvement plan).
    pub by_provider: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due_on: Option<String>,
}

/// A validated action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LsAction {
    /// What.
    pub description: String,
    /// Who.
    pub owner: String,
    /// The provider's own action.
    pub by_provider: bool,
    /// When by.
    pub due_on: Date,
}

impl RawLsAction {
    /// Validates: what, who and by when (not before `today`).
    pub fn parse(&self, today: Date) -> Result<LsAction, FieldErrors> {
        let mut e = FieldErrors::new();
        let description = text::required_field(
            &mut e,
            "description",
            "What is to be done",
            &self.description,
            text::LONG,
            true,
        );
        let owner = text::required_field(
            &mut e,
            "owner",
            "Who will do it",
            &self.owner,
            text::LINE,
            false,
        );
        let by_provider = matches!(self.by_provider.as_deref(), Some("yes") | Some("true"));
        let due_on = match text::optional_date_field(&mut e, "due_on", "The due date", &self.due_on)
        {
            Some(d) if d < today => {
                e.add("due_on", "The due date must be today or later");
                None
            }
            Some(d) => Some(d),
            None => {
                if e.get("due_on").is_none() {
                    e.add("due_on", "Enter the due date");
                }
                None
            }
        };
        let Some(due_on) = due_on else {
            return Err(e);
        };
        e.into_result(LsAction {
            description,
            owner,
            by_provider,
            due_on,
        })
    }
}

/// A new status for an action.
pub fn parse_status(raw: Option<&str>) -> Result<ActionStatus, FieldErrors> {
    match raw.map(str::trim).and_then(ActionStatus::parse) {
        Some(s) => Ok(s),
        None => {
            let mut e = FieldErrors::new();
            e.add("status", "Select the action's status");
            Err(e)
        }
    }
}

/// What was typed for a meeting of the large-scale enquiry.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawLsMeeting {
    /// [`MeetingKind`] code.
    pub kind: Option<String>,
    /// When, `YYYY-MM-DD`.
    pub held_on: Option<String>,
    /// Who took part (organisations and roles).
    pub attendees: Option<String>,
    /// What was discussed and decided.
    pub summary: Option<String>,
}

/// A validated meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LsMeeting {
    /// Kind.
    pub kind: MeetingKind,
    /// When.
    pub held_on: Date,
    /// Who.
    pub attendees: String,
    /// What.
    pub summary: String,
}

impl RawLsMeeting {
    /// Validates: a kind, a date not after `today`, who and what.
    pub fn parse(&self, today: Date) -> Result<LsMeeting, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = self.kind.as_deref().and_then(MeetingKind::parse);
        if kind.is_none() {
            e.add("kind", "Select the kind of meeting");
        }
        let held_on =
            match text::optional_date_field(&mut e, "held_on", "The meeting date", &self.held_on) {
                Some(d) if d > today => {
                    e.add("held_on", "The meeting date must be today or earlier");
                    None
                }
                Some(d) => Some(d),
                None => {
                    if e.get("held_on").is_none() {
                        e.add("held_on", "Enter the meeting date");
                    }
                    None
                }
            };
        let attendees = text::required_field(
            &mut e,
            "attendees",
            "Who took part",
            &self.attendees,
            text::LONG,
            true,
        );
        let summary = text::required_field(
            &mut e,
            "summary",
            "What was discussed and decided",
            &self.summary,
            text::LONG,
            true,
        );
        let (Some(kind), Some(held_on)) = (kind, held_on) else {
            return Err(e);
        };
        e.into_result(LsMeeting {
            kind,
            held_on,
            attendees,
            summary,
        })
    }
}

/// What a manager typed closing a large-scale enquiry.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawLsClosure {
    /// [`LargeScaleOutcome`] code.
    pub outcome: Option<String>,
    /// What changed for the people using the service.
    pub summary: Option<String>,
}

impl RawLsClosure {
    /// Validates: an outcome and what changed.
    pub fn parse(&self) -> Result<(LargeScaleOutcome, String), FieldErrors> {
        let mut e = FieldErrors::new();
        let outcome = self.outcome.as_deref().and_then(LargeScaleOutcome::parse);
        if outcome.is_none() {
            e.add("outcome", "Select how the enquiry ended");
        }
        let summary = text::required_field(
            &mut e,
            "summary",
            "What changed for the people using the service",
            &self.summary,
            text::LONG,
            true,
        );
        let Some(outcome) = outcome else {
            return Err(e);
        };
        e.into_result((outcome, summary))
    }
}

/// Whether an action still needs doing (closure waits for it).
pub fn action_open(status: &str) -> bool {
    matches!(
        ActionStatus::parse(status),
        Some(ActionStatus::Planned | ActionStatus::InProgress)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn an_action_needs_what_who_and_a_date_not_past() {
        let today = date!(2026 - 12 - 03);
        let e = RawLsAction::default()
            .parse(today)
            .expect_err("empty is invalid");
        for f in ["description", "owner", "due_on"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        let mut r = RawLsAction {
            description: Some("Retrain night staff in moving and handling".into()),
            owner: Some("Larchfield House manager".into()),
            by_provider: Some("yes".into()),
            due_on: Some("2026-12-01".into()),
        };
        assert!(r.parse(today).expect_err("past").get("due_on").is_some());
        r.due_on = Some("2027-01-15".into());
        let a = r.parse(today).expect("valid");
        assert!(a.by_provider);
    }

    #[test]
    fn a_meeting_is_in_the_past_and_a_closure_says_what_changed() {
        let today = date!(2026 - 12 - 03);
        let m = RawLsMeeting {
            kind: Some("strategy".into()),
            held_on: Some("2026-12-04".into()),
            attendees: Some("Council, CQC, police".into()),
            summary: Some("Agreed visits".into()),
        };
        assert!(m.parse(today).expect_err("future").get("held_on").is_some());
        let c = RawLsClosure {
            outcome: Some("partly".into()),
            summary: None,
        };
        assert!(c.parse().expect_err("no summary").get("summary").is_some());
        assert!(action_open("planned") && !action_open("done"));
    }
}
