-- Enquiries led by the person: desired outcomes with history, conclusions (PostgreSQL).
CREATE TABLE enquiries (
    id TEXT PRIMARY KEY,
    concern_id TEXT NOT NULL REFERENCES concerns(id),
    person_id TEXT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    lead_user_id TEXT REFERENCES users(id),
    caused_agency_id TEXT REFERENCES agencies(id),
    started_on TEXT NOT NULL,
    asked TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (concern_id, person_id)
);
CREATE INDEX enquiries_person ON enquiries (person_id);
CREATE INDEX enquiries_state ON enquiries (state);

CREATE TABLE desired_outcomes (
    id TEXT PRIMARY KEY,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    expressed_by TEXT NOT NULL,
    representative TEXT,
    expressed_on TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    achievement TEXT,
    comment TEXT
);
CREATE INDEX desired_outcomes_enquiry ON desired_outcomes (enquiry_id, position);

CREATE TABLE desired_outcome_history (
    id TEXT PRIMARY KEY,
    outcome_id TEXT NOT NULL REFERENCES desired_outcomes(id),
    at BIGINT NOT NULL,
    by_name TEXT NOT NULL,
    change TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX desired_outcome_history_outcome ON desired_outcome_history (outcome_id, at);

CREATE TABLE enquiry_conclusions (
    enquiry_id TEXT PRIMARY KEY REFERENCES enquiries(id),
    risk_types TEXT NOT NULL,
    locations TEXT NOT NULL,
    sources TEXT NOT NULL,
    provider_id TEXT REFERENCES providers(id),
    action_result TEXT NOT NULL,
    risk_outcome TEXT,
    capacity TEXT NOT NULL,
    capacity_support BOOLEAN,
    asked TEXT NOT NULL,
    concluded_on TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES users(id),
    proposed_at BIGINT NOT NULL,
    signed_off_by TEXT REFERENCES users(id),
    signed_off_at BIGINT
);
