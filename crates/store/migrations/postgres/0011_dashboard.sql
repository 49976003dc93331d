-- The managers' dashboard reads concerns by the day they were received and
-- concluded enquiries by the day they were concluded; these indexes hold
-- every column it counts, so it never reads the records themselves.
CREATE INDEX concerns_dashboard ON concerns
    (received_on, decided_at, raiser_kind, location_type, provider_id, suspected_types);
CREATE INDEX enquiry_conclusions_dashboard ON enquiry_conclusions
    (concluded_on, enquiry_id, asked, achievement, action_result, risk_outcome);
CREATE INDEX enquiries_kind_state ON enquiries (id, kind, state);
