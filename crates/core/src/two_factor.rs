//! Two-factor sign-in for local accounts: an authenticator app's time-based
//! codes (TOTP, RFC 6238: SHA-1, six digits, 30-second steps, one step of
//! clock drift either way) and one-time recovery codes.
//!
//! A code is accepted only for a time step later than the last one accepted
//! for the account (a conditional update, so two requests with one code
//! cannot both pass); a recovery code only once. Every wrong code counts
//! towards the account's lock like a wrong password. Roles in
//! [`crate::CoreConfig::two_factor_roles`] must have a second factor: their
//! first sign-in sets one up before any page opens. Opening a record in an
//! emergency asks for a fresh code (step-up).

use safeguard_domain::{Actor, Role};
use safeguard_store::Tx;
use safeguard_store::accounts::{SessionRow, UserRow};
use safeguard_store::audit::NewAuditEvent;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::accounts::actor_of;
use crate::{
    CoreError, CoreResult, Ctx, LoginOutcome, Safeguard, invalid, new_uuid, random_bytes,
    random_token, token_hash, unix_ms,
};

/// How long after a correct password the second factor may be given.
pub const CHALLENGE_MINUTES: i64 = 5;
const CHALLENGE_MS: i64 = CHALLENGE_MINUTES * 60_000;
/// Wrong codes one sign-in may take before the password must be given again.
const CHALLENGE_TRIES: i32 = 5;
/// How many recovery codes a set has.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show beside the account.
const ISSUER: &str = "Safeguard";
/// Letters of recovery codes: none that can be mistaken for another.
const CODE_LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Where a correct password leads.
#[derive(Clone, Debug)]
pub enum SignIn {
    /// Signed in: the account has no second factor and its role needs none.
    Done(LoginOutcome),
    /// A second factor comes next. `challenge` goes in a short-lived cookie
    /// (only its hash is stored); `setup` when the role requires a second
    /// factor and none is set up yet.
    SecondFactor {
        /// The challenge's token.
        challenge: String,
        /// Whether one must be set up first.
        setup: bool,
    },
}

impl SignIn {
    /// The session, when no second factor was needed.
    pub fn done(self) -> Option<LoginOutcome> {
        match self {
            SignIn::Done(out) => Some(out),
            SignIn::SecondFactor { .. } => None,
        }
    }
}

/// A secret being set up: what the authenticator app is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// The secret in base32, as apps take it typed.
    pub secret: String,
    /// The `otpauth://` address a QR code carries.
    pub uri: String,
}

impl Setup {
    /// The secret in groups of four, easier to type.
    pub fn grouped(&self) -> String {
        self.secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// An account's two-factor state, for its own page.
#[derive(Clone, Debug)]
pub struct TwoFactorStatus {
    /// A second factor is set up.
    pub enabled: bool,
    /// The account's role must have one.
    pub required: bool,
    /// Unused recovery codes.
    pub codes_left: i64,
    /// A secret being set up, not yet confirmed.
    pub setting_up: Option<Setup>,
}

/// A sign-in waiting for its second factor, as its page shows it.
#[derive(Clone, Debug)]
pub struct Challenge {
    /// Whose password was right.
    pub display_name: String,
    /// The secret to set up, when the role requires one and none is.
    pub setup: Option<Setup>,
}

/// A sign-in completed with its second factor.
#[derive(Clone, Debug)]
pub struct SecondFactorSignIn {
    /// The session.
    pub login: LoginOutcome,
    /// Where to go next.
    pub next: String,
    /// The new recovery codes, when this sign-in set the factor up (shown once).
    pub recovery_codes: Vec<String>,
}

/// What a correct password still needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// Nothing: sign in.
    Nothing,
    /// A code from the factor set up.
    Code,
    /// A factor set up first (the role requires one).
    Setup,
}

/// An authenticator for a stored base32 secret.
fn totp(secret: &str) -> CoreResult<Totp> {
    let secret = Secret::try_from_base32(secret)
        .map_err(|_| CoreError::Internal("a stored second-factor secret is not base32".into()))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .map_err(|e| CoreError::Internal(format!("second-factor secret: {e}")))
}

/// The six-digit code an authenticator with `secret` shows at Unix second
/// `at` (for the demo, tests and `safeguard` commands; never sent anywhere).
pub fn code_at(secret: &str, at: u64) -> CoreResult<String> {
    Ok(totp(secret)?.generate(at).to_string())
}

fn new_secret() -> CoreResult<String> {
    Ok(Secret::from(random_bytes::<20>()?.to_vec()).to_base32())
}

pub(crate) fn setup_of(secret: &str, username: &str) -> Setup {
    let account: String = form_encode(username);
    Setup {
        secret: secret.to_string(),
        uri: format!(
            "otpauth://totp/{ISSUER}:{account}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits=6&period=30"
        ),
    }
}

/// Percent-encodes all but unreserved characters (RFC 3986).
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A set of new recovery codes, as shown (`abcde-fghjk`).
fn new_recovery_codes() -> CoreResult<Vec<String>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = random_bytes::<10>()?;
            let letters: String = bytes
                .iter()
                .map(|b| CODE_LETTERS[usize::from(*b) % CODE_LETTERS.len()] as char)
                .collect();
            Ok(format!("{}-{}", &letters[..5], &letters[5..]))
        })
        .collect()
}

/// A code as typed, without spaces or hyphens, in lower case.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .take(64)
        .collect()
}

/// Gives `user_id` a new set of recovery codes (the old ones stop working);
/// returns them, to be shown once.
async fn replace_recovery_codes(
    tx: &mut Tx,
    user_id: &str,
    now: OffsetDateTime,
) -> CoreResult<Vec<String>> {
    let codes = new_recovery_codes()?;
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    tx.replace_recovery_codes(user_id, &hashes, unix_ms(now))
        .await?;
    Ok(codes)
}

fn recovery_hash(code: &str) -> String {
    token_hash(&format!("recovery:{}", normalise(code)))
}

impl Safeguard {
    /// Whether accounts of `role` must have a second factor.
    pub fn second_factor_required(&self, role: Role) -> bool {
        self.config.two_factor_roles.contains(&role)
    }

    /// What a user whose password was right needs next.
    pub(crate) async fn second_factor_need(&self, tx: &mut Tx, user: &UserRow) -> CoreResult<Need> {
        let enrolled = tx
            .second_factor(&user.id)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some());
        let required = Role::parse(&user.role).is_some_and(|r| self.second_factor_required(r));
        Ok(if enrolled {
            Need::Code
        } else if required {
            Need::Setup
        } else {
            Need::Nothing
        })
    }

    /// Starts a sign-in's second step: a challenge whose token goes in a cookie.
    pub(crate) async fn open_challenge(
        &self,
        tx: &mut Tx,
        user: &UserRow,
        need: Need,
        next: &str,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let token = random_token()?;
        let now_ms = unix_ms(now);
        tx.insert_login_challenge(
            &safeguard_store::two_factor::ChallengeRow {
                id_hash: token_hash(&token),
                user_id: user.id.clone(),
                created_at: now_ms,
                purpose: if need == Need::Setup { "setup" } else { "code" }.into(),
                next: next.chars().take(2_000).collect(),
                failures: 0,
            },
            now_ms - CHALLENGE_MS,
        )
        .await?;
        Ok(token)
    }

    /// Checks a code for `user` inside `tx`: `Ok(how)` when accepted,
    /// `Err(why not)` otherwise. `pending` accepts a secret still being set
    /// up (and confirms it). A refusal here changes nothing; the caller
    /// counts it with [`Safeguard::count_code_failure`].
    async fn check_code(
        &self,
        tx: &mut Tx,
        user: &UserRow,
        code: &str,
        pending: bool,
        now: OffsetDateTime,
    ) -> CoreResult<Result<&'static str, &'static str>> {
        let now_ms = unix_ms(now);
        if user.locked_until.is_some_and(|t| t > now_ms) {
            return Ok(Err("account locked"));
        }
        let Some(factor) = tx.second_factor(&user.id).await? else {
            return Ok(Err("no second factor set up"));
        };
        if factor.confirmed_at.is_none() && !pending {
            return Ok(Err("no second factor set up"));
        }
        let code = normalise(code);
        if code.is_empty() {
            return Ok(Err("no code given"));
        }
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            let at = u64::try_from(now.unix_timestamp()).unwrap_or(0);
            let Some(step) = totp(&factor.secret)?.check(&code, at) else {
                return Ok(Err("wrong code"));
            };
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            return Ok(if tx.accept_step(&user.id, step, now_ms).await? {
                Ok("authenticator app")
            } else {
                Err("code used already")
            });
        }
        if factor.confirmed_at.is_some()
            && tx
                .use_recovery_code(&user.id, &recovery_hash(&code), now_ms)
                .await?
        {
            return Ok(Ok("recovery code"));
        }
        Ok(Err("wrong code"))
    }

    /// Counts a wrong code towards the account's lock, as a wrong password
    /// counts. Returns a note for the audit event when it locks the account.
    async fn count_code_failure(
        &self,
        tx: &mut Tx,
        user: &UserRow,
        now: OffsetDateTime,
    ) -> CoreResult<Option<String>> {
        let now_ms = unix_ms(now);
        if user.locked_until.is_some_and(|t| t > now_ms) {
            return Ok(None);
        }
        let (failed, locked_until) = self.failure_lock(user.failed_logins, now_ms);
        tx.set_login_failures(&user.id, failed, locked_until)
            .await?;
        Ok(locked_until.map(|_| format!("account locked after {failed} failures")))
    }

    /// The event of a second-factor check by `user`.
    fn code_event(
        user: &UserRow,
        ctx: &Ctx,
        now: OffsetDateTime,
        purpose: &str,
        outcome: Result<&str, &str>,
    ) -> CoreResult<NewAuditEvent> {
        Ok(NewAuditEvent {
            id: new_uuid(now)?.to_string(),
            at: unix_ms(now),
            actor_id: Some(user.id.clone()),
            actor_name: user.username.clone(),
            actor_role: user.role.clone(),
            action: "second_factor".into(),
            subject_type: "user".into(),
            subject_id: Some(user.id.clone()),
            outcome: if outcome.is_ok() {
                "success"
            } else {
                "failure"
            }
            .into(),
            reason: outcome.err().map(str::to_string),
            request_id: ctx.request_id.clone(),
            detail: Some(match outcome {
                Ok(how) => format!("{purpose}: {how}"),
                Err(_) => purpose.to_string(),
            }),
        })
    }

    /// A sign-in challenge as its page shows it; for one that sets a second
    /// factor up, the secret to give the app (made now, or the one shown
    /// before). `NotFound` once it has ended or expired.
    pub async fn login_challenge(&self, token: &str, now: OffsetDateTime) -> CoreResult<Challenge> {
        let found = self.store.login_challenge(&token_hash(token)).await?;
        let Some(ch) = found.filter(|c| unix_ms(now) - c.created_at <= CHALLENGE_MS) else {
            return Err(CoreError::NotFound);
        };
        let user = self
            .store
            .user_by_id(&ch.user_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let setup = if ch.purpose == "setup" {
            Some(self.pending_setup(&user, now).await?)
        } else {
            None
        };
        Ok(Challenge {
            display_name: user.display_name,
            setup,
        })
    }

    /// The secret being set up for `user`: the one made before if it is
    /// still unconfirmed, else a new one. `Invalid` when one is confirmed.
    async fn pending_setup(&self, user: &UserRow, now: OffsetDateTime) -> CoreResult<Setup> {
        let mut tx = self.store.begin().await?;
        let secret = match tx.second_factor(&user.id).await? {
            Some(f) if f.confirmed_at.is_some() => {
                return Err(invalid("code", "Two-factor sign-in is set up already"));
            }
            Some(f) => f.secret,
            None => {
                let s = new_secret()?;
                tx.put_pending_second_factor(&user.id, &s, unix_ms(now))
                    .await?;
                s
            }
        };
        tx.commit().await?;
        Ok(setup_of(&secret, &user.username))
    }

    /// The second step of signing in: a code (or a recovery code) for the
    /// challenge `token`. A wrong code is audited and counted towards the
    /// account's lock and returned as a field error; after five, or once the
    /// account is locked, the challenge ends (`BadCredentials`: sign in
    /// again). `NotFound` when the challenge has ended or expired.
    pub async fn finish_login(
        &self,
        token: &str,
        code: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<SecondFactorSignIn> {
        let hash = token_hash(token);
        let now_ms = unix_ms(now);
        let found = self.store.login_challenge(&hash).await?;
        let Some(ch) = found.filter(|c| now_ms - c.created_at <= CHALLENGE_MS) else {
            return Err(CoreError::NotFound);
        };
        let setup = ch.purpose == "setup";
        let purpose = if setup {
            "sign-in, setting up"
        } else {
            "sign-in"
        };
        let mut tx = self.store.begin_audited().await?;
        let user = tx
            .user_by_id(&ch.user_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if user.disabled {
            tx.delete_login_challenge(&hash).await?;
            tx.audit(Self::code_event(
                &user,
                ctx,
                now,
                purpose,
                Err("account disabled"),
            )?)
            .await?;
            tx.commit().await?;
            return Err(CoreError::BadCredentials);
        }
        if normalise(code).is_empty() {
            return Err(invalid(
                "code",
                "Enter the 6-digit code from your authenticator app",
            ));
        }
        match self.check_code(&mut tx, &user, code, setup, now).await? {
            Err(why) => {
                let mut event = Self::code_event(&user, ctx, now, purpose, Err(why))?;
                // A note comes back only when this failure locked the account.
                let locked_now = self.count_code_failure(&mut tx, &user, now).await?;
                if let Some(note) = &locked_now {
                    event.detail = Some(format!("{purpose}; {note}"));
                }
                let failures = tx.fail_login_challenge(&hash).await?;
                let locked = why == "account locked" || locked_now.is_some();
                let ended = failures >= CHALLENGE_TRIES || locked;
                if ended {
                    tx.delete_login_challenge(&hash).await?;
                }
                tx.audit(event).await?;
                tx.commit().await?;
                if ended {
                    return Err(CoreError::BadCredentials);
                }
                Err(invalid("code", wrong_code_message(why)))
            }
            Ok(how) => {
                if !tx.delete_login_challenge(&hash).await? {
                    return Err(CoreError::NotFound);
                }
                if user.failed_logins != 0 {
                    tx.set_login_failures(&user.id, 0, None).await?;
                }
                let recovery_codes = if setup {
                    replace_recovery_codes(&mut tx, &user.id, now).await?
                } else {
                    Vec::new()
                };
                let actor = actor_of(&user)?;
                let session_token = random_token()?;
                let csrf_token = random_token()?;
                tx.insert_session(&SessionRow {
                    id_hash: token_hash(&session_token),
                    user_id: user.id.clone(),
                    csrf_token: csrf_token.clone(),
                    created_at: now_ms,
                    last_seen_at: now_ms,
                })
                .await?;
                tx.audit(Self::code_event(&user, ctx, now, purpose, Ok(how))?)
                    .await?;
                tx.commit().await?;
                Ok(SecondFactorSignIn {
                    login: LoginOutcome {
                        session_token,
                        csrf_token,
                        actor,
                    },
                    next: ch.next,
                    recovery_codes,
                })
            }
        }
    }

    /// Checks `code` for the signed-in `actor` in `tx` (step-up, and the
    /// account's own two-factor changes): a refusal is audited, counted
    /// towards the lock and committed, and returned as a field error on
    /// `code`; on success the accepted code's event is in `tx` and the
    /// caller goes on to commit its own change with it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn fresh_code(
        &self,
        mut tx: Tx,
        actor: &Actor,
        code: &str,
        purpose: &str,
        pending: bool,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(Tx, &'static str)> {
        let user = tx
            .user_by_id(&actor.user_id.to_string())
            .await?
            .ok_or(CoreError::NotFound)?;
        match self.check_code(&mut tx, &user, code, pending, now).await? {
            Ok(how) => {
                if user.failed_logins != 0 {
                    tx.set_login_failures(&user.id, 0, None).await?;
                }
                tx.audit(Self::code_event(&user, ctx, now, purpose, Ok(how))?)
                    .await?;
                Ok((tx, how))
            }
            Err(why) => {
                let mut event = Self::code_event(&user, ctx, now, purpose, Err(why))?;
                if let Some(note) = self.count_code_failure(&mut tx, &user, now).await? {
                    event.detail = Some(format!("{purpose}; {note}"));
                }
                tx.audit(event).await?;
                tx.commit().await?;
                Err(invalid("code", wrong_code_message(why)))
            }
        }
    }

    /// Whether `actor` has a second factor set up (for forms that ask for a code).
    pub async fn has_second_factor(&self, actor: &Actor) -> CoreResult<bool> {
        Ok(self
            .store
            .second_factor(&actor.user_id.to_string())
            .await?
            .is_some_and(|f| f.confirmed_at.is_some()))
    }

    /// The signed-in user's own two-factor state.
    pub async fn two_factor_status(&self, actor: &Actor) -> CoreResult<TwoFactorStatus> {
        let id = actor.user_id.to_string();
        let factor = self.store.second_factor(&id).await?;
        let enabled = factor.as_ref().is_some_and(|f| f.confirmed_at.is_some());
        Ok(TwoFactorStatus {
            enabled,
            required: self.second_factor_required(actor.role),
            codes_left: if enabled {
                self.store.recovery_codes_left(&id).await?
            } else {
                0
            },
            setting_up: factor
                .filter(|f| f.confirmed_at.is_none())
                .map(|f| setup_of(&f.secret, &actor.username)),
        })
    }

    /// Starts setting up a second factor for the signed-in user: the secret
    /// to give their app (the unconfirmed one from before, if any).
    pub async fn start_two_factor(&self, actor: &Actor, now: OffsetDateTime) -> CoreResult<Setup> {
        let user = self
            .store
            .user_by_id(&actor.user_id.to_string())
            .await?
            .ok_or(CoreError::NotFound)?;
        self.pending_setup(&user, now).await
    }

    /// Confirms the secret being set up with a code from the app; returns
    /// the new recovery codes (shown once).
    pub async fn confirm_two_factor(
        &self,
        actor: &Actor,
        code: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<String>> {
        let id = actor.user_id.to_string();
        match self.store.second_factor(&id).await? {
            None => return Err(invalid("code", "Start setting up two-factor sign-in first")),
            Some(f) if f.confirmed_at.is_some() => {
                return Err(invalid("code", "Two-factor sign-in is set up already"));
            }
            Some(_) => {}
        }
        self.codes_after_check(actor, code, "setting up", true, ctx, now)
            .await
    }

    /// Checks `code` (see [`Safeguard::fresh_code`]) and, when it is
    /// right, gives the account a new set of recovery codes in the same
    /// transaction.
    async fn codes_after_check(
        &self,
        actor: &Actor,
        code: &str,
        purpose: &str,
        pending: bool,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<String>> {
        let tx = self.store.begin_audited().await?;
        let (mut tx, _) = self
            .fresh_code(tx, actor, code, purpose, pending, ctx, now)
            .await?;
        let codes = replace_recovery_codes(&mut tx, &actor.user_id.to_string(), now).await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// New recovery codes for the signed-in user (the old ones stop
    /// working), given a current code.
    pub async fn new_recovery_codes(
        &self,
        actor: &Actor,
        code: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<String>> {
        self.codes_after_check(actor, code, "new recovery codes", false, ctx, now)
            .await
    }

    /// Turns two-factor sign-in off for the signed-in user, given a current
    /// code; refused when their role requires it.
    pub async fn remove_two_factor(
        &self,
        actor: &Actor,
        code: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if self.second_factor_required(actor.role) {
            return Err(invalid(
                "code",
                "Your role must use two-factor sign-in: it cannot be turned off",
            ));
        }
        let tx = self.store.begin_audited().await?;
        let (mut tx, _) = self
            .fresh_code(tx, actor, code, "turning off", false, ctx, now)
            .await?;
        tx.delete_second_factor(&actor.user_id.to_string()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An administrator (or the operator, `by` none, on the command line)
    /// clears a user's second factor (a lost phone): they set one up again at
    /// their next sign-in if their role requires it.
    pub async fn reset_two_factor(
        &self,
        by: Option<&Actor>,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.managed_account(by, user_id, "update", ctx, now)
            .await?;
        let mut tx = self.store.begin_audited().await?;
        tx.delete_second_factor(user_id).await?;
        tx.audit(Self::account_event(
            by,
            ctx,
            now,
            "update",
            user_id,
            "two-factor sign-in reset",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives the demo accounts of roles that require a second factor the
    /// published demo secret (so that the demo can be tried with any
    /// authenticator app, and scripted).
    pub(crate) async fn enrol_demo_second_factors(&self, now: OffsetDateTime) -> CoreResult<()> {
        let users = self.store.list_users().await?;
        let mut tx = self.store.begin().await?;
        for u in users {
            let required = Role::parse(&u.role).is_some_and(|r| self.second_factor_required(r));
            if required && tx.second_factor(&u.id).await?.is_none() {
                tx.put_confirmed_second_factor(&u.id, crate::demo::DEMO_TOTP_SECRET, unix_ms(now))
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

fn wrong_code_message(why: &str) -> &'static str {
    match why {
        "no second factor set up" => {
            "Set up two-factor sign-in first (Your account, Two-factor sign-in)"
        }
        "code used already" => {
            "That code has been used already: wait for your app to show the next one"
        }
        "account locked" => "Too many wrong codes: the account is locked for a while",
        "no code given" => "Enter the 6-digit code from your authenticator app",
        _ => {
            "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1, the secret "12345678901234567890"
        // (base32 below), six digits.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        for (at, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(secret, at).expect("code"), code, "at {at}");
        }
    }

    #[test]
    fn recovery_codes_are_distinct_and_typed_loosely() {
        let codes = new_recovery_codes().expect("codes");
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert_eq!(
                recovery_hash(c),
                recovery_hash(&c.to_uppercase().replace('-', " "))
            );
        }
    }

    #[test]
    fn the_setup_address_names_the_account_and_secret() {
        let s = setup_of("JBSWY3DPEHPK3PXP", "ola.ferris");
        assert_eq!(
            s.uri,
            "otpauth://totp/Safeguard:ola.ferris?secret=JBSWY3DPEHPK3PXP&issuer=Safeguard&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(s.grouped(), "JBSW Y3DP EHPK 3PXP");
    }
}
