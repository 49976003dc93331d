-- Retention: a certificate for each disposal, holding what was disposed
-- (counts, dates, the rule) and who disposed of it — no personal data.
-- Never edit once shipped.
CREATE TABLE disposal_certificates (
    id TEXT PRIMARY KEY,
    record_type TEXT NOT NULL,
    rule TEXT NOT NULL,
    last_activity_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    disposed_at BIGINT NOT NULL,
    disposed_by TEXT NOT NULL
);
