//! Safeguard's use cases.
//!
//! Each public method of [`Safeguard`] takes the acting user (or the
//! credentials that will identify one), its input and the current time;
//! asks the access policy; runs the domain rules; and writes through the
//! store in one transaction together with its audit event. Views of
//! personal data are audited too, and the data is returned only once the
//! audit event has committed. The web layer and the CLI call these methods;
//! neither writes SQL nor decides access itself.

pub mod access;
mod accounts;
pub mod actions;
pub mod anchor;
pub mod attachments;
mod audit;
pub mod case_audit;
pub mod concerns;
pub mod contacts;
pub mod demo;
pub mod enquiries;
pub mod fhir;
pub mod generate;
pub mod large_scale;
pub mod lifecycle;
pub mod mail;
pub mod merge;
pub mod patterns;
pub mod people;
pub mod reflection;
pub mod reports;
pub mod retention;
pub mod sar;
pub mod search;
pub mod sharing;
pub mod sso;
pub mod supervision;
pub mod two_factor;
pub mod workforce;

use std::time::Duration;

use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Actor, Role};
use safeguard_store::audit::NewAuditEvent;
use safeguard_store::{Store, StoreError};
use time::OffsetDateTime;
use uuid::Uuid;

pub use accounts::{LoginOutcome, NewUserInput, SessionInfo, UserSummary};
pub use audit::AuditPage;
pub use safeguard_domain as domain;
/// The records the use cases return, by name (for callers that spell
/// their types). The store itself is not reachable from outside the core:
/// every read goes through a use case that checks and audits it.
pub mod rows {
    pub use safeguard_store::access::{BreakGlassListRow, ShareListRow};
    pub use safeguard_store::attachments::AttachmentRow;
    pub use safeguard_store::audit::{AuditEvent, AuditFilter, Verification};
    pub use safeguard_store::concerns::{
        ChronologyEntry, ChronologyFilter, ConcernRow, ProviderRow,
    };
    pub use safeguard_store::contacts::ContactRow;
    pub use safeguard_store::enquiries::{EnquiryRecordRow, FeedbackRow, OwnedActionRow};
    pub use safeguard_store::sac::ReviewRow;
}

/// What can go wrong in a use case, in terms the web layer maps to a page
/// or a JSON error. The cause of an internal error is logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The thing does not exist, or the user may not know that it does.
    #[error("not found")]
    NotFound,
    /// The user may not do this at all.
    #[error("forbidden")]
    Forbidden,
    /// The record is outside the user's need-to-know (another team's case,
    /// or restricted): they may know only that it exists, the name and who
    /// to contact — and may open it in an emergency, giving a reason.
    #[error("outside need-to-know")]
    Limited(Box<access::LimitedRecord>),
    /// The input has field errors.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// Someone else changed the record since it was read.
    #[error("the record was changed by someone else")]
    Conflict,
    /// The record was merged into another (this one).
    #[error("merged into {0}")]
    Merged(safeguard_domain::PersonId),
    /// Wrong username or password, locked or disabled account.
    #[error("sign-in refused")]
    BadCredentials,
    /// The password was right but a second factor is still needed (what to do).
    #[error("second factor needed")]
    SecondFactor(&'static str),
    /// Too many requests are waiting (sign-ins queue for password
    /// hashing); try again shortly. Nothing was done.
    #[error("busy")]
    Busy,
    /// The database failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// Anything else that is our fault.
    #[error("internal: {0}")]
    Internal(String),
}

/// Shorthand for core results.
pub type CoreResult<T> = Result<T, CoreError>;

/// Settings the use cases need.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// A session unused for this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however busy.
    pub absolute_timeout: Duration,
    /// Failed sign-ins in a row before the account is locked.
    pub lockout_threshold: i32,
    /// The first lock lasts this long; each further failure doubles it.
    pub lockout_base: Duration,
    /// The longest a lock lasts.
    pub lockout_max: Duration,
    /// How long an API token is valid.
    pub token_ttl: Duration,
    /// How long an emergency (break-glass) opening of a record lasts.
    pub break_glass: Duration,
    /// The safeguarding lead's email address, told at once of each
    /// break-glass opening (the email names no one).
    pub lead_email: Option<String>,
    /// The organisation's time zone: every date the product records is the
    /// date there (a concern at 00:30 on 1 April in London is dated 1 April).
    pub time_zone: OrgZone,
    /// A file outside the database where each disposal is noted before it
    /// commits, so that a restore from an older backup re-applies it
    /// (none: disposals are not noted).
    pub disposal_ledger: Option<std::path::PathBuf>,
    /// Roles whose accounts must sign in with a second factor
    /// (administrators, data protection officers and managers by default).
    pub two_factor_roles: Vec<safeguard_domain::Role>,
    /// Whether opening a record in an emergency asks for a fresh second
    /// factor (step-up); on by default.
    pub break_glass_step_up: bool,
    /// Single sign-on through the organisation's OpenID Connect provider.
    pub sso: Option<sso::SsoSettings>,
    /// Whether local accounts may sign in with a password (off once
    /// everyone signs in through single sign-on).
    pub local_passwords: bool,
    /// Where attachments are kept and how they are scanned (none: files
    /// cannot be added).
    pub attachments: Option<attachments::AttachmentSettings>,
}

/// A time zone of the IANA database (bundled in the binary), by name.
#[derive(Clone, Debug)]
pub struct OrgZone {
    zone: jiff::tz::TimeZone,
    name: String,
}

impl OrgZone {
    /// The zone named `name`, like `Europe/London`.
    pub fn named(name: &str) -> Result<OrgZone, String> {
        jiff::tz::TimeZone::get(name.trim())
            .map(|zone| OrgZone {
                zone,
                name: name.trim().to_string(),
            })
            .map_err(|_| format!("{name:?} is not a time zone like Europe/London"))
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instant (Unix ms) the day `date` begins in the zone (its first
    /// moment when the clocks go forward over midnight).
    pub fn day_start_ms(&self, date: time::Date) -> i64 {
        jiff::civil::Date::new(
            date.year().clamp(-9999, 9999) as i16,
            u8::from(date.month()) as i8,
            date.day() as i8,
        )
        .and_then(|d| d.to_zoned_datetime(self.zone.clone()))
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or_else(|_| date.midnight().assume_utc().unix_timestamp() * 1000)
    }

    /// The instant `t` at the zone's offset then (summer time included).
    pub fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        let offset = jiff::Timestamp::from_millisecond(unix_ms(t))
            .map(|ts| self.zone.to_offset(ts).seconds())
            .ok()
            .and_then(|s| time::UtcOffset::from_whole_seconds(s).ok())
            .unwrap_or(time::UtcOffset::UTC);
        t.to_offset(offset)
    }
}

impl Default for OrgZone {
    fn default() -> Self {
        OrgZone::named("Europe/London").unwrap_or(OrgZone {
            zone: jiff::tz::TimeZone::UTC,
            name: "UTC".into(),
        })
    }
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            lockout_threshold: 5,
            lockout_base: Duration::from_secs(60),
            lockout_max: Duration::from_secs(60 * 60),
            token_ttl: Duration::from_secs(8 * 60 * 60),
            break_glass: Duration::from_secs(60 * 60),
            lead_email: None,
            time_zone: OrgZone::default(),
            disposal_ledger: None,
            two_factor_roles: vec![
                safeguard_domain::Role::Admin,
                safeguard_domain::Role::Dpo,
                safeguard_domain::Role::Manager,
            ],
            break_glass_step_up: true,
            sso: None,
            local_passwords: true,
            attachments: None,
        }
    }
}

/// Per-request facts recorded in the audit trail.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    /// The request id shown on error pages and kept in the audit trail.
    pub request_id: Option<String>,
}

/// Figures for operators' monitoring (the `/metrics` page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationalFigures {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Connections open in the pool.
    pub pool_open: u32,
    /// Of which idle.
    pub pool_idle: usize,
    /// Events in the audit chain (the head's sequence number).
    pub audit_chain_length: i64,
    /// Emails not yet sent.
    pub outbox_backlog: i64,
    /// Attachments waiting for their virus scan, released, and held as
    /// infected.
    pub attachments: [(&'static str, i64); 3],
}

/// The application: the store, the settings and the password-hashing gate.
#[derive(Clone, Debug)]
pub struct Safeguard {
    store: Store,
    /// A small pool of its own for the public concern form and health
    /// checks, so slow reads holding the main pool never starve them.
    reserve: Store,
    /// Shared: a copy of the use cases (one a request) copies no settings.
    config: std::sync::Arc<CoreConfig>,
    hashing: std::sync::Arc<accounts::HashGate>,
}

/// A refusal of one field's value, as a use case reports it.
pub(crate) fn invalid(field: &str, message: impl Into<String>) -> CoreError {
    let mut e = safeguard_domain::validation::FieldErrors::new();
    e.add(field, message);
    CoreError::Invalid(e)
}

/// Unix milliseconds.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The time of a Unix-ms instant as `YYYY-MM-DD HH:MM` (UTC), for exports
/// and the command line.
pub fn audit_day(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| {
            format!(
                "{} {:02}:{:02}",
                safeguard_domain::person::iso_date(t.date()),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> CoreResult<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| CoreError::Internal(format!("random: {e}")))?;
    Ok(b)
}

/// A new UUIDv7 for the given time. Ids made by one process are strictly
/// increasing, so records written in the same millisecond keep the order
/// they were written in (a chronology's "decision" before "enquiry opened").
pub fn new_uuid(now: OffsetDateTime) -> CoreResult<Uuid> {
    static LAST: std::sync::Mutex<u128> = std::sync::Mutex::new(0);
    let candidate =
        uuid::Builder::from_unix_timestamp_millis(unix_ms(now) as u64, &random_bytes::<10>()?)
            .into_uuid()
            .as_u128();
    let mut last = LAST
        .lock()
        .map_err(|_| CoreError::Internal("id generator poisoned".into()))?;
    // Same or earlier millisecond: one more than the last id (only the random bits change).
    let next = if candidate > *last {
        candidate
    } else {
        *last + 1
    };
    *last = next;
    Ok(Uuid::from_u128(next))
}
/// A random token as 64 hex characters (session ids, CSRF tokens).
pub fn random_token() -> CoreResult<String> {
    Ok(safeguard_store::hex(&random_bytes::<32>()?))
}

/// SHA-256 of a token, as hex: what the database keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    safeguard_store::hex(&Sha256::digest(token.as_bytes()))
}

impl Safeguard {
    /// The application over `store` with `config`.
    pub fn new(store: Store, config: CoreConfig) -> Self {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Safeguard {
            reserve: store.reserve(),
            store,
            config: std::sync::Arc::new(config),
            hashing: std::sync::Arc::new(accounts::HashGate::new(workers)),
        }
    }

    /// Whether the database answers (through the reserve, so a busy main
    /// pool does not make a healthy server look down), and its backend.
    pub async fn health(&self) -> (bool, &'static str) {
        (
            self.reserve.ping().await.is_ok(),
            self.reserve.backend_name(),
        )
    }

    /// Figures for operators' monitoring: no personal data, no audit.
    pub async fn operational_figures(&self) -> CoreResult<OperationalFigures> {
        let (pool_open, pool_idle) = self.store.pool_stats();
        Ok(OperationalFigures {
            backend: self.store.backend_name(),
            pool_open,
            pool_idle,
            audit_chain_length: self.store.audit_head().await?.0,
            outbox_backlog: self.store.outbox_backlog().await?,
            attachments: {
                let counts = self.store.attachments_by_status().await?;
                ["quarantined", "released", "infected"].map(|status| {
                    let n = counts
                        .iter()
                        .find(|(s, _)| s == status)
                        .map_or(0, |(_, n)| *n);
                    (status, n)
                })
            },
        })
    }

    /// The settings.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// Today's date in the organisation's time zone at the instant `now`:
    /// the date every record made now carries.
    pub fn today(&self, now: OffsetDateTime) -> time::Date {
        self.config.time_zone.local(now).date()
    }

    /// The instant (Unix ms) the organisation's day `date` begins.
    pub fn day_start_ms(&self, date: time::Date) -> i64 {
        self.config.time_zone.day_start_ms(date)
    }

    /// The organisation's date at a Unix-ms instant.
    pub fn date_at(&self, ms: i64) -> time::Date {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .map(|t| self.today(t))
            .unwrap_or(time::Date::MIN)
    }

    /// Records one audit event that goes with no write of its own (a view,
    /// a search, a refusal): it shares a durable commit with the others
    /// arriving at the same moment, and this returns once it is committed.
    pub(crate) async fn record(
        &self,
        event: safeguard_store::audit::NewAuditEvent,
    ) -> CoreResult<()> {
        Ok(self.store.record_audit(vec![event]).await?)
    }

    /// Records that `actor` opened a record (`subject_type`, `id`), and on
    /// what basis they could (see [`Safeguard::record`]).
    pub(crate) async fn record_view(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        subject_type: &str,
        id: String,
        basis: safeguard_domain::policy::Basis,
    ) -> CoreResult<()> {
        self.record(
            Self::event(actor, ctx, now, "view", subject_type, Some(id), "success")?
                .with_reason(basis.code()),
        )
        .await
    }

    /// An audit event on behalf of `actor`.
    pub(crate) fn event(
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        action: &str,
        subject_type: &str,
        subject_id: Option<String>,
        outcome: &str,
    ) -> CoreResult<NewAuditEvent> {
        Ok(NewAuditEvent {
            id: new_uuid(now)?.to_string(),
            at: unix_ms(now),
            actor_id: Some(actor.user_id.to_string()),
            actor_name: actor.username.clone(),
            actor_role: actor.role.code().to_string(),
            action: action.to_string(),
            subject_type: subject_type.to_string(),
            subject_id,
            outcome: outcome.to_string(),
            reason: None,
            request_id: ctx.request_id.clone(),
            detail: None,
        })
    }

    /// Asks the policy whether `actor` may do `action`; a refusal is audited
    /// and returned as [`CoreError::Forbidden`]. For pages that only show a
    /// form: the use case that acts on the form checks again.
    pub async fn require(
        &self,
        actor: &Actor,
        action: safeguard_domain::Action,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(actor, action, ctx, now, ("open", "page", None))
            .await
    }

    /// As [`Safeguard::require`], with the refusal audited as the use case
    /// it stopped: `(verb, subject type, subject id)`.
    pub(crate) async fn require_as(
        &self,
        actor: &Actor,
        action: safeguard_domain::Action,
        ctx: &Ctx,
        now: OffsetDateTime,
        attempted: (&str, &str, Option<String>),
    ) -> CoreResult<()> {
        if safeguard_domain::policy::decide(actor, action) == safeguard_domain::Decision::Allow {
            return Ok(());
        }
        self.refuse(actor, ctx, now, attempted, CoreError::Forbidden)
            .await
    }

    /// The one way a use case says no: records that `actor` was refused
    /// what they attempted — `(verb, subject type, subject id)` — in its own
    /// transaction, then returns `error` (`Forbidden`, `Limited` or
    /// `NotFound`) for the caller to pass on.
    pub(crate) async fn refuse<T>(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        attempted: (&str, &str, Option<String>),
        error: CoreError,
    ) -> CoreResult<T> {
        let (verb, subject, id) = attempted;
        self.audit_denial(actor, ctx, now, verb, subject, id)
            .await?;
        Err(error)
    }

    /// Records that `actor` was refused `action` on a subject, in its own
    /// transaction (only through [`Safeguard::refuse`]).
    async fn audit_denial(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        action: &str,
        subject_type: &str,
        subject_id: Option<String>,
    ) -> CoreResult<()> {
        self.record(Self::event(
            actor,
            ctx,
            now,
            action,
            subject_type,
            subject_id,
            "denied",
        )?)
        .await?;
        Ok(())
    }
}

/// The role names accepted by `user add`, for help text.
pub fn role_codes() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.code()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn today_is_the_organisations_date() {
        let london = OrgZone::default();
        assert_eq!(london.name(), "Europe/London");
        // 00:30 on 1 April in London is 23:30 UTC on 31 March (summer time).
        let t = datetime!(2026-03-31 23:30 UTC);
        assert_eq!(london.local(t).date(), time::macros::date!(2026 - 04 - 01));
        // In winter London is UTC.
        let w = datetime!(2026-01-01 00:30 UTC);
        assert_eq!(london.local(w).date(), time::macros::date!(2026 - 01 - 01));
        let utc = OrgZone::named("UTC").expect("UTC");
        assert_eq!(utc.local(t).date(), time::macros::date!(2026 - 03 - 31));
        assert!(OrgZone::named("Mars/Olympus").is_err());
    }

    #[test]
    fn a_day_begins_at_the_organisations_midnight() {
        let london = OrgZone::default();
        let at = |ms: i64| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).expect("instant")
        };
        // Summer: London's midnight is 23:00 UTC the day before.
        let july = time::macros::date!(2026 - 07 - 01);
        assert_eq!(
            at(london.day_start_ms(july)),
            datetime!(2026-06-30 23:00 UTC)
        );
        // Winter: London is UTC.
        let jan = time::macros::date!(2026 - 01 - 15);
        assert_eq!(
            at(london.day_start_ms(jan)),
            datetime!(2026-01-15 00:00 UTC)
        );
        // Every day of two years, through both changes of the clocks: the
        // day's first millisecond is that day, the one before it the day before.
        let mut day = time::macros::date!(2025 - 01 - 01);
        while day < time::macros::date!(2027 - 01 - 01) {
            let start = london.day_start_ms(day);
            assert_eq!(london.local(at(start)).date(), day);
            assert_eq!(
                london.local(at(start - 1)).date(),
                day.previous_day().expect("day")
            );
            day = day.next_day().expect("day");
        }
    }
}
