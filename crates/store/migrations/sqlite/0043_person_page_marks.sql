-- A mark for each person's page parts that change only as other tables are
-- written (the newest chronology entries and their count, the enquiries,
-- the merges kept into the record, the pattern alerts about it): a new
-- random mark whenever one of those rows is added, changed or removed, in
-- the same transaction, by the triggers below, so a server may show the
-- parts it read at mark M again while the person's mark is still M
-- (decision 0027). A person with no row has mark 0; marks are 1 to 2^53-1.
CREATE TABLE person_page_marks (
    person_id TEXT PRIMARY KEY,
    mark INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER person_page_marks_chronology_added AFTER INSERT ON chronology
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_chronology_removed AFTER DELETE ON chronology
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_chronology_changed AFTER UPDATE ON chronology
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_enquiries_added AFTER INSERT ON enquiries
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_enquiries_removed AFTER DELETE ON enquiries
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_enquiries_changed AFTER UPDATE ON enquiries
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.person_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_merges_added AFTER INSERT ON person_merges
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.kept_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_merges_removed AFTER DELETE ON person_merges
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.kept_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_person_merges_changed AFTER UPDATE ON person_merges
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.kept_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.kept_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_pattern_alerts_added AFTER INSERT ON pattern_alerts
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.subject_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_pattern_alerts_removed AFTER DELETE ON pattern_alerts
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.subject_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;

CREATE TRIGGER person_page_marks_pattern_alerts_changed AFTER UPDATE ON pattern_alerts
BEGIN
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (OLD.subject_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
    INSERT INTO person_page_marks (person_id, mark)
    VALUES (NEW.subject_id, 1 + abs(random() % 9007199254740990))
    ON CONFLICT (person_id) DO UPDATE SET mark = excluded.mark;
END;
