//! The fixed wording of the plan summary given to the person, and approved
//! translations of it.
//!
//! The summary mixes two kinds of text: the person's own words (their
//! desired outcomes, who they want involved) which are never translated by
//! the product, and the summary's fixed sentences and headings, which an
//! organisation can have translated, checked and approved once per
//! language. When the person's preferred language has an approved
//! translation, the summary is printed in it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;

/// Every fixed text of the summary: its key and its English wording.
/// `{name}`, `{date}`, `{worker}`, `{representative}` and `{phone}` are
/// filled in when the summary is made.
pub const TEXTS: &[(&str, &str)] = &[
    ("title", "Your safeguarding plan, {name}"),
    (
        "intro",
        "This is what we agreed with you. It is your plan: tell us if anything is wrong or if you want something to change.",
    ),
    ("wants", "What you told us you want"),
    (
        "wants_for_you",
        "What {representative} told us you want, speaking for you",
    ),
    ("wants_none", "We have not written this down yet."),
    ("own_words", "What you said is kept in your own words."),
    ("happen", "What will happen"),
    ("happen_none", "Nothing is planned yet."),
    ("what", "What"),
    ("who", "Who"),
    ("when", "By when"),
    ("risks", "Risks you have chosen to live with"),
    ("risk_review", "we will look at this again on {date}"),
    ("involved", "Who you want involved"),
    ("review", "When we will look at the plan again"),
    ("contact", "Who to contact"),
    (
        "worker",
        "Your worker is {worker}, in the council's adult safeguarding team",
    ),
    ("team", "The council's adult safeguarding team"),
    ("phone", "You can call us on {phone}."),
    ("danger", "If you are in danger, call 999."),
];

/// The placeholders a text may hold.
const PLACEHOLDERS: &[&str] = &[
    "{name}",
    "{date}",
    "{worker}",
    "{representative}",
    "{phone}",
];

/// The longest a translated text may be.
const MAX_TEXT: usize = 600;

/// A translation as submitted (from a form or the API).
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawTranslation {
    /// The language's name in English, as recorded as a person's preferred
    /// language (for example `Welsh`).
    pub language: Option<String>,
    /// Who checked and approved the translation (a person or service).
    pub approved_by: Option<String>,
    /// Each fixed text's translation, by key (see [`TEXTS`]).
    #[serde(default)]
    pub texts: BTreeMap<String, String>,
}

/// An approved translation of the summary's fixed text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Translation {
    /// The BCP 47 language tag (for example `cy`, `pl`, `pa-Guru`), used
    /// for the page's `lang` attribute.
    pub lang: String,
    /// The language's name in English, as recorded as a person's preferred language.
    pub language: String,
    /// Who checked and approved it.
    pub approved_by: String,
    /// When it was approved (ISO date).
    pub approved_on: String,
    /// Every key of [`TEXTS`], translated.
    pub texts: BTreeMap<String, String>,
}

/// Whether `tag` is a plausible BCP 47 language tag: a 2–3 letter primary
/// language and optional subtags of 1–8 letters or digits.
pub fn valid_lang_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Checks a translation: a language tag that is not English, the
/// language's name, who approved it, and every text present with exactly
/// the placeholders of its English wording.
pub fn parse_translation(
    lang: &str,
    raw: &RawTranslation,
    approved_on: &str,
) -> Result<Translation, FieldErrors> {
    let mut errors = FieldErrors::new();
    let lang = lang.trim();
    if !valid_lang_tag(lang) {
        errors.add(
            "lang",
            "Enter the language's code, like cy for Welsh or pl for Polish",
        );
    } else if lang == "en" || lang.starts_with("en-") {
        errors.add("lang", "The summary is already in English");
    }
    let language = crate::text::required_field(
        &mut errors,
        "language",
        "The language's name",
        &raw.language,
        60,
        false,
    );
    if language.eq_ignore_ascii_case("english") {
        errors.add("language", "The summary is already in English");
    }
    let approved_by = crate::text::required_field(
        &mut errors,
        "approved_by",
        "Who checked and approved the translation",
        &raw.approved_by,
        200,
        false,
    );
    for key in raw.texts.keys() {
        if !TEXTS.iter().any(|(k, _)| k == key) {
            errors.add(
                format!("texts.{key}"),
                "This is not one of the summary's texts",
            );
        }
    }
    let mut texts = BTreeMap::new();
    for (key, english) in TEXTS {
        let field = format!("texts.{key}");
        let text = match crate::text::required(
            raw.texts.get(*key).map(String::as_str).unwrap_or_default(),
            MAX_TEXT,
            false,
        ) {
            Ok(t) => t,
            Err(crate::text::TextError::Missing) => {
                errors.add(field, format!("Enter the translation of “{english}”"));
                continue;
            }
            Err(e) => {
                errors.add(field, crate::text::message("The translation", e));
                continue;
            }
        };
        let wanted: Vec<&str> = PLACEHOLDERS
            .iter()
            .copied()
            .filter(|p| english.contains(p))
            .collect();
        let has: Vec<&str> = PLACEHOLDERS
            .iter()
            .copied()
            .filter(|p| text.contains(p))
            .collect();
        if wanted != has {
            let list = if wanted.is_empty() {
                "no placeholders".to_string()
            } else {
                wanted.join(" and ")
            };
            errors.add(field, format!("Keep {list}, as in the English"));
            continue;
        }
        texts.insert((*key).to_string(), text);
    }
    errors.into_result(Translation {
        lang: lang.to_string(),
        language,
        approved_by,
        approved_on: approved_on.to_string(),
        texts,
    })
}

/// The summary's words in one language, with placeholders filled.
#[derive(Clone, Debug)]
pub struct Words<'a> {
    translation: Option<&'a Translation>,
}

impl<'a> Words<'a> {
    /// The English wording.
    pub fn english() -> Self {
        Self { translation: None }
    }

    /// The wording of an approved translation.
    pub fn translated(t: &'a Translation) -> Self {
        Self {
            translation: Some(t),
        }
    }

    /// The BCP 47 tag of the words' language.
    pub fn lang(&self) -> &str {
        self.translation.map_or("en", |t| t.lang.as_str())
    }

    /// The text for `key`, or the key itself if there is none (which
    /// [`parse_translation`] prevents for stored translations).
    pub fn text<'k>(&self, key: &'k str) -> &'k str
    where
        'a: 'k,
    {
        self.translation
            .and_then(|t| t.texts.get(key).map(String::as_str))
            .or_else(|| TEXTS.iter().find(|(k, _)| *k == key).map(|(_, e)| *e))
            .unwrap_or(key)
    }

    /// The text for `key` with a placeholder filled in.
    pub fn fill(&self, key: &str, placeholder: &str, value: &str) -> String {
        self.text(key).replace(&format!("{{{placeholder}}}"), value)
    }
}

/// The translation for a person's preferred language, matched on the
/// language's name (case-insensitive) or its tag.
pub fn translation_for<'a>(
    translations: &'a [Translation],
    preferred: &str,
) -> Option<&'a Translation> {
    let p = preferred.trim();
    translations
        .iter()
        .find(|t| t.language.eq_ignore_ascii_case(p) || t.lang.eq_ignore_ascii_case(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(lang_name: &str) -> RawTranslation {
        RawTranslation {
            language: Some(lang_name.into()),
            approved_by: Some("Language unit".into()),
            texts: TEXTS
                .iter()
                .map(|(k, e)| ((*k).to_string(), format!("[{lang_name}] {e}")))
                .collect(),
        }
    }

    #[test]
    fn a_complete_translation_is_accepted() {
        let t = parse_translation("cy", &full("Welsh"), "2026-11-01").expect("present");
        assert_eq!(t.texts.len(), TEXTS.len());
        let w = Words::translated(&t);
        assert_eq!(w.lang(), "cy");
        assert_eq!(
            w.fill("title", "name", "Rhian"),
            "[Welsh] Your safeguarding plan, Rhian"
        );
        assert_eq!(Words::english().text("what"), "What");
    }

    #[test]
    fn every_text_is_required_and_keeps_its_placeholders() {
        let mut raw = full("Polish");
        raw.texts.remove("danger");
        raw.texts.insert("title".into(), "Twój plan".into());
        raw.texts.insert("what".into(), "Co {name}".into());
        raw.texts.insert("extra".into(), "x".into());
        let e = parse_translation("pl", &raw, "2026-11-01").expect_err("refused");
        assert!(e.get("texts.danger").expect("present").contains("call 999"));
        assert_eq!(e.get("texts.title"), Some("Keep {name}, as in the English"));
        assert_eq!(
            e.get("texts.what"),
            Some("Keep no placeholders, as in the English")
        );
        assert!(e.get("texts.extra").is_some());
    }

    #[test]
    fn language_tag_name_and_approver_are_checked() {
        let mut raw = full("English");
        raw.approved_by = Some("  ".into());
        let e = parse_translation("EN", &raw, "2026-11-01").expect_err("refused");
        assert!(e.get("lang").is_some());
        assert!(e.get("language").is_some());
        assert!(e.get("approved_by").is_some());
        assert!(parse_translation("en-GB", &full("Welsh"), "d").is_err());
        assert!(valid_lang_tag("pa-Guru"));
        assert!(!valid_lang_tag("welsh"));
        assert!(!valid_lang_tag("c"));
    }

    #[test]
    fn a_translation_is_found_by_name_or_tag() {
        let t = vec![parse_translation("cy", &full("Welsh"), "d").expect("present")];
        assert!(translation_for(&t, " welsh ").is_some());
        assert!(translation_for(&t, "CY").is_some());
        assert!(translation_for(&t, "Polish").is_none());
    }
}
