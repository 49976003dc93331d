//! An account's life after it is made: approval by a council manager,
//! activation and password resets through one-time links sent to the
//! person, changing one's own password, disabling, and ending sessions and
//! API tokens. Every step is audited. An administrator never sets, sees or
//! receives another account's password or link.

use safeguard_domain::Actor;
use safeguard_domain::policy::Action;
use safeguard_domain::validation::FieldErrors;
use safeguard_store::accounts::{CredentialRow, NO_PASSWORD, UserRow};
use time::OffsetDateTime;

use crate::accounts::{LinkPurpose, UserSummary, hash_password, password_rules, system_event};
use crate::{CoreError, CoreResult, Ctx, Safeguard, token_hash, unix_ms};

/// Changing one's own password, as typed.
#[derive(Clone, Copy, Debug)]
pub struct PasswordChange<'a> {
    /// The password now.
    pub current: &'a str,
    /// The new one.
    pub new: &'a str,
    /// The new one again.
    pub confirm: &'a str,
}

/// One account as its administrator manages it.
#[derive(Clone, Debug)]
pub struct AccountView {
    /// The account.
    pub user: UserSummary,
    /// Its live sessions and API tokens (never the secrets).
    pub credentials: Vec<CredentialRow>,
}

impl Safeguard {
    /// The account `user_id`, refusing (audited) anyone who may not manage
    /// accounts; `None` is the command line's operator.
    pub(crate) async fn managed_account(
        &self,
        by: Option<&Actor>,
        user_id: &str,
        verb: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<UserRow> {
        if let Some(a) = by {
            self.require_as(
                a,
                Action::ManageUsers,
                ctx,
                now,
                (verb, "user", Some(user_id.to_string())),
            )
            .await?;
        }
        self.store
            .user_by_id(user_id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The audit event for `by` (or the operator) doing `verb` to an account.
    pub(crate) fn account_event(
        by: Option<&Actor>,
        ctx: &Ctx,
        now: OffsetDateTime,
        verb: &str,
        user_id: &str,
        detail: &str,
    ) -> CoreResult<safeguard_store::audit::NewAuditEvent> {
        let e = match by {
            Some(a) => Self::event(a, ctx, now, verb, "user", Some(user_id.into()), "success")?,
            None => system_event(ctx, now, verb, "user", Some(user_id.into()))?,
        };
        Ok(e.with_detail(detail))
    }

    /// The id of the account called `username` (for the command line).
    pub async fn user_id_of(&self, username: &str) -> CoreResult<Option<String>> {
        Ok(self
            .store
            .user_by_username(&username.trim().to_lowercase())
            .await?
            .map(|u| u.id))
    }

    /// One account with its sessions and tokens, for an administrator (audited).
    pub async fn account(
        &self,
        by: Option<&Actor>,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AccountView> {
        let u = self.managed_account(by, user_id, "view", ctx, now).await?;
        let credentials = self.store.credentials(user_id, unix_ms(now)).await?;
        self.record(Self::account_event(
            by, ctx, now, "view", user_id, "account",
        )?)
        .await?;
        Ok(AccountView {
            user: UserSummary::of(u, unix_ms(now))?,
            credentials,
        })
    }

    /// Disables an account (its sessions and tokens end at once) or enables it.
    pub async fn set_account_disabled(
        &self,
        by: Option<&Actor>,
        user_id: &str,
        disabled: bool,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let verb = if disabled { "disable" } else { "enable" };
        self.managed_account(by, user_id, verb, ctx, now).await?;
        if disabled && by.is_some_and(|a| a.user_id.to_string() == user_id) {
            let mut e = FieldErrors::new();
            e.add("user", "You cannot disable your own account");
            return Err(CoreError::Invalid(e));
        }
        let mut tx = self.store.begin_audited().await?;
        tx.set_disabled(user_id, disabled).await?;
        let ended = if disabled {
            tx.end_credentials(user_id, None, None).await?
        } else {
            0
        };
        tx.audit(Self::account_event(
            by,
            ctx,
            now,
            verb,
            user_id,
            &format!("{ended} sessions and tokens ended"),
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends an account's sessions and API tokens: all, or the one named by
    /// `handle` (as listed). Returns how many ended.
    pub async fn end_account_credentials(
        &self,
        by: Option<&Actor>,
        user_id: &str,
        handle: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<u64> {
        self.managed_account(by, user_id, "end_sessions", ctx, now)
            .await?;
        let handle = handle.map(str::trim);
        if handle.is_some_and(|h| h.len() != 12 || !h.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(CoreError::NotFound);
        }
        let mut tx = self.store.begin_audited().await?;
        let n = tx.end_credentials(user_id, handle, None).await?;
        tx.audit(Self::account_event(
            by,
            ctx,
            now,
            "end_sessions",
            user_id,
            &format!("{n} sessions and tokens ended"),
        )?)
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Resets an account's password: it stops working at once, every
    /// session and token ends, and a one-time link to set a new one goes to
    /// the person's own email address (the administrator never sees it).
    pub async fn reset_password(
        &self,
        by: &Actor,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let u = self
            .managed_account(Some(by), user_id, "reset_password", ctx, now)
            .await?;
        let Some(email) = u.email.clone() else {
            let mut e = FieldErrors::new();
            e.add(
                "user",
                "This account has no email address to send a reset link to: the operator resets it with `safeguard user set-password`",
            );
            return Err(CoreError::Invalid(e));
        };
        let mut tx = self.store.begin_audited().await?;
        let ended = tx.set_password(user_id, NO_PASSWORD, None).await?;
        if !u.awaiting_approval {
            self.send_account_link(
                &mut tx,
                user_id,
                &email,
                &u.display_name,
                LinkPurpose::Reset,
                now,
            )
            .await?;
        }
        tx.audit(Self::account_event(
            Some(by),
            ctx,
            now,
            "reset_password",
            user_id,
            &format!("link sent to the account's address; {ended} sessions and tokens ended"),
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets an account's password from the command line (the operator, who
    /// holds the database anyway); every session and token ends.
    pub async fn operator_set_password(
        &self,
        user_id: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut e = FieldErrors::new();
        password_rules(&mut e, "password", password);
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        self.store
            .user_by_id(user_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let pw = password.to_string();
        let hash = self.hashing.run(move || hash_password(&pw)).await??;
        let ctx = Ctx::default();
        let mut tx = self.store.begin_audited().await?;
        let ended = tx.set_password(user_id, &hash, None).await?;
        tx.audit(Self::account_event(
            None,
            &ctx,
            now,
            "reset_password",
            user_id,
            &format!("set by the operator; {ended} sessions and tokens ended"),
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accounts waiting for a council manager's approval (managers).
    pub async fn accounts_awaiting_approval(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<UserSummary>> {
        self.require_as(
            actor,
            Action::ApproveAccounts,
            ctx,
            now,
            ("view", "user", None),
        )
        .await?;
        self.store
            .users_awaiting_approval()
            .await?
            .into_iter()
            .map(|u| UserSummary::of(u, unix_ms(now)))
            .collect()
    }

    /// A council manager approves an account an administrator made: for an
    /// account in a council team, a manager of that team; never the
    /// administrator who made it. Its activation link then goes to the
    /// person's own address.
    pub async fn approve_account(
        &self,
        actor: &Actor,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("approve", "user", Some(user_id.to_string()));
        self.require_as(actor, Action::ApproveAccounts, ctx, now, attempted.clone())
            .await?;
        let Some(u) = self.store.user_by_id(user_id).await? else {
            return Err(CoreError::NotFound);
        };
        // A council team's manager approves its accounts; when the team has
        // no active manager yet (its first), any council manager may.
        let own_team = match (&u.team_id, u.agency_is_owner) {
            (Some(team), true) => {
                Some(team.as_str()) == actor.team_id.map(|t| t.to_string()).as_deref()
                    || !self.store.team_has_manager(team).await?
            }
            _ => true,
        };
        let maker = u.created_by.as_deref() == Some(actor.user_id.to_string().as_str());
        if !u.awaiting_approval || !own_team || maker {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    attempted,
                    if u.awaiting_approval {
                        CoreError::Forbidden
                    } else {
                        CoreError::NotFound
                    },
                )
                .await;
        }
        let mut tx = self.store.begin_audited().await?;
        if !tx.approve_user(user_id, &actor.user_id.to_string()).await? {
            return Err(CoreError::Conflict);
        }
        if let Some(email) = &u.email {
            self.send_account_link(
                &mut tx,
                user_id,
                email,
                &u.display_name,
                LinkPurpose::Activate,
                now,
            )
            .await?;
        }
        tx.audit(Self::account_event(
            Some(actor),
            ctx,
            now,
            "approve",
            user_id,
            "activation link sent to the account's address",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The username a one-time link is for, while it can still be used.
    pub async fn account_link_username(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Option<String>> {
        let Some(user_id) = self
            .store
            .account_link_user(&token_hash(token), unix_ms(now))
            .await?
        else {
            return Ok(None);
        };
        Ok(self.store.user_by_id(&user_id).await?.map(|u| u.username))
    }

    /// Sets the password through a one-time link (the person themselves):
    /// the link is used up; any sessions and tokens end.
    pub async fn set_password_by_link(
        &self,
        token: &str,
        password: &str,
        confirm: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut e = FieldErrors::new();
        password_rules(&mut e, "password", password);
        if password != confirm {
            e.add("confirm", "Enter the same password twice");
        }
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let pw = password.to_string();
        let hash = self.hashing.run(move || hash_password(&pw)).await??;
        let mut tx = self.store.begin_audited().await?;
        let Some((user_id, purpose)) = tx
            .use_account_link(&token_hash(token), unix_ms(now))
            .await?
        else {
            return Err(CoreError::NotFound);
        };
        let Some(u) = tx.user_by_id(&user_id).await? else {
            return Err(CoreError::NotFound);
        };
        tx.set_password(&user_id, &hash, None).await?;
        let mut ev = system_event(ctx, now, "set_password", "user", Some(user_id.clone()))?;
        ev.actor_id = Some(user_id.clone());
        ev.actor_name = u.username.clone();
        ev.actor_role = u.role.clone();
        tx.audit(ev.with_detail(format!("by one-time link ({purpose})")))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes one's own password, given the current one; every other
    /// session (all but `keep_session`, the one in use) and every API token ends.
    pub async fn change_password(
        &self,
        actor: &Actor,
        change: &PasswordChange<'_>,
        keep_session: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let PasswordChange {
            current,
            new,
            confirm,
        } = *change;
        let mut e = FieldErrors::new();
        password_rules(&mut e, "new_password", new);
        if new != confirm {
            e.add("confirm", "Enter the same new password twice");
        }
        let user_id = actor.user_id.to_string();
        let Some(u) = self.store.user_by_id(&user_id).await? else {
            return Err(CoreError::NotFound);
        };
        let (cur, phc) = (current.to_string(), u.password_hash.clone());
        let good = self
            .hashing
            .run(move || crate::accounts::verify_password(&cur, &phc))
            .await?;
        if !good {
            e.add("current_password", "Enter your current password correctly");
        }
        if !good {
            // Like a failed sign-in: recorded, and counted by nobody as a refusal of access.
            let mut tx = self.store.begin_audited().await?;
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "set_password",
                    "user",
                    Some(user_id.clone()),
                    "failure",
                )?
                .with_reason("wrong current password"),
            )
            .await?;
            tx.commit().await?;
        }
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let pw = new.to_string();
        let hash = self.hashing.run(move || hash_password(&pw)).await??;
        let mut tx = self.store.begin_audited().await?;
        let keep = keep_session.map(token_hash);
        let ended = tx.set_password(&user_id, &hash, keep.as_deref()).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "set_password",
                "user",
                Some(user_id),
                "success",
            )?
            .with_detail(format!(
                "own password; {ended} other sessions and tokens ended"
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes the API token in use (signing out of the API).
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        token: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let mut tx = self.store.begin_audited().await?;
        tx.delete_token(&token_hash(token)).await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "logout",
            "token",
            Some(actor.user_id.to_string()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
