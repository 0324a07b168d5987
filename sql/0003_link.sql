-- crm-index schema, version 3: linking records of one customer across CRMs
-- (design.md "Linking", src/link/README.md).

-- The normalised identifiers of each live record: "which records share this email?" is
-- one probe of link_keys_by_key. Written only by the linker (src/link). key is a 64-bit
-- hash of (rule, kind, value); value is kept for reasons and suggestions, so that
-- nothing is normalised twice (a phone costs ~20 us in libphonenumber).
-- rule: 1 national_id, 2 email, 3 phone (these link); 4 name+company, 5 name+phone
-- country (these only suggest). A rowid table: a full relink drops both indexes, appends
-- every key and builds the indexes again by sorting, far faster than random inserts.
CREATE TABLE link_keys (
  key        INTEGER NOT NULL,
  record_id  INTEGER NOT NULL,
  source_id  INTEGER NOT NULL,
  rule       INTEGER NOT NULL,
  value      TEXT NOT NULL
);
CREATE INDEX link_keys_by_key ON link_keys(key, record_id, source_id, rule);
CREATE INDEX link_keys_by_record ON link_keys(record_id);

-- Customers of two or more records. A record in no row here is a customer of its own
-- (id = its row id) while it is live, and of none once deleted. A customer's id is the
-- row id of its oldest member: an unrelated change never renumbers it.
CREATE TABLE record_customer (
  record_id    INTEGER PRIMARY KEY,
  customer_id  INTEGER NOT NULL
);
CREATE INDEX record_customer_by_customer ON record_customer(customer_id);

CREATE TABLE customers (
  id       INTEGER PRIMARY KEY,
  members  INTEGER NOT NULL,
  sources  INTEGER NOT NULL
);

-- Why a customer's records are together: the edges of a spanning tree of its members.
CREATE TABLE link_reasons (
  customer_id  INTEGER NOT NULL,
  rule         TEXT NOT NULL,     -- national_id | email | phone | merged | manual
  value        TEXT NOT NULL,
  a            INTEGER NOT NULL,  -- record ids
  b            INTEGER NOT NULL
);
CREATE INDEX link_reasons_by_customer ON link_reasons(customer_id);

-- Manual marks: one per pair (a < b); a newer mark on the same pair replaces it.
CREATE TABLE link_marks (
  id       INTEGER PRIMARY KEY,
  a        INTEGER NOT NULL REFERENCES records(id),
  b        INTEGER NOT NULL REFERENCES records(id),
  op       TEXT NOT NULL,         -- link | unlink
  note     TEXT NOT NULL,
  by_user  TEXT NOT NULL,
  at_ms    INTEGER NOT NULL,
  UNIQUE (a, b)
);
CREATE INDEX link_marks_by_b ON link_marks(b);

-- Weak matches waiting for a person: accept = link, reject = unlink.
CREATE TABLE suggestions (
  a           INTEGER NOT NULL,
  b           INTEGER NOT NULL,
  rule        TEXT NOT NULL,      -- name_company | name_phone_country | shared_email | ...
  value       TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX suggestions_by_b ON suggestions(b);

-- A record merged away by its CRM joins its survivor's customer: find the losers.
CREATE INDEX records_merged ON records(source_id, merged_into) WHERE merged_into != '';

-- Link and unlink marks appear in the change feed too (op link / unlink).
ALTER TABLE changes ADD COLUMN mark_id INTEGER;

-- How far the linker has read the change feed, and under which rules.
CREATE TABLE link_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  linked_seq   INTEGER NOT NULL,
  rules        TEXT NOT NULL       -- fingerprint of the linking config; a change relinks all
);
INSERT INTO link_state (id, linked_seq, rules) VALUES (1, 0, '');
