-- Competence and training (issue "Practice keeps improving").
--
-- A framework's levels are data a council edits; the shipped defaults are the
-- intercollegiate adult safeguarding levels 1-5 and the Bournemouth National
-- Competency Framework's staff groups A-D. Within a framework a higher rank
-- includes the lower ones: a current Level 3 meets a Level 2 requirement.
CREATE TABLE competence_levels (
    id TEXT PRIMARY KEY,
    framework TEXT NOT NULL,
    rank BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    -- How long learning at this level stays current.
    refresh_months BIGINT NOT NULL CHECK (refresh_months BETWEEN 1 AND 120),
    -- Hours of learning the level asks for over that period (tenths of an hour).
    hours_tenths BIGINT NOT NULL CHECK (hours_tenths >= 0),
    UNIQUE (framework, rank)
);

-- The level each role needs (a council's training needs analysis).
CREATE TABLE competence_requirements (
    role TEXT NOT NULL,
    level_id TEXT NOT NULL REFERENCES competence_levels(id),
    PRIMARY KEY (role, level_id)
);

-- Settings of the workforce module: one row.
CREATE TABLE workforce_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    -- The current level an enquiry lead needs; allocating anyone without it
    -- needs a manager's recorded reason.
    enquiry_lead_level_id TEXT REFERENCES competence_levels(id)
);

-- A course or other learning a worker did.
CREATE TABLE learning_records (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT,
    completed_on TEXT NOT NULL,
    hours_tenths BIGINT NOT NULL CHECK (hours_tenths >= 0),
    -- The level it evidences, if any, and until when.
    level_id TEXT REFERENCES competence_levels(id),
    expires_on TEXT,
    evidence TEXT,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX learning_records_user ON learning_records (user_id, completed_on);

-- Leads allocated without the required current competence, with the
-- manager's reason (shown on the compliance page).
CREATE TABLE competence_overrides (
    id TEXT PRIMARY KEY,
    enquiry_id TEXT NOT NULL REFERENCES enquiries(id),
    lead_id TEXT NOT NULL REFERENCES users(id),
    level_id TEXT NOT NULL REFERENCES competence_levels(id),
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES users(id),
    decided_at BIGINT NOT NULL
);
CREATE INDEX competence_overrides_at ON competence_overrides (decided_at);

-- Reminders already queued, so each is sent once: 90, 60 and 30 days before
-- a level runs out, and when it has.
CREATE TABLE learning_reminders (
    user_id TEXT NOT NULL REFERENCES users(id),
    level_id TEXT NOT NULL REFERENCES competence_levels(id),
    expires_on TEXT NOT NULL,
    band TEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, level_id, expires_on, band)
);

-- The safeguarding lead or principal social worker: sees workforce and audit
-- figures for the whole organisation (never case content by this alone).
ALTER TABLE users ADD COLUMN workforce_lead BOOLEAN NOT NULL DEFAULT FALSE;

INSERT INTO competence_levels (id, framework, rank, name, description, refresh_months, hours_tenths) VALUES
 ('level-ic-1', 'intercollegiate', 1, 'Level 1', 'All staff working in health care settings: recognise and report abuse and neglect.', 36, 5),
 ('level-ic-2', 'intercollegiate', 2, 'Level 2', 'Staff who have regular contact with patients, their families or the public.', 36, 40),
 ('level-ic-3', 'intercollegiate', 3, 'Level 3', 'Registered staff who assess, plan, intervene and evaluate where there are safeguarding concerns.', 36, 80),
 ('level-ic-4', 'intercollegiate', 4, 'Level 4', 'Specialist roles: named professionals.', 36, 240),
 ('level-ic-5', 'intercollegiate', 5, 'Level 5', 'Specialist roles: designated professionals.', 36, 240),
 ('level-bnc-a', 'bournemouth', 1, 'Staff group A', 'All staff: aware of abuse and neglect, and know how to report it.', 36, 10),
 ('level-bnc-b', 'bournemouth', 2, 'Staff group B', 'Workers with direct contact with adults who may be at risk.', 36, 30),
 ('level-bnc-c', 'bournemouth', 3, 'Staff group C', 'Practitioners who lead or contribute to safeguarding enquiries.', 24, 120),
 ('level-bnc-d', 'bournemouth', 4, 'Staff group D', 'Managers who oversee safeguarding practice, allocate and supervise.', 24, 180);

INSERT INTO competence_requirements (role, level_id) VALUES
 ('practitioner', 'level-bnc-c'),
 ('manager', 'level-bnc-d');

INSERT INTO workforce_settings (id, enquiry_lead_level_id) VALUES (1, 'level-bnc-c');
