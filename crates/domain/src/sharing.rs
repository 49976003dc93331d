//! Information sharing: every disclosure of a person's information to
//! another agency or person, on a recorded lawful basis.
//!
//! A share records what was shared, with whom, for what purpose, its basis
//! under UK GDPR Article 6 and — for special category data such as health —
//! its condition under Article 9 and the Data Protection Act 2018
//! Schedule 1, and whether the person consented or, if not, the lawful
//! reason for sharing anyway. A share cannot be recorded without a valid
//! consent or a recorded lawful reason. A share with a partner agency may
//! also open named parts of an enquiry to that agency's staff.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::safeguards::OverrideReason;
use crate::text;
use crate::validation::FieldErrors;

crate::codes::coded!(
    /// The lawful basis under UK GDPR Article 6(1).
    Article6 {
        /// Public task: the council's duties under the Care Act 2014 (s42 enquiries, s1 wellbeing).
        PublicTask = "public_task" : "Public task (Art 6(1)(e)): the council's Care Act 2014 duties",
        /// A legal obligation to share.
        LegalObligation = "legal_obligation" : "Legal obligation (Art 6(1)(c))",
        /// Vital interests: to protect someone's life.
        VitalInterests = "vital_interests" : "Vital interests (Art 6(1)(d)): to protect someone's life",
        /// The person's consent.
        Consent = "consent" : "Consent (Art 6(1)(a))",
    }
);

crate::codes::coded!(
    /// The condition for special category data under UK GDPR Article 9(2)
    /// and the Data Protection Act 2018 Schedule 1.
    Article9 {
        /// No special category data (health, ethnicity, sex life…) was shared.
        NotSpecial = "none" : "No special category data was shared",
        /// Safeguarding of individuals at risk (DPA 2018 Sch 1 para 18).
        Safeguarding = "safeguarding" : "Safeguarding of individuals at risk (Art 9(2)(g); DPA 2018 Sch 1 para 18)",
        /// Health or social care purposes (DPA 2018 Sch 1 para 2).
        HealthSocialCare = "health_social_care" : "Health or social care (Art 9(2)(h); DPA 2018 Sch 1 para 2)",
        /// Statutory and government purposes (DPA 2018 Sch 1 para 6).
        Statutory = "statutory" : "Statutory purposes (Art 9(2)(g); DPA 2018 Sch 1 para 6)",
        /// Preventing or detecting unlawful acts (DPA 2018 Sch 1 para 10).
        Crime = "crime" : "Preventing or detecting unlawful acts (Art 9(2)(g); DPA 2018 Sch 1 para 10)",
        /// Vital interests where the person cannot consent (Art 9(2)(c)).
        VitalInterests = "vital_interests" : "Vital interests, the person cannot consent (Art 9(2)(c))",
        /// Explicit consent (Art 9(2)(a)).
        ExplicitConsent = "explicit_consent" : "Explicit consent (Art 9(2)(a))",
    }
);

crate::codes::coded!(
    /// The person's consent to this share.
    ShareConsent {
        /// They agreed.
        Given = "given" : "The person (or their attorney or deputy) agreed",
        /// They refused; shared anyway for a lawful reason.
        Refused = "refused" : "They refused: shared anyway for a lawful reason",
        /// Not asked; for a lawful reason (asking would increase the risk, no time…).
        NotSought = "not_sought" : "Not asked: for a lawful reason",
        /// They lack capacity to decide; shared in their best interests.
        LacksCapacity = "lacks_capacity" : "They lack capacity to decide this: shared in their best interests",
    }
);

crate::codes::coded!(
    /// The parts of an enquiry a partner agency may read once shared.
    SharedPart {
        /// The person's desired outcomes, in their words.
        Outcomes = "outcomes" : "What the person wants to happen (their desired outcomes)",
        /// The safeguarding plan's actions.
        Plan = "plan" : "The safeguarding plan's actions",
        /// The conclusion.
        Conclusion = "conclusion" : "The conclusion",
        /// Documents, photos and recordings attached to the enquiry.
        Documents = "documents" : "Documents, photos and recordings attached to the enquiry",
    }
);

/// A share, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawShare {
    /// What was shared, in a few words.
    pub what: Option<String>,
    /// The partner agency (by name) it was shared with, if it was one of ours.
    pub agency: Option<String>,
    /// Or the person or organisation it was shared with.
    pub recipient: Option<String>,
    /// Why.
    pub purpose: Option<String>,
    /// Article 6 basis code.
    pub article6: Option<String>,
    /// Article 9 / Schedule 1 condition code.
    pub article9: Option<String>,
    /// `given`, `refused`, `not_sought`, `lacks_capacity`.
    pub consent: Option<String>,
    /// The lawful reason to share without consent (required then).
    pub override_reason: Option<String>,
    /// More about that reason.
    pub override_detail: Option<String>,
    /// When it was shared (`YYYY-MM-DD`; today when empty).
    pub shared_on: Option<String>,
    /// Parts of the enquiry the agency's staff may now read (`outcomes`, `plan`, `conclusion`).
    pub parts: Vec<String>,
    /// The decision-specific capacity assessment on the enquiry (its record
    /// id) for the decision to share: required when they lack capacity.
    pub capacity_id: Option<String>,
}

/// A valid share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// What was shared.
    pub what: String,
    /// The partner agency's name, when it is one of ours.
    pub agency: Option<String>,
    /// Or the recipient in words.
    pub recipient: Option<String>,
    /// Why.
    pub purpose: String,
    /// Article 6 basis.
    pub article6: Article6,
    /// Article 9 / Schedule 1 condition.
    pub article9: Article9,
    /// Consent.
    pub consent: ShareConsent,
    /// The reason to share without consent.
    pub override_reason: Option<OverrideReason>,
    /// More about it.
    pub override_detail: Option<String>,
    /// When.
    pub shared_on: Date,
    /// Parts of the enquiry opened to the agency.
    pub parts: Vec<SharedPart>,
    /// The capacity assessment the decision rests on (its record id).
    pub capacity_id: Option<String>,
}

fn coded<T>(
    e: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Option<T>,
    missing: &str,
) -> Option<T> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            e.add(field, missing);
            None
        }
        Some(s) => parse(s).or_else(|| {
            e.add(field, missing);
            None
        }),
    }
}

impl RawShare {
    /// Validates a share. Sharing on consent needs consent given; sharing
    /// without it needs a lawful reason and what it rests on; the recipient
    /// is an agency or a named person; parts of an enquiry are opened only
    /// to an agency.
    pub fn parse(&self, today: Date) -> Result<Share, FieldErrors> {
        self.parse_with(today, None)
    }

    /// As [`RawShare::parse`], with the capacity assessment named by
    /// `capacity_id` (looked up on the enquiry): sharing because they lack
    /// capacity needs one for this decision that found so, and their own
    /// consent or refusal is not relied on where one found they lack it.
    pub fn parse_with(
        &self,
        today: Date,
        assessment: Option<&crate::safeguards::CapacityAssessment>,
    ) -> Result<Share, FieldErrors> {
        let mut e = FieldErrors::new();
        let what = text::required_field(
            &mut e,
            "what",
            "what was shared",
            &self.what,
            text::LONG,
            true,
        );
        let agency = text::optional_field(
            &mut e,
            "agency",
            "The agency",
            &self.agency,
            text::LINE,
            false,
        );
        let recipient = text::optional_field(
            &mut e,
            "recipient",
            "Who it was shared with",
            &self.recipient,
            text::LINE,
            false,
        );
        if agency.is_none() && recipient.is_none() && e.get("recipient").is_none() {
            e.add(
                "recipient",
                "Select the agency, or enter who it was shared with",
            );
        }
        let purpose = text::required_field(
            &mut e,
            "purpose",
            "why it was shared",
            &self.purpose,
            text::LONG,
            true,
        );
        let article6 = coded(
            &mut e,
            "article6",
            &self.article6,
            Article6::parse,
            "Select the lawful basis under Article 6",
        );
        let article9 = coded(
            &mut e,
            "article9",
            &self.article9,
            Article9::parse,
            "Select the condition for special category data, or that none was shared",
        );
        let consent = coded(
            &mut e,
            "consent",
            &self.consent,
            ShareConsent::parse,
            "Select whether the person consented",
        );
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
        let override_detail = text::optional_field(
            &mut e,
            "override_detail",
            "The reason in more detail",
            &self.override_detail,
            text::LONG,
            true,
        );
        let without_consent = consent.is_some_and(|c| c != ShareConsent::Given);
        if without_consent && override_reason.is_none() && e.get("override_reason").is_none() {
            e.add(
                "override_reason",
                "Sharing without consent needs a lawful reason: select it",
            );
        }
        if without_consent && override_detail.is_none() && e.get("override_detail").is_none() {
            e.add(
                "override_detail",
                "Say why sharing without consent was necessary and proportionate",
            );
        }
        if article6 == Some(Article6::Consent) && without_consent {
            e.add(
                "article6",
                "Consent cannot be the basis when the person did not consent: choose another basis",
            );
        }
        if article9 == Some(Article9::ExplicitConsent) && without_consent {
            e.add(
                "article9",
                "Explicit consent cannot be the condition when the person did not consent",
            );
        }
        if consent == Some(ShareConsent::LacksCapacity)
            && override_reason.is_some_and(|r| r != OverrideReason::BestInterests)
        {
            e.add(
                "override_reason",
                "When they lack capacity, the reason is their best interests",
            );
        }
        let shared_on = crate::safeguards::date(&mut e, "shared_on", &self.shared_on, today);
        let mut parts = Vec::new();
        for p in &self.parts {
            match SharedPart::parse(p.trim()) {
                Some(part) if !parts.contains(&part) => parts.push(part),
                Some(_) => {}
                None => e.add("parts", "Select the parts from the list"),
            }
        }
        if !parts.is_empty() && agency.is_none() {
            e.add(
                "parts",
                "Parts of the enquiry can be opened only to a partner agency",
            );
        }
        crate::safeguards::check_capacity_link(
            &mut e,
            consent == Some(ShareConsent::LacksCapacity),
            matches!(
                consent,
                Some(ShareConsent::Given) | Some(ShareConsent::Refused)
            ),
            assessment,
        );
        let capacity_id = self
            .capacity_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && assessment.is_some())
            .map(str::to_string);
        let (Some(article6), Some(article9), Some(consent)) = (article6, article9, consent) else {
            return Err(e);
        };
        e.into_result(Share {
            what,
            agency,
            recipient,
            purpose,
            article6,
            article9,
            consent,
            override_reason: if without_consent {
                override_reason
            } else {
                None
            },
            override_detail: if without_consent {
                override_detail
            } else {
                None
            },
            shared_on,
            parts,
            capacity_id,
        })
    }
}

impl Share {
    /// The chronology line: with whom and why, never what was said.
    pub fn chronology(&self) -> String {
        let to = self
            .agency
            .as_deref()
            .or(self.recipient.as_deref())
            .unwrap_or("");
        let consent = match self.consent {
            ShareConsent::Given => "with consent",
            ShareConsent::LacksCapacity => "in their best interests",
            ShareConsent::Refused | ShareConsent::NotSought => {
                "without consent, for a lawful reason"
            }
        };
        format!("Information shared with {to} ({consent}): {}", self.purpose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn base() -> RawShare {
        RawShare {
            what: s("Her address and the risk to her"),
            agency: s("Northbridge Police"),
            purpose: s("To plan a joint visit"),
            article6: s("public_task"),
            article9: s("safeguarding"),
            consent: s("given"),
            ..RawShare::default()
        }
    }

    #[test]
    fn a_share_with_consent_needs_no_override() {
        let share = base().parse(TODAY).expect("valid");
        assert_eq!(share.consent, ShareConsent::Given);
        assert_eq!(share.override_reason, None);
        assert_eq!(share.shared_on, TODAY);
        assert!(
            share
                .chronology()
                .contains("Northbridge Police (with consent)")
        );
    }

    #[test]
    fn without_consent_a_lawful_reason_and_why_are_required() {
        let mut raw = base();
        raw.consent = s("refused");
        let e = raw.parse(TODAY).expect_err("needs a reason");
        assert!(e.get("override_reason").is_some());
        assert!(e.get("override_detail").is_some());
        raw.override_reason = s("others_at_risk");
        raw.override_detail = s("Her grandchildren stay at the house at weekends");
        let share = raw.parse(TODAY).expect("valid");
        assert_eq!(share.override_reason, Some(OverrideReason::OthersAtRisk));
        assert!(share.chronology().contains("without consent"));
    }

    #[test]
    fn consent_cannot_be_the_basis_when_it_was_not_given() {
        let mut raw = base();
        raw.consent = s("not_sought");
        raw.article6 = s("consent");
        raw.article9 = s("explicit_consent");
        raw.override_reason = s("vital_interests");
        raw.override_detail = s("No time: she was being taken from the ward");
        let e = raw.parse(TODAY).expect_err("contradiction");
        assert!(e.get("article6").is_some());
        assert!(e.get("article9").is_some());
    }

    fn assessed(lacks_capacity: bool) -> crate::safeguards::CapacityAssessment {
        crate::safeguards::CapacityAssessment {
            decision: "Whether her GP is told about the bruising".into(),
            help_given: "Explained in a quiet room".into(),
            able: [!lacks_capacity; 4],
            evidence: "Her own words".into(),
            impairment: None,
            causal_link: None,
            lacks_capacity,
            assessed_on: TODAY,
            best_interests: None,
        }
    }

    #[test]
    fn lacking_capacity_means_best_interests_resting_on_an_assessment() {
        let mut raw = base();
        raw.consent = s("lacks_capacity");
        raw.override_reason = s("serious_crime");
        raw.override_detail = s("x");
        raw.capacity_id = s("r1");
        let lacks = assessed(true);
        assert!(raw.parse_with(TODAY, Some(&lacks)).is_err());
        raw.override_reason = s("best_interests");
        let share = raw.parse_with(TODAY, Some(&lacks)).expect("valid");
        assert_eq!(share.capacity_id.as_deref(), Some("r1"));
        // No assessment for the decision: record one first.
        let e = raw.parse(TODAY).expect_err("no assessment");
        assert!(e.get("capacity_id").is_some());
        // An assessment that found capacity: their own answer stands.
        let e = raw
            .parse_with(TODAY, Some(&assessed(false)))
            .expect_err("they have capacity");
        assert!(
            e.get("capacity_id")
                .is_some_and(|m| m.contains("own answer stands"))
        );
        // Their own consent is not relied on for a decision they lack capacity for.
        let mut given = base();
        given.capacity_id = s("r1");
        assert!(given.parse_with(TODAY, Some(&assessed(false))).is_ok());
        let e = given.parse_with(TODAY, Some(&lacks)).expect_err("lacks");
        assert!(e.get("capacity_id").is_some());
    }

    #[test]
    fn every_field_that_is_missing_is_named_and_parts_need_an_agency() {
        let e = RawShare::default().parse(TODAY).expect_err("empty");
        for f in [
            "what",
            "recipient",
            "purpose",
            "article6",
            "article9",
            "consent",
        ] {
            assert!(e.get(f).is_some(), "{f}");
        }
        let mut raw = base();
        raw.agency = None;
        raw.recipient = s("Her GP, Dr Example");
        raw.parts = vec!["plan".into()];
        assert!(
            raw.parse(TODAY)
                .expect_err("no agency")
                .get("parts")
                .is_some()
        );
        raw.parts = vec!["nonsense".into()];
        assert!(raw.parse(TODAY).is_err());
        let mut raw = base();
        raw.parts = vec!["plan".into(), "outcomes".into(), "plan".into()];
        assert_eq!(
            raw.parse(TODAY).expect("valid").parts,
            vec![SharedPart::Plan, SharedPart::Outcomes]
        );
        raw.shared_on = s("2027-01-01");
        assert!(
            raw.parse(TODAY)
                .expect_err("future")
                .get("shared_on")
                .is_some()
        );
    }
}
