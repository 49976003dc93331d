//! Safeguarding concerns: what anyone can tell us, and the triage decision
//! against the Care Act s42(1) test.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::{LocationType, ProviderKind, RiskType, coded};
use crate::text::{self, TextError};
use crate::validation::FieldErrors;

coded!(
    /// Who raised the concern.
    RaiserKind {
        /// The adult at risk themselves.
        Person = "person" : "The person it is about",
        /// Family member, friend or neighbour.
        FamilyFriend = "family_friend" : "A family member, friend or neighbour",
        /// A member of the public.
        Public = "public" : "A member of the public",
        /// Someone who works for a service (care, health, police, housing…).
        Staff = "staff" : "Someone who works for a service",
        /// Someone who chose not to say who they are.
        Anonymous = "anonymous" : "Someone who did not give their name",
    }
);

coded!(
    /// How the concern reached the council.
    Channel {
        /// The public online form.
        Online = "online" : "Online form",
        /// A partner agency's account.
        Partner = "partner" : "Partner agency account",
        /// Telephone.
        Phone = "phone" : "Telephone",
        /// Email.
        Email = "email" : "Email",
        /// Letter.
        Letter = "letter" : "Letter",
        /// In person.
        InPerson = "in_person" : "In person",
        /// The JSON API.
        Api = "api" : "Connected system",
    }
);

coded!(
    /// Yes, no or not known.
    YesNoUnknown {
        /// Yes.
        Yes = "yes" : "Yes",
        /// No.
        No = "no" : "No",
        /// Not known.
        Unknown = "unknown" : "Not known",
    }
);

coded!(
    /// Whether the person knows about and agrees to the concern being raised.
    ConsentToRaise {
        /// They know and agree.
        Yes = "yes" : "Yes, they know and agree",
        /// They were asked and do not agree.
        No = "no" : "No, they do not agree",
        /// They were not asked.
        NotAsked = "not_asked" : "They have not been asked",
        /// The person raising it does not know.
        DontKnow = "dont_know" : "I do not know",
    }
);

coded!(
    /// Why a concern is raised without the person's agreement (Care Act
    /// guidance: consent may be overridden in these circumstances).
    ConsentException {
        /// Asking would increase the risk to them, a child or another adult.
        IncreasesRisk = "increases_risk" : "Asking them would put them or someone else at more risk",
        /// Other people, including children, are or may be at risk.
        OthersAtRisk = "others_at_risk" : "Other people, including children, may be at risk",
        /// Their consent cannot practically be sought.
        CannotSeek = "cannot_seek" : "It is not possible to ask them",
        /// They may lack capacity to decide and raising it is in their best interests.
        LacksCapacity = "lacks_capacity" : "They may not be able to make this decision, and telling you is in their best interests",
        /// A serious crime has been or may be committed.
        SeriousCrime = "serious_crime" : "A serious crime may have been committed",
        /// Another reason (described).
        Other = "other" : "Another reason",
    }
);

coded!(
    /// The triage outcome.
    TriageOutcome {
        /// A Section 42 enquiry: all three s42(1) conditions are met.
        Section42 = "section_42" : "Section 42 enquiry",
        /// Another safeguarding enquiry, judged necessary and proportionate.
        OtherEnquiry = "other_enquiry" : "Other safeguarding enquiry",
        /// No enquiry; something else is done instead.
        NoEnquiry = "no_enquiry" : "No enquiry",
    }
);

coded!(
    /// What is done instead of an enquiry.
    InsteadOfEnquiry {
        /// Information and advice given.
        Advice = "advice" : "Information and advice",
        /// Signposted to another organisation.
        Signposting = "signposting" : "Signposted to another organisation",
        /// Referred to another service (an assessment, health, housing…).
        OtherService = "other_service" : "Referred to another service",
        /// No further action.
        NoFurtherAction = "no_further_action" : "No further action",
    }
);

/// The state of a concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConcernState {
    /// Waiting for a triage decision.
    New,
    /// Decided: an enquiry follows.
    Enquiry,
    /// Closed (no enquiry, or the work is finished).
    Closed,
}

impl ConcernState {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            ConcernState::New => "new",
            ConcernState::Enquiry => "enquiry",
            ConcernState::Closed => "closed",
        }
    }

    /// From a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(ConcernState::New),
            "enquiry" => Some(ConcernState::Enquiry),
            "closed" => Some(ConcernState::Closed),
            _ => None,
        }
    }

    /// What the person who raised it is told, in plain words: never the case content.
    pub fn public_status(self, acknowledged: bool) -> (&'static str, &'static str) {
        match (self, acknowledged) {
            (ConcernState::New, false) => (
                "Received",
                "We have your concern. A member of the safeguarding team will look at it.",
            ),
            (ConcernState::New, true) | (ConcernState::Enquiry, _) => (
                "Being looked into",
                "The safeguarding team is looking into your concern.",
            ),
            (ConcernState::Closed, _) => (
                "Closed",
                "The safeguarding team has finished looking into your concern.",
            ),
        }
    }
}

/// An adult at risk as described by the person raising the concern.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawAdult {
    /// Their name, if known.
    pub name: Option<String>,
    /// Age or date of birth, as known ("about 80", "3 May 1950").
    pub age: Option<String>,
    /// Where they live.
    pub address: Option<String>,
    /// Anything that helps identify them.
    pub description: Option<String>,
    /// NHS number, if known.
    pub nhs_number: Option<String>,
    /// An existing person record (staff only).
    pub person_id: Option<String>,
}

/// A concern as typed, before validation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawConcern {
    /// Who is raising it (code).
    pub raiser_kind: Option<String>,
    /// Their name.
    pub raiser_name: Option<String>,
    /// How they know the person, or their job and organisation.
    pub raiser_role: Option<String>,
    /// Phone number.
    pub raiser_phone: Option<String>,
    /// Email address (updates are announced there).
    pub raiser_email: Option<String>,
    /// What happened, in their words.
    pub what_happened: Option<String>,
    /// The adults at risk (one or more).
    pub adults: Vec<RawAdult>,
    /// Where it happened.
    pub where_happened: Option<String>,
    /// SAC location code, if known.
    pub location_type: Option<String>,
    /// The service involved, as named by the raiser.
    pub provider_name: Option<String>,
    /// A provider record (staff only).
    pub provider_id: Option<String>,
    /// Is anyone in immediate danger: `yes`, `no`, `unknown`.
    pub immediate_danger: Option<String>,
    /// Does the person know and agree (code).
    pub consent: Option<String>,
    /// Why it is raised without agreement (code).
    pub consent_reason: Option<String>,
    /// More about that reason.
    pub consent_detail: Option<String>,
    /// Kinds of harm suspected (SAC type codes).
    pub suspected_types: Vec<String>,
    /// Date received (staff recording a phone call or email), `YYYY-MM-DD`.
    pub received_on: Option<String>,
    /// How it was received (staff), channel code.
    pub channel: Option<String>,
}

/// A validated adult at risk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adult {
    /// Name.
    pub name: Option<String>,
    /// Age or date of birth as told.
    pub age: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// NHS number, if given and valid.
    pub nhs_number: Option<crate::nhs::NhsNumber>,
    /// The person record it is linked to.
    pub person_id: Option<crate::PersonId>,
}

/// A validated concern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcernDetails {
    /// Who raised it.
    pub raiser_kind: RaiserKind,
    /// Their name (none for anonymous concerns).
    pub raiser_name: Option<String>,
    /// Their relationship or role.
    pub raiser_role: Option<String>,
    /// Phone.
    pub raiser_phone: Option<String>,
    /// Email.
    pub raiser_email: Option<String>,
    /// What happened.
    pub what_happened: String,
    /// The adults at risk.
    pub adults: Vec<Adult>,
    /// Where.
    pub where_happened: Option<String>,
    /// SAC location.
    pub location_type: Option<LocationType>,
    /// The service as named.
    pub provider_name: Option<String>,
    /// Provider record id.
    pub provider_id: Option<String>,
    /// Immediate danger.
    pub immediate_danger: YesNoUnknown,
    /// Consent.
    pub consent: ConsentToRaise,
    /// Why without consent.
    pub consent_reason: Option<ConsentException>,
    /// More about it.
    pub consent_detail: Option<String>,
    /// Suspected kinds of harm.
    pub suspected_types: Vec<RiskType>,
    /// Date received.
    pub received_on: Date,
    /// Channel.
    pub channel: Channel,
}

/// The most adults one concern may name (a large-scale concern about a service).
pub const MAX_ADULTS: usize = 50;

fn msg(label: &str, e: TextError) -> String {
    text::message(label, e)
}

fn opt(
    e: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
    max: usize,
    multi: bool,
) -> Option<String> {
    text::optional_field(e, field, label, raw, max, multi)
}

fn code<T>(
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

/// A plausible email address: something@something.something, no spaces.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

impl RawConcern {
    /// Validates the concern. `today` is the date it arrived (and the latest
    /// allowed `received_on`); `channel` is the default when none is given.
    pub fn parse(&self, today: Date, channel: Channel) -> Result<ConcernDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let raiser_kind = code(
            &mut e,
            "raiser_kind",
            "Select who is telling us",
            &self.raiser_kind,
            RaiserKind::parse,
        );
        let anonymous = raiser_kind == Some(RaiserKind::Anonymous);
        let mut raiser_name = opt(
            &mut e,
            "raiser_name",
            "Your name",
            &self.raiser_name,
            text::SHORT,
            false,
        );
        let raiser_role = opt(
            &mut e,
            "raiser_role",
            "How you know them",
            &self.raiser_role,
            text::LINE,
            false,
        );
        let mut raiser_phone = opt(
            &mut e,
            "raiser_phone",
            "Phone number",
            &self.raiser_phone,
            40,
            false,
        );
        let mut raiser_email = opt(
            &mut e,
            "raiser_email",
            "Email address",
            &self.raiser_email,
            text::LINE,
            false,
        );
        if let Some(em) = &raiser_email
            && !valid_email(em)
        {
            e.add(
                "raiser_email",
                "Enter an email address in the correct format, like name@example.com",
            );
        }
        if let Some(p) = &raiser_phone
            && !p.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c))
        {
            e.add(
                "raiser_phone",
                "Enter a phone number, like 01632 960 001 or 07700 900 982",
            );
        }
        if anonymous {
            // An anonymous concern keeps nothing that identifies who raised it.
            raiser_name = None;
            raiser_phone = None;
            raiser_email = None;
        }
        let what_happened = match text::required(
            self.what_happened.as_deref().unwrap_or(""),
            text::LONG,
            true,
        ) {
            Ok(t) => t,
            Err(err) => {
                e.add("what_happened", msg("what happened", err));
                String::new()
            }
        };
        let mut adults = Vec::new();
        if self.adults.len() > MAX_ADULTS {
            e.add(
                "adults",
                format!("Name no more than {MAX_ADULTS} adults in one concern"),
            );
        }
        for (i, a) in self.adults.iter().enumerate() {
            let name = opt(
                &mut e,
                &format!("adults_{i}_name"),
                "The name",
                &a.name,
                text::SHORT,
                false,
            );
            let age = opt(
                &mut e,
                &format!("adults_{i}_age"),
                "Their age",
                &a.age,
                40,
                false,
            );
            let address = opt(
                &mut e,
                &format!("adults_{i}_address"),
                "Where they live",
                &a.address,
                text::LINE,
                false,
            );
            let description = opt(
                &mut e,
                &format!("adults_{i}_description"),
                "The description",
                &a.description,
                2000,
                true,
            );
            let nhs_number = match a
                .nhs_number
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                None => None,
                Some(s) => crate::nhs::NhsNumber::parse(s)
                    .map_err(|err| e.add(format!("adults_{i}_nhs_number"), err.to_string()))
                    .ok(),
            };
            let person_id = match a
                .person_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                None => None,
                Some(s) => s.parse().ok().or_else(|| {
                    e.add(
                        format!("adults_{i}_person_id"),
                        "Choose a person record that exists",
                    );
                    None
                }),
            };
            if name.is_none()
                && description.is_none()
                && person_id.is_none()
                && address.is_none()
                && age.is_none()
            {
                continue;
            }
            if name.is_none() && description.is_none() && person_id.is_none() {
                e.add(
                    format!("adults_{i}_name"),
                    "Enter their name, or describe them if you do not know it",
                );
            }
            // One person is one adult at risk: counted once, one enquiry.
            if person_id.is_some() && adults.iter().any(|x: &Adult| x.person_id == person_id) {
                e.add(
                    format!("adults_{i}_person_id"),
                    "This person is already named in the concern: name each adult at risk once",
                );
            }
            adults.push(Adult {
                name,
                age,
                address,
                description,
                nhs_number,
                person_id,
            });
        }
        if adults.is_empty() {
            e.add(
                "adults_0_name",
                "Tell us who is at risk: their name, or a description if you do not know it",
            );
        }
        let where_happened = opt(
            &mut e,
            "where_happened",
            "Where it happened",
            &self.where_happened,
            text::LINE,
            false,
        );
        let location_type = match self
            .location_type
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => LocationType::parse(s).or_else(|| {
                e.add("location_type", "Select the kind of place from the list");
                None
            }),
        };
        let provider_name = opt(
            &mut e,
            "provider_name",
            "The name of the service",
            &self.provider_name,
            text::LINE,
            false,
        );
        let provider_id = self
            .provider_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let immediate_danger = code(
            &mut e,
            "immediate_danger",
            "Select whether anyone is in immediate danger",
            &self.immediate_danger,
            YesNoUnknown::parse,
        );
        let consent = code(
            &mut e,
            "consent",
            "Select whether the person knows and agrees",
            &self.consent,
            ConsentToRaise::parse,
        );
        let consent_reason = match consent {
            Some(ConsentToRaise::No) | Some(ConsentToRaise::NotAsked) => code(
                &mut e,
                "consent_reason",
                "Select why you are telling us without their agreement",
                &self.consent_reason,
                ConsentException::parse,
            ),
            _ => None,
        };
        let consent_detail = opt(
            &mut e,
            "consent_detail",
            "More about why",
            &self.consent_detail,
            2000,
            true,
        );
        if consent_reason == Some(ConsentException::Other) && consent_detail.is_none() {
            e.add(
                "consent_detail",
                "Tell us why you are telling us without their agreement",
            );
        }
        let mut suspected_types = Vec::new();
        for t in &self.suspected_types {
            match RiskType::parse(t.trim()) {
                Some(r) if !suspected_types.contains(&r) => suspected_types.push(r),
                Some(_) => {}
                None => e.add("suspected_types", "Select kinds of harm from the list"),
            }
        }
        let received_on = match self
            .received_on
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => today,
            Some(s) => match crate::person::parse_iso_date(s) {
                Some(d) if d > today => {
                    e.add(
                        "received_on",
                        "The date received must be today or in the past",
                    );
                    today
                }
                Some(d) if today.year() - d.year() > 5 => {
                    e.add(
                        "received_on",
                        "The date received must be within the last 5 years",
                    );
                    today
                }
                Some(d) => d,
                None => {
                    e.add("received_on", "The date received must be a real date");
                    today
                }
            },
        };
        let channel = match self
            .channel
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => channel,
            Some(s) => Channel::parse(s).unwrap_or_else(|| {
                e.add("channel", "Select how the concern was received");
                channel
            }),
        };
        let (Some(raiser_kind), Some(immediate_danger), Some(consent)) =
            (raiser_kind, immediate_danger, consent)
        else {
            return Err(e);
        };
        e.into_result(ConcernDetails {
            raiser_kind,
            raiser_name,
            raiser_role,
            raiser_phone,
            raiser_email,
            what_happened,
            adults,
            where_happened,
            location_type,
            provider_name,
            provider_id,
            immediate_danger,
            consent,
            consent_reason,
            consent_detail,
            suspected_types,
            received_on,
            channel,
        })
    }
}

/// A triage decision as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawDecision {
    /// s42(1)(a): has needs for care and support (`yes`, `no`, `unknown`).
    pub needs_care_and_support: Option<String>,
    /// Evidence for (a).
    pub needs_evidence: Option<String>,
    /// s42(1)(b): is experiencing, or at risk of, abuse or neglect.
    pub experiencing_abuse: Option<String>,
    /// Evidence for (b).
    pub abuse_evidence: Option<String>,
    /// s42(1)(c): as a result of those needs is unable to protect themselves.
    pub unable_to_protect: Option<String>,
    /// Evidence for (c).
    pub unable_evidence: Option<String>,
    /// The person's views, if known.
    pub person_views: Option<String>,
    /// Immediate-safety actions taken.
    pub immediate_actions: Option<String>,
    /// `section_42`, `other_enquiry`, `no_enquiry`.
    pub outcome: Option<String>,
    /// With no enquiry: what is done instead.
    pub instead: Option<String>,
    /// The reasons, always.
    pub reasons: Option<String>,
    /// A message for the person who raised the concern (optional).
    pub message_to_raiser: Option<String>,
}

/// A validated triage decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// (a) needs for care and support.
    pub needs: YesNoUnknown,
    /// Evidence.
    pub needs_evidence: String,
    /// (b) experiencing or at risk of abuse or neglect.
    pub abuse: YesNoUnknown,
    /// Evidence.
    pub abuse_evidence: String,
    /// (c) unable to protect themselves because of those needs.
    pub unable: YesNoUnknown,
    /// Evidence.
    pub unable_evidence: String,
    /// The person's views.
    pub person_views: Option<String>,
    /// Immediate safety actions.
    pub immediate_actions: Option<String>,
    /// Outcome.
    pub outcome: TriageOutcome,
    /// What instead, with no enquiry.
    pub instead: Option<InsteadOfEnquiry>,
    /// Reasons.
    pub reasons: String,
    /// Message to the raiser.
    pub message_to_raiser: Option<String>,
}

impl Decision {
    /// Whether all three s42(1) conditions are met.
    pub fn meets_s42(&self) -> bool {
        [self.needs, self.abuse, self.unable]
            .iter()
            .all(|c| *c == YesNoUnknown::Yes)
    }
}

impl RawDecision {
    /// Validates the decision against the s42(1) rules: a Section 42
    /// enquiry needs all three conditions met; when all three are met the
    /// council must make (or cause) a Section 42 enquiry; "no enquiry"
    /// says what is done instead; the reasons are always recorded.
    pub fn parse(&self) -> Result<Decision, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut cond = |field: &str,
                        ev_field: &str,
                        label: &str,
                        raw: &Option<String>,
                        ev: &Option<String>| {
            let c = code(
                &mut e,
                field,
                &format!("Select whether {label}"),
                raw,
                YesNoUnknown::parse,
            );
            let evidence = match text::required(ev.as_deref().unwrap_or(""), text::LONG, true) {
                Ok(t) => t,
                Err(err) => {
                    e.add(ev_field, msg("the evidence", err));
                    String::new()
                }
            };
            (c, evidence)
        };
        let (needs, needs_evidence) = cond(
            "needs_care_and_support",
            "needs_evidence",
            "the adult has needs for care and support",
            &self.needs_care_and_support,
            &self.needs_evidence,
        );
        let (abuse, abuse_evidence) = cond(
            "experiencing_abuse",
            "abuse_evidence",
            "the adult is experiencing, or at risk of, abuse or neglect",
            &self.experiencing_abuse,
            &self.abuse_evidence,
        );
        let (unable, unable_evidence) = cond(
            "unable_to_protect",
            "unable_evidence",
            "the adult is unable to protect themselves because of those needs",
            &self.unable_to_protect,
            &self.unable_evidence,
        );
        let person_views = opt(
            &mut e,
            "person_views",
            "The person's views",
            &self.person_views,
            text::LONG,
            true,
        );
        let immediate_actions = opt(
            &mut e,
            "immediate_actions",
            "Immediate actions",
            &self.immediate_actions,
            text::LONG,
            true,
        );
        let outcome = code(
            &mut e,
            "outcome",
            "Select the outcome",
            &self.outcome,
            TriageOutcome::parse,
        );
        let instead = match (
            outcome,
            self.instead
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty()),
        ) {
            (Some(TriageOutcome::NoEnquiry), None) => {
                e.add("instead", "Select what is done instead of an enquiry");
                None
            }
            (Some(TriageOutcome::NoEnquiry), Some(s)) => InsteadOfEnquiry::parse(s).or_else(|| {
                e.add("instead", "Select what is done instead of an enquiry");
                None
            }),
            _ => None,
        };
        let reasons = match text::required(self.reasons.as_deref().unwrap_or(""), text::LONG, true)
        {
            Ok(t) => t,
            Err(err) => {
                e.add("reasons", msg("the reasons for the decision", err));
                String::new()
            }
        };
        let message_to_raiser = opt(
            &mut e,
            "message_to_raiser",
            "The message",
            &self.message_to_raiser,
            2000,
            true,
        );
        let all_met = [needs, abuse, unable]
            .iter()
            .all(|c| *c == Some(YesNoUnknown::Yes));
        match outcome {
            Some(TriageOutcome::Section42) if !all_met && needs.is_some() && abuse.is_some() && unable.is_some() => e.add(
                "outcome",
                "A Section 42 enquiry needs all three s42(1) conditions to be met; choose another safeguarding enquiry or no enquiry",
            ),
            Some(TriageOutcome::OtherEnquiry) | Some(TriageOutcome::NoEnquiry) if all_met => e.add(
                "outcome",
                "All three s42(1) conditions are met, so the council must make (or cause) a Section 42 enquiry",
            ),
            _ => {}
        }
        let (Some(needs), Some(abuse), Some(unable), Some(outcome)) =
            (needs, abuse, unable, outcome)
        else {
            return Err(e);
        };
        e.into_result(Decision {
            needs,
            needs_evidence,
            abuse,
            abuse_evidence,
            unable,
            unable_evidence,
            person_views,
            immediate_actions,
            outcome,
            instead,
            reasons,
            message_to_raiser,
        })
    }
}

/// A provider (a care home, a ward, a home-care agency) as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawProvider {
    /// Name.
    pub name: Option<String>,
    /// Kind (code).
    pub kind: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// CQC location id, for a registered service ("1-123456789").
    pub registration_id: Option<String>,
}

/// A validated provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderDetails {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ProviderKind,
    /// Address.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Registration id.
    pub registration_id: Option<String>,
}

impl RawProvider {
    /// Validates a provider.
    pub fn parse(&self) -> Result<ProviderDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match text::required(self.name.as_deref().unwrap_or(""), text::LINE, false) {
            Ok(n) => n,
            Err(err) => {
                e.add("name", msg("the provider's name", err));
                String::new()
            }
        };
        let kind = code(
            &mut e,
            "kind",
            "Select the kind of service",
            &self.kind,
            ProviderKind::parse,
        );
        let address = opt(
            &mut e,
            "address",
            "The address",
            &self.address,
            text::LINE,
            false,
        );
        let postcode = match self
            .postcode
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(p) => crate::person::Postcode::parse(p)
                .map(|p| p.as_str().to_string())
                .or_else(|| {
                    e.add("postcode", "Enter a real postcode, like SW1A 1AA");
                    None
                }),
        };
        let registration_id = match self
            .registration_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(r) => cqc_location_id(r).or_else(|| {
                e.add(
                    "registration_id",
                    "Enter the CQC location id as the CQC register shows it, like 1-123456789",
                );
                None
            }),
        };
        let Some(kind) = kind else { return Err(e) };
        e.into_result(ProviderDetails {
            name,
            kind,
            address,
            postcode,
            registration_id,
        })
    }
}

/// A CQC location id ("1-" and 6 to 12 digits, as the CQC register shows
/// them), with spaces removed; `None` if it is not one.
pub fn cqc_location_id(raw: &str) -> Option<String> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = s.strip_prefix("1-")?;
    ((6..=12).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())).then_some(s)
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Encodes random bytes as Crockford base-32 characters (no I, L, O, U).
pub fn base32(bytes: &[u8], chars: usize) -> String {
    let mut out = String::with_capacity(chars);
    let mut acc: u64 = 0;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u64::from(*b);
        bits += 8;
        while bits >= 5 && out.len() < chars {
            bits -= 5;
            out.push(CROCKFORD[((acc >> bits) & 31) as usize] as char);
        }
    }
    out
}

/// A concern reference like `SG-7KQ4-MP2X` from 5 random bytes.
pub fn reference_from(bytes: [u8; 5]) -> String {
    let s = base32(&bytes, 8);
    format!("SG-{}-{}", &s[..4], &s[4..])
}

/// A receipt code like `K7Q2-MP4X-9RTA` from 8 random bytes (60 bits).
pub fn receipt_code_from(bytes: [u8; 8]) -> String {
    let s = base32(&bytes, 12);
    format!("{}-{}-{}", &s[..4], &s[4..8], &s[8..])
}

/// Normalises a typed reference or code: upper case, no spaces or hyphens,
/// and the letters people confuse with digits read as those digits.
pub fn normalise_code(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cqc_location_ids_are_checked() {
        assert_eq!(cqc_location_id(" 1-123456789 "), Some("1-123456789".into()));
        assert_eq!(
            cqc_location_id("1-10123 45678"),
            Some("1-1012345678".into())
        );
        for bad in [
            "123456789",
            "1-12",
            "1-12345678901234",
            "2-123456789",
            "1-12345abc",
        ] {
            assert_eq!(cqc_location_id(bad), None, "{bad}");
        }
        let p = RawProvider {
            name: Some("Larchfield House".into()),
            kind: Some("care_home_residential".into()),
            registration_id: Some("CQC123".into()),
            ..RawProvider::default()
        };
        assert!(
            p.parse()
                .expect_err("invalid")
                .get("registration_id")
                .is_some()
        );
    }
    use time::macros::date;

    fn public_concern() -> RawConcern {
        RawConcern {
            raiser_kind: Some("family_friend".into()),
            raiser_name: Some("Pat Example".into()),
            raiser_email: Some("pat@example.com".into()),
            what_happened: Some("Her carer shouts at her and takes her pension.".into()),
            adults: vec![RawAdult {
                name: Some("Ada Example".into()),
                age: Some("about 80".into()),
                ..RawAdult::default()
            }],
            immediate_danger: Some("no".into()),
            consent: Some("yes".into()),
            ..RawConcern::default()
        }
    }

    #[test]
    fn a_public_concern_is_valid_and_dated_today() {
        let c = public_concern()
            .parse(date!(2026 - 11 - 23), Channel::Online)
            .expect("valid");
        assert_eq!(c.received_on, date!(2026 - 11 - 23));
        assert_eq!(c.channel, Channel::Online);
        assert_eq!(c.adults.len(), 1);
    }

    #[test]
    fn anonymous_concerns_keep_no_contact_details() {
        let mut raw = public_concern();
        raw.raiser_kind = Some("anonymous".into());
        let c = raw
            .parse(date!(2026 - 11 - 23), Channel::Online)
            .expect("valid");
        assert_eq!(
            (c.raiser_name, c.raiser_email, c.raiser_phone),
            (None, None, None)
        );
    }

    #[test]
    fn one_person_is_named_once_in_a_concern() {
        let mut raw = public_concern();
        let id = "0190d9a0-0000-7000-8000-000000000001".to_string();
        raw.adults = vec![
            RawAdult {
                person_id: Some(id.clone()),
                ..RawAdult::default()
            },
            RawAdult {
                name: Some("Someone else".into()),
                ..RawAdult::default()
            },
            RawAdult {
                person_id: Some(id),
                ..RawAdult::default()
            },
        ];
        let e = raw
            .parse(date!(2026 - 11 - 23), Channel::Phone)
            .expect_err("the same person twice");
        assert!(e.get("adults_2_person_id").is_some(), "{e:?}");
        assert!(e.get("adults_0_person_id").is_none());
    }

    #[test]
    fn missing_answers_are_each_reported() {
        let e = RawConcern::default()
            .parse(date!(2026 - 11 - 23), Channel::Online)
            .expect_err("invalid");
        for f in [
            "raiser_kind",
            "what_happened",
            "adults_0_name",
            "immediate_danger",
            "consent",
        ] {
            assert!(e.get(f).is_some(), "{f}: {e:?}");
        }
    }

    #[test]
    fn without_agreement_a_reason_is_required() {
        let mut raw = public_concern();
        raw.consent = Some("no".into());
        let e = raw
            .parse(date!(2026 - 11 - 23), Channel::Online)
            .expect_err("needs a reason");
        assert!(e.get("consent_reason").is_some());
        raw.consent_reason = Some("other".into());
        let e = raw
            .parse(date!(2026 - 11 - 23), Channel::Online)
            .expect_err("other needs words");
        assert!(e.get("consent_detail").is_some());
        raw.consent_reason = Some("increases_risk".into());
        assert!(raw.parse(date!(2026 - 11 - 23), Channel::Online).is_ok());
    }

    #[test]
    fn bad_email_phone_and_future_date_are_refused() {
        let mut raw = public_concern();
        raw.raiser_email = Some("not an email".into());
        raw.raiser_phone = Some("call me".into());
        raw.received_on = Some("2027-01-01".into());
        let e = raw
            .parse(date!(2026 - 11 - 23), Channel::Phone)
            .expect_err("invalid");
        for f in ["raiser_email", "raiser_phone", "received_on"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    fn decision(a: &str, b: &str, c: &str, outcome: &str) -> RawDecision {
        RawDecision {
            needs_care_and_support: Some(a.into()),
            needs_evidence: Some("Has dementia; receives home care".into()),
            experiencing_abuse: Some(b.into()),
            abuse_evidence: Some("Reported taking of pension".into()),
            unable_to_protect: Some(c.into()),
            unable_evidence: Some("Cannot manage money without help".into()),
            outcome: Some(outcome.into()),
            reasons: Some("Reasons".into()),
            ..RawDecision::default()
        }
    }

    #[test]
    fn section_42_only_when_all_three_conditions_are_met() {
        assert!(decision("yes", "yes", "yes", "section_42").parse().is_ok());
        let e = decision("yes", "unknown", "yes", "section_42")
            .parse()
            .expect_err("not all met");
        assert!(e.get("outcome").is_some());
        let e = decision("yes", "yes", "yes", "other_enquiry")
            .parse()
            .expect_err("duty applies");
        assert!(e.get("outcome").unwrap_or("").contains("must"));
        assert!(
            decision("no", "yes", "yes", "other_enquiry")
                .parse()
                .is_ok()
        );
    }

    #[test]
    fn no_enquiry_says_what_instead_and_reasons_are_always_required() {
        let e = decision("no", "no", "no", "no_enquiry")
            .parse()
            .expect_err("instead missing");
        assert!(e.get("instead").is_some());
        let mut d = decision("no", "no", "no", "no_enquiry");
        d.instead = Some("signposting".into());
        assert!(d.parse().is_ok());
        d.reasons = Some("   ".into());
        assert!(d.parse().expect_err("no reasons").get("reasons").is_some());
        let mut d = decision("yes", "yes", "yes", "section_42");
        d.needs_evidence = None;
        assert!(
            d.parse()
                .expect_err("evidence")
                .get("needs_evidence")
                .is_some()
        );
    }

    #[test]
    fn references_and_codes() {
        assert_eq!(reference_from([0, 0, 0, 0, 0]), "SG-0000-0000");
        assert_eq!(reference_from([255; 5]), "SG-ZZZZ-ZZZZ");
        assert_eq!(receipt_code_from([255; 8]).len(), 14);
        assert_eq!(normalise_code(" sg-oi1l-zz "), "SG0111ZZ");
    }

    #[test]
    fn public_status_is_plain_words() {
        assert_eq!(ConcernState::New.public_status(false).0, "Received");
        assert_eq!(ConcernState::New.public_status(true).0, "Being looked into");
        assert_eq!(
            ConcernState::Enquiry.public_status(false).0,
            "Being looked into"
        );
        assert_eq!(ConcernState::Closed.public_status(true).0, "Closed");
    }
}
