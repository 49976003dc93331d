//! Merging two records of one person: which record's value each part of
//! the merged record takes, chosen part by part.

use std::collections::BTreeSet;

use crate::person::{MAX_KEY_PEOPLE, PersonDetails};

/// A part of a record chosen as a whole when merging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MergeField {
    /// Given and family names.
    Name,
    /// Date of birth.
    DateOfBirth,
    /// NHS number.
    NhsNumber,
    /// Address lines, town and postcode.
    Address,
    /// Gender and the person's description of it.
    Gender,
    /// Ethnicity.
    Ethnicity,
    /// Primary support reason, learning disability and autism.
    Support,
    /// Preferred language and interpreter.
    Language,
    /// Communication needs and notes.
    Communication,
    /// What matters to them.
    WhatMatters,
}

impl MergeField {
    /// Every part, in page order.
    pub const ALL: [MergeField; 10] = [
        MergeField::Name,
        MergeField::DateOfBirth,
        MergeField::NhsNumber,
        MergeField::Address,
        MergeField::Gender,
        MergeField::Ethnicity,
        MergeField::Support,
        MergeField::Language,
        MergeField::Communication,
        MergeField::WhatMatters,
    ];

    /// A stable code (form fields, the API, the audit trail).
    pub fn code(self) -> &'static str {
        match self {
            MergeField::Name => "name",
            MergeField::DateOfBirth => "date_of_birth",
            MergeField::NhsNumber => "nhs_number",
            MergeField::Address => "address",
            MergeField::Gender => "gender",
            MergeField::Ethnicity => "ethnicity",
            MergeField::Support => "support",
            MergeField::Language => "language",
            MergeField::Communication => "communication",
            MergeField::WhatMatters => "what_matters",
        }
    }

    /// Words for the page.
    pub fn label(self) -> &'static str {
        match self {
            MergeField::Name => "Name",
            MergeField::DateOfBirth => "Date of birth",
            MergeField::NhsNumber => "NHS number",
            MergeField::Address => "Address",
            MergeField::Gender => "Gender",
            MergeField::Ethnicity => "Ethnicity",
            MergeField::Support => "Primary support reason",
            MergeField::Language => "Language",
            MergeField::Communication => "Communication needs",
            MergeField::WhatMatters => "What matters to them",
        }
    }

    /// The part a code names.
    pub fn parse(code: &str) -> Option<MergeField> {
        MergeField::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The part's value in a record, as one line of text ("" if empty).
    pub fn shown(self, d: &PersonDetails) -> String {
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        match self {
            MergeField::Name => format!("{} {}", d.given_name, d.family_name),
            MergeField::DateOfBirth => d
                .date_of_birth
                .map(|b| format!("{} {} {}", b.day(), b.month(), b.year()))
                .unwrap_or_default(),
            MergeField::NhsNumber => d
                .nhs_number
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
            MergeField::Address => [
                opt(&d.address_line_1),
                opt(&d.address_line_2),
                opt(&d.town),
                d.postcode
                    .as_ref()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
            MergeField::Gender => d.gender.label().to_string(),
            MergeField::Ethnicity => d.ethnicity.label().to_string(),
            MergeField::Support => d.primary_support_reason.label().to_string(),
            MergeField::Language => opt(&d.preferred_language),
            MergeField::Communication => {
                let mut parts: Vec<String> = d
                    .communication_needs
                    .iter()
                    .map(|c| c.label().to_string())
                    .collect();
                parts.extend(d.communication_notes.clone());
                parts.join("; ")
            }
            MergeField::WhatMatters => opt(&d.what_matters_to_me),
        }
    }

    fn take(self, into: &mut PersonDetails, from: &PersonDetails) {
        match self {
            MergeField::Name => {
                into.given_name = from.given_name.clone();
                into.family_name = from.family_name.clone();
            }
            MergeField::DateOfBirth => into.date_of_birth = from.date_of_birth,
            MergeField::NhsNumber => into.nhs_number = from.nhs_number.clone(),
            MergeField::Address => {
                into.address_line_1 = from.address_line_1.clone();
                into.address_line_2 = from.address_line_2.clone();
                into.town = from.town.clone();
                into.postcode = from.postcode.clone();
            }
            MergeField::Gender => {
                into.gender = from.gender;
                into.gender_description = from.gender_description.clone();
            }
            MergeField::Ethnicity => into.ethnicity = from.ethnicity,
            MergeField::Support => {
                into.primary_support_reason = from.primary_support_reason;
                into.learning_disability = from.learning_disability;
                into.autism = from.autism;
                into.asperger = from.asperger;
            }
            MergeField::Language => {
                into.preferred_language = from.preferred_language.clone();
                into.interpreter_needed = from.interpreter_needed;
            }
            MergeField::Communication => {
                into.communication_needs = from.communication_needs.clone();
                into.communication_notes = from.communication_notes.clone();
            }
            MergeField::WhatMatters => into.what_matters_to_me = from.what_matters_to_me.clone(),
        }
    }
}

/// The parts the merged record takes from the record being merged away
/// (every other part stays as the kept record has it).
pub type FromOther = BTreeSet<MergeField>;

/// What the page suggests: the other record's value only where the kept
/// record has none.
pub fn suggested(kept: &PersonDetails, other: &PersonDetails) -> FromOther {
    MergeField::ALL
        .into_iter()
        .filter(|f| f.shown(kept).is_empty() && !f.shown(other).is_empty())
        .collect()
}

/// The merged record: the kept record with the chosen parts from the
/// other; every name either record had kept as a name they are known by;
/// key people from both (the kept record's first).
pub fn merge(kept: &PersonDetails, other: &PersonDetails, from_other: &FromOther) -> PersonDetails {
    let mut out = kept.clone();
    for f in from_other {
        f.take(&mut out, other);
    }
    let full = |d: &PersonDetails| format!("{} {}", d.given_name, d.family_name);
    let mut names: Vec<String> = Vec::new();
    let chosen = full(&out).to_lowercase();
    for n in kept
        .other_names
        .iter()
        .chain(other.other_names.iter())
        .cloned()
        .chain([full(kept), full(other)])
    {
        let l = n.to_lowercase();
        if l != chosen && !names.iter().any(|x| x.to_lowercase() == l) {
            names.push(n);
        }
    }
    out.other_names = names;
    for k in &other.key_people {
        if out.key_people.len() < MAX_KEY_PEOPLE
            && !out
                .key_people
                .iter()
                .any(|x| x.name.eq_ignore_ascii_case(&k.name))
        {
            out.key_people.push(k.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::RawPerson;
    use time::macros::date;

    fn person(
        given: &str,
        family: &str,
        dob: Option<&str>,
        postcode: Option<&str>,
    ) -> PersonDetails {
        RawPerson {
            given_name: Some(given.into()),
            family_name: Some(family.into()),
            date_of_birth: dob.map(str::to_string),
            postcode: postcode.map(str::to_string),
            ..RawPerson::default()
        }
        .parse(date!(2026 - 12 - 01))
        .expect("valid")
    }

    #[test]
    fn parts_come_from_the_chosen_record_and_no_name_is_lost() {
        let kept = person("Adaline", "Pemberton-Hale", None, Some("NB2 7RW"));
        let other = person(
            "Addie",
            "Pemberton Hale",
            Some("1939-08-21"),
            Some("NB1 4QT"),
        );
        let s = suggested(&kept, &other);
        assert_eq!(s, [MergeField::DateOfBirth].into_iter().collect());
        let m = merge(&kept, &other, &s);
        assert_eq!(m.given_name, "Adaline");
        assert_eq!(m.date_of_birth, other.date_of_birth);
        assert_eq!(m.postcode, kept.postcode);
        assert_eq!(m.other_names, vec!["Addie Pemberton Hale"]);
        let m = merge(
            &kept,
            &other,
            &[MergeField::Name, MergeField::Address].into(),
        );
        assert_eq!(m.given_name, "Addie");
        assert_eq!(m.postcode, other.postcode);
        assert_eq!(m.other_names, vec!["Adaline Pemberton-Hale"]);
        assert_eq!(m.to_raw().parse(date!(2026 - 12 - 01)), Ok(m.clone()));
    }

    #[test]
    fn codes_read_back() {
        for f in MergeField::ALL {
            assert_eq!(MergeField::parse(f.code()), Some(f));
        }
    }
}
