//! Records made during an enquiry that protect the person's rights: the
//! Care Act s68 advocacy check, decision-specific mental capacity
//! assessments (Mental Capacity Act 2005 ss2–4) with best-interests
//! decisions, and consent as a record with a life.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::coded;
use crate::text;
use crate::validation::FieldErrors;

fn req(e: &mut FieldErrors, field: &str, label: &str, raw: &Option<String>) -> String {
    text::required_field(e, field, label, raw, text::LONG, true)
}

fn opt(e: &mut FieldErrors, field: &str, label: &str, raw: &Option<String>) -> Option<String> {
    text::optional_field(e, field, label, raw, text::LONG, true)
}

/// A date on or before `today`, `today` when blank; a refusal is recorded against `field`.
pub(crate) fn date(e: &mut FieldErrors, field: &str, raw: &Option<String>, today: Date) -> Date {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today,
        Some(s) => match crate::person::parse_iso_date(s) {
            Some(d) if d <= today => d,
            Some(_) => {
                e.add(field, "The date cannot be in the future");
                today
            }
            None => {
                e.add(field, "Enter a real date");
                today
            }
        },
    }
}

fn yes_no(e: &mut FieldErrors, field: &str, missing: &str, raw: &Option<String>) -> Option<bool> {
    match raw.as_deref().map(str::trim) {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => {
            e.add(field, missing);
            None
        }
    }
}

/// The Care Act s68 check, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawAdvocacy {
    /// Substantial difficulty understanding relevant information: `yes`/`no`.
    pub understanding: Option<String>,
    /// … retaining it.
    pub retaining: Option<String>,
    /// … using or weighing it.
    pub using_weighing: Option<String>,
    /// … communicating their views, wishes or feelings.
    pub communicating: Option<String>,
    /// Is there an appropriate person (not paid to care for them) to support and represent them? `yes`/`no`.
    pub appropriate_person: Option<String>,
    /// Who, when there is one.
    pub appropriate_person_name: Option<String>,
    /// Date an advocate was referred, when one is needed.
    pub referred_on: Option<String>,
    /// The advocate and their organisation.
    pub advocate: Option<String>,
    /// How the advocate was involved.
    pub involvement: Option<String>,
}

/// A recorded s68 check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advocacy {
    /// Substantial difficulty in: understanding, retaining, using or weighing, communicating.
    pub difficulties: [bool; 4],
    /// An appropriate person is available.
    pub appropriate_person: bool,
    /// Who.
    pub appropriate_person_name: Option<String>,
    /// Whether an independent advocate is required (s68: a difficulty and no appropriate person).
    pub advocate_required: bool,
    /// Referral date.
    #[serde(default, with = "crate::dates::iso_opt")]
    pub referred_on: Option<Date>,
    /// The advocate.
    pub advocate: Option<String>,
    /// Their involvement.
    pub involvement: Option<String>,
}

impl RawAdvocacy {
    /// Validates the check; the need for an advocate is derived, not typed.
    pub fn parse(&self, today: Date) -> Result<Advocacy, FieldErrors> {
        let mut e = FieldErrors::new();
        let q = "Select yes or no";
        let d = [
            yes_no(&mut e, "understanding", q, &self.understanding),
            yes_no(&mut e, "retaining", q, &self.retaining),
            yes_no(&mut e, "using_weighing", q, &self.using_weighing),
            yes_no(&mut e, "communicating", q, &self.communicating),
        ];
        let ap = yes_no(
            &mut e,
            "appropriate_person",
            "Select whether there is an appropriate person",
            &self.appropriate_person,
        );
        let appropriate_person_name = opt(
            &mut e,
            "appropriate_person_name",
            "The appropriate person",
            &self.appropriate_person_name,
        );
        if ap == Some(true) && appropriate_person_name.is_none() {
            e.add(
                "appropriate_person_name",
                "Enter who the appropriate person is",
            );
        }
        let required = d.contains(&Some(true)) && ap == Some(false);
        let referred_on = self
            .referred_on
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|_| date(&mut e, "referred_on", &self.referred_on, today));
        let advocate = opt(&mut e, "advocate", "The advocate", &self.advocate);
        let involvement = opt(
            &mut e,
            "involvement",
            "The advocate's involvement",
            &self.involvement,
        );
        if required && referred_on.is_none() {
            e.add(
                "referred_on",
                "An independent advocate is required: enter the date they were referred",
            );
        }
        let ([Some(a), Some(b), Some(c), Some(dd)], Some(ap)) = (d, ap) else {
            return Err(e);
        };
        e.into_result(Advocacy {
            difficulties: [a, b, c, dd],
            appropriate_person: ap,
            appropriate_person_name,
            advocate_required: required,
            referred_on,
            advocate,
            involvement,
        })
    }
}

/// A mental capacity assessment, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawCapacity {
    /// The specific decision being assessed.
    pub decision: Option<String>,
    /// All practicable help given to make it.
    pub help_given: Option<String>,
    /// Can they understand the relevant information? `yes`/`no`.
    pub understand: Option<String>,
    /// Can they retain it?
    pub retain: Option<String>,
    /// Can they use or weigh it?
    pub use_weigh: Option<String>,
    /// Can they communicate their decision?
    pub communicate: Option<String>,
    /// The evidence for the functional test.
    pub evidence: Option<String>,
    /// The impairment of, or disturbance in the functioning of, the mind or brain.
    pub impairment: Option<String>,
    /// Is the inability because of that impairment? `yes`/`no`.
    pub causal_link: Option<String>,
    /// Date of the assessment.
    pub assessed_on: Option<String>,
    /// Best interests: the person's past and present wishes, feelings, beliefs and values.
    pub bi_wishes: Option<String>,
    /// Best interests: who was consulted.
    pub bi_consulted: Option<String>,
    /// Best interests: the less restrictive options considered.
    pub bi_less_restrictive: Option<String>,
    /// Best interests: the decision made.
    pub bi_decision: Option<String>,
}

/// A best-interests decision (MCA s4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BestInterests {
    /// Wishes, feelings, beliefs and values.
    pub wishes: String,
    /// Who was consulted.
    pub consulted: String,
    /// Less restrictive options considered.
    pub less_restrictive: String,
    /// The decision.
    pub decision: String,
}

/// A decision-specific, time-specific capacity assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityAssessment {
    /// The decision.
    pub decision: String,
    /// Help given.
    pub help_given: String,
    /// Able to: understand, retain, use or weigh, communicate.
    pub able: [bool; 4],
    /// Evidence.
    pub evidence: String,
    /// The impairment, when unable.
    pub impairment: Option<String>,
    /// The causal link, when unable.
    pub causal_link: Option<bool>,
    /// The conclusion: lacks capacity for this decision.
    pub lacks_capacity: bool,
    /// When.
    #[serde(with = "crate::dates::iso")]
    pub assessed_on: Date,
    /// The best-interests decision, required when capacity is lacking.
    pub best_interests: Option<BestInterests>,
}

impl RawCapacity {
    /// Validates the assessment. The functional test comes first; a person
    /// lacks capacity only when unable on it, with an impairment, and
    /// because of that impairment (the causal link). The conclusion is
    /// derived, and never exists without the decision it concerns.
    pub fn parse(&self, today: Date) -> Result<CapacityAssessment, FieldErrors> {
        let mut e = FieldErrors::new();
        let decision = req(
            &mut e,
            "decision",
            "the specific decision this assessment is about",
            &self.decision,
        );
        let help_given = req(
            &mut e,
            "help_given",
            "the help given to make the decision",
            &self.help_given,
        );
        let q = "Select yes or no";
        let able = [
            yes_no(&mut e, "understand", q, &self.understand),
            yes_no(&mut e, "retain", q, &self.retain),
            yes_no(&mut e, "use_weigh", q, &self.use_weigh),
            yes_no(&mut e, "communicate", q, &self.communicate),
        ];
        let evidence = req(
            &mut e,
            "evidence",
            "the evidence for each part of the test",
            &self.evidence,
        );
        let unable = able.contains(&Some(false));
        let impairment = opt(&mut e, "impairment", "The impairment", &self.impairment);
        let causal_link = match self.causal_link.as_deref().map(str::trim) {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => None,
        };
        if unable && impairment.is_none() {
            e.add("impairment", "They are unable on the functional test: describe the impairment of the mind or brain, or record that there is none");
        }
        if unable && causal_link.is_none() {
            e.add(
                "causal_link",
                "Select whether the inability is because of the impairment",
            );
        }
        let lacks_capacity = unable && impairment.is_some() && causal_link == Some(true);
        let assessed_on = date(&mut e, "assessed_on", &self.assessed_on, today);
        let best_interests = if lacks_capacity {
            let wishes = req(
                &mut e,
                "bi_wishes",
                "their wishes, feelings, beliefs and values",
                &self.bi_wishes,
            );
            let consulted = req(
                &mut e,
                "bi_consulted",
                "who was consulted",
                &self.bi_consulted,
            );
            let less_restrictive = req(
                &mut e,
                "bi_less_restrictive",
                "the less restrictive options considered",
                &self.bi_less_restrictive,
            );
            let decision = req(
                &mut e,
                "bi_decision",
                "the best-interests decision",
                &self.bi_decision,
            );
            Some(BestInterests {
                wishes,
                consulted,
                less_restrictive,
                decision,
            })
        } else {
            None
        };
        let [Some(a), Some(b), Some(c), Some(d)] = able else {
            return Err(e);
        };
        e.into_result(CapacityAssessment {
            decision,
            help_given,
            able: [a, b, c, d],
            evidence,
            impairment: if unable { impairment } else { None },
            causal_link: if unable { causal_link } else { None },
            lacks_capacity,
            assessed_on,
            best_interests,
        })
    }
}

coded!(
    /// What consent is about.
    ConsentSubject {
        /// The enquiry itself.
        Enquiry = "enquiry" : "The enquiry",
        /// Sharing information with a named agency.
        Sharing = "sharing" : "Sharing information with an agency",
        /// A specific action.
        Action = "action" : "A specific action",
    }
);

coded!(
    /// Where consent stands.
    ConsentStatus {
        /// Given.
        Given = "given" : "Given",
        /// Refused.
        Refused = "refused" : "Refused",
        /// Not sought (with the reason).
        NotSought = "not_sought" : "Not sought",
        /// Given before, now withdrawn.
        Withdrawn = "withdrawn" : "Withdrawn",
    }
);

coded!(
    /// Who gave or refused consent.
    ConsentBy {
        /// The person.
        Person = "person" : "The person",
        /// An attorney under a lasting power of attorney.
        Attorney = "attorney" : "Their attorney",
        /// A court-appointed deputy.
        Deputy = "deputy" : "Their deputy",
    }
);

coded!(
    /// The lawful reason to go ahead without consent.
    OverrideReason {
        /// Other people, including children, are at risk.
        OthersAtRisk = "others_at_risk" : "Other people, including children, are at risk",
        /// A serious crime has been or may be committed.
        SeriousCrime = "serious_crime" : "A serious crime has been or may be committed",
        /// Their vital interests (life or serious harm) are at stake.
        VitalInterests = "vital_interests" : "Vital interests: a risk to life or of serious harm",
        /// Coercion or undue influence.
        Coercion = "coercion" : "They are under coercion or undue influence",
        /// They lack capacity for this decision and it is in their best interests.
        BestInterests = "best_interests" : "They lack capacity for this decision and it is in their best interests",
    }
);

/// Consent, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawConsent {
    /// `enquiry`, `sharing`, `action`.
    pub subject: Option<String>,
    /// The agency or the action, for sharing and actions.
    pub detail: Option<String>,
    /// `given`, `refused`, `not_sought`, `withdrawn`.
    pub status: Option<String>,
    /// Why not sought.
    pub not_sought_reason: Option<String>,
    /// `person`, `attorney`, `deputy`.
    pub by: Option<String>,
    /// Date.
    pub on: Option<String>,
    /// When refused or withdrawn: does the team go ahead? `yes`/`no`.
    pub proceeding: Option<String>,
    /// The lawful reason to go ahead (required then).
    pub override_reason: Option<String>,
    /// More about it.
    pub notes: Option<String>,
    /// The decision-specific capacity assessment on the enquiry this decision
    /// rests on (its record id): required when going ahead in the person's
    /// best interests because they lack capacity.
    pub capacity_id: Option<String>,
}

/// A consent record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// About what.
    pub subject: ConsentSubject,
    /// Which agency or action.
    pub detail: Option<String>,
    /// Given, refused, not sought or withdrawn.
    pub status: ConsentStatus,
    /// Why not sought.
    pub not_sought_reason: Option<String>,
    /// By whom.
    pub by: ConsentBy,
    /// When.
    #[serde(with = "crate::dates::iso")]
    pub on: Date,
    /// Going ahead despite refusal or withdrawal.
    pub proceeding: bool,
    /// The lawful reason for going ahead.
    pub override_reason: Option<OverrideReason>,
    /// Notes.
    pub notes: Option<String>,
    /// The capacity assessment this decision rests on (its record id).
    #[serde(default)]
    pub capacity_id: Option<String>,
}

/// Ties a consent decision to the decision-specific capacity assessment it
/// names (Mental Capacity Act 2005 ss1–3: capacity is assumed, and judged
/// one decision at a time). Acting in someone's best interests because they
/// lack capacity needs an assessment for that decision that found so; an
/// assessment that found capacity means their own answer stands; and the
/// person's own consent or refusal cannot be relied on for a decision they
/// were assessed as lacking capacity to make. Errors go on `capacity_id`.
pub fn check_capacity_link(
    e: &mut FieldErrors,
    relies_on_lack: bool,
    own_answer: bool,
    assessment: Option<&CapacityAssessment>,
) {
    match (relies_on_lack, own_answer, assessment.map(|a| a.lacks_capacity)) {
        (true, _, None) => e.add(
            "capacity_id",
            "Choose the capacity assessment for this decision; if there is none, record one on the enquiry first",
        ),
        (true, _, Some(false)) => e.add(
            "capacity_id",
            "That assessment found they have capacity for this decision, so their own answer stands: choose another lawful reason or record their answer",
        ),
        (false, true, Some(true)) => e.add(
            "capacity_id",
            "That assessment found they lack capacity for this decision, so their own consent or refusal cannot be relied on: decide in their best interests",
        ),
        _ => {}
    }
}

impl RawConsent {
    /// Validates a consent record: sharing and actions name what they are;
    /// "not sought" gives the reason; going ahead after a refusal or
    /// withdrawal needs a lawful override reason.
    pub fn parse(&self, today: Date) -> Result<Consent, FieldErrors> {
        self.parse_with(today, None)
    }

    /// As [`RawConsent::parse`], with the capacity assessment named by
    /// `capacity_id` (looked up on the enquiry): see [`check_capacity_link`].
    pub fn parse_with(
        &self,
        today: Date,
        assessment: Option<&CapacityAssessment>,
    ) -> Result<Consent, FieldErrors> {
        let mut e = FieldErrors::new();
        let subject = self.subject.as_deref().and_then(ConsentSubject::parse);
        if subject.is_none() {
            e.add("subject", "Select what the consent is about");
        }
        let detail = opt(&mut e, "detail", "The agency or action", &self.detail);
        if matches!(
            subject,
            Some(ConsentSubject::Sharing) | Some(ConsentSubject::Action)
        ) && detail.is_none()
        {
            e.add("detail", "Name the agency or the action");
        }
        let status = self.status.as_deref().and_then(ConsentStatus::parse);
        if status.is_none() {
            e.add(
                "status",
                "Select whether consent was given, refused, not sought or withdrawn",
            );
        }
        let not_sought_reason = opt(
            &mut e,
            "not_sought_reason",
            "The reason",
            &self.not_sought_reason,
        );
        if status == Some(ConsentStatus::NotSought) && not_sought_reason.is_none() {
            e.add("not_sought_reason", "Enter why consent was not sought");
        }
        let by = match self.by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => ConsentBy::Person,
            Some(s) => ConsentBy::parse(s).unwrap_or_else(|| {
                e.add("by", "Select who gave or refused consent");
                ConsentBy::Person
            }),
        };
        let on = date(&mut e, "on", &self.on, today);
        let against = matches!(
            status,
            Some(ConsentStatus::Refused) | Some(ConsentStatus::Withdrawn)
        );
        let proceeding = against && self.proceeding.as_deref() == Some("yes");
        let override_reason = match self
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => OverrideReason::parse(s).or_else(|| {
                e.add("override_reason", "Select the lawful reason from the list");
                None
            }),
        };
        if proceeding && override_reason.is_none() {
            e.add(
                "override_reason",
                "Going ahead without consent needs a lawful reason: select it",
            );
        }
        let notes = opt(&mut e, "notes", "The notes", &self.notes);
        let best_interests = proceeding && override_reason == Some(OverrideReason::BestInterests);
        let own_answer = by == ConsentBy::Person && status != Some(ConsentStatus::NotSought);
        check_capacity_link(&mut e, best_interests, own_answer, assessment);
        let capacity_id = self
            .capacity_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && assessment.is_some())
            .map(str::to_string);
        let (Some(subject), Some(status)) = (subject, status) else {
            return Err(e);
        };
        e.into_result(Consent {
            subject,
            detail,
            status,
            not_sought_reason,
            by,
            on,
            proceeding,
            override_reason: if proceeding { override_reason } else { None },
            notes,
            capacity_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn an_advocate_is_required_with_a_difficulty_and_no_appropriate_person() {
        let mut raw = RawAdvocacy {
            understanding: s("no"),
            retaining: s("no"),
            using_weighing: s("yes"),
            communicating: s("no"),
            appropriate_person: s("no"),
            ..RawAdvocacy::default()
        };
        assert!(
            raw.parse(TODAY)
                .expect_err("needs a referral")
                .get("referred_on")
                .is_some()
        );
        raw.referred_on = s("2026-11-20");
        let a = raw.parse(TODAY).expect("valid");
        assert!(a.advocate_required);
        raw.appropriate_person = s("yes");
        raw.appropriate_person_name = s("Sam, her son");
        assert!(!raw.parse(TODAY).expect("valid").advocate_required);
    }

    fn capacity(able: &str) -> RawCapacity {
        RawCapacity {
            decision: s("Whether to move into a care home"),
            help_given: s("Easy read leaflet; visit; daughter present"),
            understand: s(able),
            retain: s("yes"),
            use_weigh: s(able),
            communicate: s("yes"),
            evidence: s("Could not weigh the risks of falls against staying home"),
            ..RawCapacity::default()
        }
    }

    #[test]
    fn capacity_is_presumed_when_able_on_the_functional_test() {
        let c = capacity("yes").parse(TODAY).expect("valid");
        assert!(!c.lacks_capacity && c.best_interests.is_none() && c.impairment.is_none());
    }

    #[test]
    fn lacking_capacity_needs_impairment_causal_link_and_a_best_interests_decision() {
        let e = capacity("no").parse(TODAY).expect_err("incomplete");
        assert!(e.get("impairment").is_some() && e.get("causal_link").is_some());
        let mut raw = capacity("no");
        raw.impairment = s("Vascular dementia");
        raw.causal_link = s("no");
        let c = raw
            .parse(TODAY)
            .expect("no causal link: capacity not lacking");
        assert!(
            !c.lacks_capacity,
            "an inability not caused by the impairment is not a lack of capacity"
        );
        raw.causal_link = s("yes");
        let e = raw.parse(TODAY).expect_err("best interests needed");
        for f in [
            "bi_wishes",
            "bi_consulted",
            "bi_less_restrictive",
            "bi_decision",
        ] {
            assert!(e.get(f).is_some(), "{f}");
        }
        raw.bi_wishes = s("Has always said she wants to die at home");
        raw.bi_consulted = s("Daughter; GP; home care manager");
        raw.bi_less_restrictive = s("More home care; telecare; night sitting");
        raw.bi_decision = s("Stay at home with four calls a day and telecare");
        assert!(raw.parse(TODAY).expect("valid").lacks_capacity);
    }

    #[test]
    fn a_capacity_conclusion_is_never_without_its_decision() {
        let mut raw = capacity("yes");
        raw.decision = None;
        assert!(
            raw.parse(TODAY)
                .expect_err("decision")
                .get("decision")
                .is_some()
        );
    }

    #[test]
    fn going_ahead_without_consent_needs_a_lawful_reason() {
        let mut raw = RawConsent {
            subject: s("sharing"),
            detail: s("Northbridge Police"),
            status: s("refused"),
            proceeding: s("yes"),
            ..RawConsent::default()
        };
        assert!(
            raw.parse(TODAY)
                .expect_err("reason")
                .get("override_reason")
                .is_some()
        );
        raw.override_reason = s("serious_crime");
        let c = raw.parse(TODAY).expect("valid");
        assert!(c.proceeding && c.override_reason == Some(OverrideReason::SeriousCrime));
        let e = RawConsent {
            subject: s("action"),
            status: s("not_sought"),
            ..RawConsent::default()
        }
        .parse(TODAY)
        .expect_err("invalid");
        assert!(e.get("detail").is_some() && e.get("not_sought_reason").is_some());
        // Consent given: nothing to override, whatever was sent.
        let c = RawConsent {
            subject: s("enquiry"),
            status: s("given"),
            proceeding: s("yes"),
            override_reason: s("coercion"),
            ..RawConsent::default()
        }
        .parse(TODAY)
        .expect("valid");
        assert!(!c.proceeding && c.override_reason.is_none());
    }

    #[test]
    fn going_ahead_in_best_interests_rests_on_an_assessment_that_found_capacity_lacking() {
        let raw = RawConsent {
            subject: s("action"),
            detail: s("Move to a care home for respite"),
            status: s("refused"),
            proceeding: s("yes"),
            override_reason: s("best_interests"),
            capacity_id: s("r1"),
            ..RawConsent::default()
        };
        let e = raw.parse(TODAY).expect_err("no assessment named");
        assert!(e.get("capacity_id").is_some());
        let mut lacks = capacity("no");
        lacks.impairment = s("Dementia");
        lacks.causal_link = s("yes");
        lacks.bi_wishes = s("To stay near her sister");
        lacks.bi_consulted = s("Her sister");
        lacks.bi_less_restrictive = s("More home care visits");
        lacks.bi_decision = s("Two weeks' respite");
        let lacks = lacks.parse(TODAY).expect("valid");
        let c = raw.parse_with(TODAY, Some(&lacks)).expect("valid");
        assert_eq!(c.capacity_id.as_deref(), Some("r1"));
        // An assessment that found capacity: her refusal stands.
        let has = capacity("yes").parse(TODAY).expect("valid");
        assert!(raw.parse_with(TODAY, Some(&has)).is_err());
        // Her own consent is not relied on for a decision she lacks capacity for.
        let given = RawConsent {
            status: s("given"),
            proceeding: None,
            override_reason: None,
            ..raw.clone()
        };
        assert!(given.parse_with(TODAY, Some(&has)).is_ok());
        let e = given
            .parse_with(TODAY, Some(&lacks))
            .expect_err("own consent");
        assert!(e.get("capacity_id").is_some());
        // A deputy's consent may be.
        let by_deputy = RawConsent {
            by: s("deputy"),
            ..given
        };
        assert!(by_deputy.parse_with(TODAY, Some(&lacks)).is_ok());
    }
}
