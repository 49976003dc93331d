-- Single sign-on with OpenID Connect (issue "Fits a council's estate"):
-- the identity provider's accounts linked to ours, by issuer, tenant and
-- the provider's immutable object id (never by a name or an email, which
-- can change hands); and the sign-ins in flight (state, nonce and PKCE
-- verifier), kept server-side for ten minutes.
CREATE TABLE external_identities (
    issuer TEXT NOT NULL,
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    last_sign_in_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, tenant, subject)
);
CREATE INDEX external_identities_user ON external_identities (user_id);

CREATE TABLE sso_requests (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sso_requests_created ON sso_requests (created_at);
