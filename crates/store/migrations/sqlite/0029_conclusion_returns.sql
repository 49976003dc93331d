-- A conclusion returned for changes (issue "A working day that flows"):
-- why, by whom and when, so the lead sees what to change and the enquiry's
-- history keeps it.
CREATE TABLE conclusion_returns (
    id TEXT PRIMARY KEY,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    reason TEXT NOT NULL,
    returned_by TEXT NOT NULL REFERENCES users(id),
    returned_at BIGINT NOT NULL
);
CREATE INDEX conclusion_returns_enquiry ON conclusion_returns (enquiry_id, returned_at);
