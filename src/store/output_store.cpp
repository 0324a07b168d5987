#include "store/output_store.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include "store/database.h"

namespace crm {
namespace {

// Runs `fn`, turning SQLite's exceptions into an internal error naming `what`.
template <class Fn>
auto guarded(const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("store: outputs: {}: {}", what, e.what()));
  }
}

}  // namespace

OutputStore::OutputStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
OutputStore::~OutputStore() = default;

Result<std::unique_ptr<OutputStore>> OutputStore::open(const std::string& path) {
  auto db = open_database(path, OpenMode::read_write);
  if (!db) return db.error();
  return std::unique_ptr<OutputStore>(new OutputStore(std::move(*db)));
}

Result<std::string> OutputStore::index_id() {
  return guarded("index_id", [&]() -> Result<std::string> {
    return db_->execAndGet("SELECT value FROM index_meta WHERE key = 'index_id'").getString();
  });
}

Result<int64_t> OutputStore::head() {
  return guarded("head", [&]() -> Result<int64_t> {
    return db_->execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64();
  });
}

Result<OutputRow> OutputStore::ensure(const std::string& name, const std::string& type, TimePoint now) {
  return guarded("ensure", [&]() -> Result<OutputRow> {
    SQLite::Statement ins(*db_,
                          "INSERT INTO outputs (name, type, position, updated_ms) VALUES (?1, ?2, 0, ?3) "
                          "ON CONFLICT (name) DO UPDATE SET type = excluded.type");
    ins.bind(1, name);
    ins.bind(2, type);
    ins.bind(3, to_ms(now));
    ins.exec();
    SQLite::Statement q(*db_,
                        "SELECT position, delivered, last_error, last_error_ms, "
                        "(SELECT count(*) FROM output_dead_letters WHERE output = ?1) FROM outputs WHERE name = ?1");
    q.bind(1, name);
    q.executeStep();
    OutputRow row;
    row.name = name;
    row.type = type;
    row.position = q.getColumn(0).getInt64();
    row.delivered = q.getColumn(1).getInt64();
    row.last_error = q.getColumn(2).getString();
    if (!q.getColumn(3).isNull()) row.last_error_at = from_ms(q.getColumn(3).getInt64());
    row.dead_letters = q.getColumn(4).getInt64();
    return row;
  });
}

Result<int64_t> OutputStore::position(const std::string& name) {
  return guarded("position", [&]() -> Result<int64_t> {
    SQLite::Statement q(*db_, "SELECT position FROM outputs WHERE name = ?1");
    q.bind(1, name);
    return q.executeStep() ? q.getColumn(0).getInt64() : int64_t{0};
  });
}

Result<bool> OutputStore::advance(const std::string& name, int64_t from, int64_t to, int64_t delivered,
                                  TimePoint now) {
  return guarded("advance", [&]() -> Result<bool> {
    SQLite::Statement q(*db_,
                        "UPDATE outputs SET position = ?3, delivered = delivered + ?4, updated_ms = ?5 "
                        "WHERE name = ?1 AND position = ?2");
    q.bind(1, name);
    q.bind(2, from);
    q.bind(3, to);
    q.bind(4, delivered);
    q.bind(5, to_ms(now));
    return q.exec() == 1;
  });
}

Status OutputStore::set_error(const std::string& name, const std::string& error, TimePoint now) {
  return guarded("set_error", [&]() -> Status {
    SQLite::Statement q(*db_, "UPDATE outputs SET last_error = ?2, last_error_ms = ?3 WHERE name = ?1");
    q.bind(1, name);
    q.bind(2, error);
    if (error.empty()) q.bind(3); else q.bind(3, to_ms(now));
    q.exec();
    return {};
  });
}

Status OutputStore::dead_letter(const std::string& name, const DeadLetter& letter, TimePoint now) {
  return guarded("dead_letter", [&]() -> Status {
    SQLite::Statement q(*db_,
                        "INSERT INTO output_dead_letters (output, seq, attempts, error, dead_ms, replay) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT (output, seq) DO UPDATE SET "
                        "attempts = excluded.attempts, error = excluded.error, "
                        "dead_ms = excluded.dead_ms, replay = 0");
    q.bind(1, name);
    q.bind(2, letter.seq);
    q.bind(3, letter.attempts);
    q.bind(4, letter.error);
    q.bind(5, to_ms(now));
    q.exec();
    return {};
  });
}

Result<std::vector<DeadLetter>> OutputStore::replays(const std::string& name, int limit) {
  return guarded("replays", [&]() -> Result<std::vector<DeadLetter>> {
    SQLite::Statement q(*db_,
                        "SELECT seq, attempts, error FROM output_dead_letters "
                        "WHERE output = ?1 AND replay = 1 ORDER BY seq LIMIT ?2");
    q.bind(1, name);
    q.bind(2, limit);
    std::vector<DeadLetter> out;
    while (q.executeStep())
      out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt(), q.getColumn(2).getString()});
    return out;
  });
}

Status OutputStore::forget_dead_letter(const std::string& name, int64_t seq) {
  return guarded("forget_dead_letter", [&]() -> Status {
    SQLite::Statement q(*db_, "DELETE FROM output_dead_letters WHERE output = ?1 AND seq = ?2");
    q.bind(1, name);
    q.bind(2, seq);
    q.exec();
    return {};
  });
}

Result<std::vector<OutputRow>> OutputStore::list() {
  return guarded("list", [&]() -> Result<std::vector<OutputRow>> {
    SQLite::Statement q(*db_,
                        "SELECT o.name, o.type, o.position, o.delivered, o.last_error, o.last_error_ms, "
                        "(SELECT count(*) FROM output_dead_letters d WHERE d.output = o.name) "
                        "FROM outputs o ORDER BY o.name");
    std::vector<OutputRow> out;
    while (q.executeStep()) {
      OutputRow row;
      row.name = q.getColumn(0).getString();
      row.type = q.getColumn(1).getString();
      row.position = q.getColumn(2).getInt64();
      row.delivered = q.getColumn(3).getInt64();
      row.last_error = q.getColumn(4).getString();
      if (!q.getColumn(5).isNull()) row.last_error_at = from_ms(q.getColumn(5).getInt64());
      row.dead_letters = q.getColumn(6).getInt64();
      out.push_back(std::move(row));
    }
    return out;
  });
}

Result<ReplayOutcome> OutputStore::request_replay(const std::string& name, std::optional<int64_t> from,
                                                  TimePoint now) {
  return guarded("replay", [&]() -> Result<ReplayOutcome> {
    SQLite::Transaction tx(*db_);
    SQLite::Statement exists(*db_, "SELECT position FROM outputs WHERE name = ?1");
    exists.bind(1, name);
    if (!exists.executeStep())
      return Error::not_found(fmt::format("output '{}' has not delivered anything yet: nothing to replay", name));
    const int64_t position = exists.getColumn(0).getInt64();
    ReplayOutcome out;
    if (from) {
      // Every event from `from` on is delivered again in order: its dead letters go, as
      // the walk will reach them (and dead-letter them again if they still fail).
      SQLite::Statement drop(*db_, "DELETE FROM output_dead_letters WHERE output = ?1 AND seq >= ?2");
      drop.bind(1, name);
      drop.bind(2, *from);
      drop.exec();
      const int64_t to = std::min(position, *from - 1);
      SQLite::Statement rewind(*db_, "UPDATE outputs SET position = ?2, updated_ms = ?3 WHERE name = ?1");
      rewind.bind(1, name);
      rewind.bind(2, to);
      rewind.bind(3, to_ms(now));
      rewind.exec();
      out.rewound_to = to;
    }
    SQLite::Statement mark(*db_, "UPDATE output_dead_letters SET replay = 1 WHERE output = ?1");
    mark.bind(1, name);
    out.dead_letters = mark.exec();
    tx.commit();
    return out;
  });
}

}  // namespace crm
