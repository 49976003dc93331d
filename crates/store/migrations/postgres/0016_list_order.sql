-- Lists of concerns and enquiries are read oldest first and stop after a
-- page: these let the database walk them in that order and stop early,
-- rather than check every row against the reader's need-to-know and sort.
CREATE INDEX concerns_received ON concerns (received_at, id);
CREATE INDEX enquiries_created ON enquiries (created_at, id);
