//! Agencies, teams, user accounts, sessions and API tokens.
//!
//! Session and token ids are never stored: only their SHA-256 hashes, so a
//! copy of the database cannot be used to sign in.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// An agency row.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct AgencyRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether this is the council that owns the system.
    pub is_owner: bool,
}

/// A team row.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct TeamRow {
    /// Id.
    pub id: String,
    /// Agency id.
    pub agency_id: String,
    /// Name.
    pub name: String,
}

/// A user account with its agency.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct UserRow {
    /// Id.
    pub id: String,
    /// Username (unique).
    pub username: String,
    /// Name shown on pages.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Agency id.
    pub agency_id: String,
    /// Agency name.
    pub agency_name: String,
    /// Whether the agency owns the system.
    pub agency_is_owner: bool,
    /// Team id.
    pub team_id: Option<String>,
    /// Team name.
    pub team_name: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Failed logins since the last success.
    pub failed_logins: i32,
    /// Locked until this time (Unix ms).
    pub locked_until: Option<i64>,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
    /// Where one-time links to set the password are sent.
    pub email: Option<String>,
    /// The administrator who made the account (none for the command line).
    pub created_by: Option<String>,
    /// The account waits for a council manager's approval before its
    /// activation link is sent.
    pub awaiting_approval: bool,
    /// Holds the workforce lead's permission (organisation-wide training
    /// and audit figures).
    pub workforce_lead: bool,
}

/// A new user account.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Agency id.
    pub agency_id: String,
    /// Team id.
    pub team_id: Option<String>,
    /// Argon2id PHC string ([`NO_PASSWORD`] until the person sets one).
    pub password_hash: String,
    /// Created at (Unix ms).
    pub created_at: i64,
    /// Where one-time links go.
    pub email: Option<String>,
    /// The administrator who made it.
    pub created_by: Option<String>,
    /// Whether it waits for a manager's approval.
    pub awaiting_approval: bool,
}

/// The stored password of an account whose person has not set one yet: no
/// password matches it.
pub const NO_PASSWORD: &str = "!";

/// A session or API token as listed for its user (never the secret).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct CredentialRow {
    /// `session` or `token`.
    pub kind: String,
    /// The first 12 hex digits of its hash: enough to name it, useless to sign in.
    pub handle: String,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Last used (sessions) or expiry (tokens), Unix ms.
    pub until: i64,
}

/// A live session.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 of the session id.
    pub id_hash: String,
    /// The user.
    pub user_id: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Created at (Unix ms).
    pub created_at: i64,
    /// Last request (Unix ms).
    pub last_seen_at: i64,
}

pub(crate) const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.agency_id, a.name AS agency_name, \
     a.is_owner AS agency_is_owner, u.team_id, t.name AS team_name, u.password_hash, u.failed_logins, \
     u.locked_until, u.disabled, u.email, u.created_by, u.awaiting_approval, u.workforce_lead \
     FROM users u JOIN agencies a ON a.id = u.agency_id LEFT JOIN teams t ON t.id = u.team_id";

/// A session with its user's account, read together.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SessionUser {
    /// The session.
    #[sqlx(flatten)]
    pub session: SessionRow,
    /// Its user.
    #[sqlx(flatten)]
    pub user: UserRow,
}

/// A [`SessionUser`] whose fields are each read by `$read!` from row `$r`
/// (the session's from column 0, the user's from column 5, for a reader
/// that reads by position): the fields named once for every way a session
/// is read.
macro_rules! session_user {
    ($read:ident, $r:expr) => {
        SessionUser {
            session: $read!(
                $r,
                0,
                SessionRow {
                    id_hash,
                    user_id,
                    csrf_token,
                    created_at,
                    last_seen_at
                }
            ),
            user: $read!(
                $r,
                5,
                UserRow {
                    id,
                    username,
                    display_name,
                    role,
                    agency_id,
                    agency_name,
                    agency_is_owner,
                    team_id,
                    team_name,
                    password_hash,
                    failed_logins,
                    locked_until,
                    disabled,
                    email,
                    created_by,
                    awaiting_approval,
                    workforce_lead
                }
            ),
        }
    };
}

impl SessionUser {
    /// The row as read on the asking thread (see [`Store::session_user`]).
    pub(crate) fn from_lite(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionUser> {
        use crate::from_columns;
        Ok(session_user!(from_columns, r))
    }
}

/// The columns [`SessionUser`] is read from, as they come after
/// `SELECT`: the session's (`s`) then [`USER_SELECT`]'s.
const SESSION_COLUMNS: &str = "s.id_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at";

/// [`Store::session_user`]'s statement (session hash `$1`).
pub(crate) static SESSION_USER_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {SESSION_COLUMNS}, {} JOIN sessions s ON s.user_id = u.id WHERE s.id_hash = $1",
        USER_SELECT.trim_start_matches("SELECT ")
    )
});

/// A `SELECT` of a session (by hash `$2`) with its user, each column named
/// `su_` and its field's name, so the row can stand beside another table's
/// columns of the same names (a person's `id`, `created_at`…) and be read
/// by [`SessionUser::from_su`].
pub(crate) static SESSION_USER_SU: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let (users, from) = USER_SELECT
        .trim_start_matches("SELECT ")
        .split_once(" FROM ")
        .expect("USER_SELECT has a FROM");
    let columns: Vec<String> = SESSION_COLUMNS
        .split(',')
        .chain(users.split(','))
        .map(|c| {
            let c = c.trim();
            let (expr, name) = match c.split_once(" AS ") {
                Some((expr, name)) => (expr, name),
                None => (c, c.rsplit('.').next().unwrap_or(c)),
            };
            format!("{expr} AS su_{name}")
        })
        .collect();
    format!(
        "SELECT {} FROM {from} JOIN sessions s ON s.user_id = u.id WHERE s.id_hash = $2",
        columns.join(", ")
    )
});

/// Reads `$ty`'s named fields from a PostgreSQL row's columns `su_` and
/// the field's name (by name: `$first`, a position, is not needed).
macro_rules! from_su {
    ($r:expr, $first:expr, $ty:ident { $($field:ident),* $(,)? }) => {
        $ty {
            $($field: sqlx::Row::try_get($r, concat!("su_", stringify!($field)))?),*
        }
    };
}

impl SessionUser {
    /// The session and user of a row that read [`SESSION_USER_SU`]'s columns.
    pub(crate) fn from_su(r: &sqlx::postgres::PgRow) -> sqlx::Result<SessionUser> {
        Ok(session_user!(from_su, r))
    }
}

impl Store {
    /// A session by the hash of its id, with its user, in one read (every
    /// signed-in request starts here).
    pub async fn session_user(&self, id_hash: &str) -> Result<Option<SessionUser>> {
        let sql = &*SESSION_USER_SQL;
        // Every signed-in request starts here.
        crate::on_warm!(
            self,
            inline | c | {
                use rusqlite::OptionalExtension;
                c.prepare_cached(sql)?
                    .query_row(
                        rusqlite::named_params! {"$1": id_hash},
                        SessionUser::from_lite,
                    )
                    .optional()
            },
            |c| sqlx::query_as(sql).bind(id_hash).fetch_optional(c).await
        )
    }

    /// All agencies, the owner first.
    pub async fn list_agencies(&self) -> Result<Vec<AgencyRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, name, is_owner FROM agencies ORDER BY is_owner DESC, name"
        )
        .fetch_all(p)
        .await)?)
    }

    /// All teams.
    pub async fn list_teams(&self) -> Result<Vec<TeamRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT id, agency_id, name FROM teams ORDER BY name"
        )
        .fetch_all(p)
        .await)?)
    }

    /// A user by username.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        let sql = format!("{USER_SELECT} WHERE u.username = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(p)
            .await)?)
    }

    /// A user by id.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>> {
        let sql = format!("{USER_SELECT} WHERE u.id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Every user, by username.
    pub async fn list_users(&self) -> Result<Vec<UserRow>> {
        let sql = format!("{USER_SELECT} ORDER BY u.username");
        Ok(on_db!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// A user's live sessions and API tokens, newest first (never the secrets).
    pub async fn credentials(&self, user_id: &str, now: i64) -> Result<Vec<CredentialRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT 'session' AS kind, SUBSTR(id_hash, 1, 12) AS handle, created_at, last_seen_at AS until \
             FROM sessions WHERE user_id = $1 \
             UNION ALL SELECT 'token', SUBSTR(token_hash, 1, 12), created_at, expires_at \
             FROM api_tokens WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC"
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(p)
        .await
        })?)
    }

    /// The user of a one-time link that can still be used.
    pub async fn account_link_user(&self, token_hash: &str, now: i64) -> Result<Option<String>> {
        Ok(on_db!(self, |p| {
            sqlx::query_scalar(
            "SELECT user_id FROM account_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Whether a team has an active manager who has set a password.
    pub async fn team_has_manager(&self, team_id: &str) -> Result<bool> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE team_id = $1 AND role = 'manager' \
             AND NOT disabled AND NOT awaiting_approval AND password_hash <> $2)"
        )
        .bind(team_id)
        .bind(NO_PASSWORD)
        .fetch_one(p)
        .await)?)
    }

    /// Accounts waiting for a manager's approval, oldest first.
    pub async fn users_awaiting_approval(&self) -> Result<Vec<UserRow>> {
        let sql = format!("{USER_SELECT} WHERE u.awaiting_approval ORDER BY u.created_at");
        Ok(on_db!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// How many user accounts exist.
    pub async fn count_users(&self) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM users"
        )
        .fetch_one(p)
        .await)?)
    }

    /// A session by the hash of its id.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id_hash, user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = $1"
        )
        .bind(id_hash)
        .fetch_optional(p)
        .await
        })?)
    }

    /// The user an unexpired API token belongs to.
    pub async fn token_user(&self, token_hash: &str, now: i64) -> Result<Option<String>> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(p)
        .await)?)
    }
}

impl Tx {
    /// A user by id, read inside this transaction.
    pub async fn user_by_id(&mut self, id: &str) -> Result<Option<UserRow>> {
        let sql = format!("{USER_SELECT} WHERE u.id = $1");
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *c)
            .await)?)
    }

    /// Creates an agency.
    pub async fn insert_agency(
        &mut self,
        id: &str,
        name: &str,
        is_owner: bool,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO agencies (id, name, is_owner, created_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(id)
        .bind(name)
        .bind(is_owner)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Creates a team.
    pub async fn insert_team(&mut self, id: &str, agency_id: &str, name: &str) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO teams (id, agency_id, name) VALUES ($1, $2, $3)"
        )
        .bind(id)
        .bind(agency_id)
        .bind(name)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Creates a user account.
    pub async fn insert_user(&mut self, u: &NewUser) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO users (id, username, display_name, role, agency_id, team_id, password_hash, created_at, \
             email, created_by, awaiting_approval) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        )
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.role)
        .bind(&u.agency_id)
        .bind(&u.team_id)
        .bind(&u.password_hash)
        .bind(u.created_at)
        .bind(&u.email)
        .bind(&u.created_by)
        .bind(u.awaiting_approval)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Records a failed login: the new count and any lock.
    pub async fn set_login_failures(
        &mut self,
        user_id: &str,
        failed: i32,
        locked_until: Option<i64>,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1"
        )
        .bind(user_id)
        .bind(failed)
        .bind(locked_until)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Stores a new session.
    pub async fn insert_session(&mut self, s: &SessionRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Marks a session as used now.
    pub async fn touch_session(&mut self, id_hash: &str, now: i64) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1"
        )
        .bind(id_hash)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Ends a session. Returns whether it existed.
    pub async fn delete_session(&mut self, id_hash: &str) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "DELETE FROM sessions WHERE id_hash = $1"
        )
        .bind(id_hash)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Removes sessions idle since `idle_before` or created before `created_before`.
    pub async fn delete_expired_sessions(
        &mut self,
        idle_before: i64,
        created_before: i64,
    ) -> Result<u64> {
        Ok(on_tx!(self, |c| sqlx::query(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2"
        )
        .bind(idle_before)
        .bind(created_before)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Stores a new API token.
    pub async fn insert_token(
        &mut self,
        token_hash: &str,
        user_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Sets a user's password hash, clears any lock, and ends every session
    /// and API token of the account but the session `keep` (its hash: the
    /// one changing its own password). A password never changes while the
    /// old one's sessions go on. Returns how many sessions and tokens ended.
    pub async fn set_password(
        &mut self,
        user_id: &str,
        hash: &str,
        keep: Option<&str>,
    ) -> Result<u64> {
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1"
        )
        .bind(user_id)
        .bind(hash)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        self.end_credentials(user_id, None, keep).await
    }

    /// Disables or enables an account.
    pub async fn set_disabled(&mut self, user_id: &str, disabled: bool) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE users SET disabled = $2 WHERE id = $1"
        )
        .bind(user_id)
        .bind(disabled)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Records a manager's approval of an account.
    pub async fn approve_user(&mut self, user_id: &str, by: &str) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE users SET awaiting_approval = FALSE, approved_by = $2 WHERE id = $1 AND awaiting_approval"
        )
        .bind(user_id)
        .bind(by)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// Ends a user's sessions and API tokens: all of them, or (with
    /// `handle`) the one whose hash starts so; never the session whose hash
    /// is `keep` (the one changing its own password). Returns how many ended.
    pub async fn end_credentials(
        &mut self,
        user_id: &str,
        handle: Option<&str>,
        keep: Option<&str>,
    ) -> Result<u64> {
        let like = format!("{}%", handle.unwrap_or(""));
        let sessions = on_tx!(self, |c| sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND id_hash LIKE $2 AND id_hash <> $3"
        )
        .bind(user_id)
        .bind(&like)
        .bind(keep.unwrap_or(""))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        let tokens = on_tx!(self, |c| sqlx::query(
            "DELETE FROM api_tokens WHERE user_id = $1 AND token_hash LIKE $2"
        )
        .bind(user_id)
        .bind(&like)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(sessions + tokens)
    }

    /// Revokes one API token by its hash.
    pub async fn delete_token(&mut self, token_hash: &str) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "DELETE FROM api_tokens WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Stores a one-time link to set a password; earlier unused links of
    /// the account stop working.
    pub async fn insert_account_link(
        &mut self,
        token_hash: &str,
        user_id: &str,
        purpose: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE account_links SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL"
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(purpose)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Uses a one-time link: its user and purpose, if it is unused and
    /// unexpired (and marks it used).
    pub async fn use_account_link(
        &mut self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        let row: Option<(String, String)> = on_tx!(self, |c| {
            sqlx::query_as(
            "UPDATE account_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING user_id, purpose"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *c)
        .await
        })?;
        Ok(row)
    }

    /// Clears a user's lock and failure count.
    pub async fn unlock_user(&mut self, user_id: &str) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1"
        )
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}

/// A stashed form.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct StashRow {
    pub id_hash: String,
    pub user_id: String,
    pub path: String,
    pub body: String,
    pub created_at: i64,
}

impl Tx {
    /// Keeps a form.
    pub async fn insert_stash(&mut self, s: &StashRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query("INSERT INTO form_stash (id_hash, user_id, path, body, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&s.id_hash)
            .bind(&s.user_id)
            .bind(&s.path)
            .bind(&s.body)
            .bind(s.created_at)
            .execute(&mut *c)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Takes a kept form out (it is deleted as it is read).
    pub async fn take_stash(&mut self, id_hash: &str) -> Result<Option<StashRow>> {
        let row: Option<StashRow> = on_tx!(self, |c| sqlx::query_as(
            "SELECT id_hash, user_id, path, body, created_at FROM form_stash WHERE id_hash = $1"
        )
        .bind(id_hash)
        .fetch_optional(&mut *c)
        .await)?;
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM form_stash WHERE id_hash = $1"
        )
        .bind(id_hash)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(row)
    }

    /// Removes kept forms older than `before`.
    pub async fn purge_stash(&mut self, before: i64) -> Result<u64> {
        Ok(on_tx!(self, |c| sqlx::query(
            "DELETE FROM form_stash WHERE created_at < $1"
        )
        .bind(before)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?)
    }
}

impl Store {
    /// A user's drafts whose form address starts with `prefix`: (address, body).
    pub async fn form_drafts(&self, user_id: &str, prefix: &str) -> Result<Vec<(String, String)>> {
        let pattern = format!("{}%", prefix.replace(['%', '_', '\\'], ""));
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT path, body FROM form_drafts WHERE user_id = $1 AND path LIKE $2 ORDER BY saved_at"
        )
        .bind(user_id)
        .bind(&pattern)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Saves (or replaces) a user's draft of a form.
    pub async fn put_form_draft(
        &mut self,
        user_id: &str,
        path: &str,
        body: &str,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO form_drafts (user_id, path, body, saved_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, path) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at"
        )
        .bind(user_id)
        .bind(path)
        .bind(body)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Removes a user's draft of a form.
    pub async fn delete_form_draft(&mut self, user_id: &str, path: &str) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM form_drafts WHERE user_id = $1 AND path = $2"
        )
        .bind(user_id)
        .bind(path)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
