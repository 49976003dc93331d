-- Audit events committed with their writes, waiting to be appended to the
-- chain. On PostgreSQL an audited write commits its events here, without
-- waiting for the chain's head; a sequencer then appends them to
-- audit_events in order, in batches, and deletes them from here in the same
-- transaction. Readers of the trail append what is waiting first.
CREATE TABLE audit_pending (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    request_id TEXT,
    detail TEXT
);
