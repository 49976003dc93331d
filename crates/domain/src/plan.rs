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
    let s = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt)
        .map_err(|_| {
            e.add(
                field,
                format!("{label} must be a real date, like 2026-12-01"),
            )
        })
        .ok()
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
    /// Who does it: the person, a named worker or an agency.
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
    /// Who.
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
                e.add("owner", msg("who will do it", err));
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
