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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts() {
        assert_eq!(required("  Ada  ", 10, false), Ok("Ada".to_string()));
        assert_eq!(optional("   ", 10, false), Ok(None));
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
