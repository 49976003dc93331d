//! Safeguard's domain: the pure types and rules of adult safeguarding.
//!
//! Nothing here does I/O, reads a clock or is async: the current date and
//! time are parameters. Values are parsed at the edge into the types of this
//! crate (an [`nhs::NhsNumber`] can only exist if its check digit is right),
//! so the rest of the code never re-checks them.

pub mod access_report;
pub mod attachment;
pub mod calendar;
pub mod case_audit;
pub mod codes;
pub mod concern;
pub mod contact;
pub mod dashboard;
pub mod dates;
pub mod enquiry;
pub mod feedback;
pub mod ids;
pub mod large_scale;
pub mod matching;
pub mod merge;
pub mod nhs;
pub mod patterns;
pub mod person;
pub mod plan;
pub mod policy;
pub mod reflection;
pub mod sac;
pub mod safeguards;
pub mod search;
pub mod sharing;
pub mod summary;
pub mod supervision;
pub mod text;
pub mod validation;
pub mod workforce;

pub use ids::{AgencyId, PersonId, TeamId, UserId};
pub use policy::{Action, Actor, Decision, PersonScope, Role};
pub use validation::FieldErrors;
