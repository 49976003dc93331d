-- Two records of one person merged: the record merged away stays (so the
-- merge can be undone exactly) but points at the one kept, and is found by
-- no search. `kept_before` and `merged_before` are both records as they
-- were (JSON), `moved` the rows that moved from one to the other.
ALTER TABLE people ADD COLUMN merged_into TEXT REFERENCES people(id);
CREATE TABLE person_merges (
    id TEXT PRIMARY KEY,
    kept_id TEXT NOT NULL REFERENCES people(id),
    merged_id TEXT NOT NULL REFERENCES people(id),
    kept_version_after BIGINT NOT NULL,
    kept_before TEXT NOT NULL,
    merged_before TEXT NOT NULL,
    taken_from_merged TEXT NOT NULL,
    moved TEXT NOT NULL,
    merged_at BIGINT NOT NULL,
    merged_by TEXT NOT NULL REFERENCES users(id),
    undone_at BIGINT,
    undone_by TEXT REFERENCES users(id)
);
CREATE INDEX person_merges_kept ON person_merges (kept_id, merged_at);
CREATE INDEX person_merges_merged ON person_merges (merged_id);
