-- crm-index schema, version 9: marks made from the dashboard can be taken back
-- (platform.md "People act"). A removed mark stays as a row, with who removed it and
-- when, so that the change feed's link / unlink / mark_deleted events keep naming the
-- pair they were about; only marks that are not removed count. A pair has at most one
-- mark in force; a mark made after a removal is a new row with a new id.
CREATE TABLE link_marks_v9 (
  id          INTEGER PRIMARY KEY,
  a           INTEGER NOT NULL REFERENCES records(id),
  b           INTEGER NOT NULL REFERENCES records(id),
  op          TEXT NOT NULL,         -- link | unlink
  note        TEXT NOT NULL,
  by_user     TEXT NOT NULL,
  at_ms       INTEGER NOT NULL,
  removed_ms  INTEGER,               -- NULL while the mark is in force
  removed_by  TEXT NOT NULL DEFAULT ''
);
INSERT INTO link_marks_v9 (id, a, b, op, note, by_user, at_ms)
  SELECT id, a, b, op, note, by_user, at_ms FROM link_marks;
DROP TABLE link_marks;
ALTER TABLE link_marks_v9 RENAME TO link_marks;
CREATE UNIQUE INDEX link_marks_in_force ON link_marks(a, b) WHERE removed_ms IS NULL;
CREATE INDEX link_marks_by_b ON link_marks(b);
