-- Concerns, triage, providers, messages to raisers, chronology, calendar (PostgreSQL).
CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT,
    postcode TEXT,
    registration_id TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id)
);
CREATE INDEX providers_name ON providers (name);

CREATE TABLE concerns (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    receipt_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    raiser_kind TEXT NOT NULL,
    raiser_name TEXT,
    raiser_role TEXT,
    raiser_phone TEXT,
    raiser_email TEXT,
    raised_by TEXT REFERENCES users(id),
    raiser_agency_id TEXT REFERENCES agencies(id),
    channel TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    received_on TEXT NOT NULL,
    what_happened TEXT NOT NULL,
    where_happened TEXT,
    location_type TEXT,
    provider_name TEXT,
    provider_id TEXT REFERENCES providers(id),
    immediate_danger TEXT NOT NULL,
    consent TEXT NOT NULL,
    consent_reason TEXT,
    consent_detail TEXT,
    suspected_types TEXT NOT NULL,
    acknowledged_at BIGINT,
    decided_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX concerns_state ON concerns (state, received_at);
CREATE INDEX concerns_raised_by ON concerns (raised_by);
CREATE INDEX concerns_provider ON concerns (provider_id);

CREATE TABLE concern_adults (
    concern_id TEXT NOT NULL REFERENCES concerns(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT,
    age TEXT,
    address TEXT,
    description TEXT,
    nhs_number TEXT,
    person_id TEXT REFERENCES people(id),
    PRIMARY KEY (concern_id, position)
);
CREATE INDEX concern_adults_person ON concern_adults (person_id);

CREATE TABLE triage_decisions (
    concern_id TEXT PRIMARY KEY REFERENCES concerns(id),
    decided_at BIGINT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES users(id),
    needs TEXT NOT NULL,
    needs_evidence TEXT NOT NULL,
    abuse TEXT NOT NULL,
    abuse_evidence TEXT NOT NULL,
    unable TEXT NOT NULL,
    unable_evidence TEXT NOT NULL,
    person_views TEXT,
    immediate_actions TEXT,
    outcome TEXT NOT NULL,
    instead TEXT,
    reasons TEXT NOT NULL
);

CREATE TABLE concern_messages (
    id TEXT PRIMARY KEY,
    concern_id TEXT NOT NULL REFERENCES concerns(id),
    at BIGINT NOT NULL,
    by_user TEXT REFERENCES users(id),
    by_name TEXT NOT NULL,
    body TEXT NOT NULL,
    emailed BOOLEAN NOT NULL
);
CREATE INDEX concern_messages_concern ON concern_messages (concern_id, at);

CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at BIGINT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX email_outbox_pending ON email_outbox (sent_at, created_at);

CREATE TABLE chronology (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    concern_id TEXT REFERENCES concerns(id)
);
CREATE INDEX chronology_person ON chronology (person_id, at);

CREATE TABLE bank_holidays (
    day TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE concern_drafts (
    id_hash TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    concern_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    receipt_code TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    submitted_at BIGINT
);
