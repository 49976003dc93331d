-- How many chronology entries each person has, kept as entries are added,
-- moved between people (a merge and its undoing) and removed (disposal), so
-- the person's page reads its total as one row instead of counting the
-- person's entries on every opening (500 index entries for a person with a
-- 500-event history: a twelfth of the page's cost). A row goes when its
-- person has no entries left. Maintained only by the triggers below, so no
-- write path can miss it.
CREATE TABLE chronology_counts (
    person_id TEXT PRIMARY KEY,
    entries INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO chronology_counts (person_id, entries)
SELECT person_id, COUNT(*) FROM chronology GROUP BY person_id;

CREATE TRIGGER chronology_counts_added AFTER INSERT ON chronology
BEGIN
    INSERT INTO chronology_counts (person_id, entries) VALUES (NEW.person_id, 1)
    ON CONFLICT (person_id) DO UPDATE SET entries = entries + 1;
END;

CREATE TRIGGER chronology_counts_removed AFTER DELETE ON chronology
BEGIN
    UPDATE chronology_counts SET entries = entries - 1 WHERE person_id = OLD.person_id;
    DELETE FROM chronology_counts WHERE person_id = OLD.person_id AND entries <= 0;
END;

CREATE TRIGGER chronology_counts_moved AFTER UPDATE OF person_id ON chronology
WHEN OLD.person_id IS NOT NEW.person_id
BEGIN
    UPDATE chronology_counts SET entries = entries - 1 WHERE person_id = OLD.person_id;
    DELETE FROM chronology_counts WHERE person_id = OLD.person_id AND entries <= 0;
    INSERT INTO chronology_counts (person_id, entries) VALUES (NEW.person_id, 1)
    ON CONFLICT (person_id) DO UPDATE SET entries = entries + 1;
END;
