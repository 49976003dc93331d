-- People alleged to have caused harm, and pattern alerts (issue "Safe at
-- every contact"). An alleged person belongs to a concern (its enquiries show
-- them); a known person is their person record (no foreign key: their own
-- record may be disposed of while the allegation stays on another's concern),
-- anyone else is recognised across concerns by `match_key` (name words, with
-- the employer for staff).
CREATE TABLE alleged_persons (
    id TEXT PRIMARY KEY,
    concern_id TEXT NOT NULL REFERENCES concerns(id),
    kind TEXT NOT NULL,
    person_id TEXT,
    provider_id TEXT REFERENCES providers(id),
    name TEXT,
    description TEXT,
    relationship TEXT NOT NULL,
    match_key TEXT,
    outcome TEXT NOT NULL,
    outcome_detail TEXT,
    outcome_at BIGINT,
    outcome_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id)
);
CREATE INDEX alleged_persons_concern ON alleged_persons (concern_id);
CREATE INDEX alleged_persons_person ON alleged_persons (person_id);
CREATE INDEX alleged_persons_key ON alleged_persons (match_key);

-- The council's thresholds; a rule with no row uses its default.
CREATE TABLE pattern_rules (
    rule TEXT PRIMARY KEY,
    enabled BOOLEAN NOT NULL,
    threshold BIGINT NOT NULL,
    days BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id)
);

-- An alert: which rule fired about which subject (a person, a provider, an
-- alleged person's key), with the settings it fired under, and a manager's
-- decision. While an alert is undecided, further concerns join it.
CREATE TABLE pattern_alerts (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    subject_label TEXT NOT NULL,
    threshold BIGINT NOT NULL,
    days BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    decision TEXT,
    reasons TEXT,
    decided_at BIGINT,
    decided_by TEXT REFERENCES users(id),
    decided_by_name TEXT
);
CREATE INDEX pattern_alerts_subject ON pattern_alerts (subject_kind, subject_id, rule);
CREATE INDEX pattern_alerts_raised ON pattern_alerts (raised_at);

CREATE TABLE pattern_alert_concerns (
    alert_id TEXT NOT NULL REFERENCES pattern_alerts(id),
    concern_id TEXT NOT NULL REFERENCES concerns(id),
    PRIMARY KEY (alert_id, concern_id)
);
CREATE INDEX pattern_alert_concerns_concern ON pattern_alert_concerns (concern_id);
