-- Nothing asked twice (issue "A working day that flows"): a conclusion
-- carries over whether the person was asked and what the capacity
-- assessments found; when the lead changes either, the reason is kept.
ALTER TABLE enquiry_conclusions ADD COLUMN change_reason TEXT;
