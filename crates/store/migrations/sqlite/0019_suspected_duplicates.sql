-- Records that may be the same person: found when someone made a new record
-- despite likely matches, for a manager to review (merge, or mark as two
-- people). `reasons` holds the words shown ("same date of birth; ...").
CREATE TABLE suspected_duplicates (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id),
    other_id TEXT NOT NULL REFERENCES people(id),
    score BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    found_at BIGINT NOT NULL,
    found_by TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('open', 'distinct', 'merged')),
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    UNIQUE (person_id, other_id)
);
CREATE INDEX suspected_duplicates_state ON suspected_duplicates (state, found_at);
CREATE INDEX suspected_duplicates_other ON suspected_duplicates (other_id);
