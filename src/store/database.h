// Opening the index file: WAL mode, pragmas, and migrations. Free functions; the
// returned connection belongs to the caller (SQLite connections are not to be shared
// between threads without care: one per thread).
#pragma once

#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>

#include "core/result.h"

namespace crm {

enum class OpenMode { read_write, read_only };

// read_write: creates the file if needed and applies pending migrations.
// read_only: the file must exist with a schema this binary knows; query_only is set.
Result<std::unique_ptr<SQLite::Database>> open_database(const std::string& path, OpenMode mode);

// The schema version this binary knows (the highest migration compiled in).
int known_schema_version();

}  // namespace crm
