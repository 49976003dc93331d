//! Typed identifiers. Every id is a UUIDv7 (time-ordered) stored as text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id, from the given Unix time in milliseconds
            /// and random bits supplied by the caller.
            pub fn from_parts(unix_ms: u64, random: [u8; 10]) -> Self {
                $name(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
}

id_type!(
    /// Identifies a person (an adult at risk, or anyone the council holds a record for).
    PersonId
);
id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies an agency: the council that owns the system, or a partner agency.
    AgencyId
);
id_type!(
    /// Identifies a team within an agency.
    TeamId
);
