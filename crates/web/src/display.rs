//! How values are shown on pages: times, coded values and option lists.

/// Options for radios, selects and checkboxes: (code, label).
pub(crate) type Opts = Vec<(&'static str, &'static str)>;

/// Every value of a coded enum as options.
macro_rules! opts {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| (v.code(), v.label()))
            .collect::<$crate::display::Opts>()
    };
}
pub(crate) use opts;

fn at(ms: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).ok()
}

/// A time for people: "23 November 2026 14:05" (UTC).
pub(crate) fn when(ms: i64) -> String {
    at(ms)
        .map(|t| {
            format!(
                "{} {} {} {:02}:{:02}",
                t.day(),
                t.month(),
                t.year(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// A day for people: "23 November 2026" (UTC).
pub(crate) fn day(ms: i64) -> String {
    at(ms)
        .map(|t| safeguard_domain::dates::long_date(t.date()))
        .unwrap_or_default()
}

/// A time of day: "14:05" (UTC).
pub(crate) fn clock(ms: i64) -> String {
    at(ms)
        .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
        .unwrap_or_default()
}

/// A time for the audit trail, to the second: "2026-11-23 14:05:09" (UTC).
pub(crate) fn audit_time(ms: i64) -> String {
    at(ms)
        .map(|t| {
            format!(
                "{} {:02}:{:02}:{:02}",
                t.date(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_default()
}

/// The label of a stored code, or "Not recorded".
pub(crate) fn label<T: Copy>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> &'static str {
    parse(code).map(label).unwrap_or("Not recorded")
}

/// Providers as options, each told apart from any other of the same name:
/// "Meadowview Care (Home care, NB1 2AA)".
pub(crate) fn provider_options(
    providers: Vec<safeguard_core::rows::ProviderRow>,
) -> Vec<(String, String)> {
    providers
        .iter()
        .map(|p| {
            let mut about: Vec<&str> = Vec::new();
            if let Some(k) = safeguard_domain::codes::ProviderKind::parse(&p.kind) {
                about.push(k.label());
            }
            if let Some(pc) = p.postcode.as_deref().filter(|x| !x.is_empty()) {
                about.push(pc);
            } else if let Some(a) = p.address.as_deref().filter(|x| !x.is_empty()) {
                about.push(a);
            }
            let label = if about.is_empty() {
                p.name.clone()
            } else {
                format!("{} ({})", p.name, about.join(", "))
            };
            (p.id.clone(), label)
        })
        .collect()
}

/// A CSV cell, always quoted; a cell a spreadsheet would read as a formula
/// starts with an apostrophe.
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A `YYYY-MM-DD` date in words, "7 December 2026", the one way pages
/// show dates; anything else (blank, "Not set") as it is.
pub(crate) fn day_words(date: impl std::fmt::Display) -> String {
    let iso = date.to_string();
    safeguard_domain::person::parse_iso_date(iso.trim())
        .map(safeguard_domain::dates::long_date)
        .unwrap_or(iso)
}

/// `?saved=…` after a save: what was saved (`1`, or the section of a page
/// it returns to), for the page to say so.
#[derive(serde::Deserialize)]
pub(crate) struct Saved {
    pub(crate) saved: Option<String>,
}
