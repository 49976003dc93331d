//! Reflective practice: a worker's reflective log — what happened, what they
//! learned, what they will change — optionally about a case, one of the six
//! safeguarding principles, and reflected on with a peer; and the year's
//! continuing professional development (CPD) record a social worker's
//! registration asks for: at least two pieces of CPD in the registration year
//! (1 December to 30 November), at least one reflected on with a peer.

use time::{Date, Month};

use crate::FieldErrors;
use crate::text::{optional_date_field, required_field};

crate::codes::coded!(
    /// The six safeguarding principles (Care and Support Statutory Guidance, ch. 14).
    Principle {
        /// People supported to make their own decisions, with informed consent.
        Empowerment = "empowerment" : "Empowerment",
        /// Better to act before harm occurs.
        Prevention = "prevention" : "Prevention",
        /// The least intrusive response appropriate to the risk.
        Proportionality = "proportionality" : "Proportionality",
        /// Support and representation for those in greatest need.
        Protection = "protection" : "Protection",
        /// Local solutions through services working with communities.
        Partnership = "partnership" : "Partnership",
        /// Accountability and transparency in safeguarding practice.
        Accountability = "accountability" : "Accountability",
    }
);

/// The registration year `year` names: 1 December of the year before to
/// 30 November of `year`.
pub fn registration_year(year: i32) -> Option<(Date, Date)> {
    Some((
        Date::from_calendar_date(year.checked_sub(1)?, Month::December, 1).ok()?,
        Date::from_calendar_date(year, Month::November, 30).ok()?,
    ))
}

/// The registration year a day falls in (named by the year it ends).
pub fn registration_year_of(d: Date) -> i32 {
    if d.month() == Month::December {
        d.year() + 1
    } else {
        d.year()
    }
}

/// Whether a year's CPD meets the registration's ask: at least two pieces,
/// at least one with peer reflection. (pieces, with a peer) → (enough, peer).
pub fn cpd_met(pieces: usize, with_peer: usize) -> (bool, bool) {
    (pieces >= 2, with_peer >= 1)
}

/// A reflection as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RawReflection {
    /// When (`YYYY-MM-DD`).
    pub written_on: Option<String>,
    /// A short title.
    pub title: Option<String>,
    /// What happened.
    pub what_happened: Option<String>,
    /// What I learned.
    pub learned: Option<String>,
    /// What I will change.
    pub will_change: Option<String>,
    /// The safeguarding principle it concerns (a [`Principle`] code).
    pub principle: Option<String>,
    /// The enquiry it is about, if any.
    pub enquiry_id: Option<String>,
    /// The colleague it was reflected on with (a username), if any.
    pub peer: Option<String>,
    /// Hours, 0-1000 ("1.5").
    pub hours: Option<String>,
    /// Whether those who oversee the worker may read it (not only the supervisor).
    #[serde(default)]
    pub shared: bool,
}

/// A valid reflection (the case and peer still to be checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reflection {
    /// When.
    pub written_on: Date,
    /// Title.
    pub title: String,
    /// What happened.
    pub what_happened: String,
    /// What I learned.
    pub learned: String,
    /// What I will change.
    pub will_change: String,
    /// The principle.
    pub principle: Option<Principle>,
    /// The enquiry.
    pub enquiry_id: Option<String>,
    /// The peer's username.
    pub peer: Option<String>,
    /// Hours in tenths.
    pub hours_tenths: i64,
    /// Shared beyond the supervisor.
    pub shared: bool,
}

impl RawReflection {
    /// Checks a reflection written on or before `today`.
    pub fn validate(&self, today: Date) -> Result<Reflection, FieldErrors> {
        let mut e = FieldErrors::new();
        let written = optional_date_field(&mut e, "written_on", "The date", &self.written_on);
        match written {
            None if e.get("written_on").is_none() => e.add("written_on", "Enter the date"),
            Some(d) if d > today => e.add("written_on", "The date cannot be in the future"),
            _ => {}
        }
        let title = required_field(&mut e, "title", "a title", &self.title, 200, false);
        let what = required_field(
            &mut e,
            "what_happened",
            "what happened",
            &self.what_happened,
            crate::text::LONG,
            true,
        );
        let learned = required_field(
            &mut e,
            "learned",
            "what you learned",
            &self.learned,
            crate::text::LONG,
            true,
        );
        let change = required_field(
            &mut e,
            "will_change",
            "what you will change",
            &self.will_change,
            crate::text::LONG,
            true,
        );
        let principle = match self.principle.as_deref().map(str::trim).unwrap_or("") {
            "" => None,
            p => Principle::parse(p).or_else(|| {
                e.add("principle", "Choose a principle from the list, or none");
                None
            }),
        };
        let enquiry_id = self
            .enquiry_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if enquiry_id.as_ref().is_some_and(|id| id.len() > 64) {
            e.add("enquiry_id", "Choose a case you may open, or none");
        }
        let peer = self
            .peer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        let hours = match self.hours.as_deref().map(str::trim).unwrap_or("") {
            "" => Some(0),
            h => crate::workforce::parse_hours(h).or_else(|| {
                e.add(
                    "hours",
                    "Hours must be a number from 0 to 1000, like 1 or 1.5",
                );
                None
            }),
        };
        match (written, hours) {
            (Some(written_on), Some(hours_tenths)) if e.is_empty() => Ok(Reflection {
                written_on,
                title,
                what_happened: what,
                learned,
                will_change: change,
                principle,
                enquiry_id,
                peer,
                hours_tenths,
                shared: self.shared,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_registration_year_runs_to_30_november() {
        assert_eq!(
            registration_year(2026),
            Some((date!(2025 - 12 - 01), date!(2026 - 11 - 30)))
        );
        assert_eq!(registration_year(i32::MIN), None, "no overflow");
        assert_eq!(registration_year_of(date!(2026 - 11 - 30)), 2026);
        assert_eq!(registration_year_of(date!(2026 - 12 - 01)), 2027);
        assert_eq!(cpd_met(2, 1), (true, true));
        assert_eq!(cpd_met(1, 0), (false, false));
        assert_eq!(cpd_met(3, 0), (true, false));
    }

    #[test]
    fn reflections_are_checked() {
        let today = date!(2026 - 12 - 01);
        let ok = RawReflection {
            written_on: Some("2026-11-20".into()),
            title: Some("Hearing what Ada wanted".into()),
            what_happened: Some("I planned the meeting before asking her.".into()),
            learned: Some("Her outcome was different from ours.".into()),
            will_change: Some("Ask first, in her words.".into()),
            principle: Some("empowerment".into()),
            peer: Some(" Jo.Bright ".into()),
            hours: Some("1.5".into()),
            ..Default::default()
        }
        .validate(today)
        .expect("valid");
        assert_eq!(ok.principle, Some(Principle::Empowerment));
        assert_eq!(ok.peer.as_deref(), Some("jo.bright"));
        assert_eq!(ok.hours_tenths, 15);
        let e = RawReflection {
            written_on: Some("2027-01-01".into()),
            principle: Some("kindness".into()),
            hours: Some("-1".into()),
            ..Default::default()
        }
        .validate(today)
        .expect_err("refused");
        for f in [
            "written_on",
            "title",
            "what_happened",
            "learned",
            "will_change",
            "principle",
            "hours",
        ] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
}
