-- A mark for each person's page parts that change only as other tables are
-- written: the newest chronology entries and their count, the enquiries,
-- the merges kept into the record and the pattern alerts about it. A new
-- random mark is drawn whenever any of those rows is added, changed or
-- removed, in the same transaction, by the triggers below (so no write
-- path can miss it). A server that read a person's parts with mark M may
-- show them again while the person's mark is still M (the page's one
-- statement reads the mark with the record and the reader's access flags,
-- and the parts only when the mark has moved): decision 0027.
--
-- Random, not counted up: a mark is never drawn twice in practice, even
-- after the database is restored to an earlier point while a server keeps
-- marks it read later. A person with no row has mark 0.
CREATE TABLE person_page_marks (
    person_id TEXT PRIMARY KEY,
    mark BIGINT NOT NULL
);

-- New marks for `people`, in person order, so two statements marking the
-- same people lock their rows in the same order. PL/pgSQL, not SQL, so the
-- upsert's plan is kept between calls (a SQL function is planned at every
-- call: that tripled what the trigger added to a one-row insert).
CREATE FUNCTION person_page_marks_draw(people TEXT[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    SELECT person_id, 1 + floor(random() * 9007199254740990)::bigint
    FROM (SELECT DISTINCT person_id FROM unnest(people) AS u (person_id)
          WHERE person_id IS NOT NULL) d
    ORDER BY person_id
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END $$;

-- Once a statement, for every person a changed row was about before or
-- after: the trigger's argument names the column that says who (a table's
-- own column read from the row as JSON, so one function serves every table;
-- PL/pgSQL keeps a compiled copy, with its plans, for each table).
CREATE FUNCTION person_page_marks_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM person_page_marks_draw(ARRAY(
            SELECT to_jsonb(a) ->> TG_ARGV[0] FROM added a));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM person_page_marks_draw(ARRAY(
            SELECT to_jsonb(r) ->> TG_ARGV[0] FROM removed r));
    ELSE
        PERFORM person_page_marks_draw(ARRAY(
            SELECT to_jsonb(a) ->> TG_ARGV[0] FROM added a
            UNION SELECT to_jsonb(r) ->> TG_ARGV[0] FROM removed r));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER person_page_marks_added AFTER INSERT ON chronology
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('person_id');
CREATE TRIGGER person_page_marks_removed AFTER DELETE ON chronology
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('person_id');
CREATE TRIGGER person_page_marks_changed AFTER UPDATE ON chronology
REFERENCING OLD TABLE AS removed NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('person_id');

CREATE TRIGGER person_page_marks_added AFTER INSERT ON enquiries
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('person_id');
CREATE TRIGGER person_page_marks_removed AFTER DELETE ON enquiries
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('person_id');
CREATE TRIGGER person_page_marks_changed AFTER UPDATE ON enquiries
REFERENCING OLD TABLE AS removed NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('person_id');

CREATE TRIGGER person_page_marks_added AFTER INSERT ON person_merges
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('kept_id');
CREATE TRIGGER person_page_marks_removed AFTER DELETE ON person_merges
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('kept_id');
CREATE TRIGGER person_page_marks_changed AFTER UPDATE ON person_merges
REFERENCING OLD TABLE AS removed NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('kept_id');

-- An alert's subject of any kind: a mark drawn for a provider's id is never
-- read, and costs nothing the page would notice.
CREATE TRIGGER person_page_marks_added AFTER INSERT ON pattern_alerts
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('subject_id');
CREATE TRIGGER person_page_marks_removed AFTER DELETE ON pattern_alerts
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('subject_id');
CREATE TRIGGER person_page_marks_changed AFTER UPDATE ON pattern_alerts
REFERENCING OLD TABLE AS removed NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('subject_id');
