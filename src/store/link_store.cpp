#include "store/link_store.h"

#include <algorithm>

#include "store/record_columns.h"

namespace crm {
namespace {

constexpr const char* kLinkRecordColumns =
    "id, source_id, kind, deleted_ms IS NULL, name, given_name, family_name, email, phone, "
    "company, national_id, external_id, merged_into, country";

void read_link_record(SQLite::Statement& q, LinkRecord& r) {
  r.id = q.getColumn(0).getInt64();
  r.source_id = q.getColumn(1).getInt64();
  parse_record_kind(q.getColumn(2).getString(), r.kind);
  r.live = q.getColumn(3).getInt() != 0;
  r.name = q.getColumn(4).getString();
  r.given_name = q.getColumn(5).getString();
  r.family_name = q.getColumn(6).getString();
  r.email = q.getColumn(7).getString();
  r.phone = q.getColumn(8).getString();
  r.company = q.getColumn(9).getString();
  r.national_id = q.getColumn(10).getString();
  r.external_id = q.getColumn(11).getString();
  r.merged_into = q.getColumn(12).getString();
  r.country = q.getColumn(13).getString();
}

void exec_with_id(SQLite::Statement& q, int64_t id) {
  ResetOnExit reset(q);
  q.bind(1, id);
  q.exec();
}

std::vector<int64_t> ids(SQLite::Statement& q) {
  std::vector<int64_t> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
  return out;
}

std::optional<int64_t> one_id(SQLite::Statement& q) {
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

std::string one_text(SQLite::Statement& q) { return q.executeStep() ? q.getColumn(0).getString() : std::string(); }

std::vector<MarkRow> read_marks(SQLite::Statement& q) {
  std::vector<MarkRow> out;
  while (q.executeStep()) {
    MarkRow m;
    m.id = q.getColumn(0).getInt64();
    m.a = q.getColumn(1).getInt64();
    m.b = q.getColumn(2).getInt64();
    m.link = q.getColumn(3).getString() == "link";
    m.at_ms = q.getColumn(4).getInt64();
    out.push_back(m);
  }
  return out;
}

}  // namespace

struct LinkStore::Statements {
  explicit Statements(SQLite::Database& db)
      : load(db, std::string("SELECT ") + kLinkRecordColumns + " FROM records WHERE id = ?1"),
        source_and_live(db, "SELECT source_id, deleted_ms IS NULL FROM records WHERE id = ?1"),
        survivor(db, "SELECT id FROM records WHERE source_id = ?1 AND external_id = ?2"),
        losers(db, "SELECT id FROM records WHERE source_id = ?1 AND merged_into = ?2 AND merged_into != ''"),
        external_id(db, "SELECT external_id FROM records WHERE id = ?1"),
        find_record(db,
                    "SELECT r.id, r.source_id FROM records r JOIN sources s ON s.id = r.source_id "
                    "WHERE s.name = ?1 AND r.external_id = ?2"),
        add_key(db, "INSERT INTO link_keys (key, record_id, source_id, rule, value) VALUES (?1, ?2, ?3, ?4, ?5)"),
        drop_keys(db, "DELETE FROM link_keys WHERE record_id = ?1"),
        keys_of(db, "SELECT key, rule FROM link_keys WHERE record_id = ?1"),
        holders(db, "SELECT record_id, source_id FROM link_keys WHERE key = ?1 LIMIT ?2"),
        key_known(db, "SELECT 1 FROM link_keys WHERE key = ?1 LIMIT 1"),
        key_values(db, "SELECT value FROM link_keys WHERE record_id = ?1 AND rule = ?2"),
        records_with_key(db, "SELECT record_id FROM link_keys WHERE key = ?1 AND rule = ?2"),
        key_value(db, "SELECT value FROM link_keys WHERE key = ?1 AND record_id = ?2"),
        value_at(db, "SELECT value FROM link_keys WHERE rowid = ?1"),
        customer_of(db, "SELECT customer_id FROM record_customer WHERE record_id = ?1"),
        customer_members(db, "SELECT record_id FROM record_customer WHERE customer_id = ?1"),
        remove_member(db, "DELETE FROM record_customer WHERE record_id = ?1"),
        remove_customer(db, "DELETE FROM customers WHERE id = ?1"),
        remove_reasons(db, "DELETE FROM link_reasons WHERE customer_id = ?1"),
        add_member(db, "INSERT INTO record_customer (record_id, customer_id) VALUES (?1, ?2)"),
        add_customer(db, "INSERT INTO customers (id, members, sources) VALUES (?1, ?2, ?3)"),
        add_reason(db, "INSERT INTO link_reasons (customer_id, rule, value, a, b) VALUES (?1, ?2, ?3, ?4, ?5)"),
        marks_of(db, "SELECT id, a, b, op, at_ms FROM link_marks WHERE (a = ?1 OR b = ?1) AND removed_ms IS NULL"),
        mark_note(db, "SELECT note FROM link_marks WHERE id = ?1"),
        put_mark(db,
                 "INSERT INTO link_marks (a, b, op, note, by_user, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                 "ON CONFLICT (a, b) WHERE removed_ms IS NULL DO UPDATE SET op = excluded.op, note = excluded.note, "
                 "by_user = excluded.by_user, at_ms = excluded.at_ms RETURNING id"),
        drop_suggestion(db, "DELETE FROM suggestions WHERE a = ?1 AND b = ?2"),
        drop_suggestions_of(db, "DELETE FROM suggestions WHERE a = ?1 OR b = ?1"),
        suggest(db,
                "INSERT OR IGNORE INTO suggestions (a, b, rule, value, created_ms) "
                "SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS "
                "(SELECT 1 FROM link_marks WHERE a = ?1 AND b = ?2 AND removed_ms IS NULL)"),
        remove_mark(db,
                    "UPDATE link_marks SET removed_ms = ?2, removed_by = ?3 WHERE id = ?1 AND removed_ms IS NULL "
                    "RETURNING a, b, op, at_ms") {}

  SQLite::Statement load, source_and_live, survivor, losers, external_id, find_record;
  SQLite::Statement add_key, drop_keys, keys_of, holders, key_known, key_values, records_with_key, key_value,
      value_at;
  SQLite::Statement customer_of, customer_members, remove_member, remove_customer, remove_reasons, add_member,
      add_customer, add_reason;
  SQLite::Statement marks_of, mark_note, put_mark, drop_suggestion, drop_suggestions_of, suggest, remove_mark;
};

LinkStore::LinkStore(SQLite::Database& db, ChangeFeed& feed)
    : db_(db), feed_(feed), st_(std::make_unique<Statements>(db)) {}
LinkStore::~LinkStore() = default;

LinkStore::Transaction::Transaction(LinkStore& store)
    : store_(store), tx_(store.db_, SQLite::TransactionBehavior::IMMEDIATE) {}

LinkStore::Transaction::~Transaction() {
  if (!done_) store_.feed_.discarded();
}

void LinkStore::Transaction::commit() {
  tx_.commit();
  done_ = true;
  store_.feed_.published();
}

// --- where the linker stands

LinkState LinkStore::state() {
  SQLite::Statement q(db_, "SELECT linked_seq, rules FROM link_state WHERE id = 1");
  LinkState s;
  if (q.executeStep()) {
    s.linked_seq = q.getColumn(0).getInt64();
    s.rules = q.getColumn(1).getString();
  }
  return s;
}

void LinkStore::set_linked(const std::string& rules) {
  SQLite::Statement q(db_,
                      "UPDATE link_state SET linked_seq = (SELECT coalesce(max(seq), 0) FROM changes), "
                      "rules = ?1 WHERE id = 1");
  q.bind(1, rules);
  q.exec();
}

void LinkStore::forget_rules() { db_.exec("UPDATE link_state SET rules = '' WHERE id = 1"); }

std::vector<int64_t> LinkStore::dirty_since(int64_t seq) {
  SQLite::Statement q(db_,
                      "SELECT record_id FROM changes WHERE seq > ?1 "
                      "UNION SELECT m.a FROM changes c JOIN link_marks m ON m.id = c.mark_id WHERE c.seq > ?1 "
                      "UNION SELECT m.b FROM changes c JOIN link_marks m ON m.id = c.mark_id WHERE c.seq > ?1");
  q.bind(1, seq);
  return ids(q);
}

long LinkStore::live_records() {
  return static_cast<long>(db_.execAndGet("SELECT count(*) FROM records WHERE deleted_ms IS NULL").getInt64());
}

std::vector<std::pair<int64_t, std::string>> LinkStore::sources() {
  SQLite::Statement q(db_, "SELECT id, name FROM sources");
  std::vector<std::pair<int64_t, std::string>> out;
  while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString());
  return out;
}

// --- records

bool LinkStore::load(int64_t record_id, LinkRecord& out) {
  auto& q = st_->load;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  if (!q.executeStep()) return false;
  read_link_record(q, out);
  return true;
}

std::optional<std::pair<int64_t, bool>> LinkStore::source_and_live(int64_t record_id) {
  auto& q = st_->source_and_live;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  if (!q.executeStep()) return std::nullopt;
  return std::pair{q.getColumn(0).getInt64(), q.getColumn(1).getInt() != 0};
}

std::optional<int64_t> LinkStore::survivor(int64_t source_id, const std::string& external_id) {
  auto& q = st_->survivor;
  ResetOnExit reset(q);
  q.bind(1, source_id);
  q.bindNoCopy(2, external_id);
  return one_id(q);
}

std::vector<int64_t> LinkStore::losers(int64_t source_id, const std::string& external_id) {
  auto& q = st_->losers;
  ResetOnExit reset(q);
  q.bind(1, source_id);
  q.bindNoCopy(2, external_id);
  return ids(q);
}

std::vector<std::pair<int64_t, int64_t>> LinkStore::merges() {
  SQLite::Statement q(db_,
                      "SELECT l.id, s.id FROM records l JOIN records s "
                      "ON s.source_id = l.source_id AND s.external_id = l.merged_into "
                      "WHERE l.merged_into != '' AND l.deleted_ms IS NOT NULL");
  std::vector<std::pair<int64_t, int64_t>> out;
  while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getInt64());
  return out;
}

std::string LinkStore::external_id(int64_t record_id) {
  auto& q = st_->external_id;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  return one_text(q);
}

std::optional<std::pair<int64_t, int64_t>> LinkStore::find_record(const std::string& source,
                                                                  const std::string& external_id) {
  auto& q = st_->find_record;
  ResetOnExit reset(q);
  q.bindNoCopy(1, source);
  q.bindNoCopy(2, external_id);
  if (!q.executeStep()) return std::nullopt;
  return std::pair{q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
}

LinkStore::LiveRecords::LiveRecords(SQLite::Database& db)
    : q_(db, std::string("SELECT ") + kLinkRecordColumns + " FROM records WHERE deleted_ms IS NULL ORDER BY id") {}

bool LinkStore::LiveRecords::next(LinkRecord& out) {
  if (!q_.executeStep()) return false;
  read_link_record(q_, out);
  return true;
}

// --- link keys

void LinkStore::add_key(int64_t record_id, int64_t source_id, uint64_t key, int rule, const std::string& value) {
  // A full relink adds every key through here: a plain reset, since each call binds all
  // five values again (no clearBindings) and an INSERT holds no read open.
  auto& q = st_->add_key;
  q.reset();
  q.bind(1, static_cast<int64_t>(key));
  q.bind(2, record_id);
  q.bind(3, source_id);
  q.bind(4, rule);
  q.bindNoCopy(5, value);
  q.exec();
}

void LinkStore::drop_keys(int64_t record_id) { exec_with_id(st_->drop_keys, record_id); }

std::vector<std::pair<uint64_t, int>> LinkStore::keys_of(int64_t record_id) {
  auto& q = st_->keys_of;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  std::vector<std::pair<uint64_t, int>> out;
  while (q.executeStep())
    out.emplace_back(static_cast<uint64_t>(q.getColumn(0).getInt64()), q.getColumn(1).getInt());
  return out;
}

std::vector<KeyHolder> LinkStore::holders(uint64_t key, int limit) {
  auto& q = st_->holders;
  ResetOnExit reset(q);
  q.bind(1, static_cast<int64_t>(key));
  q.bind(2, limit);
  std::vector<KeyHolder> out;
  while (q.executeStep()) out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64()});
  return out;
}

bool LinkStore::key_known(uint64_t key) {
  auto& q = st_->key_known;
  ResetOnExit reset(q);
  q.bind(1, static_cast<int64_t>(key));
  return q.executeStep();
}

std::vector<std::string> LinkStore::key_values(int64_t record_id, int rule) {
  auto& q = st_->key_values;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  q.bind(2, rule);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::vector<int64_t> LinkStore::records_with_key(uint64_t key, int rule) {
  auto& q = st_->records_with_key;
  ResetOnExit reset(q);
  q.bind(1, static_cast<int64_t>(key));
  q.bind(2, rule);
  return ids(q);
}

std::string LinkStore::key_value(uint64_t key, int64_t record_id) {
  auto& q = st_->key_value;
  ResetOnExit reset(q);
  q.bind(1, static_cast<int64_t>(key));
  q.bind(2, record_id);
  return one_text(q);
}

void LinkStore::drop_all_keys() {
  db_.exec("DROP INDEX IF EXISTS link_keys_by_key; DROP INDEX IF EXISTS link_keys_by_record; "
           "DELETE FROM link_keys;");
}

void LinkStore::index_keys() {
  db_.exec("CREATE INDEX link_keys_by_key ON link_keys(key, record_id, source_id, rule); "
           "CREATE INDEX link_keys_by_record ON link_keys(record_id);");
}

LinkStore::KeyWalk::KeyWalk(SQLite::Database& db)
    : q_(db,
         "SELECT key, record_id, source_id, rule, rowid FROM link_keys "
         "INDEXED BY link_keys_by_key ORDER BY key, record_id") {}

bool LinkStore::KeyWalk::next(KeyRow& out) {
  if (!q_.executeStep()) return false;
  out.key = static_cast<uint64_t>(q_.getColumn(0).getInt64());
  out.holder = {q_.getColumn(1).getInt64(), q_.getColumn(2).getInt64()};
  out.rule = q_.getColumn(3).getInt();
  out.rowid = q_.getColumn(4).getInt64();
  return true;
}

std::string LinkStore::value_at(int64_t key_rowid) {
  auto& q = st_->value_at;
  ResetOnExit reset(q);
  q.bind(1, key_rowid);
  return one_text(q);
}

// --- customers

std::optional<int64_t> LinkStore::customer_of(int64_t record_id) {
  auto& q = st_->customer_of;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  return one_id(q);
}

std::vector<int64_t> LinkStore::customer_members(int64_t customer_id) {
  auto& q = st_->customer_members;
  ResetOnExit reset(q);
  q.bind(1, customer_id);
  return ids(q);
}

std::unordered_map<int64_t, int64_t> LinkStore::all_memberships() {
  SQLite::Statement q(db_, "SELECT record_id, customer_id FROM record_customer");
  std::unordered_map<int64_t, int64_t> out;
  while (q.executeStep()) out[q.getColumn(0).getInt64()] = q.getColumn(1).getInt64();
  return out;
}

void LinkStore::remove_member(int64_t record_id) { exec_with_id(st_->remove_member, record_id); }

void LinkStore::remove_customer(int64_t customer_id) {
  exec_with_id(st_->remove_customer, customer_id);
  exec_with_id(st_->remove_reasons, customer_id);
}

void LinkStore::clear_customers() {
  db_.exec("DELETE FROM record_customer; DELETE FROM customers; DELETE FROM link_reasons; "
           "DELETE FROM suggestions;");
}

void LinkStore::add_member(int64_t record_id, int64_t customer_id) {
  auto& q = st_->add_member;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  q.bind(2, customer_id);
  q.exec();
}

void LinkStore::add_customer(int64_t customer_id, long members, long sources) {
  auto& q = st_->add_customer;
  ResetOnExit reset(q);
  q.bind(1, customer_id);
  q.bind(2, static_cast<int64_t>(members));
  q.bind(3, static_cast<int64_t>(sources));
  q.exec();
}

void LinkStore::add_reason(int64_t customer_id, std::string_view rule, const std::string& value, int64_t a,
                           int64_t b) {
  auto& q = st_->add_reason;
  ResetOnExit reset(q);
  q.bind(1, customer_id);
  q.bind(2, std::string(rule));
  q.bindNoCopy(3, value);
  q.bind(4, a);
  q.bind(5, b);
  q.exec();
}

long LinkStore::customer_count() {
  return static_cast<long>(db_.execAndGet("SELECT count(*) FROM customers").getInt64());
}

// --- marks and suggestions

std::vector<MarkRow> LinkStore::marks_of(int64_t record_id) {
  auto& q = st_->marks_of;
  ResetOnExit reset(q);
  q.bind(1, record_id);
  return read_marks(q);
}

std::vector<MarkRow> LinkStore::applicable_marks() {
  SQLite::Statement q(db_,
                      "SELECT m.id, m.a, m.b, m.op, m.at_ms FROM link_marks m "
                      "JOIN records ra ON ra.id = m.a JOIN records rb ON rb.id = m.b "
                      "WHERE m.removed_ms IS NULL AND (ra.deleted_ms IS NULL OR ra.merged_into != '') "
                      "AND (rb.deleted_ms IS NULL OR rb.merged_into != '')");
  return read_marks(q);
}

std::string LinkStore::mark_note(int64_t mark_id) {
  auto& q = st_->mark_note;
  ResetOnExit reset(q);
  q.bind(1, mark_id);
  return one_text(q);
}

int64_t LinkStore::put_mark(const MarkWrite& m) {
  const char* op = m.link ? "link" : "unlink";
  int64_t id = 0;
  {
    auto& q = st_->put_mark;
  ResetOnExit reset(q);
    q.bind(1, m.a);
    q.bind(2, m.b);
    q.bindNoCopy(3, op);
    q.bindNoCopy(4, m.note);
    q.bindNoCopy(5, m.by_user);
    q.bind(6, m.at_ms);
    q.executeStep();
    id = q.getColumn(0).getInt64();
  }
  {
    auto& q = st_->drop_suggestion;
  ResetOnExit reset(q);
    q.bind(1, m.a);
    q.bind(2, m.b);
    q.exec();
  }
  feed_.append_mark(m.event_on.source_id, m.event_on.record_id, op, m.at_ms, id);
  return id;
}

std::optional<MarkRow> LinkStore::remove_mark(int64_t mark_id, const std::string& by_user, int64_t at_ms) {
  MarkRow m;
  {
    auto& q = st_->remove_mark;
    ResetOnExit reset(q);
    q.bind(1, mark_id);
    q.bind(2, at_ms);
    q.bindNoCopy(3, by_user);
    if (!q.executeStep()) return std::nullopt;
    m.id = mark_id;
    m.a = q.getColumn(0).getInt64();
    m.b = q.getColumn(1).getInt64();
    m.link = q.getColumn(2).getString() == "link";
    m.at_ms = q.getColumn(3).getInt64();
  }
  int64_t source_id = source_and_live(m.a).value_or(std::pair<int64_t, bool>{0, false}).first;
  feed_.append_mark(source_id, m.a, "mark_deleted", at_ms, mark_id);
  return m;
}

void LinkStore::suggest(int64_t x, int64_t y, std::string_view rule, const std::string& value, int64_t at_ms) {
  auto [a, b] = std::minmax(x, y);
  auto& q = st_->suggest;
  ResetOnExit reset(q);
  q.bind(1, a);
  q.bind(2, b);
  q.bind(3, std::string(rule));
  q.bindNoCopy(4, value);
  q.bind(5, at_ms);
  q.exec();
}

void LinkStore::drop_suggestions_of(int64_t record_id) { exec_with_id(st_->drop_suggestions_of, record_id); }

std::optional<std::array<std::pair<std::string, std::string>, 2>> LinkStore::mark_records(int64_t mark_id) {
  SQLite::Statement q(db_,
                      "SELECT sa.name, ra.external_id, sb.name, rb.external_id FROM link_marks m "
                      "JOIN records ra ON ra.id = m.a JOIN sources sa ON sa.id = ra.source_id "
                      "JOIN records rb ON rb.id = m.b JOIN sources sb ON sb.id = rb.source_id "
                      "WHERE m.id = ?1 AND m.removed_ms IS NULL");
  q.bind(1, mark_id);
  if (!q.executeStep()) return std::nullopt;
  return std::array<std::pair<std::string, std::string>, 2>{
      std::pair{q.getColumn(0).getString(), q.getColumn(1).getString()},
      std::pair{q.getColumn(2).getString(), q.getColumn(3).getString()}};
}

std::optional<int64_t> LinkStore::mark_on(int64_t a, int64_t b) {
  auto [lo, hi] = std::minmax(a, b);
  SQLite::Statement q(db_, "SELECT id FROM link_marks WHERE a = ?1 AND b = ?2 AND removed_ms IS NULL");
  q.bind(1, lo);
  q.bind(2, hi);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

}  // namespace crm
