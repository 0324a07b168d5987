-- crm-index schema, version 4: a cheaper first sync.

-- The change feed without AUTOINCREMENT: that keyword makes every insert also rewrite
-- sqlite_sequence, one more B-tree write per record. It only guards against reusing the
-- numbers of deleted rows, and the feed never deletes any, so a plain INTEGER PRIMARY KEY
-- (max + 1) hands out the same increasing numbers.
CREATE TABLE changes_v4 (
  seq          INTEGER PRIMARY KEY,
  source_id    INTEGER NOT NULL REFERENCES sources(id),
  record_id    INTEGER NOT NULL REFERENCES records(id),
  op           TEXT NOT NULL,        -- create | update | delete | link | unlink
  at_ms        INTEGER NOT NULL,
  run_id       INTEGER,
  mark_id      INTEGER
);
INSERT INTO changes_v4 (seq, source_id, record_id, op, at_ms, run_id, mark_id)
  SELECT seq, source_id, record_id, op, at_ms, run_id, mark_id FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v4 RENAME TO changes;

-- A source's first sync (no records yet) leaves its rows out of the search index
-- (records_fts) page by page and indexes them all in one statement when the run ends,
-- which costs less than a batch per page. While a source is listed here, none of its
-- records are in records_fts: IndexWriter neither unindexes nor indexes them, and
-- indexes them all at the end of the source's run, or when the writer next opens the
-- file after a crash. Until then a search does not find them.
CREATE TABLE search_pending (
  source_id    INTEGER PRIMARY KEY REFERENCES sources(id)
);

-- Live records that the last completed full pass of a source that pages by position
-- (Connector::listing_may_shift) did not see: such a pass can miss records that edits
-- pushed across a page boundary, so they are deleted only when the next full pass does
-- not see them either (IndexWriter::tombstone_unseen).
CREATE TABLE unseen_once (
  record_id    INTEGER PRIMARY KEY REFERENCES records(id),
  source_id    INTEGER NOT NULL REFERENCES sources(id)
);
CREATE INDEX unseen_once_by_source ON unseen_once(source_id);
