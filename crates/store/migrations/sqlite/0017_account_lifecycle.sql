-- Accounts an administrator makes are activated by the person themselves,
-- through a one-time link sent to their own email address, and (for roles
-- that read people's records) only after a council manager other than the
-- administrator has approved them. An administrator never sets or learns
-- another account's password.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN created_by TEXT;
ALTER TABLE users ADD COLUMN awaiting_approval BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN approved_by TEXT;

-- One-time links to set a password (activation or reset); only hashes kept.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX account_links_user ON account_links (user_id);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
