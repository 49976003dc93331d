-- The person's page mark (migration 0043) comes to follow everything the
-- page shows and everything the access policy weighs about the person for
-- any reader, so that a server holding a person's page at mark M may show
-- all of it again while the mark is still M, reading only who is asking
-- and the mark (decision 0029): the record itself (an edit, a merge into
-- another record), its other names and key people, the restriction and
-- its access list, break-glass openings, and who decided a concern about
-- the person (`person_deciders`, itself kept by triggers). Enquiries, and
-- so their leads, are followed already.
--
-- A new person has no mark row (mark 0) and nothing held: a record is
-- first read whole. So inserts into `people` draw nothing, and adding a
-- person costs what it did.
DO $$
DECLARE
    followed RECORD;
BEGIN
    FOR followed IN SELECT * FROM (VALUES
        ('person_other_names', 'person_id'),
        ('person_key_people', 'person_id'),
        ('person_restrictions', 'person_id'),
        ('restriction_access', 'person_id'),
        ('break_glass', 'person_id'),
        ('person_deciders', 'person_id')) AS v (tab, col)
    LOOP
        EXECUTE format('CREATE TRIGGER person_page_marks_added AFTER INSERT ON %I '
            'REFERENCING NEW TABLE AS added '
            'FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow(%L)',
            followed.tab, followed.col);
        EXECUTE format('CREATE TRIGGER person_page_marks_removed AFTER DELETE ON %I '
            'REFERENCING OLD TABLE AS removed '
            'FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow(%L)',
            followed.tab, followed.col);
        EXECUTE format('CREATE TRIGGER person_page_marks_changed AFTER UPDATE ON %I '
            'REFERENCING OLD TABLE AS removed NEW TABLE AS added '
            'FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow(%L)',
            followed.tab, followed.col);
    END LOOP;
END $$;

CREATE TRIGGER person_page_marks_removed AFTER DELETE ON people
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('id');
CREATE TRIGGER person_page_marks_changed AFTER UPDATE ON people
REFERENCING OLD TABLE AS removed NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION person_page_marks_follow('id');

-- The teams holding a person are found through their holders' users: a
-- user moved to another team (or removed) changes the holding teams of
-- every person that user holds. One mark for the whole directory, drawn
-- anew then, is read beside each person's mark; such changes are rare (an
-- administrator's), and every held page is then read afresh. What is held
-- names the holding teams by id only, so a team renamed changes nothing
-- held, and a team still in use cannot be removed.
CREATE TABLE directory_marks (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    mark BIGINT NOT NULL
);
INSERT INTO directory_marks (only_row, mark)
VALUES (TRUE, 1 + floor(random() * 9007199254740990)::bigint);

CREATE FUNCTION directory_marks_draw() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE directory_marks SET mark = 1 + floor(random() * 9007199254740990)::bigint;
    RETURN NULL;
END $$;

CREATE TRIGGER directory_marks_moved AFTER UPDATE OF team_id ON users
FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id)
EXECUTE FUNCTION directory_marks_draw();
CREATE TRIGGER directory_marks_users_removed AFTER DELETE ON users
FOR EACH STATEMENT EXECUTE FUNCTION directory_marks_draw();
