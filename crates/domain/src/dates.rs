//! Dates in records kept as JSON: written `YYYY-MM-DD`; read from that or
//! from the `[year, day of year]` pairs older records were written with.

use serde::{Deserialize, Deserializer, Serializer};
use time::Date;

#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Iso(String),
    Ordinal(i32, u16),
}

fn read<E: serde::de::Error>(s: Stored) -> Result<Date, E> {
    match s {
        Stored::Iso(t) => crate::person::parse_iso_date(&t)
            .ok_or_else(|| E::custom(format!("not a YYYY-MM-DD date: {t:?}"))),
        Stored::Ordinal(y, d) => Date::from_ordinal_date(y, d).map_err(E::custom),
    }
}

/// `#[serde(with = "crate::dates::iso")]` for a `Date`.
pub mod iso {
    use super::*;

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::person::iso_date(*d))
    }

    /// Reads `YYYY-MM-DD` or `[year, day of year]`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        read(Stored::deserialize(d)?)
    }
}

/// `#[serde(default, with = "crate::dates::iso_opt")]` for an `Option<Date>`.
pub mod iso_opt {
    use super::*;

    /// Writes `YYYY-MM-DD` or null.
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&crate::person::iso_date(*d)),
            None => s.serialize_none(),
        }
    }

    /// Reads `YYYY-MM-DD`, `[year, day of year]` or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<Stored>::deserialize(d)?.map(read).transpose()
    }
}

/// A date as people write it: "3 December 2026".
pub fn long_date(d: time::Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use time::Date;
    use time::macros::date;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct R {
        #[serde(with = "super::iso")]
        on: Date,
        #[serde(default, with = "super::iso_opt")]
        next: Option<Date>,
    }

    #[test]
    fn dates_are_written_as_iso_and_old_pairs_still_read() {
        let r = R {
            on: date!(2026 - 12 - 01),
            next: None,
        };
        let json = serde_json::to_string(&r).expect("json");
        assert_eq!(json, r#"{"on":"2026-12-01","next":null}"#);
        assert_eq!(serde_json::from_str::<R>(&json).expect("back"), r);
        let old: R = serde_json::from_str(r#"{"on":[2026,335],"next":[2027,1]}"#).expect("old");
        assert_eq!(old.on, date!(2026 - 12 - 01));
        assert_eq!(old.next, Some(date!(2027 - 01 - 01)));
        assert!(serde_json::from_str::<R>(r#"{"on":"1 Dec"}"#).is_err());
    }
}
