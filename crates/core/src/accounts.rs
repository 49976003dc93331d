//! Sign-in, sessions, API tokens and user accounts.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use safeguard_domain::policy::{Action, Decision, decide};
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Actor, AgencyId, Role, TeamId, UserId};
use safeguard_store::accounts::{NO_PASSWORD, NewUser, SessionRow, UserRow};
use safeguard_store::audit::NewAuditEvent;
use time::OffsetDateTime;

use crate::two_factor::{Need, SignIn};
use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, random_token, token_hash, unix_ms};

/// A successful sign-in.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    /// The session id for the cookie. Only its hash is stored.
    pub session_token: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Who signed in.
    pub actor: Actor,
}

/// A live session, found from its cookie.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    /// Who it belongs to.
    pub actor: Actor,
    /// The token every form must carry.
    pub csrf_token: String,
}

/// A new account as typed by an administrator or given to `safeguard user add`.
#[derive(Clone, Debug, Default)]
pub struct NewUserInput {
    /// Username: 3–50 of a–z, 0–9, `.`, `-`, `_`.
    pub username: String,
    /// Name shown on pages; the username when blank.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Agency name; the owning council when blank.
    pub agency: String,
    /// Team name within the agency; none when blank.
    pub team: String,
    /// Password: at least 12 characters. Only the command line sets one;
    /// an administrator never does (the person sets it through a link).
    pub password: String,
    /// The person's own email address, where their activation link goes
    /// (required when an administrator makes the account).
    pub email: String,
}

/// A user account as shown to administrators (no password hash).
#[derive(Clone, Debug)]
pub struct UserSummary {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Agency name.
    pub agency: String,
    /// Team name.
    pub team: Option<String>,
    /// Locked until (Unix ms), if locked now.
    pub locked_until: Option<i64>,
    /// Where one-time links go.
    pub email: Option<String>,
    /// Disabled: cannot sign in.
    pub disabled: bool,
    /// Waiting for a council manager's approval.
    pub awaiting_approval: bool,
    /// The person has set a password.
    pub activated: bool,
    /// Holds the workforce lead's permission.
    pub workforce_lead: bool,
}

impl UserSummary {
    /// The account as listed (no secrets).
    pub(crate) fn of(u: UserRow, now_ms: i64) -> CoreResult<UserSummary> {
        Ok(UserSummary {
            role: Role::parse(&u.role).ok_or_else(|| CoreError::Internal("bad role".into()))?,
            activated: u.password_hash != NO_PASSWORD,
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            agency: u.agency_name,
            team: u.team_name,
            locked_until: u.locked_until.filter(|t| *t > now_ms),
            email: u.email,
            disabled: u.disabled,
            awaiting_approval: u.awaiting_approval,
            workforce_lead: u.workforce_lead,
        })
    }

    /// Its state in words.
    pub fn state(&self) -> &'static str {
        if self.disabled {
            "Disabled"
        } else if self.awaiting_approval {
            "Awaiting a manager's approval"
        } else if !self.activated {
            "Waiting for the person to set a password"
        } else if self.locked_until.is_some() {
            "Locked"
        } else {
            "Active"
        }
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What a one-time account link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// A new account's first password.
    Activate,
    /// A password reset by an administrator.
    Reset,
}

impl LinkPurpose {
    fn code(self) -> &'static str {
        match self {
            LinkPurpose::Activate => "activate",
            LinkPurpose::Reset => "reset",
        }
    }

    fn lifetime_ms(self) -> i64 {
        match self {
            LinkPurpose::Activate => 7 * 24 * 3_600_000,
            LinkPurpose::Reset => 24 * 3_600_000,
        }
    }
}

/// Whether an account an administrator makes waits for a council manager's
/// approval: every role that reads people's records or what is said about
/// them (practitioners, managers, partner staff, data protection officers).
pub fn needs_approval(role: Role) -> bool {
    matches!(
        role,
        Role::Practitioner | Role::Manager | Role::Partner | Role::Dpo
    )
}

/// The password rules: 12 to 256 characters.
pub(crate) fn password_rules(e: &mut FieldErrors, field: &str, password: &str) {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        e.add(
            field,
            format!("Enter a password of at least {MIN_PASSWORD_CHARS} characters"),
        );
    } else if chars > 256 {
        e.add(field, "Enter a password of 256 characters or fewer");
    }
}

/// A required email address: something@somewhere, no spaces, 254 at most.
fn email_rule(e: &mut FieldErrors, email: &str) -> Option<String> {
    let t = email.trim();
    let ok = t.len() <= 254
        && !t.chars().any(char::is_whitespace)
        && t.split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'));
    if ok {
        Some(t.to_lowercase())
    } else {
        e.add(
            "email",
            "Enter the person's own work email address, like name@example.gov.uk",
        );
        None
    }
}

/// A hash to verify against when the username does not exist, so that a
/// wrong username takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// Argon2id with the library's defaults (19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str) -> CoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("hash: {e}")))
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Bounds password hashing (argon2id takes 19 MiB and tens of
/// milliseconds of a core each time): at most one hash per core runs at
/// once, a bounded number wait for a turn, and anyone beyond that is told
/// the service is busy. So no number of sign-in attempts can exhaust the
/// server's memory or starve its other work.
#[derive(Debug)]
pub(crate) struct HashGate {
    /// One permit per hash that may run now.
    running: std::sync::Arc<tokio::sync::Semaphore>,
    /// One permit per request that may run or wait.
    admitted: tokio::sync::Semaphore,
    /// The most hashes seen running at once (for the operator and tests).
    peak: std::sync::atomic::AtomicUsize,
    /// How many are running now.
    now: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// Requests allowed to wait for hashing, per core.
const HASH_QUEUE_PER_CORE: usize = 16;

/// The longest a sign-in waits for its turn before being told to try again.
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl HashGate {
    pub(crate) fn new(workers: usize) -> Self {
        let workers = workers.max(1);
        HashGate {
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(workers)),
            admitted: tokio::sync::Semaphore::new(workers * (HASH_QUEUE_PER_CORE + 1)),
            peak: std::sync::atomic::AtomicUsize::new(0),
            now: std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        }
    }

    /// Runs `work` (a hash or a verification) on a blocking thread when a
    /// core is free; [`CoreError::Busy`] when too many are waiting.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> CoreResult<T> {
        use std::sync::atomic::Ordering;
        let Ok(_admitted) = self.admitted.try_acquire() else {
            return Err(CoreError::Busy);
        };
        let permit =
            match tokio::time::timeout(HASH_WAIT, self.running.clone().acquire_owned()).await {
                Ok(Ok(p)) => p,
                _ => return Err(CoreError::Busy),
            };
        let now = self.now.clone();
        let running = now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(running, Ordering::SeqCst);
        // The permit moves into the blocking task: if the caller goes away,
        // the hash still counts until it has finished.
        tokio::task::spawn_blocking(move || {
            let out = work();
            now.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            out
        })
        .await
        .map_err(|e| CoreError::Internal(format!("password hashing: {e}")))
    }
}

impl Safeguard {
    /// Council practitioners and managers who can lead, supervise or own
    /// work: (username, name).
    pub async fn case_workers(&self) -> CoreResult<Vec<(String, String)>> {
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(council_case_worker)
            .map(|u| (u.username, u.display_name))
            .collect())
    }

    /// The account ids of actions' owners, given by username: each must be
    /// an active account of the council (`action_{i}_owner` says which is
    /// not). Supervision and case-file audit actions use it.
    pub(crate) async fn colleague_ids<'a>(
        &self,
        owners: impl Iterator<Item = &'a str>,
        e: &mut safeguard_domain::validation::FieldErrors,
    ) -> CoreResult<Vec<String>> {
        let users: std::collections::HashMap<String, UserRow> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.username.clone(), u))
            .collect();
        let mut out = Vec::new();
        for (i, owner) in owners.enumerate() {
            match users.get(owner) {
                Some(o) if o.agency_is_owner && !o.disabled => out.push(o.id.clone()),
                _ => e.add(format!("action_{i}_owner"), "Choose a council colleague"),
            }
        }
        Ok(out)
    }

    /// Names and usernames of every account, by id (for showing who owns,
    /// supervised or decided something).
    pub(crate) async fn account_names(
        &self,
    ) -> CoreResult<std::collections::HashMap<String, (String, String)>> {
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.id, (u.display_name, u.username)))
            .collect())
    }
}

/// Whether an account can lead an enquiry, supervise or hold the workforce
/// lead's permission: an active council practitioner or manager.
pub(crate) fn council_case_worker(u: &UserRow) -> bool {
    u.agency_is_owner && !u.disabled && matches!(u.role.as_str(), "practitioner" | "manager")
}

/// The actor for a stored user.
pub(crate) fn actor_of(u: &UserRow) -> CoreResult<Actor> {
    let bad = |what: &str| CoreError::Internal(format!("stored user has a bad {what}"));
    Ok(Actor {
        user_id: u.id.parse::<UserId>().map_err(|_| bad("id"))?,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: Role::parse(&u.role).ok_or_else(|| bad("role"))?,
        agency_id: u.agency_id.parse::<AgencyId>().map_err(|_| bad("agency"))?,
        agency_name: u.agency_name.clone(),
        agency_is_owner: u.agency_is_owner,
        team_id: u
            .team_id
            .as_deref()
            .map(|t| t.parse::<TeamId>().map_err(|_| bad("team")))
            .transpose()?,
        workforce_lead: u.workforce_lead,
    })
}

impl Safeguard {
    /// The most password hashes that have run at once since the server
    /// started (never more than the cores).
    pub fn hashing_peak(&self) -> usize {
        self.hashing.peak.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Checks a username and password, with lock-out after repeated failures.
    /// Every attempt, good or bad, is audited. `how` says what the sign-in
    /// is for ("session" or "api token").
    async fn check_credentials(
        &self,
        username: &str,
        password: &str,
        how: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(UserRow, safeguard_store::Tx, Need)> {
        // No username holds a control character: they become spaces (a NUL
        // cannot even be looked up, or kept in the audit trail, on PostgreSQL).
        let username: String = safeguard_domain::text::search_query(username.trim())
            .chars()
            .take(100)
            .collect();
        let user = self.store.user_by_username(&username).await?;
        let phc = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let pw = password.to_string();
        let good = self.hashing.run(move || verify_password(&pw, &phc)).await?;
        let now_ms = unix_ms(now);
        let mut tx = self.store.begin_audited().await?;
        let mut event = NewAuditEvent {
            id: new_uuid(now)?.to_string(),
            at: now_ms,
            actor_id: user.as_ref().map(|u| u.id.clone()),
            actor_name: username.clone(),
            actor_role: user
                .as_ref()
                .map(|u| u.role.clone())
                .unwrap_or_else(|| "unknown".into()),
            action: "login".into(),
            subject_type: "session".into(),
            subject_id: None,
            outcome: "failure".into(),
            reason: None,
            request_id: ctx.request_id.clone(),
            detail: Some(how.to_string()),
        };
        if !self.config.local_passwords {
            event.reason = Some("passwords are off: single sign-on only".into());
            tx.audit(event).await?;
            tx.commit().await?;
            return Err(CoreError::BadCredentials);
        }
        let Some(user) = user else {
            event.reason = Some("unknown username".into());
            tx.audit(event).await?;
            tx.commit().await?;
            return Err(CoreError::BadCredentials);
        };
        // Re-read the failure count inside the transaction: another server
        // may have counted a failure since.
        let fresh = tx
            .user_by_id(&user.id)
            .await?
            .ok_or(CoreError::BadCredentials)?;
        let locked = fresh.locked_until.is_some_and(|t| t > now_ms);
        if fresh.disabled || locked || !good {
            event.reason = Some(
                if fresh.disabled {
                    "account disabled"
                } else if locked {
                    "account locked"
                } else {
                    "wrong password"
                }
                .into(),
            );
            if !fresh.disabled && !locked {
                let (failed, locked_until) = self.failure_lock(fresh.failed_logins, now_ms);
                if locked_until.is_some() {
                    event.detail = Some(format!("{how}; account locked after {failed} failures"));
                }
                tx.set_login_failures(&fresh.id, failed, locked_until)
                    .await?;
            }
            tx.audit(event).await?;
            tx.commit().await?;
            return Err(CoreError::BadCredentials);
        }
        let need = self.second_factor_need(&mut tx, &fresh).await?;
        if need == Need::Nothing && (fresh.failed_logins != 0 || fresh.locked_until.is_some()) {
            // With a second factor still to come, the count goes on until it is given.
            tx.set_login_failures(&fresh.id, 0, None).await?;
        }
        event.outcome = "success".into();
        event.subject_id = Some(fresh.id.clone());
        if need != Need::Nothing {
            event.detail = Some(format!("{how}: password right, second factor next"));
        }
        tx.audit(event).await?;
        Ok((fresh, tx, need))
    }

    /// A failure's new count and, past the threshold, when the lock ends
    /// (each further failure doubles it, up to the longest).
    pub(crate) fn failure_lock(&self, failed_before: i32, now_ms: i64) -> (i32, Option<i64>) {
        let failed = failed_before + 1;
        let over = failed - self.config.lockout_threshold;
        let locked_until = (over >= 0).then(|| {
            let base = self.config.lockout_base.as_millis() as i64;
            let max = self.config.lockout_max.as_millis() as i64;
            now_ms + (base.saturating_mul(1_i64 << over.min(20))).min(max)
        });
        (failed, locked_until)
    }

    /// Signs in with a username and password: a session, or, when the
    /// account has or needs a second factor, a challenge for it (`next` is
    /// where to go once it is given).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        next: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<SignIn> {
        let (user, mut tx, need) = self
            .check_credentials(username, password, "session", ctx, now)
            .await?;
        if need != Need::Nothing {
            let challenge = self.open_challenge(&mut tx, &user, need, next, now).await?;
            tx.commit().await?;
            return Ok(SignIn::SecondFactor {
                challenge,
                setup: need == Need::Setup,
            });
        }
        let actor = actor_of(&user)?;
        let session_token = random_token()?;
        let csrf_token = random_token()?;
        let now_ms = unix_ms(now);
        tx.insert_session(&SessionRow {
            id_hash: token_hash(&session_token),
            user_id: user.id.clone(),
            csrf_token: csrf_token.clone(),
            created_at: now_ms,
            last_seen_at: now_ms,
        })
        .await?;
        tx.commit().await?;
        Ok(SignIn::Done(LoginOutcome {
            session_token,
            csrf_token,
            actor,
        }))
    }

    /// The session a cookie names, if it is live. Ends sessions past their
    /// idle or absolute timeout.
    pub async fn session(
        &self,
        session_token: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Option<SessionInfo>> {
        let hash = token_hash(session_token);
        let Some(found) = self.store.session_user(&hash).await? else {
            return Ok(None);
        };
        self.session_of(found, now).await
    }

    /// The session `found` (read by its hash, with its user) when it may
    /// still be used at `now`: not idle too long nor too old, its user not
    /// disabled. Its idle clock is refreshed at most once a minute.
    pub(crate) async fn session_of(
        &self,
        found: safeguard_store::accounts::SessionUser,
        now: OffsetDateTime,
    ) -> CoreResult<Option<SessionInfo>> {
        let (s, user) = (found.session, found.user);
        let hash = s.id_hash;
        let now_ms = unix_ms(now);
        let idle = self.config.idle_timeout.as_millis() as i64;
        let absolute = self.config.absolute_timeout.as_millis() as i64;
        if now_ms - s.last_seen_at > idle || now_ms - s.created_at > absolute {
            // Expired: refused, but the row stays until the purge (an hour's grace), so a
            // form sent after the timeout can be kept for the same user.
            return Ok(None);
        }
        if user.disabled {
            return Ok(None);
        }
        // Refresh the idle clock at most once a minute, to spare the database.
        if now_ms - s.last_seen_at > 60_000 {
            let mut tx = self.store.begin().await?;
            tx.touch_session(&hash, now_ms).await?;
            tx.commit().await?;
        }
        Ok(Some(SessionInfo {
            actor: actor_of(&user)?,
            csrf_token: s.csrf_token,
        }))
    }

    /// Ends a session (sign out).
    pub async fn logout(
        &self,
        session_token: &str,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut tx = self.store.begin_audited().await?;
        tx.delete_session(&token_hash(session_token)).await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "logout",
            "session",
            Some(actor.user_id.to_string()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes every expired session; returns how many.
    pub async fn purge_sessions(&self, now: OffsetDateTime) -> CoreResult<u64> {
        let now_ms = unix_ms(now);
        let mut tx = self.store.begin().await?;
        let n = tx
            .delete_expired_sessions(
                now_ms - self.config.idle_timeout.as_millis() as i64 - STASH_MS,
                now_ms - self.config.absolute_timeout.as_millis() as i64 - STASH_MS,
            )
            .await?;
        tx.purge_stash(now_ms - STASH_MS).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Issues a bearer token for the JSON API. An account with a second
    /// factor gives its code (or a recovery code) with the password; one
    /// whose role requires a second factor and has none sets it up on the
    /// web first.
    pub async fn issue_token(
        &self,
        username: &str,
        password: &str,
        code: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let (user, tx, need) = self
            .check_credentials(username, password, "api token", ctx, now)
            .await?;
        let mut tx = match (need, code.filter(|c| !c.trim().is_empty())) {
            (Need::Nothing, _) => tx,
            (Need::Setup, _) => {
                tx.commit().await?;
                return Err(CoreError::SecondFactor(
                    "This account must use two-factor sign-in: set it up by signing in on the web first",
                ));
            }
            (Need::Code, None) => {
                tx.commit().await?;
                return Err(CoreError::SecondFactor(
                    "Give the 6-digit code from your authenticator app (or a recovery code) as `code`",
                ));
            }
            (Need::Code, Some(code)) => {
                let actor = actor_of(&user)?;
                match self
                    .fresh_code(tx, &actor, code, "api token", false, ctx, now)
                    .await
                {
                    Ok((tx, _)) => tx,
                    Err(CoreError::Invalid(_)) => return Err(CoreError::BadCredentials),
                    Err(e) => return Err(e),
                }
            }
        };
        let token = random_token()?;
        let now_ms = unix_ms(now);
        tx.insert_token(
            &token_hash(&token),
            &user.id,
            now_ms,
            now_ms + self.config.token_ttl.as_millis() as i64,
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user a bearer token belongs to, if it is valid.
    pub async fn token_actor(&self, token: &str, now: OffsetDateTime) -> CoreResult<Option<Actor>> {
        let Some(user_id) = self
            .store
            .token_user(&token_hash(token), unix_ms(now))
            .await?
        else {
            return Ok(None);
        };
        match self.store.user_by_id(&user_id).await? {
            Some(u) if !u.disabled => Ok(Some(actor_of(&u)?)),
            _ => Ok(None),
        }
    }

    /// Makes sure the owning council's agency exists; returns its id.
    pub async fn ensure_owner_agency(&self, name: &str, now: OffsetDateTime) -> CoreResult<String> {
        if let Some(a) = self
            .store
            .list_agencies()
            .await?
            .into_iter()
            .find(|a| a.is_owner)
        {
            return Ok(a.id);
        }
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_agency(&id, name, true, unix_ms(now)).await?;
        tx.audit(system_event(
            ctx_none(),
            now,
            "create",
            "agency",
            Some(id.clone()),
        )?)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates a partner agency or team (used by the demo and set-up).
    pub async fn add_agency(
        &self,
        name: &str,
        with_teams: &[&str],
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_agency(&id, name, false, unix_ms(now)).await?;
        tx.audit(system_event(
            ctx_none(),
            now,
            "create",
            "agency",
            Some(id.clone()),
        )?)
        .await?;
        for t in with_teams {
            let tid = new_uuid(now)?.to_string();
            tx.insert_team(&tid, &id, t).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Makes sure a partner agency called `agency` (unless blank or the
    /// council) and a team called `team` within it (or within the council
    /// when `agency` is blank) exist. Returns a note for each one created.
    pub async fn ensure_agency_and_team(
        &self,
        agency: &str,
        team: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<String>> {
        let mut notes = Vec::new();
        let agencies = self.store.list_agencies().await?;
        let agency_id = if agency.is_empty() {
            agencies.iter().find(|a| a.is_owner).map(|a| a.id.clone())
        } else if let Some(a) = agencies
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(agency))
        {
            Some(a.id.clone())
        } else {
            let valid = safeguard_domain::text::required(agency, 100, false).is_ok();
            if !valid {
                let mut e = FieldErrors::new();
                e.add("agency", "Enter an agency name of 100 characters or fewer");
                return Err(CoreError::Invalid(e));
            }
            notes.push(format!("Created partner agency {agency}."));
            Some(self.add_agency(agency, &[], now).await?)
        };
        if let (Some(agency_id), false) = (agency_id, team.is_empty()) {
            let exists = self
                .store
                .list_teams()
                .await?
                .iter()
                .any(|t| t.agency_id == agency_id && t.name.eq_ignore_ascii_case(team));
            if !exists {
                if safeguard_domain::text::required(team, 100, false).is_err() {
                    let mut e = FieldErrors::new();
                    e.add("team", "Enter a team name of 100 characters or fewer");
                    return Err(CoreError::Invalid(e));
                }
                self.add_teams(&agency_id, &[team], now).await?;
                notes.push(format!("Created team {team}."));
            }
        }
        Ok(notes)
    }

    /// Adds teams to an agency.
    pub async fn add_teams(
        &self,
        agency_id: &str,
        names: &[&str],
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut tx = self.store.begin_audited().await?;
        for t in names {
            let tid = new_uuid(now)?.to_string();
            tx.insert_team(&tid, agency_id, t).await?;
            tx.audit(system_event(ctx_none(), now, "create", "team", Some(tid))?)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Creates a user account. `by` is the administrator, or `None` for the
    /// command line (which runs with the operator's own authority).
    pub async fn add_user(
        &self,
        by: Option<&Actor>,
        input: &NewUserInput,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        if let Some(a) = by
            && decide(a, Action::ManageUsers) == Decision::Deny
        {
            return self
                .refuse(a, ctx, now, ("create", "user", None), CoreError::Forbidden)
                .await;
        }
        let mut e = FieldErrors::new();
        let username = input.username.trim().to_lowercase();
        let valid_name = (3..=50).contains(&username.len())
            && username
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !valid_name {
            e.add(
                "username",
                "Enter a username of 3 to 50 letters, digits, dots, hyphens or underscores",
            );
        } else if self.store.user_by_username(&username).await?.is_some() {
            e.add("username", "That username is already taken");
        }
        let display_name = match safeguard_domain::text::optional(&input.display_name, 100, false) {
            Ok(Some(n)) => n,
            Ok(None) => username.clone(),
            Err(_) => {
                e.add("display_name", "Enter a name of 100 characters or fewer");
                String::new()
            }
        };
        let role = Role::parse(input.role.trim());
        if role.is_none() {
            e.add(
                "role",
                format!("Select a role: one of {}", crate::role_codes().join(", ")),
            );
        }
        // The command line's operator sets the first password; an
        // administrator never holds one: the person sets it through a
        // one-time link sent to their own address.
        let email = match by {
            None => {
                password_rules(&mut e, "password", &input.password);
                // `user add --email`: where reset links go, and how single
                // sign-on finds an account made beforehand.
                if input.email.trim().is_empty() {
                    None
                } else {
                    email_rule(&mut e, &input.email)
                }
            }
            Some(_) => {
                if !input.password.is_empty() {
                    e.add(
                        "password",
                        "Administrators do not set passwords: the person sets their own through the link sent to them",
                    );
                }
                email_rule(&mut e, &input.email)
            }
        };
        let agencies = self.store.list_agencies().await?;
        let agency = if input.agency.trim().is_empty() {
            agencies.iter().find(|a| a.is_owner)
        } else {
            agencies
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(input.agency.trim()))
        };
        if agency.is_none() {
            e.add("agency", "Select an agency that exists");
        }
        let team_id = match (agency, input.team.trim()) {
            (_, "") | (None, _) => None,
            (Some(a), t) => {
                let team = self
                    .store
                    .list_teams()
                    .await?
                    .into_iter()
                    .find(|x| x.agency_id == a.id && x.name.eq_ignore_ascii_case(t));
                if team.is_none() {
                    e.add("team", "Select a team of that agency");
                }
                team.map(|t| t.id)
            }
        };
        if let (Some(Role::Partner), Some(a)) = (role, agency)
            && a.is_owner
        {
            e.add(
                "agency",
                "A partner-agency user must belong to a partner agency, not the council",
            );
        }
        let (Some(role), Some(agency)) = (role, agency) else {
            return Err(CoreError::Invalid(e));
        };
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let password_hash = match by {
            None => {
                let pw = input.password.clone();
                self.hashing.run(move || hash_password(&pw)).await??
            }
            Some(_) => NO_PASSWORD.to_string(),
        };
        let awaiting_approval = by.is_some() && needs_approval(role);
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_user(&NewUser {
            id: id.clone(),
            username: username.clone(),
            display_name: display_name.clone(),
            role: role.code().into(),
            agency_id: agency.id.clone(),
            team_id,
            password_hash,
            created_at: unix_ms(now),
            email: email.clone(),
            created_by: by.map(|a| a.user_id.to_string()),
            awaiting_approval,
        })
        .await?;
        let ev = match by {
            Some(a) => Self::event(a, ctx, now, "create", "user", Some(id.clone()), "success")?,
            None => system_event(ctx, now, "create", "user", Some(id.clone()))?,
        };
        tx.audit(ev.with_detail(format!(
            "role {}{}",
            role.code(),
            if awaiting_approval {
                "; awaiting a manager's approval"
            } else {
                ""
            }
        )))
        .await?;
        if let (Some(to), false) = (&email, awaiting_approval) {
            self.send_account_link(&mut tx, &id, to, &display_name, LinkPurpose::Activate, now)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Queues an email with a one-time link to set the password, in `tx`.
    /// The link goes only to the person's own address: nobody else sees it.
    pub(crate) async fn send_account_link(
        &self,
        tx: &mut safeguard_store::Tx,
        user_id: &str,
        to: &str,
        name: &str,
        purpose: LinkPurpose,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let token = random_token()?;
        let now_ms = unix_ms(now);
        tx.insert_account_link(
            &token_hash(&token),
            user_id,
            purpose.code(),
            now_ms,
            now_ms + purpose.lifetime_ms(),
        )
        .await?;
        let (subject, what) = match purpose {
            LinkPurpose::Activate => (
                "Your Safeguard account",
                "An account has been made for you. Set your password to start using it",
            ),
            LinkPurpose::Reset => (
                "Reset your Safeguard password",
                "Your password was reset. Set a new one",
            ),
        };
        tx.queue_email(&safeguard_store::concerns::EmailRow {
            id: new_uuid(now)?.to_string(),
            created_at: now_ms,
            to_address: to.to_string(),
            subject: subject.into(),
            body: format!(
                "Dear {name},\n\n{what} at this link (it works once, for {} hours):\n\n\
                 {{PUBLIC_URL}}/account/set-password/{token}\n\n\
                 If you did not expect this email, tell your manager. Please do not reply to it.\n",
                purpose.lifetime_ms() / 3_600_000
            ),
            sent_at: None,
            attempts: 0,
            last_error: None,
        })
        .await?;
        Ok(())
    }

    /// Every account, for administrators.
    pub async fn list_users(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<UserSummary>> {
        self.require_as(actor, Action::ManageUsers, ctx, now, ("view", "user", None))
            .await?;
        let now_ms = unix_ms(now);
        self.store
            .list_users()
            .await?
            .into_iter()
            .map(|u| UserSummary::of(u, now_ms))
            .collect()
    }

    /// Clears a lock-out.
    pub async fn unlock_user(
        &self,
        actor: &Actor,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ManageUsers,
            ctx,
            now,
            ("update", "user", Some(user_id.to_string())),
        )
        .await?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.unlock_user(user_id).await? {
            return Err(CoreError::NotFound);
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "user",
                Some(user_id.to_string()),
                "success",
            )?
            .with_detail("unlocked"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Partner agencies' names (not the council), for forms.
    pub async fn partner_agency_names(&self) -> CoreResult<Vec<String>> {
        Ok(self
            .store
            .list_agencies()
            .await?
            .into_iter()
            .filter(|a| !a.is_owner)
            .map(|a| a.name)
            .collect())
    }

    /// Every team as (id, name), for filters.
    pub async fn teams(&self) -> CoreResult<Vec<(String, String)>> {
        Ok(self
            .store
            .list_teams()
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect())
    }

    /// Agency names, the council first (for forms).
    pub async fn agency_names(&self) -> CoreResult<Vec<String>> {
        Ok(self
            .store
            .list_agencies()
            .await?
            .into_iter()
            .map(|a| a.name)
            .collect())
    }
}

fn ctx_none() -> &'static Ctx {
    static C: Ctx = Ctx { request_id: None };
    &C
}

/// An event done by the system itself (command line, demo loader).
pub(crate) fn system_event(
    ctx: &Ctx,
    now: OffsetDateTime,
    action: &str,
    subject_type: &str,
    subject_id: Option<String>,
) -> CoreResult<NewAuditEvent> {
    Ok(NewAuditEvent {
        id: new_uuid(now)?.to_string(),
        at: unix_ms(now),
        actor_id: None,
        actor_name: "system".into(),
        actor_role: "system".into(),
        action: action.into(),
        subject_type: subject_type.into(),
        subject_id,
        outcome: "success".into(),
        reason: None,
        request_id: ctx.request_id.clone(),
        detail: None,
    })
}

/// How long a form sent after a session ended is kept: an hour.
const STASH_MS: i64 = 3_600_000;

impl Safeguard {
    /// Keeps what was typed into a form that arrived after the session
    /// `session_token` had ended, for that session's user only. Returns the
    /// token to find it again, or `None` when the session is unknown.
    pub async fn stash_form(
        &self,
        session_token: &str,
        path: &str,
        body: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Option<String>> {
        let Some(s) = self.store.session(&token_hash(session_token)).await? else {
            return Ok(None);
        };
        let token = random_token()?;
        let mut tx = self.store.begin().await?;
        tx.insert_stash(&safeguard_store::accounts::StashRow {
            id_hash: token_hash(&token),
            user_id: s.user_id,
            path: path.into(),
            body: body.into(),
            created_at: unix_ms(now),
        })
        .await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// Takes a kept form back for `actor`: (the form's address, what was typed).
    /// It is given only to the user who typed it, within the hour, once.
    pub async fn take_stashed_form(
        &self,
        actor: &Actor,
        token: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Option<(String, String)>> {
        let mut tx = self.store.begin().await?;
        let row = tx.take_stash(&token_hash(token)).await?;
        tx.commit().await?;
        Ok(row
            .filter(|r| {
                r.user_id == actor.user_id.to_string() && unix_ms(now) - r.created_at <= STASH_MS
            })
            .map(|r| (r.path, r.body)))
    }
}

impl Safeguard {
    /// Saves what `actor` has typed into the form at `path` as a draft to
    /// finish later (one draft per form and user; audited, as it holds personal data).
    pub async fn save_form_draft(
        &self,
        actor: &Actor,
        path: &str,
        body: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut tx = self.store.begin_audited().await?;
        tx.put_form_draft(&actor.user_id.to_string(), path, body, unix_ms(now))
            .await?;
        tx.audit(Self::event(actor, ctx, now, "draft", "form", None, "success")?.with_detail(path))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `actor`'s drafts of forms whose address starts with `prefix`: (address, body).
    pub async fn form_drafts(
        &self,
        actor: &Actor,
        prefix: &str,
    ) -> CoreResult<Vec<(String, String)>> {
        Ok(self
            .store
            .form_drafts(&actor.user_id.to_string(), prefix)
            .await?)
    }

    /// Forgets `actor`'s draft of the form at `path` (once it is saved for real).
    pub async fn delete_form_draft(&self, actor: &Actor, path: &str) -> CoreResult<()> {
        let mut tx = self.store.begin().await?;
        tx.delete_form_draft(&actor.user_id.to_string(), path)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
