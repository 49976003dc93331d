-- Consent and capacity linked (issue "A working day that flows"): a share
-- made because the person lacks capacity names the decision-specific
-- capacity assessment it rests on (an enquiry record of kind "capacity").
ALTER TABLE information_shares ADD COLUMN capacity_record_id TEXT;
