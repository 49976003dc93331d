//! People alleged to have caused harm, and the pattern rules that raise an
//! alert when concerns repeat: about one adult, after an enquiry closed,
//! about one provider or place, about the same alleged person across
//! adults, or about a regulated provider (a CQC notification prompt).
//!
//! The rules are few and deterministic, each with a threshold ("N concerns
//! in M days") the council sets; see `docs/patterns.md`.

use crate::codes::coded;
use crate::text;
use crate::validation::FieldErrors;

coded!(
    /// Who the alleged person is, as far as is known.
    AllegedKind {
        /// Someone with a person record here.
        KnownPerson = "known_person" : "Someone with a person record here",
        /// A member of staff of a provider.
        Staff = "staff" : "A member of staff of a provider",
        /// Someone described, with no record here.
        Described = "described" : "Someone described, with no record here",
    }
);

coded!(
    /// The alleged person's relationship to the adult at risk.
    Relationship {
        /// Partner or spouse.
        Partner = "partner" : "Partner or spouse",
        /// Son, daughter, parent or another relative.
        Family = "family" : "A family member",
        /// A friend, neighbour or acquaintance.
        Friend = "friend" : "A friend, neighbour or acquaintance",
        /// An unpaid carer.
        UnpaidCarer = "unpaid_carer" : "An unpaid carer",
        /// Paid staff of a care or health service.
        PaidStaff = "paid_staff" : "Paid care or health staff",
        /// Another person using the same service.
        OtherResident = "other_resident" : "Another person using the same service",
        /// Someone the adult did not know.
        Stranger = "stranger" : "Someone they did not know",
        /// Another relationship.
        Other = "other" : "Another relationship",
    }
);

coded!(
    /// What happened for the alleged person.
    AllegedOutcome {
        /// Not yet known.
        Pending = "pending" : "Not yet known",
        /// No further action.
        NoFurtherAction = "no_further_action" : "No further action",
        /// Referred to the police or a criminal investigation.
        Police = "police" : "Referred to the police",
        /// Disciplinary action by their employer.
        Disciplinary = "disciplinary" : "Disciplinary action by their employer",
        /// Referred to the Disclosure and Barring Service.
        Dbs = "dbs" : "Referred to the Disclosure and Barring Service",
        /// Referred to their professional regulator.
        Regulator = "regulator" : "Referred to their professional regulator",
        /// Support offered to them (for example a carer's assessment).
        Support = "support" : "Support offered to them",
        /// Another outcome.
        Other = "other" : "Another outcome",
    }
);

/// What a user typed about an alleged person.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawAlleged {
    /// [`AllegedKind`] code.
    pub kind: Option<String>,
    /// The person record, for a known person.
    pub person_id: Option<String>,
    /// The provider employing them, for staff.
    pub provider_id: Option<String>,
    /// Their name, if known.
    pub name: Option<String>,
    /// A description (role, what they look like, where they are found).
    pub description: Option<String>,
    /// [`Relationship`] code.
    pub relationship: Option<String>,
}

/// A validated alleged person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alleged {
    /// Who they are.
    pub kind: AllegedKind,
    /// Their person record (a known person only).
    pub person_id: Option<crate::PersonId>,
    /// Their employer (staff only).
    pub provider_id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Relationship to the adult.
    pub relationship: Relationship,
}

impl RawAlleged {
    /// Validates: a known person names their record; staff name their
    /// provider; anyone else has a name or a description.
    pub fn parse(&self) -> Result<Alleged, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = pick(
            &mut e,
            "kind",
            "Select who the person alleged to have caused harm is",
            &self.kind,
            AllegedKind::parse,
        );
        let relationship = pick(
            &mut e,
            "relationship",
            "Select their relationship to the adult",
            &self.relationship,
            Relationship::parse,
        );
        let name =
            text::optional_field(&mut e, "name", "Their name", &self.name, text::LINE, false);
        let description = text::optional_field(
            &mut e,
            "description",
            "The description",
            &self.description,
            text::LONG,
            true,
        );
        let person_id = match self.person_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match s.parse::<crate::PersonId>() {
                Ok(p) => Some(p),
                Err(_) => {
                    e.add("person_id", "Choose their person record");
                    None
                }
            },
        };
        let provider_id = self
            .provider_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        match kind {
            Some(AllegedKind::KnownPerson)
                if person_id.is_none() && e.get("person_id").is_none() =>
            {
                e.add("person_id", "Choose their person record");
            }
            Some(AllegedKind::Staff) if provider_id.is_none() => {
                e.add("provider_id", "Select the provider they work for");
            }
            Some(AllegedKind::Described) if name.is_none() && description.is_none() => {
                e.add("name", "Enter their name or describe them");
            }
            _ => {}
        }
        let (Some(kind), Some(relationship)) = (kind, relationship) else {
            return Err(e);
        };
        e.into_result(Alleged {
            kind,
            person_id: person_id.filter(|_| kind == AllegedKind::KnownPerson),
            provider_id: provider_id.filter(|_| kind == AllegedKind::Staff),
            name,
            description,
            relationship,
        })
    }
}

impl Alleged {
    /// How the same alleged person is recognised across concerns when they
    /// have no person record: their name's words, sorted, with their
    /// employer for staff (two carers called Sam Lee at different homes are
    /// two people). `None` when nothing identifies them (a description only).
    pub fn match_key(&self) -> Option<String> {
        if self.person_id.is_some() {
            return None;
        }
        let mut words = crate::search::name_words(self.name.as_deref().unwrap_or(""));
        if words.is_empty() {
            return None;
        }
        words.sort();
        Some(match &self.provider_id {
            Some(p) => format!("{}@{p}", words.join(" ")),
            None => words.join(" "),
        })
    }
}

/// What a user typed for the outcome for an alleged person.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawAllegedOutcome {
    /// [`AllegedOutcome`] code.
    pub outcome: Option<String>,
    /// Detail.
    pub detail: Option<String>,
}

impl RawAllegedOutcome {
    /// Validates: an outcome; "another outcome" says what.
    pub fn parse(&self) -> Result<(AllegedOutcome, Option<String>), FieldErrors> {
        let mut e = FieldErrors::new();
        let outcome = pick(
            &mut e,
            "outcome",
            "Select the outcome for them",
            &self.outcome,
            AllegedOutcome::parse,
        );
        let detail = text::optional_field(
            &mut e,
            "detail",
            "The detail",
            &self.detail,
            text::LONG,
            true,
        );
        if outcome == Some(AllegedOutcome::Other) && detail.is_none() {
            e.add("detail", "Say what the outcome was");
        }
        let Some(outcome) = outcome else {
            return Err(e);
        };
        e.into_result((outcome, detail))
    }
}

coded!(
    /// The pattern rules.
    Rule {
        /// Concerns about one adult.
        RepeatAdult = "repeat_adult" : "Repeat concerns about one adult",
        /// A concern soon after an enquiry about the same adult closed.
        AfterEnquiry = "after_enquiry" : "A concern soon after an enquiry closed",
        /// Concerns about one provider or place, across adults.
        Provider = "provider" : "Concerns about one provider or place",
        /// The same alleged person named about several adults.
        AllegedPerson = "alleged_person" : "The same person alleged to have caused harm to several adults",
        /// A concern about a provider registered with the CQC.
        CqcPrompt = "cqc_prompt" : "A concern about a CQC-registered service",
    }
);

impl Rule {
    /// The rule's settings when the council has not changed them.
    pub fn default_settings(self) -> RuleSettings {
        let (threshold, days) = match self {
            Rule::RepeatAdult => (2, 90),
            Rule::AfterEnquiry => (1, 180),
            Rule::Provider => (2, 90),
            Rule::AllegedPerson => (2, 365),
            Rule::CqcPrompt => (1, 1),
        };
        RuleSettings {
            enabled: true,
            threshold,
            days,
        }
    }

    /// What the rule looks for, with its settings, in plain words.
    pub fn explain(self, s: &RuleSettings) -> String {
        let n = s.threshold;
        let m = text::count(s.days, "day", "days");
        match self {
            Rule::RepeatAdult => {
                format!("{n} or more concerns about the same adult received within {m}")
            }
            Rule::AfterEnquiry => format!(
                "A new concern about an adult within {m} of an enquiry about them closing"
            ),
            Rule::Provider => format!(
                "{n} or more concerns about the same provider or place received within {m}, whichever adults they are about"
            ),
            Rule::AllegedPerson => format!(
                "The same person alleged to have caused harm to {n} or more different adults within {m}"
            ),
            Rule::CqcPrompt => "A concern about a provider with a CQC location id: check the provider has notified the CQC, and whether the council should".to_string(),
        }
    }

    /// Whether the threshold's number is a count the council may change
    /// (the after-enquiry and CQC rules fire on one concern).
    pub fn counts(self) -> bool {
        matches!(
            self,
            Rule::RepeatAdult | Rule::Provider | Rule::AllegedPerson
        )
    }

    /// Whether the rule looks back over a number of days.
    pub fn has_window(self) -> bool {
        self != Rule::CqcPrompt
    }
}

/// A rule's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleSettings {
    /// Whether the rule raises alerts.
    pub enabled: bool,
    /// How many (concerns or adults) it takes.
    pub threshold: i64,
    /// Over how many days.
    pub days: i64,
}

impl RuleSettings {
    /// Whether `n` (concerns or adults in the window) reaches the threshold.
    pub fn fires(&self, n: usize) -> bool {
        self.enabled && n as i64 >= self.threshold.max(1)
    }
}

/// What a user typed for one rule's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawRuleSettings {
    /// "yes" or "no".
    pub enabled: Option<String>,
    /// A whole number, 1 to 50.
    pub threshold: Option<String>,
    /// A whole number of days, 1 to 730.
    pub days: Option<String>,
}

impl RawRuleSettings {
    /// Validates one rule's settings; field names are prefixed with the
    /// rule's code (`repeat_adult_threshold`).
    pub fn parse(&self, rule: Rule) -> Result<RuleSettings, FieldErrors> {
        let mut e = FieldErrors::new();
        let d = rule.default_settings();
        let f = |name: &str| format!("{}_{name}", rule.code());
        let enabled = match self.enabled.as_deref().map(str::trim) {
            Some("yes") | Some("true") => true,
            Some("no") | Some("false") => false,
            _ => {
                e.add(f("enabled"), "Select whether this rule raises alerts");
                false
            }
        };
        let mut number = |field: &str, raw: &Option<String>, lo: i64, hi: i64, what: &str| match raw
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (lo..=hi).contains(&n) => Some(n),
                _ => {
                    e.add(
                        f(field),
                        format!("Enter {what} as a whole number from {lo} to {hi}"),
                    );
                    None
                }
            },
        };
        let threshold = if rule.counts() {
            number("threshold", &self.threshold, 1, 50, "how many")
        } else {
            None
        }
        .unwrap_or(d.threshold);
        let days = if rule.has_window() {
            number("days", &self.days, 1, 730, "the number of days")
        } else {
            None
        }
        .unwrap_or(d.days);
        e.into_result(RuleSettings {
            enabled,
            threshold,
            days,
        })
    }
}

coded!(
    /// A manager's decision on an alert.
    AlertDecision {
        /// Looked at; nothing more to do.
        NoAction = "no_action" : "No further action",
        /// Open a large-scale (organisational) enquiry.
        LargeScale = "large_scale" : "A large-scale enquiry",
        /// Something else (say what).
        Other = "other" : "Another action",
    }
);

/// What a manager typed deciding an alert.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawAlertDecision {
    /// [`AlertDecision`] code.
    pub decision: Option<String>,
    /// Why.
    pub reasons: Option<String>,
}

impl RawAlertDecision {
    /// Validates: a decision and its reasons (always recorded).
    pub fn parse(&self) -> Result<(AlertDecision, String), FieldErrors> {
        let mut e = FieldErrors::new();
        let decision = pick(
            &mut e,
            "decision",
            "Select what you decided",
            &self.decision,
            AlertDecision::parse,
        );
        let reasons = match text::required(self.reasons.as_deref().unwrap_or(""), text::LONG, true)
        {
            Ok(r) => Some(r),
            Err(err) => {
                e.add(
                    "reasons",
                    text::message("The reasons for your decision", err),
                );
                None
            }
        };
        match (decision, reasons) {
            (Some(d), Some(r)) => e.into_result((d, r)),
            _ => Err(e),
        }
    }
}

fn pick<T>(
    e: &mut FieldErrors,
    field: &str,
    missing: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Option<T>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(kind: &str) -> RawAlleged {
        RawAlleged {
            kind: Some(kind.into()),
            relationship: Some("paid_staff".into()),
            ..RawAlleged::default()
        }
    }

    #[test]
    fn each_kind_needs_what_identifies_them() {
        let e = raw("known_person").parse().expect_err("invalid");
        assert!(e.get("person_id").is_some());
        let e = raw("staff").parse().expect_err("invalid");
        assert!(e.get("provider_id").is_some());
        let e = raw("described").parse().expect_err("invalid");
        assert!(e.get("name").is_some());
        let mut r = raw("described");
        r.description = Some("Tall man who visits on Fridays".into());
        assert!(r.parse().is_ok());
        let mut r = raw("known_person");
        r.person_id = Some("not an id".into());
        assert!(r.parse().expect_err("invalid").get("person_id").is_some());
    }

    #[test]
    fn the_match_key_ignores_order_and_case_and_tells_employers_apart() {
        let mut a = raw("staff");
        a.name = Some("Sam LEE".into());
        a.provider_id = Some("p1".into());
        let mut b = a.clone();
        b.name = Some("lee,  sam".into());
        let a = a.parse().expect("valid");
        let b = b.parse().expect("valid");
        assert_eq!(a.match_key(), b.match_key());
        let mut c = b.clone();
        c.provider_id = Some("p2".into());
        assert_ne!(a.match_key(), c.match_key());
        let mut d = raw("described");
        d.description = Some("no name".into());
        assert_eq!(d.parse().expect("valid").match_key(), None);
    }

    #[test]
    fn a_rule_fires_at_its_threshold_and_not_below_or_when_off() {
        let s = Rule::RepeatAdult.default_settings();
        assert!(!s.fires(1));
        assert!(s.fires(2));
        let off = RuleSettings {
            enabled: false,
            ..s
        };
        assert!(!off.fires(10));
    }

    #[test]
    fn settings_are_checked_and_fixed_numbers_stay_fixed() {
        let r = RawRuleSettings {
            enabled: Some("yes".into()),
            threshold: Some("0".into()),
            days: Some("9999".into()),
        };
        let e = r.parse(Rule::Provider).expect_err("invalid");
        assert!(e.get("provider_threshold").is_some());
        assert!(e.get("provider_days").is_some());
        let r = RawRuleSettings {
            enabled: Some("no".into()),
            threshold: Some("7".into()),
            days: Some("30".into()),
        };
        let s = r.parse(Rule::CqcPrompt).expect("valid");
        assert_eq!((s.enabled, s.threshold, s.days), (false, 1, 1));
        let s = r.parse(Rule::AfterEnquiry).expect("valid");
        assert_eq!((s.threshold, s.days), (1, 30));
    }

    #[test]
    fn a_decision_needs_reasons() {
        let e = RawAlertDecision {
            decision: Some("no_action".into()),
            reasons: None,
        }
        .parse()
        .expect_err("invalid");
        assert!(e.get("reasons").is_some());
    }
}
