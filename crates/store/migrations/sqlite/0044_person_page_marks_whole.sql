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

CREATE TRIGGER person_page_marks_person_other_names_added AFTER INSERT ON person_other_names
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_other_names_removed AFTER DELETE ON person_other_names
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_other_names_changed AFTER UPDATE ON person_other_names
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_key_people_added AFTER INSERT ON person_key_people
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_key_people_removed AFTER DELETE ON person_key_people
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_key_people_changed AFTER UPDATE ON person_key_people
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_restrictions_added AFTER INSERT ON person_restrictions
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_restrictions_removed AFTER DELETE ON person_restrictions
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_restrictions_changed AFTER UPDATE ON person_restrictions
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_restriction_access_added AFTER INSERT ON restriction_access
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_restriction_access_removed AFTER DELETE ON restriction_access
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_restriction_access_changed AFTER UPDATE ON restriction_access
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_break_glass_added AFTER INSERT ON break_glass
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_break_glass_removed AFTER DELETE ON break_glass
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_break_glass_changed AFTER UPDATE ON break_glass
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_deciders_added AFTER INSERT ON person_deciders
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_deciders_removed AFTER DELETE ON person_deciders
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_deciders_changed AFTER UPDATE ON person_deciders
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_people_removed AFTER DELETE ON people
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_people_changed AFTER UPDATE ON people
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

-- The teams holding a person are found through their holders' users: a
-- user moved to another team (or removed) changes the holding teams of
-- every person that user holds. One mark for the whole directory, drawn
-- anew then, is read beside each person's mark; such changes are rare (an
-- administrator's), and every held page is then read afresh. What is held
-- names the holding teams by id only, so a team renamed changes nothing
-- held, and a team still in use cannot be removed.
CREATE TABLE directory_marks (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    mark INTEGER NOT NULL
);
INSERT INTO directory_marks (only_row, mark) VALUES (1, 1 + abs(random() % 9007199254740990));

CREATE TRIGGER directory_marks_moved AFTER UPDATE OF team_id ON users
WHEN OLD.team_id IS NOT NEW.team_id
BEGIN
    UPDATE directory_marks SET mark = 1 + abs(random() % 9007199254740990);
END;

CREATE TRIGGER directory_marks_users_removed AFTER DELETE ON users
BEGIN
    UPDATE directory_marks SET mark = 1 + abs(random() % 9007199254740990);
END;
