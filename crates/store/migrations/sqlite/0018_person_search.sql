-- Person search: an inverted index of search keys (normalised name words,
-- phonetic codes, letters in order) computed when a record is saved, so a
-- search is index lookups, never a scan. FTS5 with no content of its own
-- holds the keys; `person_search_ids` gives each record the integer row the
-- index needs.
CREATE TABLE person_search_ids (
    seq INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL UNIQUE REFERENCES people(id)
);
CREATE VIRTUAL TABLE person_search USING fts5(
    keys, content = '', contentless_delete = 1, detail = 'none',
    tokenize = 'unicode61 remove_diacritics 0'
);
-- Which key scheme the stored keys follow; older ones are rebuilt at start.
CREATE TABLE search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_scheme BIGINT NOT NULL
);
INSERT INTO search_state (id, key_scheme) VALUES (1, 0);
CREATE INDEX people_date_of_birth ON people (date_of_birth);
CREATE INDEX people_postcode ON people (postcode);
