//! Contacts and case notes: visits, calls and conversations with the person
//! and with others, with what the person said in their own words
//! (continuous engagement, Making Safeguarding Personal), and the worker's
//! curation of the chronology (significant events, with analysis).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::coded;
use crate::text;
use crate::validation::FieldErrors;

coded!(
    /// How the contact was made.
    ContactKind {
        /// A visit to where the person is.
        Visit = "visit" : "Visit",
        /// A telephone call.
        Phone = "phone" : "Telephone call",
        /// A video call.
        Video = "video" : "Video call",
        /// A meeting in an office or elsewhere.
        Meeting = "meeting" : "Meeting",
        /// A letter, email or text message.
        Message = "message" : "Letter, email or message",
        /// A case note: no contact, a record of work or thinking.
        Note = "note" : "Case note",
    }
);

/// A contact or case note, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawContact {
    /// `visit`, `phone`, `video`, `meeting`, `message` or `note`.
    pub kind: Option<String>,
    /// Date, `YYYY-MM-DD` (today when blank; not in the future).
    pub held_on: Option<String>,
    /// `yes` when the person themselves took part.
    pub with_person: Option<String>,
    /// Who else took part (names and roles).
    pub others: Option<String>,
    /// What the person said, in their own words.
    pub person_words: Option<String>,
    /// What happened, and what was agreed.
    pub note: Option<String>,
}

/// A validated contact or case note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// How.
    pub kind: ContactKind,
    /// When.
    pub held_on: Date,
    /// Whether the person took part.
    pub with_person: bool,
    /// Who else.
    pub others: Option<String>,
    /// The person's own words.
    pub person_words: Option<String>,
    /// The note.
    pub note: String,
}

impl RawContact {
    /// Validates a contact: a contact names who took part (the person, or
    /// others); the person's words are recorded only when they took part; a
    /// case note involves no one.
    pub fn parse(&self, today: Date) -> Result<Contact, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(k) => ContactKind::parse(k).or_else(|| {
                e.add("kind", "Select how the contact was made from the list");
                None
            }),
            None => {
                e.add(
                    "kind",
                    "Select how the contact was made, or that it is a case note",
                );
                None
            }
        };
        let held_on = crate::safeguards::date(&mut e, "held_on", &self.held_on, today);
        let with_person = match self.with_person.as_deref().map(str::trim) {
            Some("yes") => true,
            Some("no") | None | Some("") => false,
            Some(_) => {
                e.add("with_person", "Select whether the person took part");
                false
            }
        };
        let others = text::optional_field(
            &mut e,
            "others",
            "Who else took part",
            &self.others,
            text::LINE,
            false,
        );
        let person_words = text::optional_field(
            &mut e,
            "person_words",
            "What they said",
            &self.person_words,
            text::LONG,
            true,
        );
        let note = text::required_field(
            &mut e,
            "note",
            "what happened",
            &self.note,
            text::LONG,
            true,
        );
        match kind {
            Some(ContactKind::Note) if with_person || others.is_some() => {
                e.add(
                    "kind",
                    "A case note involves no one: choose how the contact was made instead",
                );
            }
            Some(ContactKind::Note) => {}
            Some(_) if !with_person && others.is_none() && e.get("others").is_none() => {
                e.add("others", "Say who took part, or that the person did");
            }
            _ => {}
        }
        if person_words.is_some() && !with_person && e.get("person_words").is_none() {
            e.add(
                "person_words",
                "Their own words are recorded when they took part: say that they did",
            );
        }
        let Some(kind) = kind else { return Err(e) };
        e.into_result(Contact {
            kind,
            held_on,
            with_person,
            others,
            person_words,
            note,
        })
    }
}

impl Contact {
    /// The chronology line: how, with whom, what happened, and the person's
    /// words quoted as they said them.
    pub fn chronology(&self, person: &str) -> String {
        let who = match (self.with_person, self.others.as_deref()) {
            (true, Some(o)) => format!(" with {person} and {o}"),
            (true, None) => format!(" with {person}"),
            (false, Some(o)) => format!(" with {o}"),
            (false, None) => String::new(),
        };
        let mut line = format!(
            "{}{who} on {}: {}",
            self.kind.label(),
            crate::dates::long_date(self.held_on),
            self.note
        );
        if let Some(w) = &self.person_words {
            line.push_str(&format!(" In their words: “{w}”"));
        }
        line
    }
}

/// Marking a chronology entry significant, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawSignificance {
    /// Whether it is a significant event.
    pub significant: bool,
    /// Why it matters: the worker's analysis (required when significant).
    pub analysis: Option<String>,
}

impl RawSignificance {
    /// Validates: a significant event says why it matters; taking the mark
    /// away drops the analysis.
    pub fn parse(&self) -> Result<Option<String>, FieldErrors> {
        let mut e = FieldErrors::new();
        if !self.significant {
            return Ok(None);
        }
        let a = text::required_field(
            &mut e,
            "analysis",
            "why this event is significant",
            &self.analysis,
            text::LONG,
            true,
        );
        e.into_result(Some(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 03);

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn a_visit_names_who_took_part_and_keeps_the_persons_words() {
        let raw = RawContact {
            kind: s("visit"),
            with_person: s("yes"),
            others: s("her son"),
            person_words: s("I want him to stop coming round"),
            note: s("Talked about the visits from her nephew"),
            ..RawContact::default()
        };
        let c = raw.parse(TODAY).expect("valid");
        assert_eq!(c.held_on, TODAY);
        let line = c.chronology("Ada");
        assert_eq!(
            line,
            "Visit with Ada and her son on 3 December 2026: Talked about the visits from her nephew \
             In their words: “I want him to stop coming round”"
        );
        let e = RawContact {
            with_person: None,
            others: None,
            ..raw.clone()
        }
        .parse(TODAY)
        .expect_err("who took part");
        assert!(e.get("others").is_some() && e.get("person_words").is_some());
        let e = RawContact {
            held_on: s("2027-01-01"),
            ..raw
        }
        .parse(TODAY)
        .expect_err("future");
        assert!(e.get("held_on").is_some());
    }

    #[test]
    fn a_case_note_involves_no_one_and_significance_says_why() {
        let note = RawContact {
            kind: s("note"),
            note: s("Checked the bank statements the son brought"),
            ..RawContact::default()
        };
        assert!(note.parse(TODAY).is_ok());
        let e = RawContact {
            with_person: s("yes"),
            ..note
        }
        .parse(TODAY)
        .expect_err("a note with the person");
        assert!(e.get("kind").is_some());
        assert!(RawContact::default().parse(TODAY).is_err());
        let e = RawSignificance {
            significant: true,
            analysis: None,
        }
        .parse()
        .expect_err("why");
        assert!(e.get("analysis").is_some());
        assert_eq!(
            RawSignificance {
                significant: false,
                analysis: s("ignored"),
            }
            .parse(),
            Ok(None)
        );
    }
}
