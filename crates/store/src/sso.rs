//! Single sign-on: identity-provider accounts linked to ours, and the
//! sign-ins in flight.

use sqlx::FromRow;

use crate::accounts::{USER_SELECT, UserRow};
use crate::{Result, Store, Tx, on_db, on_tx};

/// A sign-in sent to the identity provider, waiting for it to come back.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SsoRequestRow {
    /// SHA-256 of the `state` sent (and expected back).
    pub state_hash: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier for the code exchange.
    pub pkce_verifier: String,
    /// Where to go once signed in.
    pub next: String,
    /// When (ms).
    pub created_at: i64,
}

impl Store {
    /// The account linked to an identity-provider account, if any.
    pub async fn external_identity_user(
        &self,
        issuer: &str,
        tenant: &str,
        subject: &str,
    ) -> Result<Option<UserRow>> {
        let sql = format!(
            "{USER_SELECT} JOIN external_identities x ON x.user_id = u.id \
             WHERE x.issuer = $1 AND x.tenant = $2 AND x.subject = $3"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(issuer)
            .bind(tenant)
            .bind(subject)
            .fetch_optional(p)
            .await)?)
    }

    /// A pre-provisioned account not yet linked to any identity-provider
    /// account, by its email address (any case).
    pub async fn unlinked_user_by_email(&self, email: &str) -> Result<Option<UserRow>> {
        let sql = format!(
            "{USER_SELECT} WHERE lower(u.email) = lower($1) \
             AND NOT EXISTS (SELECT 1 FROM external_identities x WHERE x.user_id = u.id)"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(email)
            .fetch_optional(p)
            .await)?)
    }
}

impl Tx {
    /// Links an identity-provider account to one of ours.
    pub async fn link_identity(
        &mut self,
        issuer: &str,
        tenant: &str,
        subject: &str,
        user_id: &str,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO external_identities (issuer, tenant, subject, user_id, created_at, last_sign_in_at) \
             VALUES ($1, $2, $3, $4, $5, $5)"
        )
        .bind(issuer)
        .bind(tenant)
        .bind(subject)
        .bind(user_id)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Notes a sign-in through a linked identity.
    pub async fn touch_identity(
        &mut self,
        issuer: &str,
        tenant: &str,
        subject: &str,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE external_identities SET last_sign_in_at = $4 WHERE issuer = $1 AND tenant = $2 AND subject = $3"
        )
        .bind(issuer)
        .bind(tenant)
        .bind(subject)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Sets an account's role, team and name as the identity provider says.
    pub async fn sync_user(
        &mut self,
        user_id: &str,
        role: &str,
        team_id: Option<&str>,
        display_name: &str,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE users SET role = $2, team_id = $3, display_name = $4 WHERE id = $1"
        )
        .bind(user_id)
        .bind(role)
        .bind(team_id)
        .bind(display_name)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Stores a sign-in sent to the provider, and drops those older than `stale_before`.
    pub async fn insert_sso_request(&mut self, r: &SsoRequestRow, stale_before: i64) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM sso_requests WHERE created_at < $1"
        )
        .bind(stale_before)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO sso_requests (state_hash, nonce, pkce_verifier, next, created_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&r.state_hash)
        .bind(&r.nonce)
        .bind(&r.pkce_verifier)
        .bind(&r.next)
        .bind(r.created_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Takes (reads and removes) a sign-in in flight: each state is used once.
    pub async fn take_sso_request(&mut self, state_hash: &str) -> Result<Option<SsoRequestRow>> {
        Ok(on_tx!(self, |c| sqlx::query_as(
            "DELETE FROM sso_requests WHERE state_hash = $1 \
             RETURNING state_hash, nonce, pkce_verifier, next, created_at"
        )
        .bind(state_hash)
        .fetch_optional(&mut *c)
        .await)?)
    }
}
