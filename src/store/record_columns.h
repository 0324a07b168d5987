// The record columns every API query selects (after the row id), and their reader;
// and the guard that resets a cached statement. Shared by api_queries.cpp and
// customer_queries.cpp.
#pragma once

#include <SQLiteCpp/Statement.h>

#include <optional>

#include "core/time.h"
#include "store/index_reader.h"

namespace crm {

// "s.name, r.crm_type, ... , customer id": FROM records r joined to sources s.
extern const char* const kRecordColumns;
inline constexpr int kRecordColumnCount = 20;  // how many kRecordColumns has

std::optional<TimePoint> opt_time(const SQLite::Column& c);
void read_record(SQLite::Statement& q, int i, StoredRecord& sr);

// Resets a cached statement when a query ends, however it ends: a statement left
// mid-step would hold its read snapshot open and keep the WAL from being checkpointed.
class ResetOnExit {
 public:
  explicit ResetOnExit(SQLite::Statement& s) : s_(s) {}
  ~ResetOnExit() {
    try {
      s_.reset();
      s_.clearBindings();
    } catch (...) {
    }
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  SQLite::Statement& s_;
};

}  // namespace crm
