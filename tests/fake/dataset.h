// Dataset: the fake CRM's records. N seeded records are never stored: record i is
// generated from (seed, i) on demand, and seeded record i was last modified at
// 2025-01-01T00:00:00Z + floor((i-1)/3) s (runs of three equal timestamps, the trap real
// CRMs set). Only records that were edited, touched, created or deleted take memory.
//
// Lists are ordered by (modified, numeric id) ascending. Seeded records that were never
// changed are in id order already, so the live set is the merge of two sorted sequences:
// the untouched seeded ids (a Fenwick tree over "moved out" flags gives the k-th one in
// O(log N)) and an order-statistics tree of the changed records keyed by (modified, id).
// A page at any offset costs O(page + log² N); a mutation O(log N).
//
// Mutations stamp records with the injected clock's time in whole seconds, so bursts
// share timestamps. Every mutation also reports what it changed to the ChangeSink, if one
// is set (the webhooks a CRM sends on change). Thread-safe: every public method takes the
// one mutex. The Clock and the ChangeSink must outlive the Dataset.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace crm::fake {

struct FakeRecord {
  uint64_t id = 0;
  bool company = false;  // else a person
  std::string full_name;
  std::string first_name;  // "" for companies
  std::string last_name;
  std::string email;  // "" means none (rendered as null)
  std::string phone;
  std::string company_name;  // the employer of a person; "" for companies and some persons
  int64_t modified_ms = 0;
  bool active = true;  // false: archived (Odoo's soft delete); only the Odoo dialect reads it
};

// A partial update: only the fields that are set change; an empty string clears one.
struct RecordPatch {
  std::optional<std::string> full_name, first_name, last_name, email, phone, company;
  std::optional<bool> is_company;
  std::optional<bool> active;  // archive / unarchive
};

// Position in the (modified, id) order: what a keyset cursor means.
struct OrderKey {
  int64_t modified_ms = 0;
  uint64_t id = 0;
};
inline bool before(OrderKey a, OrderKey b) {
  return a.modified_ms != b.modified_ms ? a.modified_ms < b.modified_ms : a.id < b.id;
}

struct ListPage {
  std::vector<FakeRecord> records;
  uint64_t total = 0;  // live records matching the modified_since filter
  bool more = false;   // records follow the last one returned
};

struct MutateRequest {
  uint64_t update = 0, remove = 0, create = 0, touch = 0;
  uint64_t seed = 1;
};

struct MutateResult {
  std::vector<uint64_t> updated, deleted, created, touched;
};

// A record that left the live set, for dialects that show deletions (Salesforce
// queryAll, HubSpot archived lists, Zoho's deleted endpoint…).
struct DeletedRecord {
  FakeRecord last;          // as it was when deleted
  int64_t deleted_ms = 0;   // the fake's clock, whole seconds
  uint64_t merged_into = 0; // the survivor when it was merged away; 0 otherwise
};

// One change a record took, with its content before and after: what a CRM's webhook
// reports (HubSpot sends the changed properties, Pipedrive the previous values, …).
struct RecordChange {
  enum class Kind { created, updated, deleted };
  Kind kind = Kind::updated;
  FakeRecord before;  // updated, deleted: as it was; created: empty
  FakeRecord after;   // created, updated: as it is now; deleted: as it was
  int64_t at_ms = 0;  // the wall clock in milliseconds (records are stamped in whole seconds)
  uint64_t merged_into = 0;  // deleted by a merge into this survivor; 0 otherwise
};

// Receives the changes of every mutation, called under the Dataset's lock: it must be
// quick, must not block, and must not call back into the Dataset.
class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  // How many changes it would keep now; the Dataset copies no more than that, so a bulk
  // mutation of a million records costs no million copies.
  virtual size_t room() const = 0;
  // The changes of one mutation, in order (at most room() of them), and how many more the
  // mutation made that were not copied.
  virtual void changed(std::vector<RecordChange> changes, uint64_t left_out) = 0;
};

struct DatasetState;

inline constexpr int64_t kSeedBaseMs = 1735689600000;  // 2025-01-01T00:00:00Z

class Dataset {
 public:
  Dataset(uint64_t records, uint64_t seed, const Clock& clock);
  ~Dataset();
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  // Records with modified >= since_ms, from position `offset` of that view.
  ListPage list(int64_t since_ms, uint64_t offset, size_t limit) const;
  // Records with modified >= since_ms that come strictly after `after` (keyset paging).
  ListPage list_after(int64_t since_ms, OrderKey after, size_t limit) const;
  // Live records with id > after_id in id order: the truth dump, chunk by chunk.
  std::vector<FakeRecord> by_id(uint64_t after_id, size_t limit) const;
  std::optional<FakeRecord> get(uint64_t id) const;

  uint64_t create(const RecordPatch& patch);
  bool update(uint64_t id, const RecordPatch& patch);  // false: unknown or deleted
  bool remove(uint64_t id);
  // Merges `loser` into `survivor` as CRMs do: the loser is deleted with merged_into set,
  // the survivor is re-stamped and remembers the ids it absorbed. False if either is not live.
  bool merge(uint64_t loser, uint64_t survivor);
  // The ids merged into a live record, oldest first.
  std::vector<uint64_t> merged_ids(uint64_t survivor) const;
  // Deletions at or after since_ms, oldest first (reset() forgets them).
  std::vector<DeletedRecord> deleted_since(int64_t since_ms) const;
  MutateResult mutate(const MutateRequest& request);
  // Changes the email of the first `count` records of the view modified >= since_ms (the
  // ones a client paging from the start has already read) and re-stamps them, so that
  // every later record moves `count` places forward. Returns their ids.
  std::vector<uint64_t> update_oldest(uint64_t count, int64_t since_ms, uint64_t salt);
  void reset();  // back to the seeded state
  // Where changes are reported; set once before serving (not synchronised), nullptr: nowhere.
  void set_change_sink(ChangeSink* sink) { sink_ = sink; }

  uint64_t live_count() const;
  uint64_t max_id() const;  // the highest id ever assigned
  uint64_t seeded_count() const { return n_; }

 private:
  const uint64_t n_;
  const uint64_t seed_;
  const Clock& clock_;
  ChangeSink* sink_ = nullptr;
  std::unique_ptr<DatasetState> s_;
};

// The record the generator makes for (seed, id), with the seeded timestamp.
FakeRecord generate_record(uint64_t seed, uint64_t id);
// Seeded persons 1..n (not every tenth, which is a company) become the same people in
// every fake started with the same n, written differently per seed: fakes that "share
// customers" for linking. Process-wide; call before serving. 0 (the default): none.
void set_shared_people(uint64_t n);
int64_t seeded_modified_ms(uint64_t id);

}  // namespace crm::fake
