-- Competence by job as well as by role (issue "Practice keeps improving":
-- "the level each role or job needs"). An account may carry a job title an
-- administrator sets; a council names the levels each job title needs, on
-- top of what the account's role needs.
CREATE TABLE user_job_titles (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    job_title TEXT NOT NULL
);

CREATE TABLE competence_job_requirements (
    job_title TEXT NOT NULL,
    level_id TEXT NOT NULL REFERENCES competence_levels(id),
    PRIMARY KEY (job_title, level_id)
);
