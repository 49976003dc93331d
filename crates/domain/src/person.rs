//! The person record: who the person is, how they communicate, what matters
//! to them, and the people around them.
//!
//! Input arrives as a [`RawPerson`] of plain strings (from a form or a JSON
//! body) and becomes [`PersonDetails`] only through [`RawPerson::parse`],
//! which reports every field at fault at once.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::PersonId;
use crate::codes::{
    AppropriatePerson, CommunicationNeed, Ethnicity, Gender, PrimarySupportReason, Relationship,
};
use crate::nhs::NhsNumber;
use crate::text::{self, TextError};
use crate::validation::FieldErrors;

/// Most other names a person record keeps.
pub const MAX_OTHER_NAMES: usize = 10;
/// Most key people a person record keeps.
pub const MAX_KEY_PEOPLE: usize = 20;

/// A key person as typed: family, carer, friend.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawKeyPerson {
    /// Their name.
    pub name: Option<String>,
    /// Relationship code (see `Relationship`).
    pub relationship: Option<String>,
    /// Phone, email or address.
    pub contact: Option<String>,
    /// Whether they could be an appropriate person: `yes`, `no`, `not_considered`.
    pub appropriate_person: Option<String>,
    /// Anything else worth knowing.
    pub notes: Option<String>,
}

/// A person record as typed, before validation. Every field is optional
/// here; [`RawPerson::parse`] decides what is required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawPerson {
    /// Given name(s).
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Other names the person is known by.
    pub other_names: Vec<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// NHS number, ten digits (spaces allowed).
    pub nhs_number: Option<String>,
    /// Address line 1.
    pub address_line_1: Option<String>,
    /// Address line 2.
    pub address_line_2: Option<String>,
    /// Town or city.
    pub town: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Gender code.
    pub gender: Option<String>,
    /// The person's own description when gender is `other`.
    pub gender_description: Option<String>,
    /// Ethnicity code.
    pub ethnicity: Option<String>,
    /// Primary support reason code.
    pub primary_support_reason: Option<String>,
    /// Has a learning disability.
    pub learning_disability: bool,
    /// Autistic (excluding Asperger's syndrome / high-functioning autism).
    pub autism: bool,
    /// Asperger's syndrome / high-functioning autism.
    pub asperger: bool,
    /// Preferred language.
    pub preferred_language: Option<String>,
    /// Needs an interpreter.
    pub interpreter_needed: bool,
    /// Communication need codes.
    pub communication_needs: Vec<String>,
    /// More about how to communicate with the person.
    pub communication_notes: Option<String>,
    /// What matters to the person, in their own words.
    pub what_matters_to_me: Option<String>,
    /// Family, carers, friends.
    pub key_people: Vec<RawKeyPerson>,
}

/// A UK postcode, upper case with one space before the inward code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Postcode(String);

impl Postcode {
    /// Parses a UK postcode such as "sw1a 1aa" into "SW1A 1AA".
    pub fn parse(raw: &str) -> Option<Postcode> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if !(5..=7).contains(&s.len()) || !s.is_ascii() {
            return None;
        }
        let (out, inw) = s.split_at(s.len() - 3);
        let inw_ok = {
            let b = inw.as_bytes();
            b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
        };
        let ob = out.as_bytes();
        let out_ok = ob[0].is_ascii_alphabetic()
            && ob.iter().all(|c| c.is_ascii_alphanumeric())
            && ob.iter().any(|c| c.is_ascii_digit());
        (inw_ok && out_ok).then(|| Postcode(format!("{out} {inw}")))
    }

    /// The postcode text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated key person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPerson {
    /// Their name.
    pub name: String,
    /// How they are related.
    pub relationship: Relationship,
    /// How to contact them.
    pub contact: Option<String>,
    /// Whether they could be an appropriate person (Care Act s68).
    pub appropriate_person: AppropriatePerson,
    /// Notes.
    pub notes: Option<String>,
}

/// A validated person record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonDetails {
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Other names known by.
    pub other_names: Vec<String>,
    /// Date of birth, when known.
    pub date_of_birth: Option<Date>,
    /// NHS number, when known.
    pub nhs_number: Option<NhsNumber>,
    /// Address line 1.
    pub address_line_1: Option<String>,
    /// Address line 2.
    pub address_line_2: Option<String>,
    /// Town or city.
    pub town: Option<String>,
    /// Postcode.
    pub postcode: Option<Postcode>,
    /// Gender.
    pub gender: Gender,
    /// The person's own description of their gender.
    pub gender_description: Option<String>,
    /// Ethnicity.
    pub ethnicity: Ethnicity,
    /// Primary support reason.
    pub primary_support_reason: PrimarySupportReason,
    /// Has a learning disability.
    pub learning_disability: bool,
    /// Autistic (excluding Asperger's / high-functioning autism).
    pub autism: bool,
    /// Asperger's syndrome / high-functioning autism.
    pub asperger: bool,
    /// Preferred language.
    pub preferred_language: Option<String>,
    /// Needs an interpreter.
    pub interpreter_needed: bool,
    /// Communication needs.
    pub communication_needs: Vec<CommunicationNeed>,
    /// More about communication.
    pub communication_notes: Option<String>,
    /// What matters to the person, in their own words.
    pub what_matters_to_me: Option<String>,
    /// Family, carers and friends.
    pub key_people: Vec<KeyPerson>,
}

/// A stored person record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The record's id.
    pub id: PersonId,
    /// Increases on every change; an edit must name the version it started from.
    pub version: i64,
    /// The details.
    pub details: PersonDetails,
}

/// One line in a list of people found by a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSummary {
    /// The record's id.
    pub id: PersonId,
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Option<Date>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Set when the record is outside the user's need-to-know: only the
    /// name is shown (date of birth and postcode are left out) with who to
    /// contact.
    pub outside: Option<Outside>,
    /// Why a search found it, in words (only what the user may see).
    pub reasons: Vec<String>,
}

/// What is shown instead of a record's details outside its need-to-know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outside {
    /// The record is restricted (otherwise another team holds it).
    pub restricted: bool,
    /// Who to contact about it.
    pub contact: String,
}

impl PersonDetails {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// Lower-case text that name searches match against: all names.
    pub fn search_text(&self) -> String {
        let mut s = format!("{} {}", self.given_name, self.family_name);
        for n in &self.other_names {
            s.push(' ');
            s.push_str(n);
        }
        s.to_lowercase()
    }
}

/// Age in whole years on `on`, for someone born on `dob`.
pub fn age_on(dob: Date, on: Date) -> i32 {
    let mut age = on.year() - dob.year();
    if (on.month() as u8, on.day()) < (dob.month() as u8, dob.day()) {
        age -= 1;
    }
    age
}

fn text_message(label: &str, e: TextError) -> String {
    text::message(label, e)
}

/// Checks optional text and records an error against `field` when it is wrong.
fn opt_text(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
    max: usize,
    multiline: bool,
) -> Option<String> {
    text::optional_field(errors, field, label, raw, max, multiline)
}

fn req_text(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
    max: usize,
) -> String {
    text::required_field(errors, field, label, raw, max, false)
}

/// Parses an optional coded value; blank gives `default`.
fn code<T: Copy>(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Option<T>,
    default: T,
) -> T {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => default,
        Some(s) => parse(s).unwrap_or_else(|| {
            errors.add(field, format!("Select {label} from the list"));
            default
        }),
    }
}

/// Parses an ISO date of birth. It must not be in the future or more than
/// 130 years before `today`.
pub fn parse_date_of_birth(raw: &str, today: Date) -> Result<Date, &'static str> {
    let d = parse_iso_date(raw).ok_or("Date of birth must be a real date")?;
    if d > today {
        return Err("Date of birth must be in the past");
    }
    if today.year() - d.year() > 130 {
        return Err("Date of birth must be within the last 130 years");
    }
    Ok(d)
}

impl RawPerson {
    /// Validates every field, returning all the errors at once. `today` is
    /// the current date (dates of birth may not be in the future).
    pub fn parse(&self, today: Date) -> Result<PersonDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let given_name = req_text(
            &mut e,
            "given_name",
            "the given name",
            &self.given_name,
            text::SHORT,
        );
        let family_name = req_text(
            &mut e,
            "family_name",
            "the family name",
            &self.family_name,
            text::SHORT,
        );

        let mut other_names = Vec::new();
        for raw in &self.other_names {
            match text::optional(raw, text::SHORT, false) {
                Ok(Some(n)) => other_names.push(n),
                Ok(None) => {}
                Err(err) => e.add("other_names", text_message("each other name", err)),
            }
        }
        if other_names.len() > MAX_OTHER_NAMES {
            e.add(
                "other_names",
                format!("Enter no more than {MAX_OTHER_NAMES} other names"),
            );
        }

        let date_of_birth = match self
            .date_of_birth
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => match parse_date_of_birth(s, today) {
                Ok(d) => Some(d),
                Err(msg) => {
                    e.add("date_of_birth", msg);
                    None
                }
            },
        };

        let nhs_number = match self
            .nhs_number
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => match NhsNumber::parse(s) {
                Ok(n) => Some(n),
                Err(err) => {
                    e.add("nhs_number", err.to_string());
                    None
                }
            },
        };

        let address_line_1 = opt_text(
            &mut e,
            "address_line_1",
            "address line 1",
            &self.address_line_1,
            text::LINE,
            false,
        );
        let address_line_2 = opt_text(
            &mut e,
            "address_line_2",
            "address line 2",
            &self.address_line_2,
            text::LINE,
            false,
        );
        let town = opt_text(
            &mut e,
            "town",
            "town or city",
            &self.town,
            text::SHORT,
            false,
        );
        let postcode = match self
            .postcode
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => Postcode::parse(s).or_else(|| {
                e.add("postcode", "Enter a real postcode, like SW1A 1AA");
                None
            }),
        };

        let gender = code(
            &mut e,
            "gender",
            "a gender",
            &self.gender,
            Gender::parse,
            Gender::NotKnown,
        );
        let gender_description = opt_text(
            &mut e,
            "gender_description",
            "the gender description",
            &self.gender_description,
            text::SHORT,
            false,
        );
        let ethnicity = code(
            &mut e,
            "ethnicity",
            "an ethnic group",
            &self.ethnicity,
            Ethnicity::parse,
            Ethnicity::NotKnown,
        );
        let primary_support_reason = code(
            &mut e,
            "primary_support_reason",
            "a primary support reason",
            &self.primary_support_reason,
            PrimarySupportReason::parse,
            PrimarySupportReason::NotKnown,
        );

        let preferred_language = opt_text(
            &mut e,
            "preferred_language",
            "the preferred language",
            &self.preferred_language,
            text::SHORT,
            false,
        );
        let mut communication_needs = Vec::new();
        for c in &self.communication_needs {
            match CommunicationNeed::parse(c.trim()) {
                Some(n) if !communication_needs.contains(&n) => communication_needs.push(n),
                Some(_) => {}
                None => e.add(
                    "communication_needs",
                    "Select communication needs from the list",
                ),
            }
        }
        let communication_notes = opt_text(
            &mut e,
            "communication_notes",
            "communication notes",
            &self.communication_notes,
            text::LONG,
            true,
        );
        let what_matters_to_me = opt_text(
            &mut e,
            "what_matters_to_me",
            "what matters to the person",
            &self.what_matters_to_me,
            text::LONG,
            true,
        );

        let mut key_people = Vec::new();
        if self.key_people.len() > MAX_KEY_PEOPLE {
            e.add(
                "key_people",
                format!("Enter no more than {MAX_KEY_PEOPLE} key people"),
            );
        }
        for (i, kp) in self.key_people.iter().enumerate() {
            if let Some(k) = parse_key_person(&mut e, i, kp) {
                key_people.push(k);
            }
        }

        e.into_result(PersonDetails {
            given_name,
            family_name,
            other_names,
            date_of_birth,
            nhs_number,
            address_line_1,
            address_line_2,
            town,
            postcode,
            gender,
            gender_description,
            ethnicity,
            primary_support_reason,
            learning_disability: self.learning_disability,
            autism: self.autism,
            asperger: self.asperger,
            preferred_language,
            interpreter_needed: self.interpreter_needed,
            communication_needs,
            communication_notes,
            what_matters_to_me,
            key_people,
        })
    }
}

/// A key person row is skipped when every field is blank (an unused row of
/// the form); otherwise its name and relationship are required.
fn parse_key_person(e: &mut FieldErrors, i: usize, kp: &RawKeyPerson) -> Option<KeyPerson> {
    let blank = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or("").is_empty();
    if blank(&kp.name) && blank(&kp.relationship) && blank(&kp.contact) && blank(&kp.notes) {
        return None;
    }
    let n = i + 1;
    let name = req_text(
        e,
        &format!("key_people_{i}_name"),
        &format!("the name of key person {n}"),
        &kp.name,
        text::SHORT,
    );
    let relationship = match kp
        .relationship
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            e.add(
                format!("key_people_{i}_relationship"),
                format!("Select how key person {n} is related"),
            );
            Relationship::Other
        }
        Some(s) => Relationship::parse(s).unwrap_or_else(|| {
            e.add(
                format!("key_people_{i}_relationship"),
                format!("Select how key person {n} is related from the list"),
            );
            Relationship::Other
        }),
    };
    let contact = opt_text(
        e,
        &format!("key_people_{i}_contact"),
        &format!("the contact details of key person {n}"),
        &kp.contact,
        text::LINE,
        false,
    );
    let appropriate_person = code(
        e,
        &format!("key_people_{i}_appropriate_person"),
        "whether they could be an appropriate person",
        &kp.appropriate_person,
        AppropriatePerson::parse,
        AppropriatePerson::NotConsidered,
    );
    let notes = opt_text(
        e,
        &format!("key_people_{i}_notes"),
        &format!("notes about key person {n}"),
        &kp.notes,
        text::LONG,
        true,
    );
    Some(KeyPerson {
        name,
        relationship,
        contact,
        appropriate_person,
        notes,
    })
}

impl PersonDetails {
    /// The details as raw input again (to fill an edit form or an API reply).
    pub fn to_raw(&self) -> RawPerson {
        RawPerson {
            given_name: Some(self.given_name.clone()),
            family_name: Some(self.family_name.clone()),
            other_names: self.other_names.clone(),
            date_of_birth: self.date_of_birth.map(iso_date),
            nhs_number: self.nhs_number.as_ref().map(|n| n.as_str().to_string()),
            address_line_1: self.address_line_1.clone(),
            address_line_2: self.address_line_2.clone(),
            town: self.town.clone(),
            postcode: self.postcode.as_ref().map(|p| p.as_str().to_string()),
            gender: Some(self.gender.code().to_string()),
            gender_description: self.gender_description.clone(),
            ethnicity: Some(self.ethnicity.code().to_string()),
            primary_support_reason: Some(self.primary_support_reason.code().to_string()),
            learning_disability: self.learning_disability,
            autism: self.autism,
            asperger: self.asperger,
            preferred_language: self.preferred_language.clone(),
            interpreter_needed: self.interpreter_needed,
            communication_needs: self
                .communication_needs
                .iter()
                .map(|c| c.code().to_string())
                .collect(),
            communication_notes: self.communication_notes.clone(),
            what_matters_to_me: self.what_matters_to_me.clone(),
            key_people: self
                .key_people
                .iter()
                .map(|k| RawKeyPerson {
                    name: Some(k.name.clone()),
                    relationship: Some(k.relationship.code().to_string()),
                    contact: k.contact.clone(),
                    appropriate_person: Some(k.appropriate_person.code().to_string()),
                    notes: k.notes.clone(),
                })
                .collect(),
        }
    }
}

/// A date as `YYYY-MM-DD`.
pub fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A `YYYY-MM-DD` date, if `s` (trimmed) is one.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn minimal() -> RawPerson {
        RawPerson {
            given_name: Some("Ada".into()),
            family_name: Some("Testperson".into()),
            ..RawPerson::default()
        }
    }

    #[test]
    fn minimal_person_is_valid_with_not_known_defaults() {
        let p = minimal().parse(TODAY).expect("valid");
        assert_eq!(p.full_name(), "Ada Testperson");
        assert_eq!(p.gender, Gender::NotKnown);
        assert_eq!(p.ethnicity, Ethnicity::NotKnown);
        assert_eq!(p.primary_support_reason, PrimarySupportReason::NotKnown);
    }

    #[test]
    fn reports_every_field_at_fault() {
        let raw = RawPerson {
            given_name: Some("  ".into()),
            date_of_birth: Some("2030-01-01".into()),
            nhs_number: Some("9434765918".into()),
            postcode: Some("NOT A CODE".into()),
            gender: Some("x".into()),
            ..RawPerson::default()
        };
        let errs = raw.parse(TODAY).expect_err("invalid");
        for f in [
            "given_name",
            "family_name",
            "date_of_birth",
            "nhs_number",
            "postcode",
            "gender",
        ] {
            assert!(errs.get(f).is_some(), "expected an error on {f}: {errs:?}");
        }
    }

    #[test]
    fn key_person_rows_blank_are_skipped_partial_are_checked() {
        let mut raw = minimal();
        raw.key_people = vec![
            RawKeyPerson::default(),
            RawKeyPerson {
                contact: Some("07700 900123".into()),
                ..RawKeyPerson::default()
            },
        ];
        let errs = raw.parse(TODAY).expect_err("second row lacks a name");
        assert!(errs.get("key_people_1_name").is_some());
        assert!(errs.get("key_people_1_relationship").is_some());
        assert!(errs.get("key_people_0_name").is_none());
    }

    #[test]
    fn postcodes_normalise() {
        assert_eq!(
            Postcode::parse("sw1a1aa").map(|p| p.0),
            Some("SW1A 1AA".into())
        );
        assert_eq!(
            Postcode::parse("M1 1AE").map(|p| p.0),
            Some("M1 1AE".into())
        );
        assert!(Postcode::parse("1AA 1AA").is_none());
        assert!(Postcode::parse("ABC").is_none());
    }

    #[test]
    fn age_counts_birthdays() {
        assert_eq!(age_on(date!(1950 - 03 - 31), date!(2026 - 03 - 31)), 76);
        assert_eq!(age_on(date!(1950 - 04 - 01), date!(2026 - 03 - 31)), 75);
    }

    #[test]
    fn round_trips_through_raw() {
        let mut raw = minimal();
        raw.nhs_number = Some("943 476 5919".into());
        raw.communication_needs = vec!["bsl".into(), "easy_read".into()];
        raw.key_people = vec![RawKeyPerson {
            name: Some("Sam".into()),
            relationship: Some("friend".into()),
            ..RawKeyPerson::default()
        }];
        let p = raw.parse(TODAY).expect("valid");
        assert_eq!(p.to_raw().parse(TODAY).expect("still valid"), p);
    }
}
