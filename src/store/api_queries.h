// ApiQueries: the read-only queries behind the HTTP API (src/api), on one read-only
// connection (store/database.h, OpenMode::read_only). Reads never block the writer (WAL);
// each list query is one statement, so it sees one consistent snapshot.
//
// Lists are keyset-paginated by record row id (or change seq): a row's id never changes
// and new rows get higher ids, so a walk with `after` visits every row that existed when it
// started exactly once, even while a sync writes.
//
// One per thread at a time (src/api/reader_pool.h hands them out); not thread-safe.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/index_reader.h"

namespace crm {

// The schema version the API needs (sql/0009_mark_removal.sql: marks in force).
inline constexpr int kApiSchemaVersion = 9;

struct RecordQuery {
  std::string source;        // "" = every source
  std::string text;          // full-text search words (blank = none); see fts_match_expression
  std::string email;         // "" = any; else ASCII-case-insensitive exact match
  std::optional<TimePoint> updated_since;  // changed_at >= this
  bool include_deleted = false;
  std::optional<int64_t> customer_id;  // only this customer's records
  int64_t after_row_id = 0;  // keyset: only rows with a higher id
  int limit = 100;
};

struct RecordRow {
  int64_t row_id = 0;
  StoredRecord record;
  // The forms the linker compared it in (link_keys), when it did: a customer's summary
  // shows these, so that it agrees with why its members were joined.
  std::string linked_email, linked_phone;
};

enum class CustomerSort { id, name, changed };  // changed: the latest change first

struct CustomerQuery {
  std::string text;         // search words: customers with a matching live record
  std::string source;       // customers with a live record in this source
  int min_members = 1;
  int max_members = 0;      // 0: no bound
  CustomerSort sort = CustomerSort::id;
  // Sources whose member names a customer first (linking.survivorship.name), for sort=name.
  std::vector<std::string> name_priority;
  // Keyset: after this customer, in the order of `sort`: its id, and for name / changed
  // its sort key (CustomerRow::sort_name / sort_changed_ms of the last item served).
  int64_t after_id = 0;
  std::string after_name;
  int64_t after_changed_ms = 0;
  int limit = 100;
};

// Every customer a CustomerQuery's filters match (not just one page), and how they split
// by source (customers with a live member there) and by member count.
struct CustomerCounts {
  int64_t total = 0;
  std::vector<std::pair<std::string, int64_t>> by_source;  // by count, highest first
  std::vector<std::pair<int, int64_t>> by_members;         // by member count
};

struct LinkReason {
  std::string rule;   // national_id | email | phone | merged | manual
  std::string value;
  int64_t a = 0, b = 0;  // row ids of the two members it joined
};

struct CustomerRow {
  int64_t id = 0;
  std::vector<RecordRow> members;  // oldest first
  std::vector<LinkReason> reasons;
  std::string sort_name;           // sort=name: the key it was ordered by
  int64_t sort_changed_ms = 0;     // sort=changed: its latest member change
};

struct SuggestionRow {
  RecordRow a, b;
  std::string rule, value;
  TimePoint created{};
};

// A manual mark as the change feed shows it.
struct MarkInfo {
  int64_t id = 0;
  std::string op;  // link | unlink
  std::string note, by_user;
  TimePoint at{};
  std::string other_source, other_external_id;  // the pair's second record
  std::optional<TimePoint> removed;  // taken back (DELETE /v1/marks/{id}), and by whom
  std::string removed_by;
};

// A manual mark in force, as `crm-index marks` and GET /v1/marks list it.
struct MarkListing {
  int64_t id = 0;
  std::string op;  // link | unlink
  std::string a, b;  // SOURCE:EXTERNAL_ID
  TimePoint at{};
  std::string by_user, note;
};

struct ChangeRow {
  int64_t seq = 0;
  std::string op;  // create | update | delete | link | unlink | mark_deleted
  TimePoint at{};
  StoredRecord record;  // the record as it is now
  std::optional<MarkInfo> mark;  // op link / unlink
  bool from_run = false;  // a sync run wrote it (not the linker, a mark, a live read or a replica)
};

struct ChangePage {
  std::vector<ChangeRow> items;
  int64_t last_seq = 0;  // the highest seq in the feed (0 when empty)
};

// A source as the index knows it (the scheduler adds what it knows at runtime).
struct IndexedSource {
  std::string name;
  std::string type;
  long live = 0;
  long deleted = 0;
  std::optional<TimePoint> watermark;
  std::optional<TimePoint> last_success;  // end of the last run with status ok
  std::optional<RunRow> last_run;         // the latest run, whatever its status
};

class ApiQueries {
 public:
  // Errors: not_found when the file or its schema is missing, config when the schema is
  // older than kApiSchemaVersion or newer than this binary, internal otherwise.
  static Result<std::unique_ptr<ApiQueries>> open(const std::string& path);
  ~ApiQueries();

  Result<std::vector<IndexedSource>> sources();
  // The source's last `limit` runs, newest first; nullopt when the index has no such source.
  Result<std::optional<std::vector<RunRow>>> runs(std::string_view source, int limit);
  // Up to q.limit records with a row id above q.after_row_id, in row id order.
  Result<std::vector<RecordRow>> records(const RecordQuery& q);
  // nullopt when the index has no such record (tombstones are found).
  Result<std::optional<StoredRecord>> record(std::string_view source, std::string_view external_id);
  // Up to `limit` changes with a seq above `after_seq`, in seq order, and the feed's last seq.
  Result<ChangePage> changes(int64_t after_seq, int limit);

  // Customers in id order (customer_queries.cpp), with members and reasons.
  Result<std::vector<CustomerRow>> customers(const CustomerQuery& q);
  // The counts of everything q's filters match (its sort and keyset are ignored).
  Result<CustomerCounts> customer_counts(const CustomerQuery& q);
  Result<std::optional<CustomerRow>> customer(int64_t id);
  // Open suggestions in (a, b) order after the pair given: none whose records are now in
  // one customer, have a mark, or are deleted.
  // `customer_id`: only those with a record of that customer (0: all).
  Result<std::vector<SuggestionRow>> suggestions(int64_t after_a, int64_t after_b, int limit, int64_t customer_id = 0);
  // How many open suggestions there are (of that customer; 0: all).
  Result<int64_t> suggestion_count(int64_t customer_id = 0);
  // Up to `limit` marks in force with an id above `after_id`, oldest first.
  Result<std::vector<MarkListing>> marks(int64_t after_id = 0, int limit = -1);

 private:
  explicit ApiQueries(std::unique_ptr<SQLite::Database> db);
  // A prepared statement for this SQL text, kept for the connection's lifetime (the
  // record list builds its SQL from the filters given: a handful of shapes).
  SQLite::Statement& statement(const std::string& sql);
  Status load_members(CustomerRow& c);

  std::unique_ptr<SQLite::Database> db_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>, std::less<>> statements_;
};

// The FTS5 MATCH expression for a user's search text: every whitespace-separated word
// becomes a quoted prefix term ("zo"* finds Zoë), and the terms are ANDed. Quoting (with
// '"' doubled) makes FTS5 syntax in the text (AND, NEAR(, *, ", column filters) plain
// words. Words are folded as the index is (core/text_fold.h: "Łukasz" -> "lukasz");
// words without a letter or digit are dropped; "" when none is left. Pure.
std::string fts_match_expression(std::string_view text);

// The MATCH expression restricting the email column to the words of `email` as one
// phrase (zoe@example.com -> email : "zoe example com"): the FTS index narrows an email
// lookup to a few candidates, which an exact comparison then checks. "" when `email`
// has no letter or digit. Pure.
std::string fts_email_expression(std::string_view email);

}  // namespace crm
