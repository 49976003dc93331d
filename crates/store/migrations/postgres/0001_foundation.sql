-- Foundation schema (PostgreSQL). Never edit once shipped: add a new migration.
CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    is_owner BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    name TEXT NOT NULL,
    UNIQUE (agency_id, name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    team_id TEXT REFERENCES teams(id),
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    date_of_birth TEXT,
    nhs_number TEXT,
    address_line_1 TEXT,
    address_line_2 TEXT,
    town TEXT,
    postcode TEXT,
    gender TEXT NOT NULL,
    gender_description TEXT,
    ethnicity TEXT NOT NULL,
    primary_support_reason TEXT NOT NULL,
    learning_disability BOOLEAN NOT NULL,
    autism BOOLEAN NOT NULL,
    asperger BOOLEAN NOT NULL,
    preferred_language TEXT,
    interpreter_needed BOOLEAN NOT NULL,
    communication_needs TEXT NOT NULL,
    communication_notes TEXT,
    what_matters_to_me TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX people_nhs_number ON people (nhs_number);
CREATE INDEX people_family_name ON people (family_name, given_name);

CREATE TABLE person_other_names (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (person_id, position)
);

CREATE TABLE person_key_people (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    contact TEXT,
    appropriate_person TEXT NOT NULL,
    notes TEXT,
    PRIMARY KEY (person_id, position)
);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    request_id TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id);
CREATE INDEX audit_events_actor ON audit_events (actor_id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
