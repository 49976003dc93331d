//! Rules for free text typed by users.

/// Why a piece of text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    /// Required but blank.
    Missing,
    /// Longer than the limit (in characters).
    TooLong(usize),
    /// Contains control characters other than line breaks and tabs.
    ControlCharacters,
}

/// Trims the text and checks it. Returns `Ok(None)` for blank optional text.
pub fn optional(raw: &str, max_chars: usize, multiline: bool) -> Result<Option<String>, TextError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max_chars {
        return Err(TextError::TooLong(max_chars));
    }
    let bad = t
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')));
    if bad {
        return Err(TextError::ControlCharacters);
    }
    // Normalise Windows line endings so stored text is the same whoever typed it.
    Ok(Some(t.replace("\r\n", "\n")))
}

/// Like [`optional`], but blank text is an error.
pub fn required(raw: &str, max_chars: usize, multiline: bool) -> Result<String, TextError> {
    optional(raw, max_chars, multiline)?.ok_or(TextError::Missing)
}

/// Short single-line text such as a name: at most this many characters.
pub const SHORT: usize = 100;
/// A line of an address or a contact detail.
pub const LINE: usize = 200;
/// Long free text such as "what matters to me".
pub const LONG: usize = 10_000;

/// A count with its noun: "1 working day", "2 working days", "0 entries".
pub fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The text with its first letter in upper case.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The message for text that was refused; `label` names what was asked for
/// ("the given name"), and is capitalised where it starts a sentence.
pub fn message(label: &str, e: TextError) -> String {
    let cap = capitalised(label);
    match e {
        TextError::Missing => format!("Enter {label}"),
        TextError::TooLong(n) => format!("{cap} must be {n} characters or fewer"),
        TextError::ControlCharacters => format!("{cap} must not contain control characters"),
    }
}

/// Optional text from a form field; a refusal is recorded against `field`.
pub fn optional_field(
    errors: &mut crate::FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
    max_chars: usize,
    multiline: bool,
) -> Option<String> {
    optional(raw.as_deref().unwrap_or(""), max_chars, multiline).unwrap_or_else(|e| {
        errors.add(field, message(label, e));
        None
    })
}

/// An optional `YYYY-MM-DD` date from a form field; a date that is not
/// real is recorded against `field`.
pub fn optional_date_field(
    errors: &mut crate::FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
) -> Option<time::Date> {
    let s = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let d = crate::person::parse_iso_date(s);
    if d.is_none() {
        errors.add(field, format!("{label} must be a real date"));
    }
    d
}

/// Required text from a form field; a refusal is recorded against `field`
/// (and the empty string returned, so validation can go on to other fields).
pub fn required_field(
    errors: &mut crate::FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
    max_chars: usize,
    multiline: bool,
) -> String {
    required(raw.as_deref().unwrap_or(""), max_chars, multiline).unwrap_or_else(|e| {
        errors.add(field, message(label, e));
        String::new()
    })
}

/// What a search box's words become before they are searched for: control
/// characters (a NUL cannot even be sent to PostgreSQL) turn into spaces,
/// and at most 200 characters are kept.
pub fn search_query(q: &str) -> String {
    q.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_thing_or_many() {
        assert_eq!(count(1, "working day", "working days"), "1 working day");
        assert_eq!(count(2, "working day", "working days"), "2 working days");
        assert_eq!(count(0, "entry", "entries"), "0 entries");
    }

    #[test]
    fn trims_and_accepts() {
        assert_eq!(required("  Ada  ", 10, false), Ok("Ada".to_string()));
        assert_eq!(optional("   ", 10, false), Ok(None));
    }

    #[test]
    fn search_words_lose_control_characters() {
        assert_eq!(search_query("Ada\0\u{9b}\tB"), "Ada   B");
        assert_eq!(search_query(&"x".repeat(500)).len(), 200);
    }

    #[test]
    fn refuses_too_long_and_control_characters() {
        assert_eq!(required("abcdef", 5, false), Err(TextError::TooLong(5)));
        assert_eq!(
            required("a\u{7}b", 5, false),
            Err(TextError::ControlCharacters)
        );
        assert_eq!(
            required("a\nb", 5, false),
            Err(TextError::ControlCharacters)
        );
        assert_eq!(required("a\r\nb", 5, true), Ok("a\nb".to_string()));
        assert_eq!(required("", 5, true), Err(TextError::Missing));
    }
}
