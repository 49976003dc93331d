-- Information sharing: each disclosure of a person's information, on a
-- recorded lawful basis; a share with a partner agency may open named parts
-- of an enquiry to that agency's staff. Never edit once shipped.
CREATE TABLE information_shares (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id),
    enquiry_id TEXT REFERENCES enquiries(id),
    what TEXT NOT NULL,
    agency_id TEXT REFERENCES agencies(id),
    recipient TEXT,
    purpose TEXT NOT NULL,
    article6 TEXT NOT NULL,
    article9 TEXT NOT NULL,
    consent TEXT NOT NULL,
    override_reason TEXT,
    override_detail TEXT,
    shared_on TEXT NOT NULL,
    parts TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX information_shares_person ON information_shares (person_id, shared_on);
CREATE INDEX information_shares_enquiry ON information_shares (enquiry_id, agency_id);
CREATE INDEX information_shares_agency ON information_shares (agency_id, enquiry_id);
