-- Reflective practice (issue "Practice keeps improving"): a worker's
-- reflective log, private to them and their supervisor unless they share it,
-- optionally about a case and a safeguarding principle, with or without a
-- peer; it and their learning make the year's CPD record.
CREATE TABLE reflections (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    written_on TEXT NOT NULL,
    title TEXT NOT NULL,
    what_happened TEXT NOT NULL,
    learned TEXT NOT NULL,
    will_change TEXT NOT NULL,
    principle TEXT,
    enquiry_id TEXT REFERENCES enquiries(id),
    peer_id TEXT REFERENCES users(id),
    hours_tenths BIGINT NOT NULL CHECK (hours_tenths >= 0),
    shared BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX reflections_user ON reflections (user_id, written_on);
CREATE INDEX reflections_enquiry ON reflections (enquiry_id);
