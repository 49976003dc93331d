-- The Safeguarding Adults Collection return.
-- SG1d counts a person once per primary support reason they had across the
-- year's cases, so each case keeps the reason as it was when it began.
ALTER TABLE enquiries ADD COLUMN support_reason TEXT;
ALTER TABLE concern_adults ADD COLUMN support_reason TEXT;
UPDATE enquiries SET support_reason = (SELECT primary_support_reason FROM people WHERE people.id = enquiries.person_id);
UPDATE concern_adults SET support_reason = (SELECT primary_support_reason FROM people WHERE people.id = concern_adults.person_id)
    WHERE person_id IS NOT NULL;

-- SG4a part 2 is one answer per enquiry: fully when every expressed outcome
-- was fully achieved, not when none was achieved at all, otherwise partially
-- (safeguard_domain::sac::enquiry_achievement; this fills in earlier rows).
ALTER TABLE enquiry_conclusions ADD COLUMN achievement TEXT;
UPDATE enquiry_conclusions SET achievement = (
    SELECT CASE
        WHEN COUNT(*) = 0 THEN NULL
        WHEN SUM(CASE WHEN d.achievement = 'fully' THEN 1 ELSE 0 END) = COUNT(*) THEN 'fully'
        WHEN SUM(CASE WHEN d.achievement = 'not' THEN 1 ELSE 0 END) = COUNT(*) THEN 'not'
        ELSE 'partially' END
    FROM desired_outcomes d
    WHERE d.enquiry_id = enquiry_conclusions.enquiry_id AND d.active AND d.achievement IS NOT NULL
) WHERE asked = 'yes_expressed';
CREATE INDEX enquiry_conclusions_concluded ON enquiry_conclusions (concluded_on);
CREATE INDEX enquiries_started ON enquiries (started_on);
CREATE INDEX concerns_received_on ON concerns (received_on);

-- Safeguarding Adults Reviews (Care Act s44), for SG5.
CREATE TABLE safeguarding_reviews (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    commissioned_on TEXT NOT NULL,
    completed_on TEXT,
    individuals_died BIGINT NOT NULL,
    individuals_survived BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id)
);
CREATE INDEX safeguarding_reviews_completed ON safeguarding_reviews (completed_on);
