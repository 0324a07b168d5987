-- crm-index schema, version 8: events out (platform.md "Events out"). The change feed is
-- the outbox; each output keeps its position in it here, in the same file, so that a
-- crash or an outage of the output loses nothing.

-- Facts about the index file itself. index_id: made once, when the file gets this
-- schema; with an event's seq it names the event for consumers ("<index_id>-<seq>").
CREATE TABLE index_meta (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO index_meta (key, value) VALUES ('index_id', lower(hex(randomblob(16))));

CREATE TABLE outputs (
  name           TEXT PRIMARY KEY,   -- "nats" or a webhook's name
  type           TEXT NOT NULL,      -- nats | webhook
  position       INTEGER NOT NULL,   -- the last seq delivered (or skipped by a filter)
  delivered      INTEGER NOT NULL DEFAULT 0,
  last_error     TEXT NOT NULL DEFAULT '',  -- '' after a delivery succeeded
  last_error_ms  INTEGER,
  updated_ms     INTEGER NOT NULL
) WITHOUT ROWID;

-- Events an endpoint refused max_attempts times. `crm-index outputs replay` sets replay;
-- the delivery thread tries those again before new events and removes the row on success.
CREATE TABLE output_dead_letters (
  output    TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  attempts  INTEGER NOT NULL,
  error     TEXT NOT NULL,
  dead_ms   INTEGER NOT NULL,
  replay    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (output, seq)
) WITHOUT ROWID;
