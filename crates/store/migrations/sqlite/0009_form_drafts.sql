-- Forms a user saved as a draft to finish later (SQLite).
CREATE TABLE form_drafts (
    user_id TEXT NOT NULL REFERENCES users(id),
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, path)
);
