-- Who decided a concern about each person, kept as the decisions and the
-- links between concerns and people change, so the access check finds a
-- person's holders by the person instead of looking up the decision of every
-- concern ever raised about them (500 lookups for a person with 500 concerns,
-- on every opening of their record). `decisions` counts the pairs of a linked
-- adult and a decision behind the row; a row goes when it reaches none.
-- Maintained only by the triggers below, so no write path can miss it.
CREATE TABLE person_deciders (
    person_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    decisions INTEGER NOT NULL,
    PRIMARY KEY (person_id, user_id)
) WITHOUT ROWID;

INSERT INTO person_deciders (person_id, user_id, decisions)
SELECT a.person_id, d.decided_by, COUNT(*)
FROM concern_adults a JOIN triage_decisions d ON d.concern_id = a.concern_id
WHERE a.person_id IS NOT NULL
GROUP BY a.person_id, d.decided_by;

CREATE TRIGGER person_deciders_decided AFTER INSERT ON triage_decisions
BEGIN
    INSERT INTO person_deciders (person_id, user_id, decisions)
    SELECT person_id, NEW.decided_by, COUNT(*) FROM concern_adults
    WHERE concern_id = NEW.concern_id AND person_id IS NOT NULL GROUP BY person_id
    ON CONFLICT (person_id, user_id) DO UPDATE SET decisions = decisions + excluded.decisions;
END;

CREATE TRIGGER person_deciders_undecided AFTER DELETE ON triage_decisions
BEGIN
    UPDATE person_deciders SET decisions = decisions - (SELECT COUNT(*) FROM concern_adults a
        WHERE a.concern_id = OLD.concern_id AND a.person_id = person_deciders.person_id)
    WHERE user_id = OLD.decided_by
      AND person_id IN (SELECT person_id FROM concern_adults WHERE concern_id = OLD.concern_id);
    DELETE FROM person_deciders WHERE user_id = OLD.decided_by AND decisions <= 0
      AND person_id IN (SELECT person_id FROM concern_adults WHERE concern_id = OLD.concern_id);
END;

-- A decision's concern and decider never change (a decision is a record
-- of who decided what); refusing it keeps the counts above simple.
CREATE TRIGGER triage_decisions_fixed BEFORE UPDATE OF concern_id, decided_by ON triage_decisions
WHEN OLD.concern_id IS NOT NEW.concern_id OR OLD.decided_by IS NOT NEW.decided_by
BEGIN
    SELECT RAISE(ABORT, 'a triage decision''s concern and decider do not change');
END;

CREATE TRIGGER person_deciders_linked AFTER INSERT ON concern_adults
WHEN NEW.person_id IS NOT NULL
BEGIN
    INSERT INTO person_deciders (person_id, user_id, decisions)
    SELECT NEW.person_id, decided_by, 1 FROM triage_decisions WHERE concern_id = NEW.concern_id
    ON CONFLICT (person_id, user_id) DO UPDATE SET decisions = decisions + 1;
END;

CREATE TRIGGER person_deciders_unlinked AFTER DELETE ON concern_adults
WHEN OLD.person_id IS NOT NULL
BEGIN
    UPDATE person_deciders SET decisions = decisions - 1 WHERE person_id = OLD.person_id
      AND user_id IN (SELECT decided_by FROM triage_decisions WHERE concern_id = OLD.concern_id);
    DELETE FROM person_deciders WHERE person_id = OLD.person_id AND decisions <= 0;
END;

CREATE TRIGGER person_deciders_relinked AFTER UPDATE OF concern_id, person_id ON concern_adults
WHEN OLD.person_id IS NOT NEW.person_id OR OLD.concern_id IS NOT NEW.concern_id
BEGIN
    UPDATE person_deciders SET decisions = decisions - 1 WHERE person_id = OLD.person_id
      AND user_id IN (SELECT decided_by FROM triage_decisions WHERE concern_id = OLD.concern_id);
    DELETE FROM person_deciders WHERE person_id = OLD.person_id AND decisions <= 0;
    INSERT INTO person_deciders (person_id, user_id, decisions)
    SELECT NEW.person_id, decided_by, 1 FROM triage_decisions
    WHERE concern_id = NEW.concern_id AND NEW.person_id IS NOT NULL
    ON CONFLICT (person_id, user_id) DO UPDATE SET decisions = decisions + 1;
END;
