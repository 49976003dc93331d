-- Contacts and case notes (issue "A working day that flows"): visits,
-- calls and conversations with the person and others, with what the person
-- said in their own words; and the worker's curation of the chronology:
-- significant events, each with the worker's analysis.
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    with_person BOOLEAN NOT NULL,
    others TEXT,
    person_words TEXT,
    note TEXT NOT NULL,
    chronology_id TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_by_name TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX contacts_person ON contacts (person_id, held_on);

ALTER TABLE chronology ADD COLUMN significant BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE chronology ADD COLUMN analysis TEXT;
