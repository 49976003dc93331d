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
    decisions BIGINT NOT NULL,
    PRIMARY KEY (person_id, user_id)
);

INSERT INTO person_deciders (person_id, user_id, decisions)
SELECT a.person_id, d.decided_by, COUNT(*)
FROM concern_adults a JOIN triage_decisions d ON d.concern_id = a.concern_id
WHERE a.person_id IS NOT NULL
GROUP BY a.person_id, d.decided_by;

-- Adds `n` (or, negative, takes away) pairs to a person's row for a decider.
CREATE FUNCTION person_deciders_bump(person TEXT, decider TEXT, n BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF n > 0 THEN
        INSERT INTO person_deciders (person_id, user_id, decisions) VALUES (person, decider, n)
        ON CONFLICT (person_id, user_id)
        DO UPDATE SET decisions = person_deciders.decisions + excluded.decisions;
    ELSE
        UPDATE person_deciders SET decisions = decisions + n
        WHERE person_id = person AND user_id = decider;
        DELETE FROM person_deciders
        WHERE person_id = person AND user_id = decider AND decisions <= 0;
    END IF;
END $$;

-- Each trigger locks the concern's row first, so two transactions changing
-- the same concern's decision and its links take turns, and the second reads
-- what the first committed (each statement here takes a new snapshot).

CREATE FUNCTION person_deciders_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    linked RECORD;
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM concerns WHERE id = OLD.concern_id FOR UPDATE;
        FOR linked IN SELECT person_id FROM concern_adults
            WHERE concern_id = OLD.concern_id AND person_id IS NOT NULL LOOP
            PERFORM person_deciders_bump(linked.person_id, OLD.decided_by, -1);
        END LOOP;
    ELSE
        PERFORM 1 FROM concerns WHERE id = NEW.concern_id FOR UPDATE;
        FOR linked IN SELECT person_id FROM concern_adults
            WHERE concern_id = NEW.concern_id AND person_id IS NOT NULL LOOP
            PERFORM person_deciders_bump(linked.person_id, NEW.decided_by, 1);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER person_deciders_decisions AFTER INSERT OR DELETE ON triage_decisions
FOR EACH ROW EXECUTE FUNCTION person_deciders_decisions();

-- A decision's concern and decider never change (a decision is a record
-- of who decided what); refusing it keeps the counts above simple.
CREATE FUNCTION triage_decisions_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a triage decision''s concern and decider do not change';
END $$;

CREATE TRIGGER triage_decisions_fixed BEFORE UPDATE OF concern_id, decided_by ON triage_decisions
FOR EACH ROW WHEN (OLD.concern_id IS DISTINCT FROM NEW.concern_id
                   OR OLD.decided_by IS DISTINCT FROM NEW.decided_by)
EXECUTE FUNCTION triage_decisions_fixed();

CREATE FUNCTION person_deciders_links() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    decider TEXT;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.person_id IS NOT NULL THEN
        PERFORM 1 FROM concerns WHERE id = OLD.concern_id FOR UPDATE;
        SELECT decided_by INTO decider FROM triage_decisions WHERE concern_id = OLD.concern_id;
        IF decider IS NOT NULL THEN
            PERFORM person_deciders_bump(OLD.person_id, decider, -1);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.person_id IS NOT NULL THEN
        PERFORM 1 FROM concerns WHERE id = NEW.concern_id FOR UPDATE;
        SELECT decided_by INTO decider FROM triage_decisions WHERE concern_id = NEW.concern_id;
        IF decider IS NOT NULL THEN
            PERFORM person_deciders_bump(NEW.person_id, decider, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- Only rows naming a person count: public concerns name nobody yet.
CREATE TRIGGER person_deciders_linked AFTER INSERT ON concern_adults
FOR EACH ROW WHEN (NEW.person_id IS NOT NULL) EXECUTE FUNCTION person_deciders_links();
CREATE TRIGGER person_deciders_unlinked AFTER DELETE ON concern_adults
FOR EACH ROW WHEN (OLD.person_id IS NOT NULL) EXECUTE FUNCTION person_deciders_links();
CREATE TRIGGER person_deciders_relinked AFTER UPDATE OF concern_id, person_id ON concern_adults
FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id
                   OR OLD.concern_id IS DISTINCT FROM NEW.concern_id)
EXECUTE FUNCTION person_deciders_links();
