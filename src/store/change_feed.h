// ChangeFeed: the one writer of the `changes` table, the change feed the API serves and
// the linker reads. IndexWriter appends record events, LinkStore customer and mark
// events, both through this, on the writer's connection and inside the caller's
// transaction; after the caller commits it calls published() so that long-polling
// readers (ChangeNotifier) wake. Not thread-safe: owned by the IndexWriter.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>

#include "store/change_notifier.h"

namespace crm {

class ChangeFeed {
 public:
  explicit ChangeFeed(SQLite::Database& db);

  // op: "create", "update", "delete" (a record's own change, with the run that saw it).
  void append_record(int64_t source_id, int64_t record_id, const char* op, int64_t at_ms,
                     int64_t run_id) {
    append(source_id, record_id, op, at_ms, run_id, 0);
  }
  // The record's customer, as the API shows it, changed.
  void append_customer_change(int64_t record_id, int64_t at_ms);
  // op: "link" or "unlink" (a mark made), "mark_deleted" (a mark taken back), on the
  // mark's first record.
  void append_mark(int64_t source_id, int64_t record_id, const char* op, int64_t at_ms,
                   int64_t mark_id) {
    append(source_id, record_id, op, at_ms, 0, mark_id);
  }

  // The highest seq in the table (committed or in the current transaction).
  int64_t last_seq();
  // True when something was appended since the last published().
  bool pending() const { return appended_ > 0; }
  // After the transaction holding the appends committed: tells the notifier, if any.
  void published();
  // After it rolled back: forgets the appends.
  void discarded() { appended_ = 0; }

  void set_notifier(ChangeNotifier* notifier);
  ChangeNotifier* notifier() const { return notifier_; }

 private:
  SQLite::Database& db_;
  void append(int64_t source_id, int64_t record_id, const char* op, int64_t at_ms, int64_t run_id,
              int64_t mark_id);

  SQLite::Statement event_, customer_;
  ChangeNotifier* notifier_ = nullptr;
  int64_t appended_ = 0;  // seq of the last append not yet published; 0: none
};

}  // namespace crm
