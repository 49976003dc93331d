//! Form bodies as typed: kept exactly as the user sent them, so a page
//! re-rendered after an error shows everything they typed.

use safeguard_domain::validation::FieldErrors;

/// The name/value pairs of a form, in order (a name may repeat, as checkboxes do).
#[derive(Clone, Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// Parses an `application/x-www-form-urlencoded` body. NUL characters
    /// (which no form sends, and PostgreSQL cannot store) are dropped.
    pub fn parse(body: &[u8]) -> Self {
        let clean = |s: std::borrow::Cow<'_, str>| s.replace('\0', "");
        FormData(
            form_urlencoded::parse(body)
                .map(|(k, v)| (clean(k), clean(v)))
                .collect(),
        )
    }

    /// The first value for `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The first value for `name`, if present and not blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        (!v.trim().is_empty()).then(|| v.to_string())
    }

    /// Every value for `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Sets (replaces) a value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value.into()));
    }

    /// Adds a value (for repeated names).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }
}

/// A form and its errors, as the templates see them.
#[derive(Clone, Debug, Default)]
pub struct FormView {
    /// What was typed.
    pub data: FormData,
    /// What is wrong.
    pub errors: FieldErrors,
}

impl FormView {
    /// The typed value of a field.
    pub fn value(&self, name: &str) -> &str {
        self.data.get(name)
    }

    /// The error message of a field, if any.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    /// Whether a checkbox with this value was ticked.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.data.0.iter().any(|(k, v)| k == name && v == value)
    }
}
