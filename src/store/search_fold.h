// The SQL function fold(text): core/text_fold.h inside SQLite, so that the search index
// holds folded words (the view records_search, sql/0006_link_search.sql) and a query
// folded the same way finds "Łukasz" with "lukasz". Registered on every connection
// open_database() opens, before its migrations run. Deterministic and thread-safe.
#pragma once

struct sqlite3;

namespace crm {

// SQLite's result code: SQLITE_OK on success.
int register_fold_function(sqlite3* db);

}  // namespace crm
