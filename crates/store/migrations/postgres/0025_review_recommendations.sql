-- Learning from reviews (issue "Practice keeps improving"): each Safeguarding
-- Adults Review's recommendations, with an owner, a date and a status, and
-- the training level they lead to.
CREATE TABLE review_recommendations (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES safeguarding_reviews(id),
    text TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    level_id TEXT REFERENCES competence_levels(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX review_recommendations_review ON review_recommendations (review_id, due_on);
