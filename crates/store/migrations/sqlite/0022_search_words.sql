-- Every name word the search index has seen, with the word's own search
-- keys. A search first finds the words near each query word in this small
-- index, keeps those that fit, then looks up the records holding exactly
-- those words: narrow lists instead of the long ones a sound code or a
-- letter pattern shares with many unrelated names. Words are never removed
-- (a word no record holds any more finds nothing).
CREATE TABLE search_words (
    id INTEGER PRIMARY KEY,
    word TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE search_word_keys USING fts5(
    keys, content = '', contentless_delete = 1, detail = 'none',
    tokenize = 'unicode61 remove_diacritics 0'
);
-- The words are filled by the keys' rebuild at start.
UPDATE search_state SET key_scheme = 0;
