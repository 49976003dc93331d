-- Every name word the search index has seen, with the word's own search
-- keys. A search first finds the words near each query word in this small
-- index, keeps those that fit, then looks up the records holding exactly
-- those words: narrow lists instead of the long ones a sound code or a
-- letter pattern shares with many unrelated names. Words are never removed
-- (a word no record holds any more finds nothing).
--
-- The keys are rows in a B-tree rather than a GIN-indexed tsvector: the
-- table is small enough that the planner would scan it and test every row
-- against the whole query, which measured 7-12 ms where index lookups of
-- each key take well under one. "C" ordering makes a prefix a key range.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY
);
CREATE TABLE search_word_keys (
    key TEXT COLLATE "C" NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (key, word)
);
-- The words are filled by the keys' rebuild at start.
UPDATE search_state SET key_scheme = 0;
