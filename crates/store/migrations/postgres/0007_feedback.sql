-- The person's feedback at or after closure, and one-time links to give it (PostgreSQL).
CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    respondent TEXT NOT NULL,
    representative TEXT,
    answers TEXT NOT NULL,
    comment TEXT,
    method TEXT NOT NULL,
    at BIGINT NOT NULL,
    recorded_by TEXT REFERENCES users(id)
);
CREATE INDEX feedback_enquiry ON feedback (enquiry_id);

CREATE TABLE feedback_links (
    token_hash TEXT PRIMARY KEY,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    respondent TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
