-- crm-index schema, version 2: what the read-only API needs to search and list fast.

-- Full-text search over name, email and company (GET /v1/records?q= and ?email=).
-- unicode61 with remove_diacritics 2 folds case and combining accents: "zoe" finds
-- "Zoë" ("Ł", "Ø", "ß" are letters of their own to it, not accented ones).
-- External content: the index holds only tokens; the text stays in records
-- (content_rowid = records.id). At 1M records it adds 54 MB to a 209 MB file, where an
-- FTS5 table with its own copy of the text added 123 MB. IndexWriter::commit keeps it
-- current, batched per page in the page's own transaction (a per-row trigger is 4x
-- slower: design.md "Performance notes"). Because the index must be told the OLD values
-- to forget them, every change to records.name, email or company must go through
-- IndexWriter::commit.
CREATE VIRTUAL TABLE records_fts USING fts5(
  name, email, company,
  content = 'records', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
-- An index written by version 1 gets its search index in one pass.
INSERT INTO records_fts (records_fts) VALUES ('rebuild');

-- Per-source lists in row id order (GET /v1/records?source=, keyset pagination) and
-- the live / deleted counts of /v1/sources and /metrics, from the index alone. Rows are
-- appended in id order within a source, so a sync pays little for it.
CREATE INDEX records_by_source_live ON records(source_id, deleted_ms);

-- No B-tree index on email: measured on a first sync of 1M records, an index on
-- email COLLATE NOCASE more than doubled its CPU time and multiplied its I/O (every
-- insert lands on a random page of it, and every page's transaction rewrites those
-- pages). Email lookups use the search index above to find candidates instead, then
-- compare exactly (store/api_queries.cpp). Nor one on changed_ms: updated_since walks
-- rows in id order, like every list.
