-- Safeguarding plan actions (SQLite).
CREATE TABLE plan_actions (
    id TEXT PRIMARY KEY,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome_id TEXT REFERENCES desired_outcomes(id),
    less_restrictive TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX plan_actions_enquiry ON plan_actions (enquiry_id, due_on);
CREATE INDEX plan_actions_due ON plan_actions (status, due_on);
