-- Unusual-access checks read the audit trail by time.
CREATE INDEX audit_events_at ON audit_events (at);
