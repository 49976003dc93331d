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
        let mut f = FormData(
            form_urlencoded::parse(body)
                .map(|(k, v)| (clean(k), clean(v)))
                .collect(),
        );
        f.join_dates();
        f
    }

    /// Joins each GOV.UK date input's three parts (`name-day`,
    /// `name-month`, `name-year`) into `name` as `YYYY-MM-DD`, the one
    /// way the use cases take dates: all blank, blank; parts that cannot
    /// make a date are passed on as they are, for the domain to refuse as
    /// not a real date. The parts stay, so the form shows what was typed.
    fn join_dates(&mut self) {
        let bases: Vec<String> = self
            .0
            .iter()
            .filter_map(|(k, _)| k.strip_suffix("-day"))
            .filter(|b| {
                self.0.iter().any(|(k, _)| *k == format!("{b}-month"))
                    && self.0.iter().any(|(k, _)| *k == format!("{b}-year"))
            })
            .map(str::to_string)
            .collect();
        for base in bases {
            let part = |p: &str| self.get(&format!("{base}-{p}")).trim().to_string();
            let (d, m, y) = (part("day"), part("month"), part("year"));
            let joined = if d.is_empty() && m.is_empty() && y.is_empty() {
                String::new()
            } else {
                let digits = |s: &str, max: usize| {
                    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
                };
                if digits(&d, 2) && digits(&m, 2) && y.len() == 4 && digits(&y, 4) {
                    format!("{y}-{m:0>2}-{d:0>2}")
                } else {
                    format!("{y}-{m}-{d}")
                }
            };
            self.set(&base, joined);
        }
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

    /// One part of a date input (0 day, 1 month, 2 year): as typed, or
    /// from the field's `YYYY-MM-DD` value (a stored date shown again).
    pub fn date_part(&self, name: &str, part: usize) -> String {
        let suffix = ["day", "month", "year"][part.min(2)];
        let typed = format!("{name}-{suffix}");
        if self.data.0.iter().any(|(k, _)| *k == typed) {
            return self.data.get(&typed).to_string();
        }
        let v = self.data.get(name);
        match v.split('-').collect::<Vec<_>>().as_slice() {
            [y, m, d] if y.len() == 4 => {
                let p = [*d, *m, *y][part.min(2)];
                if part == 2 {
                    p.to_string()
                } else {
                    p.trim_start_matches('0').to_string()
                }
            }
            _ => String::new(),
        }
    }

    /// Whether a checkbox with this value was ticked.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.data.0.iter().any(|(k, v)| k == name && v == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_input_is_joined_into_one_date_and_shown_again_as_typed() {
        let f = FormData::parse(b"due_on-day=7&due_on-month=12&due_on-year=2026&x=1");
        assert_eq!(f.get("due_on"), "2026-12-07");
        let blank = FormData::parse(b"due_on-day=&due_on-month=+&due_on-year=");
        assert_eq!(blank.get("due_on"), "");
        assert!(blank.opt("due_on").is_none());
        // Not a date: passed on for the domain to refuse, and kept as typed.
        let bad = FormData::parse(b"due_on-day=31&due_on-month=two&due_on-year=26");
        assert_eq!(bad.get("due_on"), "26-two-31");
        let view = FormView {
            data: bad,
            errors: FieldErrors::new(),
        };
        assert_eq!(view.date_part("due_on", 1), "two");
        // A stored date shown in the three boxes.
        let mut stored = FormData::default();
        stored.set("due_on", "2026-03-05");
        let view = FormView {
            data: stored,
            errors: FieldErrors::new(),
        };
        assert_eq!(
            (0..3)
                .map(|i| view.date_part("due_on", i))
                .collect::<Vec<_>>(),
            vec!["5", "3", "2026"]
        );
    }
}
