-- crm-index schema, version 10: how far this index has applied a stream of record
-- states another process published (platform.md "Beyond one machine": a replica builds
-- its index from CRM_RECORDS). Written in the transaction that applied the states, so a
-- restart resumes after the last one applied, and nothing is applied twice or skipped.
CREATE TABLE stream_positions (
  stream  TEXT PRIMARY KEY,
  seq     INTEGER NOT NULL   -- the stream sequence of the last message applied
);
