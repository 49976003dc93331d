//! Risk balanced with choice: risk assessments that start from the person's
//! own view, positive risk-taking agreements when the person chooses to live
//! with a risk, and safeguarding-plan actions that always record the less
//! restrictive options considered.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::coded;
use crate::text::{self, TextError};
use crate::validation::FieldErrors;

coded!(
    /// How likely a harm is.
    Likelihood {
        /// Unlikely.
        Low = "low" : "Unlikely",
        /// Possible.
        Medium = "medium" : "Possible",
        /// Likely.
        High = "high" : "Likely",
    }
);

coded!(
    /// How serious the harm would be.
    Impact {
        /// Minor.
        Low = "low" : "Minor",
        /// Serious.
        Medium = "medium" : "Serious",
        /// Severe.
        High = "high" : "Severe",
    }
);

coded!(
    /// Where a plan action stands.
    ActionStatus {
        /// Agreed, not started.
        Planned = "planned" : "Planned",
        /// Under way.
        InProgress = "in_progress" : "In progress",
        /// Done.
        Done = "done" : "Done",
        /// No longer needed.
        Cancelled = "cancelled" : "Cancelled",
    }
);

fn msg(label: &str, e: TextError) -> String {
    text::message(label, e)
}

fn req(e: &mut FieldErrors, field: &str, label: &str, raw: &Option<String>) -> String {
    text::required_field(e, field, label, raw, text::LONG, true)
}

fn opt(e: &mut FieldErrors, field: &str, label: &str, raw: &Option<String>) -> Option<String> {
    text::optional_field(e, field, label, raw, text::LONG, true)
}

fn iso(e: &mut FieldErrors, field: &str, label: &str, raw: &Option<String>) -> Option<Date> {
    text::optional_date_field(e, field, label, raw)
}

/// A risk assessment, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawRisk {
    /// The person's own view of the risk, in their words.
    pub person_view: Option<String>,
    /// The risk.
    pub risk: Option<String>,
    /// `low`, `medium`, `high`.
    pub likelihood: Option<String>,
    /// `low`, `medium`, `high`.
    pub impact: Option<String>,
    /// What keeps them safe already.
    pub protective_factors: Option<String>,
    /// Does the person choose to live with this risk? `yes`/`no`.
    pub lives_with_risk: Option<String>,
    /// The positive risk-taking agreement: what they choose and why, and the support agreed.
    pub agreement: Option<String>,
    /// When the agreement is reviewed.
    pub review_on: Option<String>,
}

/// A risk assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    /// The person's view.
    pub person_view: String,
    /// The risk.
    pub risk: String,
    /// Likelihood.
    pub likelihood: Likelihood,
    /// Impact.
    pub impact: Impact,
    /// Protective factors.
    pub protective_factors: Option<String>,
    /// The positive risk-taking agreement, when the person chooses to live with the risk: (agreement, review date).
    pub agreement: Option<(String, Date)>,
}

impl RawRisk {
    /// Validates a risk assessment: the person's view always comes first;
    /// choosing to live with a risk needs a positive risk-taking agreement
    /// with a review date (not in the past).
    pub fn parse(&self, today: Date) -> Result<RiskAssessment, FieldErrors> {
        let mut e = FieldErrors::new();
        let person_view = req(
            &mut e,
            "person_view",
            "the person's own view of the risk",
            &self.person_view,
        );
        let risk = req(&mut e, "risk", "the risk", &self.risk);
        let likelihood = self.likelihood.as_deref().and_then(Likelihood::parse);
        if likelihood.is_none() {
            e.add("likelihood", "Select how likely it is");
        }
        let impact = self.impact.as_deref().and_then(Impact::parse);
        if impact.is_none() {
            e.add("impact", "Select how serious it would be");
        }
        let protective_factors = opt(
            &mut e,
            "protective_factors",
            "The protective factors",
            &self.protective_factors,
        );
        let agreement = match self.lives_with_risk.as_deref() {
            Some("yes") => {
                let text = req(
                    &mut e,
                    "agreement",
                    "the positive risk-taking agreement: what they choose, why, and the support agreed",
                    &self.agreement,
                );
                let review = iso(&mut e, "review_on", "The review date", &self.review_on);
                match review {
                    Some(d) if d < today => {
                        e.add("review_on", "The review date cannot be in the past");
                        None
                    }
                    Some(d) => Some((text, d)),
                    None => {
                        if e.get("review_on").is_none() {
                            e.add("review_on", "Enter when the agreement will be reviewed");
                        }
                        None
                    }
                }
            }
            Some("no") => None,
            _ => {
                e.add(
                    "lives_with_risk",
                    "Select whether they choose to live with this risk",
                );
                None
            }
        };
        let (Some(likelihood), Some(impact)) = (likelihood, impact) else {
            return Err(e);
        };
        e.into_result(RiskAssessment {
            person_view,
            risk,
            likelihood,
            impact,
            protective_factors,
            agreement,
        })
    }
}

/// A plan action, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawAction {
    /// What will be done.
    pub description: Option<String>,
    /// Who does it, one of the choices the form offers: `person` (the
    /// adult, with whoever they choose), a worker's username (council
    /// practitioners and managers, partner staff) or a partner agency's name.
    pub owner: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// The desired outcome it serves (its id), if any.
    pub outcome_id: Option<String>,
    /// The less restrictive options considered.
    pub less_restrictive: Option<String>,
}

/// A validated plan action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionInput {
    /// What.
    pub description: String,
    /// Who: the choice as made (`person`, a username or an agency name),
    /// resolved against the accounts and agencies by the use case.
    pub owner: String,
    /// When.
    pub due_on: Date,
    /// The outcome it serves.
    pub outcome_id: Option<String>,
    /// Less restrictive options considered.
    pub less_restrictive: String,
}

impl RawAction {
    /// Validates an action: every protective action records the less
    /// restrictive options considered (proportionality; MCA principle 5).
    pub fn parse(&self) -> Result<ActionInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let description = req(
            &mut e,
            "description",
            "what will be done",
            &self.description,
        );
        let owner = text::required(self.owner.as_deref().unwrap_or(""), text::LINE, false)
            .unwrap_or_else(|err| {
                e.add(
                    "owner",
                    match err {
                        TextError::Missing => {
                            "Choose who will do it: the person, a worker or a partner agency".into()
                        }
                        other => msg("who will do it", other),
                    },
                );
                String::new()
            });
        let due_on = iso(&mut e, "due_on", "The due date", &self.due_on);
        if due_on.is_none() && e.get("due_on").is_none() {
            e.add("due_on", "Enter when it is due");
        }
        let outcome_id = self
            .outcome_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let less_restrictive = req(
            &mut e,
            "less_restrictive",
            "the less restrictive options considered",
            &self.less_restrictive,
        );
        let Some(due_on) = due_on else { return Err(e) };
        e.into_result(ActionInput {
            description,
            owner,
            due_on,
            outcome_id,
            less_restrictive,
        })
    }
}

coded!(
    /// What kind of meeting.
    MeetingKind {
        /// A strategy discussion or meeting.
        Strategy = "strategy" : "Strategy discussion",
        /// A safeguarding meeting or case conference.
        Meeting = "meeting" : "Safeguarding meeting",
        /// A review of the plan.
        Review = "review" : "Review",
    }
);

coded!(
    /// Whether the person took part.
    Attendance {
        /// They attended.
        Attended = "attended" : "Attended",
        /// Their representative or advocate attended for them.
        Represented = "represented" : "Represented by their advocate or representative",
        /// Invited but chose not to attend.
        Declined = "declined" : "Invited, chose not to attend",
        /// Not invited (the reason is recorded).
        NotInvited = "not_invited" : "Not invited",
    }
);

/// A meeting or review, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawMeeting {
    /// `strategy`, `meeting` or `review`.
    pub kind: Option<String>,
    /// Date held.
    pub held_on: Option<String>,
    /// Who attended.
    pub attendees: Option<String>,
    /// The person's attendance (code).
    pub person_attendance: Option<String>,
    /// Why they were not invited.
    pub not_invited_reason: Option<String>,
    /// Decisions made.
    pub decisions: Option<String>,
    /// Minutes.
    pub minutes: Option<String>,
    /// At a review: the person's feedback, in their words.
    pub person_feedback: Option<String>,
    /// At a review: what changed in the plan.
    pub plan_changes: Option<String>,
    /// When the plan is next reviewed.
    pub next_review_on: Option<String>,
}

/// A meeting or review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// Kind.
    pub kind: MeetingKind,
    /// When.
    #[serde(with = "crate::dates::iso")]
    pub held_on: Date,
    /// Who attended.
    pub attendees: String,
    /// The person's attendance.
    pub person_attendance: Attendance,
    /// Why not invited.
    pub not_invited_reason: Option<String>,
    /// Decisions.
    pub decisions: String,
    /// Minutes.
    pub minutes: Option<String>,
    /// The person's feedback (reviews).
    pub person_feedback: Option<String>,
    /// What changed (reviews).
    pub plan_changes: Option<String>,
    /// Next review.
    #[serde(default, with = "crate::dates::iso_opt")]
    pub next_review_on: Option<Date>,
}

impl RawMeeting {
    /// Validates a meeting: the person's attendance is always recorded (and
    /// why, when they were not invited); a review records the person's
    /// feedback and what changed; the next review is not before the meeting.
    pub fn parse(&self, today: Date) -> Result<Meeting, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = self.kind.as_deref().and_then(MeetingKind::parse);
        if kind.is_none() {
            e.add("kind", "Select the kind of meeting");
        }
        let held_on = iso(&mut e, "held_on", "The date held", &self.held_on).unwrap_or(today);
        if held_on > today {
            e.add("held_on", "Record a meeting once it has been held");
        }
        let attendees = req(&mut e, "attendees", "who attended", &self.attendees);
        let person_attendance = self
            .person_attendance
            .as_deref()
            .and_then(Attendance::parse);
        if person_attendance.is_none() {
            e.add("person_attendance", "Select whether the person took part");
        }
        let not_invited_reason = opt(
            &mut e,
            "not_invited_reason",
            "The reason",
            &self.not_invited_reason,
        );
        if person_attendance == Some(Attendance::NotInvited) && not_invited_reason.is_none() {
            e.add("not_invited_reason", "Enter why the person was not invited");
        }
        let decisions = req(&mut e, "decisions", "the decisions made", &self.decisions);
        let minutes = opt(&mut e, "minutes", "The minutes", &self.minutes);
        let person_feedback = opt(
            &mut e,
            "person_feedback",
            "Their feedback",
            &self.person_feedback,
        );
        let plan_changes = opt(&mut e, "plan_changes", "What changed", &self.plan_changes);
        if kind == Some(MeetingKind::Review) {
            if person_feedback.is_none() {
                e.add(
                    "person_feedback",
                    "Enter the person's feedback on how things are going, in their words",
                );
            }
            if plan_changes.is_none() {
                e.add(
                    "plan_changes",
                    "Enter what changed in the plan (or that nothing did, and why)",
                );
            }
        }
        let next_review_on = iso(
            &mut e,
            "next_review_on",
            "The next review date",
            &self.next_review_on,
        );
        if next_review_on.is_some_and(|d| d < held_on) {
            e.add(
                "next_review_on",
                "The next review cannot be before this meeting",
            );
        }
        let (Some(kind), Some(person_attendance)) = (kind, person_attendance) else {
            return Err(e);
        };
        e.into_result(Meeting {
            kind,
            held_on,
            attendees,
            person_attendance,
            not_invited_reason,
            decisions,
            minutes,
            person_feedback,
            plan_changes,
            next_review_on,
        })
    }
}

/// How the person wants to be involved, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawInvolvement {
    /// Communication needs honoured in this enquiry (codes of the person record's list).
    pub communication: Vec<String>,
    /// How they were honoured.
    pub communication_notes: Option<String>,
    /// Who the person wants involved.
    pub involve: Option<String>,
    /// Who the person does not want involved.
    pub exclude: Option<String>,
}

/// How the person wants to be involved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Involvement {
    /// Communication needs honoured.
    pub communication: Vec<crate::codes::CommunicationNeed>,
    /// How.
    pub communication_notes: Option<String>,
    /// Who to involve.
    pub involve: Option<String>,
    /// Who not to involve.
    pub exclude: Option<String>,
}

impl RawInvolvement {
    /// Validates involvement; something must be recorded.
    pub fn parse(&self) -> Result<Involvement, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut communication = Vec::new();
        for c in &self.communication {
            match crate::codes::CommunicationNeed::parse(c.trim()) {
                Some(n) if !communication.contains(&n) => communication.push(n),
                Some(_) => {}
                None => e.add("communication", "Select communication needs from the list"),
            }
        }
        let communication_notes = opt(
            &mut e,
            "communication_notes",
            "How they were honoured",
            &self.communication_notes,
        );
        let involve = opt(&mut e, "involve", "Who they want involved", &self.involve);
        let exclude = opt(
            &mut e,
            "exclude",
            "Who they do not want involved",
            &self.exclude,
        );
        if communication.is_empty()
            && communication_notes.is_none()
            && involve.is_none()
            && exclude.is_none()
        {
            e.add("involve", "Record who they want involved or excluded, or how their communication needs were honoured");
        }
        e.into_result(Involvement {
            communication,
            communication_notes,
            involve,
            exclude,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn the_persons_view_comes_first_and_living_with_risk_needs_an_agreement() {
        let mut r = RawRisk {
            risk: s("Falls on the stairs at night"),
            likelihood: s("high"),
            impact: s("medium"),
            lives_with_risk: s("yes"),
            ..RawRisk::default()
        };
        let e = r.parse(date!(2026 - 11 - 23)).expect_err("incomplete");
        for f in ["person_view", "agreement", "review_on"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        r.person_view = s("I have lived here 50 years and I will not sleep downstairs");
        r.agreement =
            s("Keeps her bedroom upstairs; grab rails and a pendant alarm; son checks in daily");
        r.review_on = s("2026-11-01");
        assert!(
            r.parse(date!(2026 - 11 - 23))
                .expect_err("past review")
                .get("review_on")
                .is_some()
        );
        r.review_on = s("2027-02-01");
        let a = r.parse(date!(2026 - 11 - 23)).expect("valid");
        assert_eq!(a.agreement.map(|x| x.1), Some(date!(2027 - 02 - 01)));
    }

    #[test]
    fn reviews_record_the_persons_feedback_and_what_changed() {
        let mut m = RawMeeting {
            kind: s("review"),
            attendees: s("Ada; Priya; Jo (advocate)"),
            person_attendance: s("attended"),
            decisions: s("Carry on"),
            ..RawMeeting::default()
        };
        let e = m
            .parse(date!(2026 - 11 - 23))
            .expect_err("review needs feedback");
        assert!(e.get("person_feedback").is_some() && e.get("plan_changes").is_some());
        m.person_feedback = s("I feel safer since the locks were changed");
        m.plan_changes = s("Daily calls reduced to weekly");
        m.next_review_on = s("2026-11-01");
        assert!(
            m.parse(date!(2026 - 11 - 23))
                .expect_err("review before meeting")
                .get("next_review_on")
                .is_some()
        );
        m.next_review_on = s("2027-01-05");
        assert!(m.parse(date!(2026 - 11 - 23)).is_ok());
        let not_invited = RawMeeting {
            kind: s("strategy"),
            attendees: s("Police; council"),
            person_attendance: s("not_invited"),
            decisions: s("Police to visit"),
            ..RawMeeting::default()
        };
        assert!(
            not_invited
                .parse(date!(2026 - 11 - 23))
                .expect_err("why")
                .get("not_invited_reason")
                .is_some()
        );
    }

    #[test]
    fn every_protective_action_records_less_restrictive_options() {
        let mut a = RawAction {
            description: s("Move her bank card to her son"),
            owner: s("Sam (son)"),
            due_on: s("2026-12-01"),
            ..RawAction::default()
        };
        assert!(
            a.parse()
                .expect_err("less restrictive")
                .get("less_restrictive")
                .is_some()
        );
        a.less_restrictive = s("A spending card she controls; bank alerts");
        assert!(a.parse().is_ok());
        a.due_on = s("soon");
        assert!(a.parse().expect_err("date").get("due_on").is_some());
    }
}
