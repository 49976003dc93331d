-- Partners update the actions they own (issue "A working day that flows"):
-- a plan action is owned by the person, a worker's account or a partner
-- agency, not free text, so owners see their actions and move them on.
-- `owner` stays as the name shown.
ALTER TABLE plan_actions ADD COLUMN owner_user_id TEXT REFERENCES users(id);
ALTER TABLE plan_actions ADD COLUMN owner_agency_id TEXT REFERENCES agencies(id);
CREATE INDEX plan_actions_owner_user ON plan_actions (owner_user_id, due_on);
CREATE INDEX plan_actions_owner_agency ON plan_actions (owner_agency_id, due_on);
