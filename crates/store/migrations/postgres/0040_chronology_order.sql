-- A person's chronology is read newest first, ties on `at` broken by id
-- (the person page's latest entries, the chronology's pages). With the id in
-- the index those reads walk it backwards and stop at the page's last entry,
-- instead of reading every entry the person has and sorting them.
DROP INDEX chronology_person;
CREATE INDEX chronology_person ON chronology (person_id, at, id);
