// LinkStore: the linker's tables (sql/0003_link.sql) as named operations: link keys,
// customers and their reasons, marks, suggestions and the linker's place in the change
// feed. It is the writer's connection (IndexWriter::links()), so the linker's work and
// the pages it reads are one history; its feed events go through the one ChangeFeed.
// Statements are prepared once and reset after each use, so no read stays open between
// calls. What is linked, and why, is the linker's (src/link): nothing here decides.
// Not thread-safe: callers hold the writer.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/record.h"
#include "store/change_feed.h"
#include "store/key_holder.h"

namespace crm {

// The fields of a record that linking reads.
struct LinkRecord {
  int64_t id = 0, source_id = 0;
  RecordKind kind = RecordKind::person;
  bool live = false;
  std::string name, given_name, family_name, email, phone, company, national_id;
  std::string external_id, merged_into, country;
};

struct MarkRow {
  int64_t id = 0, a = 0, b = 0;  // record ids, a < b
  bool link = true;              // else unlink
  int64_t at_ms = 0;
};

struct MarkWrite {
  int64_t a = 0, b = 0;  // record ids, a < b
  bool link = true;
  std::string note, by_user;
  int64_t at_ms = 0;
  KeyHolder event_on;  // the record (as the person named it first) the feed event is on
};

struct LinkState {
  int64_t linked_seq = 0;  // the feed is linked up to here
  std::string rules;       // fingerprint of the rules it was linked under
};

class LinkStore {
 public:
  LinkStore(SQLite::Database& db, ChangeFeed& feed);
  ~LinkStore();

  // One IMMEDIATE transaction; commit() also wakes the feed's readers. Destroyed
  // uncommitted, it rolls back and the feed forgets what it appended.
  class Transaction {
   public:
    explicit Transaction(LinkStore& store);
    ~Transaction();
    void commit();

   private:
    LinkStore& store_;
    SQLite::Transaction tx_;
    bool done_ = false;
  };

  // --- where the linker stands
  LinkState state();
  // The feed is linked up to its last seq, under `rules`.
  void set_linked(const std::string& rules);
  // Makes the next catch-up relink everything.
  void forget_rules();
  int64_t last_seq() { return feed_.last_seq(); }
  // Records the feed shows changed after `seq`, and both records of marks written since.
  std::vector<int64_t> dirty_since(int64_t seq);
  long live_records();
  std::vector<std::pair<int64_t, std::string>> sources();  // id, name

  // --- records
  bool load(int64_t record_id, LinkRecord& out);
  // The source and liveness of a record; nullopt when there is no such row.
  std::optional<std::pair<int64_t, bool>> source_and_live(int64_t record_id);
  // The record a merged-away record names as its survivor, in the same source.
  std::optional<int64_t> survivor(int64_t source_id, const std::string& external_id);
  // The records merged into this one.
  std::vector<int64_t> losers(int64_t source_id, const std::string& external_id);
  // Every (loser, survivor) pair of deleted merged records whose survivor is indexed.
  std::vector<std::pair<int64_t, int64_t>> merges();
  std::string external_id(int64_t record_id);
  // By source name and external id: (record id, source id).
  std::optional<std::pair<int64_t, int64_t>> find_record(const std::string& source, const std::string& external_id);

  // Every live record in id order, for a full relink.
  class LiveRecords {
   public:
    explicit LiveRecords(SQLite::Database& db);
    bool next(LinkRecord& out);

   private:
    SQLite::Statement q_;
  };
  LiveRecords live() { return LiveRecords(db_); }

  // --- link keys
  void add_key(int64_t record_id, int64_t source_id, uint64_t key, int rule, const std::string& value);
  void drop_keys(int64_t record_id);
  std::vector<std::pair<uint64_t, int>> keys_of(int64_t record_id);  // key, rule
  // At most `limit` holders of a key.
  std::vector<KeyHolder> holders(uint64_t key, int limit);
  bool key_known(uint64_t key);
  std::vector<std::string> key_values(int64_t record_id, int rule);
  std::vector<int64_t> records_with_key(uint64_t key, int rule);
  std::string key_value(uint64_t key, int64_t record_id);
  // A full relink drops every key and the indexes over them, appends all keys again, and
  // builds the indexes by sorting (far faster than inserting into them).
  void drop_all_keys();
  void index_keys();

  // Every key in key order (then record id), for a full relink's one walk.
  struct KeyRow {
    uint64_t key = 0;
    KeyHolder holder;
    int rule = 0;
    int64_t rowid = 0;  // for value_at()
  };
  class KeyWalk {
   public:
    explicit KeyWalk(SQLite::Database& db);
    bool next(KeyRow& out);

   private:
    SQLite::Statement q_;
  };
  KeyWalk walk_keys() { return KeyWalk(db_); }
  std::string value_at(int64_t key_rowid);

  // --- customers
  std::optional<int64_t> customer_of(int64_t record_id);
  std::vector<int64_t> customer_members(int64_t customer_id);
  std::unordered_map<int64_t, int64_t> all_memberships();  // record -> customer
  void remove_member(int64_t record_id);
  void remove_customer(int64_t customer_id);  // with its reasons
  // Customers, memberships, reasons and suggestions, all gone (a full relink).
  void clear_customers();
  void add_member(int64_t record_id, int64_t customer_id);
  void add_customer(int64_t customer_id, long members, long sources);
  void add_reason(int64_t customer_id, std::string_view rule, const std::string& value, int64_t a, int64_t b);
  long customer_count();
  // The record's customer, as the API shows it, changed: a feed event.
  void customer_changed(int64_t record_id, int64_t at_ms) { feed_.append_customer_change(record_id, at_ms); }

  // --- marks and suggestions
  std::vector<MarkRow> marks_of(int64_t record_id);
  // Marks whose records are both live or merged away (what a full relink applies).
  std::vector<MarkRow> applicable_marks();
  std::string mark_note(int64_t mark_id);
  // Writes (or replaces) the mark on the pair, drops their suggestion and appends the mark
  // to the feed. Returns the mark's id.
  int64_t put_mark(const MarkWrite& mark);
  // Takes the mark out of force (its row stays, with who removed it and when) and appends
  // a mark_deleted event on its first record. nullopt when no mark of that id is in force.
  std::optional<MarkRow> remove_mark(int64_t mark_id, const std::string& by_user, int64_t at_ms);
  // The (source, external id) of both records of a mark in force, a's first; nullopt when
  // no mark of that id is in force.
  std::optional<std::array<std::pair<std::string, std::string>, 2>> mark_records(int64_t mark_id);
  // The id of the mark in force on the pair of record ids (either order), or nullopt.
  std::optional<int64_t> mark_on(int64_t a, int64_t b);
  // A suggestion on the pair, unless a mark already decided it.
  void suggest(int64_t x, int64_t y, std::string_view rule, const std::string& value, int64_t at_ms);
  void drop_suggestions_of(int64_t record_id);

 private:
  struct Statements;
  SQLite::Database& db_;
  ChangeFeed& feed_;
  std::unique_ptr<Statements> st_;
};

}  // namespace crm
