//! Single sign-on: an identity the organisation's OpenID Connect provider
//! vouched for (the web layer runs the protocol and checks the ID token)
//! becomes a session here. The identity is the provider's immutable object
//! id within the organisation's tenant, never a name or an email; roles and
//! team come from the provider's app-role claims through a mapping in
//! configuration, and are brought up to date at every sign-in.

use safeguard_domain::Role;
use safeguard_store::accounts::{NO_PASSWORD, NewUser, SessionRow, UserRow};
use safeguard_store::audit::NewAuditEvent;
use safeguard_store::sso::SsoRequestRow;
use time::OffsetDateTime;

use crate::accounts::actor_of;
use crate::{
    CoreError, CoreResult, Ctx, LoginOutcome, Safeguard, new_uuid, random_token, token_hash,
    unix_ms,
};

/// How long a sign-in may stay at the identity provider.
const REQUEST_MS: i64 = 10 * 60_000;

/// Single sign-on settings.
#[derive(Clone, Debug, Default)]
pub struct SsoSettings {
    /// The provider's issuer (for Entra ID, the organisation's own tenant
    /// address, never the shared `common` one).
    pub issuer: String,
    /// The tenant whose accounts may sign in (`tid` claim), when set.
    pub tenant: Option<String>,
    /// App-role claim values and the role each gives, in order of precedence.
    pub role_map: Vec<(String, Role)>,
    /// App-role claim values and the team (by name, in the council) each gives.
    pub team_map: Vec<(String, String)>,
    /// Make an account at the first sign-in of someone with a mapped role
    /// (otherwise only accounts made beforehand, matched once by email).
    pub provision: bool,
}

/// Who the identity provider says signed in (from a verified ID token).
#[derive(Clone, Debug, Default)]
pub struct SsoIdentity {
    /// The token's issuer.
    pub issuer: String,
    /// The tenant (`tid`), or empty.
    pub tenant: String,
    /// The immutable object id (`oid`), or the subject (`sub`) without one.
    pub subject: String,
    /// The name to show.
    pub name: String,
    /// The sign-in name or email (`preferred_username`, `email`).
    pub email: Option<String>,
    /// The app roles (`roles`).
    pub app_roles: Vec<String>,
}

impl Safeguard {
    /// Keeps a sign-in sent to the provider (only the state's hash).
    pub async fn start_sso(
        &self,
        state: &str,
        nonce: &str,
        pkce_verifier: &str,
        next: &str,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let now_ms = unix_ms(now);
        let mut tx = self.store.begin().await?;
        tx.insert_sso_request(
            &SsoRequestRow {
                state_hash: token_hash(state),
                nonce: nonce.to_string(),
                pkce_verifier: pkce_verifier.to_string(),
                next: next.chars().take(2_000).collect(),
                created_at: now_ms,
            },
            now_ms - REQUEST_MS,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the sign-in a returning `state` names: once, within ten minutes.
    pub async fn take_sso(
        &self,
        state: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Option<SsoRequestRow>> {
        let mut tx = self.store.begin().await?;
        let found = tx.take_sso_request(&token_hash(state)).await?;
        tx.commit().await?;
        Ok(found.filter(|r| unix_ms(now) - r.created_at <= REQUEST_MS))
    }

    fn sso_event(
        id: &SsoIdentity,
        user: Option<&UserRow>,
        ctx: &Ctx,
        now: OffsetDateTime,
        outcome: Result<(), &str>,
    ) -> CoreResult<NewAuditEvent> {
        Ok(NewAuditEvent {
            id: new_uuid(now)?.to_string(),
            at: unix_ms(now),
            actor_id: user.map(|u| u.id.clone()),
            actor_name: user
                .map(|u| u.username.clone())
                .or_else(|| id.email.clone())
                .unwrap_or_else(|| id.subject.clone()),
            actor_role: user
                .map(|u| u.role.clone())
                .unwrap_or_else(|| "unknown".into()),
            action: "login".into(),
            subject_type: "session".into(),
            subject_id: user.map(|u| u.id.clone()),
            outcome: if outcome.is_ok() {
                "success"
            } else {
                "failure"
            }
            .into(),
            reason: outcome.err().map(str::to_string),
            request_id: ctx.request_id.clone(),
            detail: Some(format!("single sign-on ({})", id.issuer)),
        })
    }

    /// Refuses a single sign-on: audited, `BadCredentials`.
    async fn refuse_sso<T>(
        &self,
        id: &SsoIdentity,
        user: Option<&UserRow>,
        ctx: &Ctx,
        now: OffsetDateTime,
        why: &str,
    ) -> CoreResult<T> {
        self.record(Self::sso_event(id, user, ctx, now, Err(why))?)
            .await?;
        Err(CoreError::BadCredentials)
    }

    /// Signs in someone the identity provider vouched for: their linked
    /// account, else an account made beforehand with their email (linked
    /// now), else (when provisioning is on) a new one. Role and team are set
    /// from their app roles every time; someone with no mapped role, from
    /// another tenant, or whose account is disabled is refused (audited).
    pub async fn sso_sign_in(
        &self,
        id: &SsoIdentity,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<LoginOutcome> {
        let Some(settings) = self.config.sso.as_ref() else {
            return Err(CoreError::Forbidden);
        };
        if id.issuer != settings.issuer {
            return self.refuse_sso(id, None, ctx, now, "another issuer").await;
        }
        if settings.tenant.as_ref().is_some_and(|t| *t != id.tenant) {
            return self.refuse_sso(id, None, ctx, now, "another tenant").await;
        }
        if id.subject.is_empty() {
            return self.refuse_sso(id, None, ctx, now, "no object id").await;
        }
        let Some(role) = settings
            .role_map
            .iter()
            .find(|(claim, _)| id.app_roles.iter().any(|r| r == claim))
            .map(|(_, role)| *role)
        else {
            return self
                .refuse_sso(id, None, ctx, now, "no Safeguard role assigned")
                .await;
        };
        let owner = self
            .store
            .list_agencies()
            .await?
            .into_iter()
            .find(|a| a.is_owner)
            .ok_or(CoreError::Forbidden)?;
        let team_id = match settings
            .team_map
            .iter()
            .find(|(claim, _)| id.app_roles.iter().any(|r| r == claim))
        {
            Some((_, name)) => self
                .store
                .list_teams()
                .await?
                .into_iter()
                .find(|t| t.agency_id == owner.id && t.name.eq_ignore_ascii_case(name))
                .map(|t| t.id),
            None => None,
        };
        let now_ms = unix_ms(now);
        let name = if id.name.trim().is_empty() {
            id.email.clone().unwrap_or_else(|| id.subject.clone())
        } else {
            id.name.trim().chars().take(100).collect()
        };
        // Read who they are before taking the write transaction, so the
        // lock is held only for the writes.
        let linked = self
            .store
            .external_identity_user(&id.issuer, &id.tenant, &id.subject)
            .await?;
        let made_before = match (&linked, &id.email) {
            (None, Some(e)) => self.store.unlinked_user_by_email(e).await?,
            _ => None,
        };
        let new_username = match (&linked, &made_before) {
            (None, None) if settings.provision => Some(self.free_username(id).await?),
            _ => None,
        };
        let mut tx = self.store.begin_audited().await?;
        let user_id = match linked {
            Some(u) => {
                tx.touch_identity(&id.issuer, &id.tenant, &id.subject, now_ms)
                    .await?;
                u.id
            }
            None => {
                let uid = match (made_before, new_username) {
                    (Some(u), _) => u.id,
                    (None, Some(username)) => {
                        let uid = new_uuid(now)?.to_string();
                        tx.insert_user(&NewUser {
                            id: uid.clone(),
                            username,
                            display_name: name.clone(),
                            role: role.code().into(),
                            agency_id: owner.id.clone(),
                            team_id: team_id.clone(),
                            password_hash: NO_PASSWORD.into(),
                            created_at: now_ms,
                            email: id.email.clone(),
                            created_by: None,
                            awaiting_approval: false,
                        })
                        .await?;
                        uid
                    }
                    (None, None) => {
                        drop(tx);
                        return self
                            .refuse_sso(id, None, ctx, now, "no account for this person")
                            .await;
                    }
                };
                tx.link_identity(&id.issuer, &id.tenant, &id.subject, &uid, now_ms)
                    .await?;
                uid
            }
        };
        tx.sync_user(&user_id, role.code(), team_id.as_deref(), &name)
            .await?;
        let user = tx.user_by_id(&user_id).await?.ok_or(CoreError::NotFound)?;
        if user.disabled {
            drop(tx);
            return self
                .refuse_sso(id, Some(&user), ctx, now, "account disabled")
                .await;
        }
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
        tx.audit(Self::sso_event(id, Some(&user), ctx, now, Ok(()))?)
            .await?;
        tx.commit().await?;
        Ok(LoginOutcome {
            session_token,
            csrf_token,
            actor,
        })
    }

    /// A username for a new account: the sign-in name's part before `@`,
    /// in the letters usernames allow, made unique with a number.
    async fn free_username(&self, id: &SsoIdentity) -> CoreResult<String> {
        let source = id.email.as_deref().unwrap_or(&id.name);
        let local = source.split('@').next().unwrap_or_default().to_lowercase();
        let mut base: String = local
            .chars()
            .map(|c| if c.is_whitespace() { '.' } else { c })
            .filter(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
            })
            .take(40)
            .collect();
        if base.len() < 3 {
            base = format!(
                "sso.{}",
                id.subject
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(8)
                    .collect::<String>()
                    .to_lowercase()
            );
        }
        let mut candidate = base.clone();
        for n in 2..1000 {
            if self.store.user_by_username(&candidate).await?.is_none() {
                return Ok(candidate);
            }
            candidate = format!("{base}{n}");
        }
        Err(CoreError::Internal("no free username".into()))
    }
}
