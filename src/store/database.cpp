#include "store/database.h"

#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <mutex>

#include "store/migrations.h"
#include "store/search_fold.h"

namespace crm {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// SQLite's memory statistics take a process-wide mutex on every allocation: 5-8% of a
// first sync in perf (bench/README.md), for figures nothing reads. Only possible before
// SQLite initialises, i.e. before the first connection.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Status migrate(SQLite::Database& db, const std::string& path) {
  int current = db.execAndGet("PRAGMA user_version").getInt();
  int known = known_schema_version();
  if (current > known)
    return Error::config(fmt::format(
        "{}: database schema version {} is newer than this crm-index knows ({}); "
        "use a newer crm-index or restore a backup",
        path, current, known));
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    SQLite::Transaction tx(db);
    db.exec(m.sql);
    db.exec(fmt::format("PRAGMA user_version = {}", m.version));
    tx.commit();
  }
  return {};
}

}  // namespace

int known_schema_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

Result<std::unique_ptr<SQLite::Database>> open_database(const std::string& path, OpenMode mode) {
  configure_sqlite_once();
  try {
    int flags = mode == OpenMode::read_write ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                                             : SQLite::OPEN_READONLY;
    auto db = std::make_unique<SQLite::Database>(path, flags | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
    if (register_fold_function(db->getHandle()) != SQLITE_OK)
      return Error::internal(fmt::format("{}: cannot register fold(): {}", path, db->getErrorMsg()));
    if (mode == OpenMode::read_write) {
      db->exec("PRAGMA journal_mode = WAL");
      // NORMAL in WAL mode: a crash cannot corrupt the file; a power cut may lose the
      // last transactions, which the next run reads again (the watermark did not move).
      db->exec("PRAGMA synchronous = NORMAL");
      db->exec("PRAGMA foreign_keys = ON");
      if (auto st = migrate(*db, path); !st) return st.error();
    } else {
      db->exec("PRAGMA query_only = ON");
      int current = db->execAndGet("PRAGMA user_version").getInt();
      if (current > known_schema_version())
        return Error::config(fmt::format(
            "{}: database schema version {} is newer than this crm-index knows ({})", path,
            current, known_schema_version()));
      if (current == 0)
        return Error::not_found(fmt::format("{}: no index here yet (run a sync first)", path));
    }
    return db;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("{}: cannot open database: {}", path, e.what()));
  }
}

}  // namespace crm
