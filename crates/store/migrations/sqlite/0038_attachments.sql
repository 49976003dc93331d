-- Attachments (issue "Fits a council's estate"): documents, photos and
-- recordings kept with a person's record, a concern or an enquiry, read
-- with exactly that record's access. The file itself is in the object
-- store (under quarantine/ until a virus scan releases it to released/);
-- the row holds what it is (from its first bytes), the SHA-256 of the
-- original (also in the audit chain) and where its scan stands.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    -- 'person', 'concern' or 'enquiry'.
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    -- The person it is about, when known (a person's own, or an enquiry's).
    person_id TEXT,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    description TEXT,
    -- 'quarantined' (waiting for its scan), 'released' or 'infected'.
    status TEXT NOT NULL,
    scan_result TEXT,
    scanned_at BIGINT,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_by_name TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_owner ON attachments (owner_kind, owner_id, uploaded_at);
CREATE INDEX attachments_person ON attachments (person_id);
CREATE INDEX attachments_status ON attachments (status);
