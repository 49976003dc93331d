-- Person search: an inverted index (GIN over a tsvector of search keys:
-- normalised name words, phonetic codes, letters in order) computed when a
-- record is saved, so a search is index lookups, never a scan.
CREATE TABLE person_search (
    person_id TEXT PRIMARY KEY REFERENCES people(id),
    keys TSVECTOR NOT NULL
);
CREATE INDEX person_search_keys ON person_search USING GIN (keys);
-- Which key scheme the stored keys follow; older ones are rebuilt at start.
CREATE TABLE search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_scheme BIGINT NOT NULL
);
INSERT INTO search_state (id, key_scheme) VALUES (1, 0);
CREATE INDEX people_date_of_birth ON people (date_of_birth);
CREATE INDEX people_postcode ON people (postcode);
