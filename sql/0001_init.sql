-- crm-index schema, version 1. Times are UTC milliseconds since the epoch (*_ms).
-- Text fields hold '' when the CRM has no value; the API renders that as null.

CREATE TABLE sources (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  type          TEXT NOT NULL,
  watermark_ms  INTEGER,            -- NULL until a run completes; see design "Sync semantics"
  last_full_ms  INTEGER,            -- start of the last completed full pass
  created_ms    INTEGER NOT NULL
);

CREATE TABLE records (
  id                 INTEGER PRIMARY KEY,
  source_id          INTEGER NOT NULL REFERENCES sources(id),
  external_id        TEXT NOT NULL,
  crm_type           TEXT NOT NULL,
  kind               TEXT NOT NULL,   -- person | company
  name               TEXT NOT NULL,
  given_name         TEXT NOT NULL,
  family_name        TEXT NOT NULL,
  email              TEXT NOT NULL,
  phone              TEXT NOT NULL,
  company            TEXT NOT NULL,
  national_id        TEXT NOT NULL,
  remote_updated_ms  INTEGER NOT NULL,
  web_url            TEXT NOT NULL,
  extra              TEXT NOT NULL,   -- JSON object text, '' when none
  hash               BLOB NOT NULL,   -- 16 bytes: XXH3-128 of the canonical mapped fields
  first_seen_ms      INTEGER NOT NULL,
  changed_ms         INTEGER NOT NULL,
  deleted_ms         INTEGER,         -- tombstone: never silently dropped
  merged_into        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX records_by_source_external ON records(source_id, external_id);

CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,
  source_id    INTEGER NOT NULL REFERENCES sources(id),
  mode         TEXT NOT NULL,        -- full | incremental
  started_ms   INTEGER NOT NULL,
  finished_ms  INTEGER,
  status       TEXT NOT NULL,        -- running | ok | failed
  error        TEXT,
  pages        INTEGER NOT NULL DEFAULT 0,
  fetched      INTEGER NOT NULL DEFAULT 0,
  created      INTEGER NOT NULL DEFAULT 0,
  updated      INTEGER NOT NULL DEFAULT 0,
  unchanged    INTEGER NOT NULL DEFAULT 0,
  deleted      INTEGER NOT NULL DEFAULT 0,
  skipped      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_source ON runs(source_id, id);

-- The change feed. `record_id` points at the record as it is now: a consumer applying
-- events in order converges on the index.
CREATE TABLE changes (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id    INTEGER NOT NULL REFERENCES sources(id),
  record_id    INTEGER NOT NULL REFERENCES records(id),
  op           TEXT NOT NULL,        -- create | update | delete
  at_ms        INTEGER NOT NULL,
  run_id       INTEGER
);

-- The page cursor of the run in progress, saved with each page's transaction.
CREATE TABLE cursors (
  source_id    INTEGER PRIMARY KEY REFERENCES sources(id),
  run_id       INTEGER NOT NULL,
  page_token   TEXT,
  pages        INTEGER NOT NULL,
  updated_ms   INTEGER NOT NULL
);
