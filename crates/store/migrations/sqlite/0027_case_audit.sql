-- Case-file audit against Making Safeguarding Personal (issue "Practice
-- keeps improving"): templates of questions, a quarter's random sample of
-- each team's cases, an independent auditor's four-point grades with
-- evidence, findings and improvement actions, a second auditor's
-- moderation, and the worker's response.
CREATE TABLE case_audit_templates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- The template new samples use: exactly one is.
    active BOOLEAN NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL
);

-- A template's questions; a template is never edited once made (audits keep
-- the questions they were graded on), a council adds another instead.
CREATE TABLE case_audit_questions (
    template_id TEXT NOT NULL REFERENCES case_audit_templates(id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (template_id, position)
);

INSERT INTO case_audit_templates (id, name, active, created_by, created_at)
VALUES ('audit-msp', 'Making Safeguarding Personal', TRUE, NULL, 0);
INSERT INTO case_audit_questions (template_id, position, text) VALUES
    ('audit-msp', 0, 'The person''s voice is recorded in their own words'),
    ('audit-msp', 1, 'Desired outcomes were asked at the start and revisited'),
    ('audit-msp', 2, 'Consent was sought, and capacity assessed for the decision where in doubt'),
    ('audit-msp', 3, 'Advocacy was considered and arranged where needed'),
    ('audit-msp', 4, 'Protective actions are the least restrictive option'),
    ('audit-msp', 5, 'Risk is assessed with the person''s own view of it'),
    ('audit-msp', 6, 'Outcomes achieved are recorded as the person sees them'),
    ('audit-msp', 7, 'The person''s feedback was sought');

CREATE TABLE case_audits (
    id TEXT PRIMARY KEY,
    -- The calendar quarter, '2026-Q4'.
    quarter TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id),
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    template_id TEXT NOT NULL REFERENCES case_audit_templates(id),
    -- The case's lead when the sample was drawn.
    worker_id TEXT NOT NULL REFERENCES users(id),
    auditor_id TEXT REFERENCES users(id),
    moderator_id TEXT REFERENCES users(id),
    drawn_by TEXT NOT NULL REFERENCES users(id),
    drawn_at BIGINT NOT NULL,
    findings TEXT,
    graded_at BIGINT,
    moderation_note TEXT,
    moderated_at BIGINT,
    response TEXT,
    responded_at BIGINT,
    UNIQUE (quarter, enquiry_id)
);
CREATE INDEX case_audits_quarter ON case_audits (quarter, team_id);
CREATE INDEX case_audits_enquiry ON case_audits (enquiry_id);

CREATE TABLE case_audit_answers (
    audit_id TEXT NOT NULL REFERENCES case_audits(id),
    position BIGINT NOT NULL,
    grade TEXT NOT NULL,
    evidence TEXT NOT NULL,
    -- The moderator's grade where it differs.
    moderated_grade TEXT,
    PRIMARY KEY (audit_id, position)
);

CREATE TABLE case_audit_actions (
    id TEXT PRIMARY KEY,
    audit_id TEXT NOT NULL REFERENCES case_audits(id),
    action TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    due_on TEXT NOT NULL,
    done_at BIGINT
);
CREATE INDEX case_audit_actions_audit ON case_audit_actions (audit_id);

-- A review's recommendation may lead to a question case-file audit checks.
ALTER TABLE review_recommendations ADD COLUMN audit_question TEXT;
