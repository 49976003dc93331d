-- Audit events committed with their writes, waiting to be appended to the
-- chain (see the PostgreSQL migration). SQLite has one writer at a time, so
-- it appends to the chain inside each write's own transaction and this
-- table stays empty; it exists so both schemas are the same.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    at INTEGER NOT NULL,
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
