//! The person's feedback at or after closure (MSP outcomes framework): a
//! configurable questionnaire, worded for the person or for their
//! representative, answered on paper with the practitioner or through a
//! one-time link.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codes::coded;
use crate::text;
use crate::validation::FieldErrors;

/// One question, in two wordings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// A stable code, like `listened`.
    pub code: String,
    /// Asked of the person.
    pub person: String,
    /// Asked of a representative.
    pub representative: String,
}

/// The default questions (MSP outcomes framework themes; the SAC SG4a items are recorded at conclusion).
pub fn default_questions() -> Vec<Question> {
    let q = |code: &str, person: &str, representative: &str| Question {
        code: code.into(),
        person: person.into(),
        representative: representative.into(),
    };
    vec![
        q(
            "listened",
            "Did you feel listened to?",
            "Did you feel the person was listened to?",
        ),
        q(
            "respect",
            "Were you treated with respect?",
            "Was the person treated with respect?",
        ),
        q(
            "informed",
            "Were you kept informed?",
            "Were you and the person kept informed?",
        ),
        q(
            "involved",
            "Were you involved in decisions about you?",
            "Was the person involved in decisions about them?",
        ),
        q(
            "outcomes",
            "Did you get the outcomes you wanted?",
            "Did the person get the outcomes they wanted?",
        ),
        q(
            "safer",
            "Do you feel safer now?",
            "Do you think the person is safer now?",
        ),
    ]
}

coded!(
    /// Who answers.
    Respondent {
        /// The person.
        Person = "person" : "The person",
        /// Their representative (advocate, family member, friend).
        Representative = "representative" : "Their representative",
    }
);

coded!(
    /// An answer.
    Answer {
        /// Yes.
        Yes = "yes" : "Yes",
        /// Partly.
        Partly = "partly" : "Partly",
        /// No.
        No = "no" : "No",
        /// Would rather not say.
        NotSaid = "not_said" : "I would rather not say",
    }
);

/// Feedback, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RawFeedback {
    /// `person` or `representative`.
    pub respondent: Option<String>,
    /// The representative's name and relationship.
    pub representative: Option<String>,
    /// Question code → answer code.
    pub answers: BTreeMap<String, String>,
    /// Anything else, in their words.
    pub comment: Option<String>,
}

/// Validated feedback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// Who answered.
    pub respondent: Respondent,
    /// The representative.
    pub representative: Option<String>,
    /// Question code → answer, for every question asked.
    pub answers: BTreeMap<String, Answer>,
    /// Their comment.
    pub comment: Option<String>,
}

impl RawFeedback {
    /// Validates feedback against the questions asked: every question is
    /// answered (answering "I would rather not say" is an answer).
    pub fn parse(&self, questions: &[Question]) -> Result<Feedback, FieldErrors> {
        let mut e = FieldErrors::new();
        let respondent = match self
            .respondent
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Respondent::Person,
            Some(s) => Respondent::parse(s).unwrap_or_else(|| {
                e.add("respondent", "Select who is answering");
                Respondent::Person
            }),
        };
        let representative = text::optional_field(
            &mut e,
            "representative",
            "the representative",
            &self.representative,
            text::SHORT,
            false,
        );
        if respondent == Respondent::Representative && representative.is_none() {
            e.add(
                "representative",
                "Enter who is answering and their relationship",
            );
        }
        let mut answers = BTreeMap::new();
        for q in questions {
            match self
                .answers
                .get(&q.code)
                .and_then(|a| Answer::parse(a.trim()))
            {
                Some(a) => {
                    answers.insert(q.code.clone(), a);
                }
                None => e.add(
                    format!("q_{}", q.code),
                    "Choose an answer, or \"I would rather not say\"",
                ),
            }
        }
        if self
            .answers
            .keys()
            .any(|k| !questions.iter().any(|q| &q.code == k))
        {
            e.add("answers", "Answer only the questions asked");
        }
        let comment =
            text::optional_field(&mut e, "comment", "the comment", &self.comment, 2000, true);
        e.into_result(Feedback {
            respondent,
            representative,
            answers,
            comment,
        })
    }
}

/// Validates a configured question list: 1–20 questions, unique codes, both wordings.
pub fn parse_questions(raw: &[Question]) -> Result<Vec<Question>, FieldErrors> {
    let mut e = FieldErrors::new();
    if raw.is_empty() || raw.len() > 20 {
        e.add("questions", "Set between 1 and 20 questions");
    }
    let mut seen = Vec::new();
    for (i, q) in raw.iter().enumerate() {
        let code = q.code.trim();
        if code.is_empty()
            || !code.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            || seen.contains(&code)
        {
            e.add(
                format!("questions[{i}].code"),
                "Give each question a unique code of lower-case letters and underscores",
            );
        }
        seen.push(code);
        if q.person.trim().is_empty() || q.representative.trim().is_empty() {
            e.add(
                format!("questions[{i}]"),
                "Give each question a wording for the person and one for a representative",
            );
        }
    }
    e.into_result(raw.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_is_answered_and_representatives_are_named() {
        let qs = default_questions();
        let mut raw = RawFeedback {
            respondent: Some("representative".into()),
            ..RawFeedback::default()
        };
        let e = raw.parse(&qs).expect_err("unanswered");
        assert!(
            e.get("representative").is_some()
                && e.get("q_listened").is_some()
                && e.get("q_safer").is_some()
        );
        raw.representative = Some("Sam, her son".into());
        for q in &qs {
            raw.answers.insert(q.code.clone(), "yes".into());
        }
        raw.answers.insert("safer".into(), "not_said".into());
        let f = raw.parse(&qs).expect("valid");
        assert_eq!(f.answers["safer"], Answer::NotSaid);
        raw.answers.insert("bogus".into(), "yes".into());
        assert!(raw.parse(&qs).is_err());
    }

    #[test]
    fn question_lists_are_checked() {
        assert!(parse_questions(&default_questions()).is_ok());
        let mut qs = default_questions();
        qs[1].code = "listened".into();
        assert!(parse_questions(&qs).is_err());
        assert!(parse_questions(&[]).is_err());
    }
}
