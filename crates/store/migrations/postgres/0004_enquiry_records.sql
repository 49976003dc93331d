-- Records made during an enquiry: advocacy checks, capacity assessments, consent (PostgreSQL).
-- The validated record is kept as JSON; the kind says which domain type it is.
CREATE TABLE enquiry_records (
    id TEXT PRIMARY KEY,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id),
    by_name TEXT NOT NULL
);
CREATE INDEX enquiry_records_enquiry ON enquiry_records (enquiry_id, kind, at);
