-- crm-index schema, version 6: phones in any national format, search that folds every
-- letter (src/link/README.md).

-- The country a record's CRM gives (a name or an ISO code, as written there; `country`
-- in a source's fields). Linking reads a national phone number with it.
ALTER TABLE records ADD COLUMN country TEXT NOT NULL DEFAULT '';

-- Search folds text as the name rules do (core/text_fold.h, the SQL function fold()
-- that every connection of crm-index registers): "lukasz" finds "Łukasz", "odegaard"
-- "Ødegaard", "strasse" "Straße". unicode61 alone folds only combining accents. The
-- index reads the folded text through this view (external content: still only tokens
-- are stored, and what IndexWriter tells it to forget is folded the same way), and the
-- API folds the query with the same function. A tool without fold() can still MATCH
-- records_fts; it cannot read its columns.
DROP TABLE records_fts;
CREATE VIEW records_search AS
  SELECT id, source_id, fold(name) AS name, fold(email) AS email, fold(company) AS company FROM records;
CREATE VIRTUAL TABLE records_fts USING fts5(
  name, email, company,
  content = 'records_search', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
-- Rebuilt folded; the rows of an interrupted first sync (search_pending) stay out, as
-- IndexWriter adds them when it next opens the file.
INSERT INTO records_fts (rowid, name, email, company)
  SELECT id, name, email, company FROM records_search
  WHERE source_id NOT IN (SELECT source_id FROM search_pending);
