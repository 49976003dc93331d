//! Two-factor sign-in: each account's authenticator secret, its one-time
//! recovery codes, and the challenge between a correct password and the
//! second factor.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// An account's authenticator secret.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SecondFactorRow {
    /// The account.
    pub user_id: String,
    /// The shared secret, base32 (RFC 4648, no padding).
    pub secret: String,
    /// When it was made (ms).
    pub created_at: i64,
    /// When its first correct code confirmed it (ms); none while being set up.
    pub confirmed_at: Option<i64>,
    /// The last time step a code was accepted for (none is accepted again).
    pub last_step: i64,
}

/// A sign-in waiting for its second factor.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct ChallengeRow {
    /// SHA-256 of the challenge's cookie.
    pub id_hash: String,
    /// Whose password was right.
    pub user_id: String,
    /// When (ms).
    pub created_at: i64,
    /// `code` or `setup`.
    pub purpose: String,
    /// Where to go once signed in.
    pub next: String,
    /// Wrong codes given to it.
    pub failures: i32,
}

impl Store {
    /// An account's authenticator secret, confirmed or not.
    pub async fn second_factor(&self, user_id: &str) -> Result<Option<SecondFactorRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT user_id, secret, created_at, confirmed_at, last_step FROM second_factors WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// How many of an account's recovery codes are unused.
    pub async fn recovery_codes_left(&self, user_id: &str) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"
        )
        .bind(user_id)
        .fetch_one(p)
        .await)?)
    }

    /// A sign-in challenge by the hash of its cookie.
    pub async fn login_challenge(&self, id_hash: &str) -> Result<Option<ChallengeRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id_hash, user_id, created_at, purpose, next, failures FROM login_challenges WHERE id_hash = $1"
        )
        .bind(id_hash)
        .fetch_optional(p)
        .await
        })?)
    }
}

impl Tx {
    /// An account's authenticator secret, read inside this transaction.
    pub async fn second_factor(&mut self, user_id: &str) -> Result<Option<SecondFactorRow>> {
        Ok(on_tx!(self, |c| {
            sqlx::query_as(
            "SELECT user_id, secret, created_at, confirmed_at, last_step FROM second_factors WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(&mut *c)
        .await
        })?)
    }

    /// Starts setting up a new secret for an account, replacing any
    /// unconfirmed one (a confirmed one is replaced only by removing it first).
    pub async fn put_pending_second_factor(
        &mut self,
        user_id: &str,
        secret: &str,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM second_factors WHERE user_id = $1 AND confirmed_at IS NULL"
        )
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO second_factors (user_id, secret, created_at) VALUES ($1, $2, $3)"
        )
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Stores a confirmed secret at once (demo accounts).
    pub async fn put_confirmed_second_factor(
        &mut self,
        user_id: &str,
        secret: &str,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO second_factors (user_id, secret, created_at, confirmed_at) VALUES ($1, $2, $3, $3)"
        )
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Accepts time step `step` for an account's secret if it is later than
    /// every step accepted before (and confirms a secret being set up). The
    /// update is conditional, so two requests with the same code cannot both
    /// succeed. Returns whether it was accepted.
    pub async fn accept_step(&mut self, user_id: &str, step: i64, now: i64) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE second_factors SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3) \
             WHERE user_id = $1 AND last_step < $2"
        )
        .bind(user_id)
        .bind(step)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// Removes an account's second factor and its recovery codes. Returns
    /// whether there was one.
    pub async fn delete_second_factor(&mut self, user_id: &str) -> Result<bool> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM recovery_codes WHERE user_id = $1"
        )
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        let n = on_tx!(self, |c| sqlx::query(
            "DELETE FROM second_factors WHERE user_id = $1"
        )
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Replaces an account's recovery codes (their hashes).
    pub async fn replace_recovery_codes(
        &mut self,
        user_id: &str,
        hashes: &[String],
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM recovery_codes WHERE user_id = $1"
        )
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        for h in hashes {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)"
            )
            .bind(user_id)
            .bind(h)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Uses one of an account's recovery codes (by hash) if it is unused.
    pub async fn use_recovery_code(&mut self, user_id: &str, hash: &str, now: i64) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL"
        )
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// Stores a sign-in challenge, and removes those older than `stale_before`.
    pub async fn insert_login_challenge(
        &mut self,
        c: &ChallengeRow,
        stale_before: i64,
    ) -> Result<()> {
        on_tx!(self, |x| sqlx::query(
            "DELETE FROM login_challenges WHERE created_at < $1"
        )
        .bind(stale_before)
        .execute(&mut *x)
        .await
        .map(|_| ()))?;
        on_tx!(self, |x| sqlx::query(
            "INSERT INTO login_challenges (id_hash, user_id, created_at, purpose, next, failures) \
             VALUES ($1, $2, $3, $4, $5, 0)"
        )
        .bind(&c.id_hash)
        .bind(&c.user_id)
        .bind(c.created_at)
        .bind(&c.purpose)
        .bind(&c.next)
        .execute(&mut *x)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Counts a wrong code against a challenge; returns the new count.
    pub async fn fail_login_challenge(&mut self, id_hash: &str) -> Result<i32> {
        let n: Option<i32> = on_tx!(self, |c| {
            sqlx::query_scalar(
            "UPDATE login_challenges SET failures = failures + 1 WHERE id_hash = $1 RETURNING failures"
        )
        .bind(id_hash)
        .fetch_optional(&mut *c)
        .await
        })?;
        Ok(n.unwrap_or(i32::MAX))
    }

    /// Ends a challenge. Returns whether it existed (so that only one
    /// request can turn it into a session).
    pub async fn delete_login_challenge(&mut self, id_hash: &str) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "DELETE FROM login_challenges WHERE id_hash = $1"
        )
        .bind(id_hash)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}
