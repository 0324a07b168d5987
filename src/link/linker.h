// Linker: keeps customers (sql/0003_link.sql) in step with the records.
//
// It reads the change feed from where it last stopped (link_state.linked_seq): the
// records that changed since, and the pairs of new marks, are "dirty". Their keys are
// recomputed, then only the region they touch (their old and new customers, the records
// sharing a key with them, their marks and merges) is clustered again. When much has
// changed (a first sync) or the linking config changed, it relinks everything in bulk.
// Each call is one transaction on the writer's connection, so a crash loses nothing: the
// next call reads the same part of the feed again. Every table it reads and writes is
// reached through the LinkStore (src/store); which records link, and why, is decided here
// (group_verdict.h, clusterer.h).
//
// Customer changes of live records are appended to the feed as `update` events, marks as
// `link` / `unlink` events, a mark taken back as `mark_deleted`. Not thread-safe; callers
// hold the writer (the daemon's writer mutex) around every call.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "core/time.h"
#include "store/link_store.h"

namespace crm {

struct LinkStats {
  bool full = false;          // everything was relinked
  long dirty = 0;             // records the feed showed changed
  long region = 0;            // records clustered again
  long customer_changes = 0;  // live records whose customer changed
  long customers = 0;         // customers of two or more records, after (full relinks)
  double seconds = 0;
};

// "SOURCE:EXTERNAL_ID" as the CLI takes it.
struct RecordRef {
  std::string source;
  std::string external_id;
};
Result<RecordRef> parse_record_ref(std::string_view text);

enum class MarkOp { link, unlink };

struct MarkRequest {
  RecordRef a, b;
  MarkOp op = MarkOp::link;
  std::string note;
  std::string by_user;
};

class Linker {
 public:
  Linker(LinkStore& store, const Config& config);

  // Set to the wall clock (ms) as a long relink makes progress, so that a watchdog can
  // tell "busy" from "stuck" while the linker holds the writer (daemon.cpp).
  void set_heartbeat(std::atomic<int64_t>* heartbeat_ms) { heartbeat_ = heartbeat_ms; }

  Result<LinkStats> catch_up(TimePoint now);
  Result<LinkStats> relink_all(TimePoint now);
  // Writes (or replaces) the mark on the pair, appends it to the feed and relinks.
  // Errors: not_found when a record is not in the index; config for a record marked
  // with itself.
  Result<int64_t> add_mark(const MarkRequest& request, TimePoint now);
  // Takes a mark back (kept in the table as removed by `by_user`), appends a mark_deleted
  // event and relinks its pair as if it had never been made. Errors: not_found when no
  // mark of that id is in force.
  Status remove_mark(int64_t mark_id, const std::string& by_user, TimePoint now);
  // The two records of a mark in force (a cluster publishes a mark taken back by its
  // records: mark ids are each index's own). Errors: not_found.
  Result<std::pair<RecordRef, RecordRef>> mark_records(int64_t mark_id);
  // The mark in force on the pair. Errors: not_found (no such record, or no mark).
  Result<int64_t> mark_on(const RecordRef& a, const RecordRef& b);

 private:
  std::string rules_fingerprint() const;
  void relink_everything(TimePoint now, LinkStats& stats);
  void relink_dirty(const std::vector<int64_t>& dirty, TimePoint now, LinkStats& stats);
  void beat();

  LinkStore& store_;
  const Config& config_;
  std::atomic<int64_t>* heartbeat_ = nullptr;
};

}  // namespace crm
