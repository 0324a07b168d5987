// OutputStore: the outputs' side of the index (sql/0008_outputs.sql): where each output
// stands in the change feed, its last error, its dead letters, and the index's id. The
// change feed is the outbox; the events themselves are read with ApiQueries::changes().
//
// Its own read-write connection, for the tables of the outputs only (SQLite serialises it
// with the writer; each statement is one short transaction). Positions move with a
// compare-and-set, so that a `crm-index outputs replay` from another process, which moves
// a position back, is never overwritten by a delivery thread that had read the old one.
// One per thread; not thread-safe.
#pragma once

#include <SQLiteCpp/Database.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace crm {

struct OutputRow {
  std::string name, type;
  int64_t position = 0;   // the last seq delivered (or filtered out)
  int64_t delivered = 0;  // events delivered, over the output's life
  std::string last_error;  // "" when the last delivery succeeded
  std::optional<TimePoint> last_error_at;
  int64_t dead_letters = 0;
};

struct DeadLetter {
  int64_t seq = 0;
  int attempts = 0;
  std::string error;
};

// What `crm-index outputs replay` changed.
struct ReplayOutcome {
  int64_t dead_letters = 0;  // dead letters now queued for another delivery
  std::optional<int64_t> rewound_to;  // --from: the position is now this (from - 1)
};

class OutputStore {
 public:
  // Opens (and migrates) the index file read-write.
  static Result<std::unique_ptr<OutputStore>> open(const std::string& path);
  ~OutputStore();

  // The id made when the index file got its outputs schema (hex, 32 characters).
  Result<std::string> index_id();
  // The highest seq of the change feed (0: empty).
  Result<int64_t> head();

  // The output's row, made at position 0 when it is new (every event is delivered).
  Result<OutputRow> ensure(const std::string& name, const std::string& type, TimePoint now);
  // The output's position (0 when it has no row yet).
  Result<int64_t> position(const std::string& name);
  // Moves the position from `from` to `to` and counts `delivered` more; false (nothing
  // written) when the position is no longer `from` (a replay moved it meanwhile).
  Result<bool> advance(const std::string& name, int64_t from, int64_t to, int64_t delivered, TimePoint now);
  // "" clears the error (a delivery succeeded).
  Status set_error(const std::string& name, const std::string& error, TimePoint now);

  // Dead letters: an event given up on after `attempts` (also after a failed replay).
  Status dead_letter(const std::string& name, const DeadLetter& letter, TimePoint now);
  // Dead letters a replay asked for, lowest seq first, at most `limit`.
  Result<std::vector<DeadLetter>> replays(const std::string& name, int limit);
  // A replayed dead letter was delivered.
  Status forget_dead_letter(const std::string& name, int64_t seq);

  // Every output row, with its dead-letter count, by name.
  Result<std::vector<OutputRow>> list();
  // Dead letters of one output again (all, or from `from` on with the position rewound
  // so that every event from `from` is delivered again). not_found: no such output yet.
  Result<ReplayOutcome> request_replay(const std::string& name, std::optional<int64_t> from, TimePoint now);

 private:
  explicit OutputStore(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace crm
