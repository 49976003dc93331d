-- How many chronology entries each person has, kept as entries are added,
-- moved between people (a merge and its undoing) and removed (disposal), so
-- the person's page reads its total as one row instead of counting the
-- person's entries on every opening (500 index entries for a person with a
-- 500-event history). A row goes when its person has no entries left.
-- Maintained only by the trigger below, so no write path can miss it.
CREATE TABLE chronology_counts (
    person_id TEXT PRIMARY KEY,
    entries BIGINT NOT NULL
);

INSERT INTO chronology_counts (person_id, entries)
SELECT person_id, COUNT(*) FROM chronology GROUP BY person_id;

-- Once a statement: each person's change is netted over the rows it added
-- and removed (an update that moves entries does both), and applied in
-- person order, so two statements changing the same people lock their rows
-- in the same order. The row's lock makes concurrent changes to one person
-- take turns, so none is lost.
CREATE FUNCTION chronology_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    people TEXT[];
    changes BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(person_id ORDER BY person_id), array_agg(n ORDER BY person_id)
        INTO people, changes
        FROM (SELECT person_id, COUNT(*) AS n FROM added GROUP BY person_id) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(person_id ORDER BY person_id), array_agg(n ORDER BY person_id)
        INTO people, changes
        FROM (SELECT person_id, -COUNT(*) AS n FROM removed GROUP BY person_id) c;
    ELSE
        SELECT array_agg(person_id ORDER BY person_id), array_agg(n ORDER BY person_id)
        INTO people, changes
        FROM (
            SELECT person_id, SUM(n) AS n FROM (
                SELECT person_id, 1 AS n FROM added
                UNION ALL SELECT person_id, -1 FROM removed
            ) moved GROUP BY person_id HAVING SUM(n) <> 0
        ) c;
    END IF;
    IF people IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO chronology_counts (person_id, entries)
    SELECT person_id, n FROM unnest(people, changes) AS c (person_id, n) ORDER BY person_id
    ON CONFLICT (person_id)
    DO UPDATE SET entries = chronology_counts.entries + excluded.entries;
    DELETE FROM chronology_counts WHERE entries <= 0 AND person_id = ANY (people);
    RETURN NULL;
END $$;

CREATE TRIGGER chronology_counts_added AFTER INSERT ON chronology
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION chronology_counts_follow();

CREATE TRIGGER chronology_counts_removed AFTER DELETE ON chronology
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION chronology_counts_follow();

CREATE TRIGGER chronology_counts_moved AFTER UPDATE ON chronology
REFERENCING OLD TABLE AS removed NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION chronology_counts_follow();
