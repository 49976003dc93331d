-- Two-factor sign-in for local accounts (issue "Fits a council's estate"):
-- an authenticator app's secret (TOTP, RFC 6238) per account, with the last
-- time step accepted so that no code is ever accepted twice; one-time
-- recovery codes (only their SHA-256 kept); and the short-lived challenge
-- between a correct password and the second factor.
CREATE TABLE second_factors (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- NULL while being set up: the first correct code confirms it.
    confirmed_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE login_challenges (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    -- 'code' (enter a code) or 'setup' (a role that requires a second
    -- factor, none set up yet).
    purpose TEXT NOT NULL,
    next TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_challenges_created ON login_challenges (created_at);
