-- Large-scale (organisational) enquiries about a provider or place (issue
-- "Safe at every contact"). Each adult's own enquiry stays as it is (and is
-- counted for that adult in the SAC); the large-scale enquiry links them and
-- has its own meetings, actions (the provider's among them) and closure.
CREATE TABLE large_scale_enquiries (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers(id),
    reason TEXT NOT NULL,
    alert_id TEXT REFERENCES pattern_alerts(id),
    state TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    opened_by TEXT NOT NULL REFERENCES users(id),
    opened_by_name TEXT NOT NULL,
    outcome TEXT,
    closure_summary TEXT,
    closed_at BIGINT,
    closed_by_name TEXT
);
CREATE INDEX large_scale_provider ON large_scale_enquiries (provider_id);

CREATE TABLE large_scale_links (
    lse_id TEXT NOT NULL REFERENCES large_scale_enquiries(id),
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    linked_at BIGINT NOT NULL,
    linked_by_name TEXT NOT NULL,
    PRIMARY KEY (lse_id, enquiry_id)
);
CREATE INDEX large_scale_links_enquiry ON large_scale_links (enquiry_id);

CREATE TABLE large_scale_actions (
    id TEXT PRIMARY KEY,
    lse_id TEXT NOT NULL REFERENCES large_scale_enquiries(id),
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    by_provider BOOLEAN NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by_name TEXT NOT NULL
);
CREATE INDEX large_scale_actions_lse ON large_scale_actions (lse_id);

CREATE TABLE large_scale_meetings (
    id TEXT PRIMARY KEY,
    lse_id TEXT NOT NULL REFERENCES large_scale_enquiries(id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    attendees TEXT NOT NULL,
    summary TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by_name TEXT NOT NULL
);
CREATE INDEX large_scale_meetings_lse ON large_scale_meetings (lse_id);
