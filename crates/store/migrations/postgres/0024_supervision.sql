-- Supervision (issue "Practice keeps improving"): who supervises each
-- worker and how often, the sessions, the cases discussed in them with the
-- decisions (a case's page shows these, never the notes), and the actions
-- agreed with owners and dates.
CREATE TABLE supervision_agreements (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    supervisor_id TEXT NOT NULL REFERENCES users(id),
    frequency_weeks BIGINT NOT NULL CHECK (frequency_weeks BETWEEN 1 AND 26),
    started_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);

CREATE TABLE supervision_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    supervisor_id TEXT NOT NULL REFERENCES users(id),
    held_on TEXT NOT NULL,
    wellbeing TEXT NOT NULL,
    -- Private to the worker and their supervisor.
    notes TEXT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX supervision_sessions_user ON supervision_sessions (user_id, held_on);

CREATE TABLE supervision_cases (
    session_id TEXT NOT NULL REFERENCES supervision_sessions(id),
    position BIGINT NOT NULL,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    decision TEXT NOT NULL,
    PRIMARY KEY (session_id, position)
);
CREATE INDEX supervision_cases_enquiry ON supervision_cases (enquiry_id);

CREATE TABLE supervision_actions (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES supervision_sessions(id),
    action TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    due_on TEXT NOT NULL,
    done_at BIGINT
);
CREATE INDEX supervision_actions_session ON supervision_actions (session_id);
