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
    let Some(t) = at(ms) else {
        return String::new();
    };
    // Written out by hand, not through `format!`: the person page shows
    // fifty of these, and the formatting machinery was a thirtieth of the
    // page's cost.
    let mut out = String::with_capacity(24);
    push_number(&mut out, u32::from(t.day()), 1);
    out.push(' ');
    out.push_str(month_name(t.month()));
    out.push(' ');
    if t.year() < 0 {
        out.push('-');
    }
    push_number(&mut out, t.year().unsigned_abs(), 1);
    out.push(' ');
    push_number(&mut out, u32::from(t.hour()), 2);
    out.push(':');
    push_number(&mut out, u32::from(t.minute()), 2);
    out
}

/// The month's name in English, as `time` writes it.
fn month_name(m: time::Month) -> &'static str {
    use time::Month::*;
    match m {
        January => "January",
        February => "February",
        March => "March",
        April => "April",
        May => "May",
        June => "June",
        July => "July",
        August => "August",
        September => "September",
        October => "October",
        November => "November",
        December => "December",
    }
}

/// Appends `n` in decimal, with leading zeros to at least `width` digits.
fn push_number(out: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut i = digits.len();
    let mut rest = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = i.min(digits.len() - width.min(digits.len()));
    for d in &digits[start..] {
        out.push(char::from(*d));
    }
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

/// A time for the audit trail, to the second, the date in words as
/// everywhere else: "23 November 2026 14:05:09" (UTC).
pub(crate) fn audit_time(ms: i64) -> String {
    at(ms)
        .map(|t| {
            format!(
                "{} {:02}:{:02}:{:02}",
                safeguard_domain::dates::long_date(t.date()),
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
            // Same-name providers are told apart by where they are.
            if let Some(a) = p.address.as_deref().filter(|x| !x.is_empty()) {
                about.push(a);
            }
            if let Some(pc) = p.postcode.as_deref().filter(|x| !x.is_empty()) {
                about.push(pc);
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

/// Text with every `YYYY-MM-DD` date in it written in words, for lines
/// stored before pages showed dates one way (older chronology entries say
/// "due 2026-12-07"); other digits are left as they are.
pub(crate) fn dates_in_words(text: &str) -> String {
    with_dates_in_words(text).unwrap_or_else(|| text.to_string())
}

/// [`dates_in_words`] of a text already owned: given back as it is, not
/// copied, when it has no date in it (most lines).
pub(crate) fn dates_in_words_owned(text: String) -> String {
    with_dates_in_words(&text).unwrap_or(text)
}

/// `text` with its dates in words, or None when it has none.
fn with_dates_in_words(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let shape = |i: usize| {
        i + 10 <= b.len()
            && b[i..i + 10].iter().enumerate().all(|(k, c)| match k {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            })
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 10).is_none_or(|c| !c.is_ascii_alphanumeric())
    };
    let mut out: Option<String> = None;
    let mut i = 0;
    let mut kept = 0;
    // A date's fifth byte is its first hyphen: only where one is can a date
    // start, so the text is searched for hyphens, not tried at every byte.
    while let Some(dash) = b
        .get(i + 4..)
        .and_then(|rest| rest.iter().position(|c| *c == b'-'))
    {
        let at = i + dash;
        if shape(at)
            && let Some(d) = safeguard_domain::person::parse_iso_date(&text[at..at + 10])
        {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 8));
            o.push_str(&text[kept..at]);
            o.push_str(&safeguard_domain::dates::long_date(d));
            i = at + 10;
            kept = i;
        } else {
            i = at + 1;
        }
    }
    let mut out = out?;
    out.push_str(&text[kept..]);
    Some(out)
}

/// `?saved=…` after a save: what was saved (`1`, or the section of a page
/// it returns to), for the page to say so.
#[derive(serde::Deserialize)]
pub(crate) struct Saved {
    pub(crate) saved: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_dates_are_written_in_words() {
        assert_eq!(
            dates_in_words("Action due 2026-12-07 (was 2026-11-30)."),
            "Action due 7 December 2026 (was 30 November 2026)."
        );
        assert_eq!(dates_in_words("2027-01-05"), "5 January 2027");
        // Hyphens before a date, and dates side by side, are no obstacle.
        assert_eq!(
            dates_in_words("1-2-3 2026-12-07-2026-12-08, 2026-12-09"),
            "1-2-3 7 December 2026-8 December 2026, 9 December 2026"
        );
        assert_eq!(dates_in_words("a-b 2026-12-07"), "a-b 7 December 2026");
        // Not a date, or part of something longer: left alone.
        for kept in [
            "Ref SG-2026-12-0007",
            "2026-13-40 is no day",
            "x2026-12-07",
            "2026-12-071",
            "café 12",
            "",
            "-",
            "1-2026-12",
            "2026-12-0",
            "----------",
        ] {
            assert_eq!(dates_in_words(kept), kept);
        }
        assert_eq!(dates_in_words("Zoë, 2026-02-01"), "Zoë, 1 February 2026");
        assert_eq!(
            dates_in_words_owned("Seen 2026-02-01 and 2026-02-03".into()),
            "Seen 1 February 2026 and 3 February 2026"
        );
        assert_eq!(dates_in_words_owned("No date here".into()), "No date here");
    }

    /// Trying every byte, as the search for hyphens must agree with.
    fn every_byte(text: &str) -> String {
        let b = text.as_bytes();
        let mut out = String::new();
        let (mut i, mut kept) = (0, 0);
        while i < b.len() {
            let date = (i + 10 <= b.len()
                && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
                && b.get(i + 10).is_none_or(|c| !c.is_ascii_alphanumeric()))
            .then(|| text.get(i..i + 10))
            .flatten()
            .filter(|d| {
                d.bytes().enumerate().all(|(k, c)| {
                    (k == 4 || k == 7) == (c == b'-') && (c == b'-' || c.is_ascii_digit())
                })
            })
            .and_then(safeguard_domain::person::parse_iso_date);
            match date {
                Some(d) => {
                    out.push_str(&text[kept..i]);
                    out.push_str(&safeguard_domain::dates::long_date(d));
                    i += 10;
                    kept = i;
                }
                None => i += 1,
            }
        }
        out.push_str(&text[kept..]);
        out
    }

    #[test]
    fn dates_are_found_wherever_a_byte_by_byte_search_finds_them() {
        // Every text made of these pieces, up to four long.
        let pieces = [
            "2026-12-07",
            "-",
            "1",
            "a",
            " ",
            "2026-1",
            "2-07",
            "é",
            "2026-02-30",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
            texts.extend(longer);
            texts.dedup();
        }
        assert!(texts.len() > 5_000);
        for t in &texts {
            assert_eq!(dates_in_words(t), every_byte(t), "{t:?}");
        }
    }

    #[test]
    fn times_are_written_as_format_would() {
        let format = |ms: i64| {
            let t = at(ms).expect("a time");
            format!(
                "{} {} {} {:02}:{:02}",
                t.day(),
                t.month(),
                t.year(),
                t.hour(),
                t.minute()
            )
        };
        // Single and double digits everywhere, the epoch, a leap day, far
        // ahead, and before the epoch.
        for ms in [
            0,
            1_764_000_000_000,
            1_709_164_800_000 + 9 * 3_600_000 + 5 * 60_000,
            1_735_689_599_000,
            253_402_300_799_000,
            -86_400_000,
            -62_135_596_800_000,
        ] {
            assert_eq!(when(ms), format(ms), "{ms}");
        }
        assert_eq!(when(1_764_000_000_000), "24 November 2025 16:00");
        assert_eq!(when(i64::MAX), "");
    }
}
