//! The enquiry led by the person: its state machine, the person's desired
//! outcomes in their own words, and the conclusion with the rules the
//! Safeguarding Adults Collection depends on (SG2–SG4).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::{LocationType, RiskType, coded};
use crate::text::{self, TextError};
use crate::validation::FieldErrors;

coded!(
    /// Section 42 or other safeguarding enquiry.
    EnquiryKind {
        /// All three s42(1) conditions met.
        Section42 = "section_42" : "Section 42 enquiry",
        /// Judged necessary and proportionate without all three.
        Other = "other" : "Other safeguarding enquiry",
    }
);

coded!(
    /// SG4a part 1: were they (or their representative) asked about desired outcomes?
    Asked {
        /// Asked and outcomes were expressed.
        YesExpressed = "yes_expressed" : "Yes they were asked and outcomes were expressed",
        /// Asked but no outcomes were expressed.
        YesNotExpressed = "yes_not_expressed" : "Yes they were asked but no outcomes were expressed",
        /// Not asked.
        No = "no" : "No",
        /// Don't know.
        DontKnow = "dont_know" : "Don't Know",
        /// Not recorded.
        NotRecorded = "not_recorded" : "Not Recorded",
    }
);

coded!(
    /// SG4a part 2: the extent a desired outcome was achieved.
    Achievement {
        /// Fully Achieved.
        Fully = "fully" : "Fully Achieved",
        /// Partially Achieved.
        Partially = "partially" : "Partially Achieved",
        /// Not Achieved.
        Not = "not" : "Not Achieved",
    }
);

coded!(
    /// Who expressed a desired outcome.
    ExpressedBy {
        /// The person themselves.
        Person = "person" : "The person",
        /// Their representative (advocate, family member, friend, attorney, deputy).
        Representative = "representative" : "Their representative",
    }
);

coded!(
    /// SG2c: action taken and result, exactly one per concluded enquiry.
    ActionResult {
        /// Risk identified and action taken.
        RiskActionTaken = "risk_action" : "Risk identified and action taken",
        /// Risk identified and no action taken.
        RiskNoAction = "risk_no_action" : "Risk identified and no action taken",
        /// Risk Assessment inconclusive and action taken.
        InconclusiveAction = "inconclusive_action" : "Risk Assessment inconclusive and action taken",
        /// Risk Assessment inconclusive and no action taken.
        InconclusiveNoAction = "inconclusive_no_action" : "Risk Assessment inconclusive and no action taken",
        /// No risk identified and action taken.
        NoRiskAction = "no_risk_action" : "No risk identified and action taken",
        /// No risk identified and no action taken.
        NoRiskNoAction = "no_risk_no_action" : "No risk identified and no action taken",
        /// Enquiry ceased at individual's request and no action taken.
        Ceased = "ceased" : "Enquiry ceased at individual's request and no action taken",
    }
);

coded!(
    /// SG2e: risk outcome, only where risk was identified and action taken.
    RiskOutcome {
        /// Risk remained.
        Remained = "remained" : "Risk remained",
        /// Risk reduced.
        Reduced = "reduced" : "Risk reduced",
        /// Risk removed.
        Removed = "removed" : "Risk removed",
    }
);

coded!(
    /// SG3a: did the individual lack capacity (to make decisions about the enquiry)?
    Capacity {
        /// Yes, they lacked capacity.
        Lacked = "lacked" : "Yes, they lacked capacity",
        /// No, they did not lack capacity.
        DidNotLack = "did_not_lack" : "No, they did not lack capacity",
        /// Don't know.
        DontKnow = "dont_know" : "Don't know",
        /// Not recorded.
        NotRecorded = "not_recorded" : "Not recorded",
    }
);

coded!(
    /// Source of risk: the SAC's three types (SG2a/b).
    SourceType {
        /// Service Provider (paid, contracted or commissioned to provide social care).
        ServiceProvider = "service_provider" : "Service Provider",
        /// Other - Known to individual.
        KnownToIndividual = "known" : "Other - Known to individual",
        /// Other - Unknown to individual.
        UnknownToIndividual = "unknown" : "Other - Unknown to individual",
    }
);

/// The state of an enquiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnquiryState {
    /// Under way.
    Open,
    /// The lead has proposed a conclusion; waiting for a manager.
    AwaitingSignOff,
    /// Concluded and signed off.
    Concluded,
}

/// What can happen to an enquiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnquiryEvent {
    /// The lead proposes the conclusion.
    ProposeConclusion,
    /// A manager signs it off.
    SignOff,
    /// A manager sends it back for more work.
    ReturnForChanges,
    /// Desired outcomes are added, reworded or dropped.
    ReviseOutcomes,
}

impl EnquiryState {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            EnquiryState::Open => "open",
            EnquiryState::AwaitingSignOff => "awaiting_sign_off",
            EnquiryState::Concluded => "concluded",
        }
    }

    /// From a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(EnquiryState::Open),
            "awaiting_sign_off" => Some(EnquiryState::AwaitingSignOff),
            "concluded" => Some(EnquiryState::Concluded),
            _ => None,
        }
    }

    /// Words for pages.
    pub fn label(self) -> &'static str {
        match self {
            EnquiryState::Open => "Open",
            EnquiryState::AwaitingSignOff => "Waiting for sign-off",
            EnquiryState::Concluded => "Concluded",
        }
    }

    /// The state after `event`, or why it cannot happen.
    pub fn apply(self, event: EnquiryEvent) -> Result<EnquiryState, &'static str> {
        use EnquiryEvent::*;
        use EnquiryState::*;
        match (self, event) {
            (Open, ProposeConclusion) => Ok(AwaitingSignOff),
            (Open, ReviseOutcomes) => Ok(Open),
            (AwaitingSignOff, SignOff) => Ok(Concluded),
            (AwaitingSignOff, ReturnForChanges) => Ok(Open),
            (AwaitingSignOff, ReviseOutcomes) => Err(
                "The conclusion is waiting for sign-off: a manager must return it before outcomes change",
            ),
            (AwaitingSignOff, ProposeConclusion) => {
                Err("A conclusion is already waiting for sign-off")
            }
            (Open, SignOff) | (Open, ReturnForChanges) => {
                Err("There is no proposed conclusion to sign off or return")
            }
            (Concluded, _) => Err("The enquiry is concluded and cannot change"),
        }
    }
}

/// The most characters in one desired outcome.
pub const OUTCOME_CHARS: usize = 1000;

fn msg(label: &str, e: TextError) -> String {
    text::message(label, e)
}

/// A desired outcome as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawOutcome {
    /// In the person's own words.
    pub text: Option<String>,
    /// `person` or `representative`.
    pub expressed_by: Option<String>,
    /// The representative's name and relationship, when a representative.
    pub representative: Option<String>,
}

/// A validated desired outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeInput {
    /// The words.
    pub text: String,
    /// Who expressed it.
    pub expressed_by: ExpressedBy,
    /// The representative, when one.
    pub representative: Option<String>,
}

impl RawOutcome {
    /// Validates a desired outcome.
    pub fn parse(&self) -> Result<OutcomeInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = text::required(self.text.as_deref().unwrap_or(""), OUTCOME_CHARS, true)
            .unwrap_or_else(|err| {
                e.add("text", msg("what they want to happen, in their words", err));
                String::new()
            });
        let expressed_by = match self
            .expressed_by
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => ExpressedBy::Person,
            Some(s) => ExpressedBy::parse(s).unwrap_or_else(|| {
                e.add("expressed_by", "Select who expressed it");
                ExpressedBy::Person
            }),
        };
        let representative = text::optional(
            self.representative.as_deref().unwrap_or(""),
            text::SHORT,
            false,
        )
        .unwrap_or_else(|err| {
            e.add("representative", msg("The representative", err));
            None
        });
        if expressed_by == ExpressedBy::Representative && representative.is_none() {
            e.add(
                "representative",
                "Enter who the representative is and their relationship",
            );
        }
        e.into_result(OutcomeInput {
            text,
            expressed_by,
            representative,
        })
    }
}

/// A conclusion as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawConclusion {
    /// Types of risk (SAC codes), one or more.
    pub risk_types: Vec<String>,
    /// Locations of risk (SAC codes), one or more.
    pub locations: Vec<String>,
    /// Sources of risk (types), one or more.
    pub sources: Vec<String>,
    /// The provider, required when a source is a service provider.
    pub provider_id: Option<String>,
    /// SG2c code.
    pub action_result: Option<String>,
    /// SG2e code: only when risk was identified and action taken.
    pub risk_outcome: Option<String>,
    /// SG3a code.
    pub capacity: Option<String>,
    /// When they lacked capacity: was support provided by an advocate, family or friend?
    pub capacity_support: Option<bool>,
    /// SG4a part 1 code.
    pub asked: Option<String>,
    /// For each active desired outcome: its id, `fully`/`partially`/`not`, and the person's own comment.
    pub achievements: Vec<RawAchievement>,
    /// Date concluded, `YYYY-MM-DD` (today when blank).
    pub concluded_on: Option<String>,
    /// Why the conclusion differs from what the enquiry recorded (whether
    /// they were asked; what the capacity assessments found). Required then.
    pub change_reason: Option<String>,
}

/// How far one desired outcome was achieved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawAchievement {
    /// The desired outcome's id.
    pub outcome_id: String,
    /// `fully`, `partially`, `not`.
    pub achievement: Option<String>,
    /// The person's own comment.
    pub comment: Option<String>,
}

/// A validated conclusion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conclusion {
    /// Types of risk.
    pub risk_types: Vec<RiskType>,
    /// Locations.
    pub locations: Vec<LocationType>,
    /// Sources (each type once).
    pub sources: Vec<SourceType>,
    /// Provider id.
    pub provider_id: Option<String>,
    /// SG2c.
    pub action_result: ActionResult,
    /// SG2e, exactly when SG2c is "risk identified and action taken".
    pub risk_outcome: Option<RiskOutcome>,
    /// SG3a.
    pub capacity: Capacity,
    /// Support by an advocate, family or friend (only when capacity was lacking).
    pub capacity_support: Option<bool>,
    /// SG4a part 1.
    pub asked: Asked,
    /// SG4a part 2: (outcome id, achievement, comment), one for every active outcome when expressed.
    pub achievements: Vec<(String, Achievement, Option<String>)>,
    /// Date concluded.
    pub concluded_on: Date,
    /// The answers that differ from what the enquiry recorded, as questions.
    pub changed: Vec<&'static str>,
    /// Why they differ (exactly when some do).
    pub change_reason: Option<String>,
}

/// What an enquiry already recorded that its conclusion carries over, so
/// nothing is asked twice: whether the person was asked about the outcomes
/// they wanted, and what the decision-specific capacity assessments found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The enquiry's answer to "were they asked".
    pub asked: Option<Asked>,
    /// SG3a as the assessments give it: lacked if any found capacity
    /// lacking, did not lack if all found it, none when none was made.
    pub capacity: Option<Capacity>,
}

impl Recorded {
    /// From the enquiry's "were they asked" code and each capacity
    /// assessment's finding (`true`: lacks capacity for that decision).
    pub fn new(asked: Option<&str>, lacks_capacity: &[bool]) -> Self {
        Recorded {
            asked: asked.and_then(Asked::parse),
            capacity: if lacks_capacity.is_empty() {
                None
            } else if lacks_capacity.iter().any(|l| *l) {
                Some(Capacity::Lacked)
            } else {
                Some(Capacity::DidNotLack)
            },
        }
    }

    /// The questions whose answers differ from what was recorded.
    pub fn changed(&self, asked: Asked, capacity: Capacity) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.asked.is_some_and(|a| a != asked) {
            out.push("whether they were asked about the outcomes they wanted");
        }
        if self.capacity.is_some_and(|c| c != capacity) {
            out.push("whether they lacked capacity (the capacity assessments)");
        }
        out
    }
}

fn codes<T: Copy + PartialEq>(
    e: &mut FieldErrors,
    field: &str,
    missing: &str,
    raw: &[String],
    parse: fn(&str) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    for r in raw {
        match parse(r.trim()) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => e.add(field, format!("{missing} from the list")),
        }
    }
    if out.is_empty() && e.get(field).is_none() {
        e.add(field, missing);
    }
    out
}

fn one<T>(
    e: &mut FieldErrors,
    field: &str,
    missing: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    match raw
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse)
    {
        Some(Some(v)) => Some(v),
        _ => {
            e.add(field, missing);
            None
        }
    }
}

impl RawConclusion {
    /// Validates a conclusion against the SAC's rules: at least one type,
    /// location and source; exactly one SG2c and one SG3a; SG2e when and
    /// only when risk was identified and action taken; a named provider
    /// when the source is a service provider; SG4a achievement for every
    /// active desired outcome when outcomes were expressed, and none
    /// otherwise. `active_outcomes` are the ids of the outcomes in force;
    /// `started_on` the enquiry's start.
    pub fn parse(
        &self,
        active_outcomes: &[String],
        started_on: Date,
        today: Date,
    ) -> Result<Conclusion, FieldErrors> {
        self.parse_with(active_outcomes, started_on, today, &Recorded::default())
    }

    /// As [`RawConclusion::parse`], checked against what the enquiry
    /// already recorded: an answer that differs needs a reason.
    pub fn parse_with(
        &self,
        active_outcomes: &[String],
        started_on: Date,
        today: Date,
        recorded: &Recorded,
    ) -> Result<Conclusion, FieldErrors> {
        let mut e = FieldErrors::new();
        let risk_types = codes(
            &mut e,
            "risk_types",
            "Select at least one type of risk",
            &self.risk_types,
            RiskType::parse,
        );
        let locations = codes(
            &mut e,
            "locations",
            "Select at least one location of risk",
            &self.locations,
            LocationType::parse,
        );
        let sources = codes(
            &mut e,
            "sources",
            "Select at least one source of risk",
            &self.sources,
            SourceType::parse,
        );
        let provider_id = self
            .provider_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if sources.contains(&SourceType::ServiceProvider) && provider_id.is_none() {
            e.add(
                "provider_id",
                "Name the service provider that was the source of risk",
            );
        }
        let action_result = one(
            &mut e,
            "action_result",
            "Select the action taken and result",
            &self.action_result,
            ActionResult::parse,
        );
        let risk_outcome = self
            .risk_outcome
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(RiskOutcome::parse);
        let risk_outcome = match (action_result, risk_outcome) {
            (Some(ActionResult::RiskActionTaken), None)
            | (Some(ActionResult::RiskActionTaken), Some(None)) => {
                e.add(
                    "risk_outcome",
                    "Select the risk outcome: risk was identified and action taken",
                );
                None
            }
            (Some(ActionResult::RiskActionTaken), Some(Some(r))) => Some(r),
            (Some(_), Some(_)) => {
                e.add(
                    "risk_outcome",
                    "A risk outcome is recorded only when risk was identified and action taken",
                );
                None
            }
            (_, _) => None,
        };
        let capacity = one(
            &mut e,
            "capacity",
            "Select whether the person lacked capacity",
            &self.capacity,
            Capacity::parse,
        );
        let capacity_support = match (capacity, self.capacity_support) {
            (Some(Capacity::Lacked), None) => {
                e.add(
                    "capacity_support",
                    "Select whether an advocate, family member or friend supported them",
                );
                None
            }
            (Some(Capacity::Lacked), s) => s,
            _ => None,
        };
        let asked = one(
            &mut e,
            "asked",
            "Select whether they were asked about the outcomes they wanted",
            &self.asked,
            Asked::parse,
        );
        let mut achievements = Vec::new();
        match asked {
            Some(Asked::YesExpressed) => {
                if active_outcomes.is_empty() {
                    e.add(
                        "asked",
                        "Record the desired outcomes they expressed before concluding",
                    );
                }
                for id in active_outcomes {
                    let raw = self.achievements.iter().find(|a| &a.outcome_id == id);
                    let field = format!("achievement_{id}");
                    match raw
                        .and_then(|a| a.achievement.as_deref())
                        .map(str::trim)
                        .and_then(Achievement::parse)
                    {
                        Some(a) => {
                            let comment = raw
                                .and_then(|r| r.comment.as_deref())
                                .map(|c| text::optional(c, 2000, true))
                                .transpose()
                                .unwrap_or_else(|err| {
                                    e.add(format!("comment_{id}"), msg("Their comment", err));
                                    None
                                })
                                .flatten();
                            achievements.push((id.clone(), a, comment));
                        }
                        None => e.add(field, "Select how far this outcome was achieved"),
                    }
                }
            }
            Some(_) => {
                if !active_outcomes.is_empty() {
                    e.add(
                        "asked",
                        "Desired outcomes are recorded, so they were asked and expressed outcomes",
                    );
                }
                if self.achievements.iter().any(|a| {
                    a.achievement
                        .as_deref()
                        .is_some_and(|s| !s.trim().is_empty())
                }) {
                    e.add(
                        "asked",
                        "Outcomes are rated only when the person expressed them",
                    );
                }
            }
            None => {}
        }
        let concluded_on = match self
            .concluded_on
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => today,
            Some(s) => match crate::person::parse_iso_date(s) {
                Some(d) => d,
                None => {
                    e.add("concluded_on", "Enter a real date");
                    today
                }
            },
        };
        if concluded_on < started_on {
            e.add(
                "concluded_on",
                "The enquiry cannot conclude before it started",
            );
        }
        if concluded_on > today {
            e.add(
                "concluded_on",
                "The conclusion date cannot be in the future",
            );
        }
        let change_reason = text::optional(self.change_reason.as_deref().unwrap_or(""), 2000, true)
            .unwrap_or_else(|err| {
                e.add("change_reason", msg("The reason", err));
                None
            });
        let changed = match (asked, capacity) {
            (Some(a), Some(c)) => recorded.changed(a, c),
            _ => Vec::new(),
        };
        if !changed.is_empty() && change_reason.is_none() && e.get("change_reason").is_none() {
            e.add(
                "change_reason",
                format!(
                    "You changed what the enquiry recorded ({}): say why",
                    changed.join("; ")
                ),
            );
        }
        let (Some(action_result), Some(capacity), Some(asked)) = (action_result, capacity, asked)
        else {
            return Err(e);
        };
        e.into_result(Conclusion {
            risk_types,
            locations,
            sources,
            provider_id,
            action_result,
            risk_outcome,
            capacity,
            capacity_support,
            asked,
            achievements,
            concluded_on,
            change_reason: if changed.is_empty() {
                None
            } else {
                change_reason
            },
            changed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const START: Date = date!(2026 - 10 - 01);
    const TODAY: Date = date!(2026 - 11 - 23);

    fn base() -> RawConclusion {
        RawConclusion {
            risk_types: vec!["financial".into(), "financial".into()],
            locations: vec!["own_home".into()],
            sources: vec!["known".into()],
            action_result: Some("risk_action".into()),
            risk_outcome: Some("reduced".into()),
            capacity: Some("did_not_lack".into()),
            asked: Some("yes_expressed".into()),
            achievements: vec![RawAchievement {
                outcome_id: "o1".into(),
                achievement: Some("partially".into()),
                comment: Some("I feel safer".into()),
            }],
            ..RawConclusion::default()
        }
    }

    #[test]
    fn a_complete_conclusion_is_valid_and_counts_each_category_once() {
        let c = base().parse(&["o1".into()], START, TODAY).expect("valid");
        assert_eq!(c.risk_types, vec![RiskType::Financial]);
        assert_eq!(c.risk_outcome, Some(RiskOutcome::Reduced));
        assert_eq!(c.achievements[0].1, Achievement::Partially);
        assert_eq!(c.concluded_on, TODAY);
    }

    #[test]
    fn sg2e_only_when_risk_identified_and_action_taken() {
        let mut r = base();
        r.risk_outcome = None;
        assert!(
            r.parse(&["o1".into()], START, TODAY)
                .expect_err("needs SG2e")
                .get("risk_outcome")
                .is_some()
        );
        let mut r = base();
        r.action_result = Some("no_risk_no_action".into());
        assert!(
            r.parse(&["o1".into()], START, TODAY)
                .expect_err("SG2e not allowed")
                .get("risk_outcome")
                .is_some()
        );
        r.risk_outcome = None;
        assert!(r.parse(&["o1".into()], START, TODAY).is_ok());
    }

    #[test]
    fn sg4a_achievement_only_when_outcomes_were_expressed() {
        // Every active outcome must be rated.
        assert!(
            base()
                .parse(&["o1".into(), "o2".into()], START, TODAY)
                .expect_err("o2 unrated")
                .get("achievement_o2")
                .is_some()
        );
        // Expressed but none recorded.
        assert!(
            base()
                .parse(&[], START, TODAY)
                .expect_err("none recorded")
                .get("asked")
                .is_some()
        );
        // Not expressed, but ratings given.
        let mut r = base();
        r.asked = Some("no".into());
        assert!(
            r.parse(&[], START, TODAY)
                .expect_err("ratings without outcomes")
                .get("asked")
                .is_some()
        );
        r.achievements.clear();
        assert!(r.parse(&[], START, TODAY).is_ok());
    }

    #[test]
    fn one_sg2c_one_sg3a_and_support_when_capacity_lacking() {
        let mut r = base();
        r.action_result = None;
        r.capacity = None;
        let e = r.parse(&["o1".into()], START, TODAY).expect_err("missing");
        assert!(e.get("action_result").is_some() && e.get("capacity").is_some());
        let mut r = base();
        r.capacity = Some("lacked".into());
        assert!(
            r.parse(&["o1".into()], START, TODAY)
                .expect_err("support?")
                .get("capacity_support")
                .is_some()
        );
        r.capacity_support = Some(true);
        assert_eq!(
            r.parse(&["o1".into()], START, TODAY)
                .expect("valid")
                .capacity_support,
            Some(true)
        );
    }

    #[test]
    fn service_provider_sources_name_the_provider_and_dates_make_sense() {
        let mut r = base();
        r.sources = vec!["service_provider".into()];
        assert!(
            r.parse(&["o1".into()], START, TODAY)
                .expect_err("provider")
                .get("provider_id")
                .is_some()
        );
        r.provider_id = Some("p1".into());
        r.concluded_on = Some("2026-09-30".into());
        assert!(
            r.parse(&["o1".into()], START, TODAY)
                .expect_err("before start")
                .get("concluded_on")
                .is_some()
        );
        r.concluded_on = Some("2026-11-01".into());
        assert!(r.parse(&["o1".into()], START, TODAY).is_ok());
    }

    #[test]
    fn the_state_machine_refuses_illegal_moves_with_a_reason() {
        use EnquiryEvent::*;
        use EnquiryState::*;
        assert_eq!(Open.apply(ProposeConclusion), Ok(AwaitingSignOff));
        assert_eq!(AwaitingSignOff.apply(ReturnForChanges), Ok(Open));
        assert_eq!(AwaitingSignOff.apply(SignOff), Ok(Concluded));
        assert!(Open.apply(SignOff).is_err());
        assert!(AwaitingSignOff.apply(ReviseOutcomes).is_err());
        for ev in [ProposeConclusion, SignOff, ReturnForChanges, ReviseOutcomes] {
            assert_eq!(
                Concluded.apply(ev),
                Err("The enquiry is concluded and cannot change")
            );
        }
    }

    #[test]
    fn outcomes_are_the_persons_words_and_representatives_are_named() {
        assert!(
            RawOutcome {
                text: Some("To feel safe at home".into()),
                ..RawOutcome::default()
            }
            .parse()
            .is_ok()
        );
        let e = RawOutcome {
            text: Some(" ".into()),
            expressed_by: Some("representative".into()),
            representative: None,
        }
        .parse()
        .expect_err("invalid");
        assert!(e.get("text").is_some() && e.get("representative").is_some());
    }

    #[test]
    fn answers_carried_over_from_the_enquiry_change_only_with_a_reason() {
        // One assessment found capacity lacking: SG3a is "lacked".
        let recorded = Recorded::new(Some("yes_expressed"), &[false, true]);
        assert_eq!(recorded.capacity, Some(Capacity::Lacked));
        assert_eq!(Recorded::new(None, &[]).capacity, None);
        assert_eq!(
            Recorded::new(None, &[false]).capacity,
            Some(Capacity::DidNotLack)
        );
        let ids = ["o1".to_string()];
        // The base answers "did not lack": that differs, so a reason is asked.
        let e = base()
            .parse_with(&ids, START, TODAY, &recorded)
            .expect_err("changed without a reason");
        assert!(
            e.get("change_reason")
                .is_some_and(|m| m.contains("capacity"))
        );
        let mut r = base();
        r.change_reason = Some("The assessment was about a different decision".into());
        let c = r.parse_with(&ids, START, TODAY, &recorded).expect("valid");
        assert_eq!(c.changed.len(), 1);
        assert!(c.change_reason.is_some());
        // Agreeing with the record needs no reason, and keeps none given.
        let mut r = base();
        r.capacity = Some("lacked".into());
        r.capacity_support = Some(true);
        r.change_reason = Some("not needed".into());
        let c = r.parse_with(&ids, START, TODAY, &recorded).expect("valid");
        assert!(c.changed.is_empty() && c.change_reason.is_none());
    }
}
