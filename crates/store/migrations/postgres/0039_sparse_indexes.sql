-- Columns most rows leave empty are indexed only where they hold a value:
-- a public concern (no raiser account, no provider) and its audit event
-- (no actor) then write three index pages fewer, and every lookup by these
-- columns (`= value`) still uses the index.
DROP INDEX concerns_raised_by;
CREATE INDEX concerns_raised_by ON concerns (raised_by) WHERE raised_by IS NOT NULL;
DROP INDEX concerns_provider;
CREATE INDEX concerns_provider ON concerns (provider_id) WHERE provider_id IS NOT NULL;
DROP INDEX audit_events_actor;
CREATE INDEX audit_events_actor ON audit_events (actor_id) WHERE actor_id IS NOT NULL;
