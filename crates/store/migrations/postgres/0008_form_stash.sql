-- What a user typed into a form that arrived after their session had ended,
-- kept for at most an hour so they can save it after signing in again (PostgreSQL).
CREATE TABLE form_stash (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
