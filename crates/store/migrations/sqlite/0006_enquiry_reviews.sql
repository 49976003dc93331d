-- The next scheduled review of an enquiry's plan (SQLite).
ALTER TABLE enquiries ADD COLUMN next_review_on TEXT;
