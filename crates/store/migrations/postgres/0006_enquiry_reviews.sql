-- The next scheduled review of an enquiry's plan (PostgreSQL).
ALTER TABLE enquiries ADD COLUMN next_review_on TEXT;
