-- Need-to-know: restricted records and their access lists, emergency
-- (break-glass) openings awaiting review, and enquiries' need-to-know teams.
-- Never edit once shipped: add a new migration.

CREATE TABLE person_restrictions (
    person_id TEXT PRIMARY KEY REFERENCES people(id),
    reason TEXT NOT NULL,
    contact TEXT NOT NULL,
    restricted_by TEXT NOT NULL REFERENCES users(id),
    restricted_at BIGINT NOT NULL
);

CREATE TABLE restriction_access (
    person_id TEXT NOT NULL REFERENCES person_restrictions(person_id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    added_by TEXT NOT NULL REFERENCES users(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, user_id)
);

CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    reviewed_by TEXT REFERENCES users(id),
    reviewed_at BIGINT,
    justified BOOLEAN,
    finding TEXT
);
CREATE INDEX break_glass_user ON break_glass (user_id, person_id, expires_at);
CREATE INDEX break_glass_review ON break_glass (reviewed_at, opened_at);

CREATE TABLE enquiry_members (
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (enquiry_id, user_id)
);
CREATE INDEX enquiry_members_user ON enquiry_members (user_id);

-- Who holds a case is read from the people who decided and lead its work.
CREATE INDEX triage_decisions_by ON triage_decisions (decided_by);
CREATE INDEX enquiries_lead ON enquiries (lead_user_id);
CREATE INDEX people_created_by ON people (created_by);
