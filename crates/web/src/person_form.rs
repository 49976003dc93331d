//! The person form: between the form's fields and the domain's raw input,
//! and the person page's view model.

use safeguard_domain::codes::{
    AppropriatePerson, CommunicationNeed, Ethnicity, Gender, PrimarySupportReason, Relationship,
};
use safeguard_domain::person::{MAX_KEY_PEOPLE, Person, RawKeyPerson, RawPerson};
use safeguard_domain::validation::FieldErrors;

use crate::display::opts;
use crate::forms::FormData;

/// The form's fields filled from a stored record (for the edit page).
pub fn form_from_raw(raw: &RawPerson) -> FormData {
    let mut f = FormData::default();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            f.set(k, v.clone());
        }
    };
    put("given_name", &raw.given_name);
    put("family_name", &raw.family_name);
    put("nhs_number", &raw.nhs_number);
    put("address_line_1", &raw.address_line_1);
    put("address_line_2", &raw.address_line_2);
    put("town", &raw.town);
    put("postcode", &raw.postcode);
    put("gender", &raw.gender);
    put("gender_description", &raw.gender_description);
    put("ethnicity", &raw.ethnicity);
    put("primary_support_reason", &raw.primary_support_reason);
    put("preferred_language", &raw.preferred_language);
    put("communication_notes", &raw.communication_notes);
    put("what_matters_to_me", &raw.what_matters_to_me);
    f.set("other_names", raw.other_names.join("\n"));
    if let Some(dob) = &raw.date_of_birth {
        let mut it = dob.split('-');
        let (y, m, d) = (
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
        );
        f.set("dob_day", d.trim_start_matches('0'));
        f.set("dob_month", m.trim_start_matches('0'));
        f.set("dob_year", y);
    }
    for (flag, name) in [
        (raw.learning_disability, "learning_disability"),
        (raw.autism, "autism"),
        (raw.asperger, "asperger"),
    ] {
        if flag {
            f.set(name, "true");
        }
    }
    f.set(
        "interpreter_needed",
        if raw.interpreter_needed { "yes" } else { "no" },
    );
    for c in &raw.communication_needs {
        f.push("communication_needs", c.clone());
    }
    for (i, k) in raw.key_people.iter().enumerate() {
        let mut put = |field: &str, v: &Option<String>| {
            if let Some(v) = v {
                f.set(&format!("key_people_{i}_{field}"), v.clone());
            }
        };
        put("name", &k.name);
        put("relationship", &k.relationship);
        put("contact", &k.contact);
        put("appropriate_person", &k.appropriate_person);
        put("notes", &k.notes);
    }
    f.set("key_people_rows", raw.key_people.len().max(1).to_string());
    f
}

/// How many key-person rows the form shows: what it showed before, or as
/// many as have values, at least one.
pub fn key_rows(f: &FormData) -> usize {
    let declared: usize = f.get("key_people_rows").parse().unwrap_or(1);
    let used = (0..MAX_KEY_PEOPLE)
        .rev()
        .find(|i| !f.get(&format!("key_people_{i}_name")).is_empty())
        .map(|i| i + 1)
        .unwrap_or(0);
    declared.max(used).clamp(1, MAX_KEY_PEOPLE)
}

/// The domain's raw input from the form, plus errors about the date's parts
/// (which only the form has).
pub fn raw_from_form(f: &FormData) -> (RawPerson, FieldErrors) {
    let mut errors = FieldErrors::new();
    let (d, m, y) = (
        f.get("dob_day").trim(),
        f.get("dob_month").trim(),
        f.get("dob_year").trim(),
    );
    let date_of_birth = if d.is_empty() && m.is_empty() && y.is_empty() {
        None
    } else {
        let missing: Vec<&str> = [("a day", d), ("a month", m), ("a year", y)]
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(n, _)| *n)
            .collect();
        let numeric = [d, m, y]
            .iter()
            .all(|v| v.chars().all(|c| c.is_ascii_digit()));
        if !missing.is_empty() {
            errors.add(
                "date_of_birth",
                format!("Date of birth must include {}", missing.join(" and ")),
            );
            None
        } else if !numeric || y.len() != 4 || d.len() > 2 || m.len() > 2 {
            errors.add(
                "date_of_birth",
                "Date of birth must be a real date, with a 4-digit year",
            );
            None
        } else {
            Some(format!("{y}-{m:0>2}-{d:0>2}"))
        }
    };
    let key_people = (0..key_rows(f))
        .map(|i| {
            let g = |field: &str| f.opt(&format!("key_people_{i}_{field}"));
            RawKeyPerson {
                name: g("name"),
                relationship: g("relationship"),
                contact: g("contact"),
                appropriate_person: g("appropriate_person"),
                notes: g("notes"),
            }
        })
        .collect();
    let raw = RawPerson {
        given_name: f.opt("given_name"),
        family_name: f.opt("family_name"),
        other_names: f.get("other_names").lines().map(str::to_string).collect(),
        date_of_birth,
        nhs_number: f.opt("nhs_number"),
        address_line_1: f.opt("address_line_1"),
        address_line_2: f.opt("address_line_2"),
        town: f.opt("town"),
        postcode: f.opt("postcode"),
        gender: f.opt("gender"),
        gender_description: f.opt("gender_description"),
        ethnicity: f.opt("ethnicity"),
        primary_support_reason: f.opt("primary_support_reason"),
        learning_disability: f.get("learning_disability") == "true",
        autism: f.get("autism") == "true",
        asperger: f.get("asperger") == "true",
        preferred_language: f.opt("preferred_language"),
        interpreter_needed: f.get("interpreter_needed") == "yes",
        communication_needs: f.all("communication_needs"),
        communication_notes: f.opt("communication_notes"),
        what_matters_to_me: f.opt("what_matters_to_me"),
        key_people,
    };
    (raw, errors)
}

/// Option lists for the form: (code, label).
pub struct Options {
    /// Genders.
    pub genders: Vec<(&'static str, &'static str)>,
    /// Ethnicities.
    pub ethnicities: Vec<(&'static str, &'static str)>,
    /// Primary support reasons.
    pub support_reasons: Vec<(&'static str, &'static str)>,
    /// Communication needs.
    pub needs: Vec<(&'static str, &'static str)>,
    /// Relationships.
    pub relationships: Vec<(&'static str, &'static str)>,
    /// Appropriate person answers.
    pub appropriate: Vec<(&'static str, &'static str)>,
    /// Yes / no.
    pub yes_no: Vec<(&'static str, &'static str)>,
}

impl Options {
    /// Every list.
    pub fn new() -> Self {
        Options {
            genders: opts!(Gender),
            ethnicities: opts!(Ethnicity),
            support_reasons: opts!(PrimarySupportReason),
            needs: opts!(CommunicationNeed),
            relationships: opts!(Relationship),
            appropriate: opts!(AppropriatePerson),
            yes_no: vec![("yes", "Yes"), ("no", "No")],
        }
    }
}

/// A key person as shown on the person page.
pub struct KeyPersonView {
    /// Name.
    pub name: String,
    /// Relationship label.
    pub relationship: &'static str,
    /// Contact.
    pub contact: String,
    /// Appropriate person label.
    pub appropriate: &'static str,
    /// Notes.
    pub notes: Option<String>,
}

/// The person page's content.
pub struct PersonView {
    /// Id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// What matters to them.
    pub what_matters: Option<String>,
    /// Rows about the person.
    pub about: Vec<(&'static str, String)>,
    /// Rows about communication.
    pub communication: Vec<(&'static str, String)>,
    /// Key people.
    pub key_people: Vec<KeyPersonView>,
}

fn or_not_recorded(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Not recorded".into())
}

impl PersonView {
    /// The view of a record, with ages on `today`.
    pub fn new(p: &Person, today: time::Date) -> Self {
        let d = &p.details;
        let dob = d.date_of_birth.map(|b| {
            format!(
                "{} {} {} (age {})",
                b.day(),
                b.month(),
                b.year(),
                safeguard_domain::person::age_on(b, today)
            )
        });
        let address = [
            d.address_line_1.clone(),
            d.address_line_2.clone(),
            d.town.clone(),
            d.postcode.as_ref().map(|p| p.as_str().to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let mut ld = Vec::new();
        if d.learning_disability {
            ld.push("Learning disability");
        }
        if d.autism {
            ld.push("Autism");
        }
        if d.asperger {
            ld.push("Asperger's syndrome or high-functioning autism");
        }
        let gender = match (&d.gender, &d.gender_description) {
            (Gender::Other, Some(desc)) => format!("{} ({desc})", d.gender.label()),
            (g, _) => g.label().to_string(),
        };
        PersonView {
            id: p.id.to_string(),
            name: d.full_name(),
            what_matters: d.what_matters_to_me.clone(),
            about: vec![
                (
                    "Other names",
                    if d.other_names.is_empty() {
                        "None recorded".into()
                    } else {
                        d.other_names.join(", ")
                    },
                ),
                ("Date of birth", or_not_recorded(dob)),
                (
                    "NHS number",
                    or_not_recorded(d.nhs_number.as_ref().map(|n| n.formatted())),
                ),
                ("Address", or_not_recorded(Some(address))),
                ("Gender", gender),
                ("Ethnic group", d.ethnicity.label().to_string()),
                (
                    "Primary support reason",
                    d.primary_support_reason.label().to_string(),
                ),
                (
                    "Learning disability and autism",
                    if ld.is_empty() {
                        "None recorded".into()
                    } else {
                        ld.join(", ")
                    },
                ),
            ],
            communication: vec![
                (
                    "Preferred language",
                    or_not_recorded(d.preferred_language.clone()),
                ),
                (
                    "Interpreter needed",
                    if d.interpreter_needed {
                        "Yes".into()
                    } else {
                        "No".into()
                    },
                ),
                (
                    "Communication needs",
                    if d.communication_needs.is_empty() {
                        "None recorded".into()
                    } else {
                        d.communication_needs
                            .iter()
                            .map(|c| c.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
                (
                    "More about communication",
                    or_not_recorded(d.communication_notes.clone()),
                ),
            ],
            key_people: d
                .key_people
                .iter()
                .map(|k| KeyPersonView {
                    name: k.name.clone(),
                    relationship: k.relationship.label(),
                    contact: k.contact.clone().unwrap_or_default(),
                    appropriate: k.appropriate_person.label(),
                    notes: k.notes.clone(),
                })
                .collect(),
        }
    }
}
