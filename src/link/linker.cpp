#include "link/linker.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/log.h"
#include "link/clusterer.h"
#include "link/link_rules.h"
#include "link/record_keys.h"

namespace crm {
namespace {

// Above this many dirty records (or a fifth of the live ones) one bulk relink is
// cheaper than probing around each of them.
constexpr size_t kBulkDirtyMin = 20000;
// A region this large means an identifier ties half the index together: relink in bulk.
constexpr size_t kMaxRegion = 200000;

EdgeStrength strength_of(LinkRule r) {
  switch (r) {
    case LinkRule::national_id: return EdgeStrength::national_id;
    case LinkRule::phone: return EdgeStrength::phone;
    default: return EdgeStrength::email;
  }
}

const char* strength_name(EdgeStrength s) {
  switch (s) {
    case EdgeStrength::manual: return "manual";
    case EdgeStrength::merged: return "merged";
    case EdgeStrength::national_id: return "national_id";
    case EdgeStrength::email: return "email";
    case EdgeStrength::phone: return "phone";
  }
  return "manual";
}

// The fields of a record that linking reads.
struct LinkRow {
  int64_t id = 0, source_id = 0;
  RecordKind kind = RecordKind::person;
  bool live = false;
  std::string name, given_name, family_name, email, phone, company, national_id;
  std::string external_id, merged_into, country;

  LinkFields fields() const {
    return LinkFields{kind, name, given_name, family_name, email, phone, company, national_id, country};
  }
};

constexpr const char* kLinkRowColumns =
    "id, source_id, kind, deleted_ms IS NULL, name, given_name, family_name, email, phone, "
    "company, national_id, external_id, merged_into, country";

void read_link_row(SQLite::Statement& q, LinkRow& r) {
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

// "Does the index hold this E.164 number from another record?" through link_keys (the
// record's own keys are dropped before it is asked). For incremental linking.
class IndexPhoneProbe final : public PhoneProbe {
 public:
  explicit IndexPhoneProbe(SQLite::Database& db) : q_(db, "SELECT 1 FROM link_keys WHERE key = ?1 LIMIT 1") {}
  RecordKind kind = RecordKind::person;
  bool known(std::string_view e164) const override {
    q_.reset();
    q_.bind(1, static_cast<int64_t>(key_hash(LinkRule::phone_other_name, kind, e164)));
    bool found = q_.executeStep();
    q_.reset();
    return found;
  }

 private:
  mutable SQLite::Statement q_;
};

// The same over the sorted phone_other_name hashes of a full relink's first pass.
class SortedPhoneProbe final : public PhoneProbe {
 public:
  explicit SortedPhoneProbe(const std::vector<uint64_t>& sorted) : sorted_(sorted) {}
  RecordKind kind = RecordKind::person;
  bool known(std::string_view e164) const override {
    return std::binary_search(sorted_.begin(), sorted_.end(), key_hash(LinkRule::phone_other_name, kind, e164));
  }

 private:
  const std::vector<uint64_t>& sorted_;
};

// The keys that depend on the phone's reading: what a second look at a national number
// can add.
bool phone_derived(LinkRule r) {
  return r == LinkRule::phone || r == LinkRule::phone_other_name || r == LinkRule::name_phone_country;
}

// The digits an E.164 value ends in, for its phone_national probe.
std::string_view e164_digits(std::string_view e164) { return e164.empty() ? e164 : e164.substr(1); }

// Per source id: how its values are normalised (phone region, +tags).
class SourceOptions {
 public:
  SourceOptions(SQLite::Database& db, const Config& config) : linking_(config.linking) {
    SQLite::Statement q(db, "SELECT id, name FROM sources");
    while (q.executeStep()) {
      KeyOptions o;
      o.linking = &linking_;
      if (const SourceConfig* s = config.find_source(q.getColumn(1).getString())) {
        o.phone_region = s->phone_region;
        o.strip_email_tags = s->strip_email_tags;
      }
      by_id_[q.getColumn(0).getInt64()] = o;
    }
    fallback_.linking = &linking_;
  }
  const KeyOptions& of(int64_t source_id) const {
    auto it = by_id_.find(source_id);
    return it == by_id_.end() ? fallback_ : it->second;
  }

 private:
  const LinkingConfig& linking_;
  std::unordered_map<int64_t, KeyOptions> by_id_;
  KeyOptions fallback_;
};

struct GroupMember {
  int64_t record_id = 0;
  int64_t source_id = 0;
};

bool source_repeats(const std::vector<GroupMember>& members) {
  std::unordered_set<int64_t> seen;
  for (const auto& m : members)
    if (!seen.insert(m.source_id).second) return true;
  return false;
}

// Star edges from the group's oldest record: one identifier, one spanning tree.
void add_group_edges(LinkRule rule, uint64_t key, std::vector<GroupMember>& members,
                     std::vector<LinkEdge>& edges) {
  std::sort(members.begin(), members.end(),
            [](const GroupMember& a, const GroupMember& b) { return a.record_id < b.record_id; });
  for (size_t i = 1; i < members.size(); ++i)
    edges.push_back(LinkEdge{members[0].record_id, members[i].record_id, strength_of(rule), key,
                             static_cast<int64_t>(key)});
}

struct MarkRow {
  int64_t id = 0, a = 0, b = 0;
  bool link = true;
  int64_t at_ms = 0;
};

// Statements both relink paths use; prepared once per call.
struct LinkSql {
  explicit LinkSql(SQLite::Database& db)
      : insert_key(db, "INSERT INTO link_keys (key, record_id, source_id, rule, value) VALUES (?1, ?2, ?3, ?4, ?5)"),
        key_value(db, "SELECT value FROM link_keys WHERE key = ?1 AND record_id = ?2"),
        mark_note(db, "SELECT note FROM link_marks WHERE id = ?1"),
        external_id(db, "SELECT external_id FROM records WHERE id = ?1"),
        insert_member(db, "INSERT INTO record_customer (record_id, customer_id) VALUES (?1, ?2)"),
        insert_customer(db, "INSERT INTO customers (id, members, sources) VALUES (?1, ?2, ?3)"),
        insert_reason(db, "INSERT INTO link_reasons (customer_id, rule, value, a, b) VALUES (?1, ?2, ?3, ?4, ?5)"),
        insert_change(db,
                      "INSERT INTO changes (source_id, record_id, op, at_ms) "
                      "SELECT source_id, id, 'update', ?2 FROM records WHERE id = ?1"),
        insert_suggestion(db,
                          "INSERT OR IGNORE INTO suggestions (a, b, rule, value, created_ms) "
                          "SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS "
                          "(SELECT 1 FROM link_marks WHERE a = ?1 AND b = ?2)") {}

  void add_key(int64_t record_id, int64_t source_id, const LinkKey& k) {
    insert_key.reset();
    insert_key.bind(1, static_cast<int64_t>(k.hash));
    insert_key.bind(2, record_id);
    insert_key.bind(3, source_id);
    insert_key.bind(4, static_cast<int>(k.rule));
    insert_key.bindNoCopy(5, k.value);
    insert_key.exec();
  }

  std::string reason_value(const LinkEdge& e) {
    auto one = [](SQLite::Statement& q) {
      std::string v = q.executeStep() ? q.getColumn(0).getString() : std::string();
      q.reset();
      return v;
    };
    switch (e.strength) {
      case EdgeStrength::manual:
        mark_note.reset();
        mark_note.bind(1, e.ref);
        return one(mark_note);
      case EdgeStrength::merged:
        external_id.reset();
        external_id.bind(1, e.b);
        return one(external_id);
      default:
        key_value.reset();
        key_value.bind(1, e.ref);
        key_value.bind(2, e.a);
        return one(key_value);
    }
  }

  void suggest(int64_t x, int64_t y, std::string_view rule, const std::string& value, int64_t now_ms) {
    auto [a, b] = std::minmax(x, y);
    insert_suggestion.reset();
    insert_suggestion.bind(1, a);
    insert_suggestion.bind(2, b);
    insert_suggestion.bind(3, std::string(rule));
    insert_suggestion.bind(4, value);
    insert_suggestion.bind(5, now_ms);
    insert_suggestion.exec();
  }

  SQLite::Statement insert_key, key_value, mark_note, external_id, insert_member, insert_customer,
      insert_reason, insert_change, insert_suggestion;
};

std::string suggestion_rule(LinkRule rule) {
  return rule_links(rule) ? "shared_" + std::string(rule_name(rule)) : std::string(rule_name(rule));
}

// Writes the customers of `result` for the records of `region` (a set closed under old
// and new customers) and appends an `update` event for every live record whose
// customer id, as the API shows it, changed. The caller has deleted the region's old
// rows; `old_customer` holds them.
long write_customers(LinkSql& sql, const ClusterResult& result,
                     const std::vector<int64_t>& region,
                     const std::unordered_map<int64_t, int64_t>& old_customer,
                     const std::unordered_map<int64_t, std::pair<int64_t, bool>>& source_live,
                     int64_t now_ms) {
  std::unordered_map<int64_t, std::pair<long, std::unordered_set<int64_t>>> size;  // customer -> members, sources
  for (auto [id, cid] : result.customer_of) {
    auto& s = size[cid];
    ++s.first;
    auto it = source_live.find(id);
    if (it != source_live.end()) s.second.insert(it->second.first);
  }
  for (auto [id, cid] : result.customer_of) {
    const auto& s = size[cid];
    if (s.first < 2) continue;
    sql.insert_member.reset();
    sql.insert_member.bind(1, id);
    sql.insert_member.bind(2, cid);
    sql.insert_member.exec();
    if (id == cid) {
      sql.insert_customer.reset();
      sql.insert_customer.bind(1, cid);
      sql.insert_customer.bind(2, static_cast<int64_t>(s.first));
      sql.insert_customer.bind(3, static_cast<int64_t>(s.second.size()));
      sql.insert_customer.exec();
    }
  }
  for (const auto& [cid, e] : result.reasons) {
    sql.insert_reason.reset();
    sql.insert_reason.bind(1, cid);
    sql.insert_reason.bind(2, strength_name(e.strength));
    sql.insert_reason.bind(3, sql.reason_value(e));
    sql.insert_reason.bind(4, e.a);
    sql.insert_reason.bind(5, e.b);
    sql.insert_reason.exec();
  }
  long changed = 0;
  for (int64_t id : region) {
    auto sl = source_live.find(id);
    bool live = sl != source_live.end() && sl->second.second;
    if (!live) continue;
    auto o = old_customer.find(id);
    int64_t before = o != old_customer.end() ? o->second : id;
    auto n = result.customer_of.find(id);
    int64_t after = id;
    if (n != result.customer_of.end() && size[n->second].first >= 2) after = n->second;
    if (before == after) continue;
    sql.insert_change.reset();
    sql.insert_change.bind(1, id);
    sql.insert_change.bind(2, now_ms);
    sql.insert_change.exec();
    ++changed;
  }
  return changed;
}

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
  q.reset();
  return out;
}

void add_mark_edges(const std::vector<MarkRow>& marks, ClusterInput& in) {
  for (const auto& m : marks) {
    if (m.link)
      in.edges.push_back(LinkEdge{m.a, m.b, EdgeStrength::manual, static_cast<uint64_t>(m.at_ms), m.id});
    else
      in.apart.emplace_back(m.a, m.b);
  }
}

}  // namespace

Result<RecordRef> parse_record_ref(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size())
    return Error::config(fmt::format("'{}': expected SOURCE:EXTERNAL_ID, e.g. hubspot-eu:1234", text));
  return RecordRef{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

Linker::Linker(SQLite::Database& db, const Config& config, ChangeNotifier* notifier)
    : db_(db), config_(config), notifier_(notifier) {}

std::string Linker::rules_fingerprint() const {
  const LinkingConfig& l = config_.linking;
  std::string fp = fmt::format("v{} nid={} email={} phone={} nc={} npc={} tags=", kKeyVersion, l.national_id,
                               l.email, l.phone, l.suggest_name_company, l.suggest_name_phone_country);
  for (const auto& d : l.plus_tag_domains) fp += d + ",";
  std::map<std::string, std::string> per_source;
  for (const auto& s : config_.sources)
    per_source[s.name] = fmt::format("{}/{}", s.phone_region, s.strip_email_tags);
  for (const auto& [name, o] : per_source) fp += fmt::format(" {}={}", name, o);
  return fp;
}

void Linker::beat() {
  if (heartbeat_)
    heartbeat_->store(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
}

void Linker::notify() {
  if (notifier_) notifier_->notify(db_.execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64());
}

Result<LinkStats> Linker::catch_up(TimePoint now) {
  auto started = std::chrono::steady_clock::now();
  LinkStats stats;
  // The heartbeat says "a link is making progress" only while one runs.
  struct EndBeat {
    std::atomic<int64_t>* hb;
    ~EndBeat() { if (hb) hb->store(0); }
  } end_beat{heartbeat_};
  try {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    int64_t linked_seq = 0;
    std::string rules;
    {
      SQLite::Statement q(db_, "SELECT linked_seq, rules FROM link_state WHERE id = 1");
      if (q.executeStep()) {
        linked_seq = q.getColumn(0).getInt64();
        rules = q.getColumn(1).getString();
      }
    }
    const std::string fp = rules_fingerprint();
    int64_t last_seq = db_.execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64();
    if (rules == fp && last_seq <= linked_seq) return stats;

    bool full = rules != fp;
    std::vector<int64_t> dirty;
    if (!full) {
      SQLite::Statement q(db_,
                          "SELECT record_id FROM changes WHERE seq > ?1 "
                          "UNION SELECT m.a FROM changes c JOIN link_marks m ON m.id = c.mark_id WHERE c.seq > ?1 "
                          "UNION SELECT m.b FROM changes c JOIN link_marks m ON m.id = c.mark_id WHERE c.seq > ?1");
      q.bind(1, linked_seq);
      while (q.executeStep()) dirty.push_back(q.getColumn(0).getInt64());
      auto live = static_cast<size_t>(
          db_.execAndGet("SELECT count(*) FROM records WHERE deleted_ms IS NULL").getInt64());
      full = dirty.size() > std::max(kBulkDirtyMin, live / 5);
    }
    stats.dirty = static_cast<long>(dirty.size());
    if (full) {
      if (rules != fp && !rules.empty())
        log_info("msg=\"linking rules changed: relinking every record\"");
      relink_everything(now, stats);
    } else {
      relink_dirty(dirty, now, stats);
      if (static_cast<size_t>(stats.region) > kMaxRegion) relink_everything(now, stats);
    }
    SQLite::Statement st(db_,
                         "UPDATE link_state SET linked_seq = (SELECT coalesce(max(seq), 0) FROM changes), "
                         "rules = ?1 WHERE id = 1");
    st.bind(1, fp);
    st.exec();
    tx.commit();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("link: {}", e.what()));
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (stats.customer_changes > 0) notify();
  if (stats.full || stats.region > 1000)
    log_info("msg=\"linked\" full={} dirty={} region={} customer_changes={} seconds={:.2f}", stats.full,
             stats.dirty, stats.region, stats.customer_changes, stats.seconds);
  return stats;
}

Result<LinkStats> Linker::relink_all(TimePoint now) {
  try {
    // A different fingerprint makes catch_up relink everything.
    db_.exec("UPDATE link_state SET rules = '' WHERE id = 1");
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("link: {}", e.what()));
  }
  return catch_up(now);
}

// ---- incremental -------------------------------------------------------------------

void Linker::relink_dirty(const std::vector<int64_t>& dirty_feed, TimePoint now, LinkStats& stats) {
  const int64_t now_ms = to_ms(now);
  SourceOptions options(db_, config_);
  LinkSql sql(db_);
  SQLite::Statement load(db_, fmt::format("SELECT {} FROM records WHERE id = ?1", kLinkRowColumns));
  SQLite::Statement drop_keys(db_, "DELETE FROM link_keys WHERE record_id = ?1");
  SQLite::Statement keys_of(db_, "SELECT key, rule FROM link_keys WHERE record_id = ?1");
  SQLite::Statement members_of_key(db_, "SELECT record_id, source_id FROM link_keys WHERE key = ?1 LIMIT ?2");
  SQLite::Statement customer_of(db_, "SELECT customer_id FROM record_customer WHERE record_id = ?1");
  SQLite::Statement customer_members(db_, "SELECT record_id FROM record_customer WHERE customer_id = ?1");
  SQLite::Statement survivor(db_, "SELECT id FROM records WHERE source_id = ?1 AND external_id = ?2");
  SQLite::Statement losers(db_,
                           "SELECT id FROM records WHERE source_id = ?1 AND merged_into = ?2 AND merged_into != ''");
  SQLite::Statement marks_of(db_, "SELECT id, a, b, op, at_ms FROM link_marks WHERE a = ?1 OR b = ?1");

  auto load_row = [&](int64_t id, LinkRow& row) {
    load.reset();
    load.bind(1, id);
    bool found = load.executeStep();
    if (found) read_link_row(load, row);
    load.reset();
    return found;
  };

  // 1. The dirty records' keys, as their records are now.
  std::vector<int64_t> dirty = dirty_feed;
  std::vector<LinkKey> keys;
  std::unordered_map<int64_t, std::vector<LinkKey>> dirty_keys;
  IndexPhoneProbe probe(db_);
  SQLite::Statement old_numbers(db_, "SELECT value FROM link_keys WHERE record_id = ?1 AND rule = ?2");
  std::vector<std::pair<RecordKind, std::string>> numbers;  // E.164 numbers that came or went
  auto compute_keys = [&](int64_t id) {
    LinkRow row;
    bool found = load_row(id, row);
    old_numbers.reset();
    old_numbers.bind(1, id);
    old_numbers.bind(2, static_cast<int>(LinkRule::phone_other_name));
    while (old_numbers.executeStep()) numbers.emplace_back(row.kind, old_numbers.getColumn(0).getString());
    old_numbers.reset();
    drop_keys.reset();
    drop_keys.bind(1, id);
    drop_keys.exec();
    if (!found || !row.live) return;
    KeyOptions o = options.of(row.source_id);
    o.phones = &probe;
    probe.kind = row.kind;
    keys.clear();
    record_keys(row.fields(), o, keys);
    for (const auto& k : keys) {
      sql.add_key(row.id, row.source_id, k);
      if (k.rule == LinkRule::phone_other_name) numbers.emplace_back(row.kind, k.value);
    }
    dirty_keys[id] = keys;
  };
  for (int64_t id : dirty_feed) compute_keys(id);
  // National numbers without a region read against the numbers in the index: a number
  // that came or went may change how they read, so they are looked at again (one level:
  // what they then read is itself in the index already).
  {
    std::unordered_set<int64_t> seen(dirty.begin(), dirty.end());
    SQLite::Statement nationals(db_, "SELECT record_id FROM link_keys WHERE key = ?1 AND rule = ?2");
    std::vector<int64_t> again;
    for (const auto& [kind, e164] : numbers) {
      nationals.reset();
      nationals.bind(1, static_cast<int64_t>(national_key_hash(kind, e164_digits(e164))));
      nationals.bind(2, static_cast<int>(LinkRule::phone_national));
      while (nationals.executeStep())
        if (int64_t rid = nationals.getColumn(0).getInt64(); seen.insert(rid).second) again.push_back(rid);
      nationals.reset();
    }
    for (int64_t id : again) {
      compute_keys(id);
      dirty.push_back(id);
    }
  }

  // 2. The region: closed under shared linking keys, old customers, merges and links.
  std::unordered_map<int64_t, LinkRow> region;
  std::unordered_map<uint64_t, std::pair<LinkRule, std::vector<GroupMember>>> groups;
  std::unordered_set<uint64_t> too_common, expanded;
  std::unordered_map<int64_t, int64_t> old_customer;
  std::unordered_set<int64_t> old_customers_seen;
  std::vector<MarkRow> marks;
  std::unordered_set<int64_t> marks_seen;
  std::deque<int64_t> queue(dirty.begin(), dirty.end());
  while (!queue.empty() && region.size() <= kMaxRegion) {
    if (!region.empty() && region.size() % 4096 == 0) beat();
    int64_t id = queue.front();
    queue.pop_front();
    if (region.count(id)) continue;
    LinkRow row;
    if (!load_row(id, row)) continue;
    LinkRow& r = region.emplace(id, std::move(row)).first->second;

    customer_of.reset();
    customer_of.bind(1, id);
    if (customer_of.executeStep()) {
      int64_t cid = customer_of.getColumn(0).getInt64();
      old_customer[id] = cid;
      customer_of.reset();
      if (old_customers_seen.insert(cid).second) {
        customer_members.reset();
        customer_members.bind(1, cid);
        while (customer_members.executeStep()) queue.push_back(customer_members.getColumn(0).getInt64());
        customer_members.reset();
      }
    }
    customer_of.reset();

    if (r.live) {
      keys_of.reset();
      keys_of.bind(1, id);
      std::vector<std::pair<uint64_t, LinkRule>> own;
      while (keys_of.executeStep())
        own.emplace_back(static_cast<uint64_t>(keys_of.getColumn(0).getInt64()),
                         static_cast<LinkRule>(keys_of.getColumn(1).getInt()));
      keys_of.reset();
      for (auto [key, rule] : own) {
        if (!rule_links(rule) || !expanded.insert(key).second) continue;
        members_of_key.reset();
        members_of_key.bind(1, static_cast<int64_t>(key));
        members_of_key.bind(2, kMaxKeyMembers + 1);
        std::vector<GroupMember> members;
        while (members_of_key.executeStep())
          members.push_back({members_of_key.getColumn(0).getInt64(), members_of_key.getColumn(1).getInt64()});
        members_of_key.reset();
        // A key too common, or that one CRM gives two records, joins no one: its
        // holders need not be looked at (their old customers come in on their own).
        if (members.size() > static_cast<size_t>(kMaxKeyMembers) || source_repeats(members)) {
          too_common.insert(key);
          continue;
        }
        for (const auto& m : members) queue.push_back(m.record_id);
        groups[key] = {rule, std::move(members)};
      }
    }
    if (!r.live && !r.merged_into.empty()) {
      survivor.reset();
      survivor.bind(1, r.source_id);
      survivor.bind(2, r.merged_into);
      if (survivor.executeStep()) queue.push_back(survivor.getColumn(0).getInt64());
      survivor.reset();
    }
    losers.reset();
    losers.bind(1, r.source_id);
    losers.bind(2, r.external_id);
    while (losers.executeStep()) queue.push_back(losers.getColumn(0).getInt64());
    losers.reset();

    marks_of.reset();
    marks_of.bind(1, id);
    for (const auto& m : read_marks(marks_of)) {
      if (!marks_seen.insert(m.id).second) continue;
      marks.push_back(m);
      if (m.link) queue.push_back(m.a == id ? m.b : m.a);
    }
  }
  stats.region = static_cast<long>(region.size());
  if (region.size() > kMaxRegion) return;  // the caller relinks everything

  // 3. Cluster the region.
  ClusterInput in;
  std::unordered_map<int64_t, std::pair<int64_t, bool>> source_live;
  for (const auto& [id, r] : region) source_live[id] = {r.source_id, r.live};
  for (auto& [key, group] : groups) {
    if (too_common.count(key) || source_repeats(group.second)) continue;
    add_group_edges(group.first, key, group.second, in.edges);
  }
  for (const auto& [id, r] : region) {
    if (r.live) {
      in.members.push_back(id);
    } else if (!r.merged_into.empty()) {
      survivor.reset();
      survivor.bind(1, r.source_id);
      survivor.bind(2, r.merged_into);
      if (survivor.executeStep()) {
        int64_t s = survivor.getColumn(0).getInt64();
        in.members.push_back(id);
        in.edges.push_back(LinkEdge{id, s, EdgeStrength::merged, 0, 0});
      }
      survivor.reset();
    }
  }
  add_mark_edges(marks, in);
  ClusterResult result = cluster(std::move(in));

  // 4. Replace the region's customers.
  std::vector<int64_t> region_ids;
  region_ids.reserve(region.size());
  for (const auto& [id, r] : region) region_ids.push_back(id);
  {
    SQLite::Statement del_member(db_, "DELETE FROM record_customer WHERE record_id = ?1");
    for (int64_t id : region_ids) {
      del_member.reset();
      del_member.bind(1, id);
      del_member.exec();
    }
    SQLite::Statement del_customer(db_, "DELETE FROM customers WHERE id = ?1");
    SQLite::Statement del_reasons(db_, "DELETE FROM link_reasons WHERE customer_id = ?1");
    for (int64_t cid : old_customers_seen) {
      del_customer.reset();
      del_customer.bind(1, cid);
      del_customer.exec();
      del_reasons.reset();
      del_reasons.bind(1, cid);
      del_reasons.exec();
    }
  }
  stats.customer_changes += write_customers(sql, result, region_ids, old_customer, source_live, now_ms);

  // 5. Suggestions of the dirty records, from weak keys and from identifiers that a
  //    CRM shares between several of its records.
  SQLite::Statement del_suggestions(db_, "DELETE FROM suggestions WHERE a = ?1 OR b = ?1");
  for (int64_t id : dirty) {
    del_suggestions.reset();
    del_suggestions.bind(1, id);
    del_suggestions.exec();
  }
  // The same number under other names suggests only records it did not link.
  auto customer_now = [&](int64_t record_id) {
    customer_of.reset();
    customer_of.bind(1, record_id);
    int64_t cid = customer_of.executeStep() ? customer_of.getColumn(0).getInt64() : record_id;
    customer_of.reset();
    return cid;
  };
  for (const auto& [id, dkeys] : dirty_keys) {
    int64_t source_id = region.count(id) ? region[id].source_id : 0;
    for (const auto& k : dkeys) {
      if (k.rule == LinkRule::phone_national) continue;
      members_of_key.reset();
      members_of_key.bind(1, static_cast<int64_t>(k.hash));
      members_of_key.bind(2, kMaxSuggestionMembers + 1);
      std::vector<GroupMember> members;
      while (members_of_key.executeStep())
        members.push_back({members_of_key.getColumn(0).getInt64(), members_of_key.getColumn(1).getInt64()});
      members_of_key.reset();
      if (members.size() < 2 || members.size() > static_cast<size_t>(kMaxSuggestionMembers)) continue;
      if (rule_links(k.rule) && !source_repeats(members)) continue;  // it links: no suggestion
      const bool unlinked_only = k.rule == LinkRule::phone_other_name;
      for (const auto& m : members)
        if (m.record_id != id && m.source_id != source_id &&
            (!unlinked_only || customer_now(m.record_id) != customer_now(id)))
          sql.suggest(id, m.record_id, suggestion_rule(k.rule), k.value, now_ms);
    }
  }
}

// ---- everything --------------------------------------------------------------------

void Linker::relink_everything(TimePoint now, LinkStats& stats) {
  const int64_t now_ms = to_ms(now);
  stats.full = true;
  SourceOptions options(db_, config_);
  LinkSql sql(db_);
  auto t0 = std::chrono::steady_clock::now();
  auto phase = [&t0](const char* what) {
    auto t = std::chrono::steady_clock::now();
    log_debug("msg=\"relink: {} took {:.2f}s\"", what, std::chrono::duration<double>(t - t0).count());
    t0 = t;
  };

  std::unordered_map<int64_t, int64_t> old_customer;
  {
    SQLite::Statement q(db_, "SELECT record_id, customer_id FROM record_customer");
    while (q.executeStep()) old_customer[q.getColumn(0).getInt64()] = q.getColumn(1).getInt64();
  }
  db_.exec("DELETE FROM record_customer; DELETE FROM customers; DELETE FROM link_reasons; "
           "DELETE FROM suggestions;");

  // 1. Every live record's keys, computed in parallel (libphonenumber is the cost),
  //    appended without indexes, then indexed by sorting.
  db_.exec("DROP INDEX IF EXISTS link_keys_by_key; DROP INDEX IF EXISTS link_keys_by_record; "
           "DELETE FROM link_keys;");
  {
    SQLite::Statement q(db_, fmt::format("SELECT {} FROM records WHERE deleted_ms IS NULL ORDER BY id",
                                         kLinkRowColumns));
    const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    constexpr size_t kBatch = 8192;
    std::vector<LinkRow> batch;
    std::vector<std::vector<std::pair<size_t, LinkKey>>> out(threads);
    double compute_s = 0, insert_s = 0;
    // For the second look at national numbers without a region: every E.164 number's
    // phone_other_name hash, and the records whose number no region read.
    std::vector<uint64_t> numbers;
    std::vector<LinkRow> national;
    bool more = true;
    while (more) {
      batch.clear();
      while (batch.size() < kBatch && (more = q.executeStep())) {
        batch.emplace_back();
        read_link_row(q, batch.back());
      }
      if (batch.empty()) break;
      beat();
      auto work = [&](size_t t) {
        std::vector<LinkKey> keys;
        out[t].clear();
        for (size_t i = t; i < batch.size(); i += threads) {
          keys.clear();
          record_keys(batch[i].fields(), options.of(batch[i].source_id), keys);
          for (auto& k : keys) out[t].emplace_back(i, std::move(k));
        }
      };
      auto c0 = std::chrono::steady_clock::now();
      std::vector<std::thread> pool;
      for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
      work(0);
      for (auto& th : pool) th.join();
      auto c1 = std::chrono::steady_clock::now();
      for (auto& part : out)
        for (const auto& [i, k] : part) {
          sql.add_key(batch[i].id, batch[i].source_id, k);
          if (k.rule == LinkRule::phone_other_name) numbers.push_back(k.hash);
          // A number no region read has its phone_national key and no phone keys.
          else if (k.rule == LinkRule::phone_national) national.push_back(batch[i]);
        }
      compute_s += std::chrono::duration<double>(c1 - c0).count();
      insert_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c1).count();
    }
    // 1b. National numbers read against every number of the first pass (only those, so
    //     that the order records come in decides nothing).
    std::sort(numbers.begin(), numbers.end());
    auto c0 = std::chrono::steady_clock::now();
    std::vector<std::vector<std::pair<size_t, LinkKey>>> found(threads);
    auto look_again = [&](size_t t) {
      SortedPhoneProbe probe(numbers);
      std::vector<LinkKey> keys;
      for (size_t i = t; i < national.size(); i += threads) {
        KeyOptions o = options.of(national[i].source_id);
        o.phones = &probe;
        probe.kind = national[i].kind;
        keys.clear();
        record_keys(national[i].fields(), o, keys);
        for (auto& k : keys)
          if (phone_derived(k.rule)) found[t].emplace_back(i, std::move(k));
      }
    };
    {
      std::vector<std::thread> pool;
      for (size_t t = 1; t < threads && national.size() > 1000; ++t) pool.emplace_back(look_again, t);
      look_again(0);
      if (pool.empty())
        for (size_t t = 1; t < threads; ++t) look_again(t);
      for (auto& th : pool) th.join();
    }
    long resolved = 0;
    for (const auto& part : found)
      for (const auto& [i, k] : part) {
        sql.add_key(national[i].id, national[i].source_id, k);
        resolved += k.rule == LinkRule::phone_other_name;
      }
    log_debug("msg=\"relink: {} national numbers without a region, {} read by the index, {:.2f}s\"",
              national.size(), resolved,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count());
    log_debug("msg=\"relink: computing keys {:.2f}s, inserting them {:.2f}s\"", compute_s, insert_s);
  }
  phase("keys");
  db_.exec("CREATE INDEX link_keys_by_key ON link_keys(key, record_id, source_id, rule); "
           "CREATE INDEX link_keys_by_record ON link_keys(record_id);");
  phase("indexes");
  beat();

  // 2. One walk over the keys in key order: groups that link, groups that suggest.
  ClusterInput in;
  std::unordered_set<int64_t> members;
  std::vector<std::pair<std::string, std::vector<GroupMember>>> same_number;  // phone_other_name groups
  {
    SQLite::Statement walk(db_,
                           "SELECT key, record_id, source_id, rule, rowid FROM link_keys "
                           "INDEXED BY link_keys_by_key ORDER BY key, record_id");
    SQLite::Statement value_at(db_, "SELECT value FROM link_keys WHERE rowid = ?1");
    std::vector<GroupMember> group;
    uint64_t group_key = 0;
    LinkRule group_rule = LinkRule::email;
    int64_t group_rowid = 0;
    auto flush = [&] {
      if (group.size() < 2 || group_rule == LinkRule::phone_national) return;
      if (group_rule == LinkRule::phone_other_name) {
        // Suggests only pairs the phone did not link: known once clustered.
        if (group.size() <= static_cast<size_t>(kMaxSuggestionMembers)) {
          value_at.reset();
          value_at.bind(1, group_rowid);
          std::string value = value_at.executeStep() ? value_at.getColumn(0).getString() : std::string();
          value_at.reset();
          same_number.emplace_back(std::move(value), group);
        }
        return;
      }
      bool repeats = source_repeats(group);
      if (rule_links(group_rule) && !repeats && group.size() <= static_cast<size_t>(kMaxKeyMembers)) {
        for (const auto& m : group) members.insert(m.record_id);
        add_group_edges(group_rule, group_key, group, in.edges);
        return;
      }
      if (group.size() > static_cast<size_t>(kMaxSuggestionMembers)) return;
      if (rule_links(group_rule) && !repeats) return;
      value_at.reset();
      value_at.bind(1, group_rowid);
      std::string value = value_at.executeStep() ? value_at.getColumn(0).getString() : std::string();
      value_at.reset();
      const std::string rule = suggestion_rule(group_rule);
      for (size_t i = 0; i < group.size(); ++i)
        for (size_t j = i + 1; j < group.size(); ++j)
          if (group[i].source_id != group[j].source_id)
            sql.suggest(group[i].record_id, group[j].record_id, rule, value, now_ms);
    };
    uint64_t walked = 0;
    while (walk.executeStep()) {
      if (++walked % 65536 == 0) beat();
      auto key = static_cast<uint64_t>(walk.getColumn(0).getInt64());
      if (group.empty() || key != group_key) {
        flush();
        group.clear();
        group_key = key;
        group_rule = static_cast<LinkRule>(walk.getColumn(3).getInt());
        group_rowid = walk.getColumn(4).getInt64();
      }
      group.push_back({walk.getColumn(1).getInt64(), walk.getColumn(2).getInt64()});
    }
    flush();
  }

  phase("walk");
  // 3. Merges and marks.
  {
    SQLite::Statement q(db_,
                        "SELECT l.id, s.id FROM records l JOIN records s "
                        "ON s.source_id = l.source_id AND s.external_id = l.merged_into "
                        "WHERE l.merged_into != '' AND l.deleted_ms IS NOT NULL");
    while (q.executeStep()) {
      int64_t loser = q.getColumn(0).getInt64(), surv = q.getColumn(1).getInt64();
      members.insert(loser);
      members.insert(surv);
      in.edges.push_back(LinkEdge{loser, surv, EdgeStrength::merged, 0, 0});
    }
    SQLite::Statement m(db_,
                        "SELECT m.id, m.a, m.b, m.op, m.at_ms FROM link_marks m "
                        "JOIN records ra ON ra.id = m.a JOIN records rb ON rb.id = m.b "
                        "WHERE (ra.deleted_ms IS NULL OR ra.merged_into != '') "
                        "AND (rb.deleted_ms IS NULL OR rb.merged_into != '')");
    auto marks = read_marks(m);
    for (const auto& mk : marks)
      if (mk.link) {
        members.insert(mk.a);
        members.insert(mk.b);
      }
    add_mark_edges(marks, in);
  }

  // 4. Cluster and write. Only records in some multi-record group can have changed.
  std::unordered_map<int64_t, std::pair<int64_t, bool>> source_live;
  {
    SQLite::Statement q(db_, "SELECT source_id, deleted_ms IS NULL FROM records WHERE id = ?1");
    auto note = [&](int64_t id) {
      if (source_live.count(id)) return;
      q.reset();
      q.bind(1, id);
      if (q.executeStep()) source_live[id] = {q.getColumn(0).getInt64(), q.getColumn(1).getInt() != 0};
      q.reset();
    };
    for (int64_t id : members) note(id);
    for (const auto& [id, cid] : old_customer) note(id);
  }
  in.members.assign(members.begin(), members.end());
  ClusterResult result = cluster(std::move(in));
  std::vector<int64_t> region(members.begin(), members.end());
  for (const auto& [id, cid] : old_customer)
    if (!members.count(id)) region.push_back(id);
  stats.region = static_cast<long>(region.size());
  stats.customer_changes += write_customers(sql, result, region, old_customer, source_live, now_ms);
  stats.customers = db_.execAndGet("SELECT count(*) FROM customers").getInt64();
  // 5. One number, other names: suggestions between records of different CRMs that the
  //    phone did not join.
  auto customer = [&](int64_t id) {
    auto it = result.customer_of.find(id);
    return it == result.customer_of.end() ? id : it->second;
  };
  const std::string other_name = suggestion_rule(LinkRule::phone_other_name);
  for (const auto& [value, group] : same_number)
    for (size_t i = 0; i < group.size(); ++i)
      for (size_t j = i + 1; j < group.size(); ++j)
        if (group[i].source_id != group[j].source_id &&
            customer(group[i].record_id) != customer(group[j].record_id))
          sql.suggest(group[i].record_id, group[j].record_id, other_name, value, now_ms);
  phase("clusters");
}

// ---- marks -------------------------------------------------------------------------

Result<int64_t> Linker::add_mark(const MarkRequest& request, TimePoint now) {
  int64_t mark_id = 0;
  try {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(db_,
                           "SELECT r.id, r.source_id FROM records r JOIN sources s ON s.id = r.source_id "
                           "WHERE s.name = ?1 AND r.external_id = ?2");
    auto resolve = [&](const RecordRef& ref) -> Result<std::pair<int64_t, int64_t>> {
      find.reset();
      find.bind(1, ref.source);
      find.bind(2, ref.external_id);
      if (!find.executeStep())
        return Error::not_found(fmt::format("no record {}:{} in the index (is the source name right, "
                                            "and has it been synced?)",
                                            ref.source, ref.external_id));
      return std::pair{find.getColumn(0).getInt64(), find.getColumn(1).getInt64()};
    };
    auto a = resolve(request.a);
    if (!a) return a.error();
    auto b = resolve(request.b);
    if (!b) return b.error();
    if (a->first == b->first)
      return Error::config(fmt::format("{}:{} is the same record twice", request.a.source, request.a.external_id));
    auto [lo, hi] = std::minmax(a->first, b->first);
    SQLite::Statement ins(db_,
                          "INSERT INTO link_marks (a, b, op, note, by_user, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                          "ON CONFLICT (a, b) DO UPDATE SET op = excluded.op, note = excluded.note, "
                          "by_user = excluded.by_user, at_ms = excluded.at_ms RETURNING id");
    ins.bind(1, lo);
    ins.bind(2, hi);
    ins.bind(3, request.op == MarkOp::link ? "link" : "unlink");
    ins.bind(4, request.note);
    ins.bind(5, request.by_user);
    ins.bind(6, static_cast<int64_t>(to_ms(now)));
    ins.executeStep();
    mark_id = ins.getColumn(0).getInt64();
    ins.reset();
    SQLite::Statement del(db_, "DELETE FROM suggestions WHERE a = ?1 AND b = ?2");
    del.bind(1, lo);
    del.bind(2, hi);
    del.exec();
    SQLite::Statement ev(db_,
                         "INSERT INTO changes (source_id, record_id, op, at_ms, mark_id) VALUES (?1, ?2, ?3, ?4, ?5)");
    ev.bind(1, a->second);
    ev.bind(2, a->first);
    ev.bind(3, request.op == MarkOp::link ? "link" : "unlink");
    ev.bind(4, static_cast<int64_t>(to_ms(now)));
    ev.bind(5, mark_id);
    ev.exec();
    tx.commit();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("link: {}", e.what()));
  }
  notify();
  if (auto st = catch_up(now); !st) return st.error();
  return mark_id;
}

}  // namespace crm
