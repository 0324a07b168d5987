#include "link/linker.h"

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
#include "link/group_verdict.h"
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

LinkFields fields_of(const LinkRecord& r) {
  return LinkFields{r.kind, r.name, r.given_name, r.family_name, r.email, r.phone, r.company, r.national_id, r.country};
}

// "Does the index hold this E.164 number from another record?" through link_keys (the
// record's own keys are dropped before it is asked). For incremental linking.
class IndexPhoneProbe final : public PhoneProbe {
 public:
  explicit IndexPhoneProbe(LinkStore& store) : store_(store) {}
  RecordKind kind = RecordKind::person;
  bool known(std::string_view e164) const override {
    return store_.key_known(key_hash(LinkRule::phone_other_name, kind, e164));
  }

 private:
  LinkStore& store_;
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
  SourceOptions(LinkStore& store, const Config& config) : linking_(config.linking) {
    for (const auto& [id, name] : store.sources()) {
      KeyOptions o;
      o.linking = &linking_;
      if (const SourceConfig* s = config.find_source(name)) {
        o.phone_region = s->phone_region;
        o.strip_email_tags = s->strip_email_tags;
      }
      by_id_[id] = o;
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

void add_key(LinkStore& store, int64_t record_id, int64_t source_id, const LinkKey& k) {
  store.add_key(record_id, source_id, k.hash, static_cast<int>(k.rule), k.value);
}

// Star edges from the group's oldest record: one identifier, one spanning tree.
void add_group_edges(LinkRule rule, uint64_t key, std::vector<KeyHolder>& members, std::vector<LinkEdge>& edges) {
  std::sort(members.begin(), members.end(),
            [](const KeyHolder& a, const KeyHolder& b) { return a.record_id < b.record_id; });
  for (size_t i = 1; i < members.size(); ++i)
    edges.push_back(LinkEdge{members[0].record_id, members[i].record_id, strength_of(rule), key,
                             static_cast<int64_t>(key)});
}

// What a person reads as the reason an edge joined a customer.
std::string reason_value(LinkStore& store, const LinkEdge& e) {
  switch (e.strength) {
    case EdgeStrength::manual: return store.mark_note(e.ref);
    case EdgeStrength::merged: return store.external_id(e.b);
    default: return store.key_value(static_cast<uint64_t>(e.ref), e.a);
  }
}

std::string suggestion_rule(LinkRule rule) {
  return rule_links(rule) ? "shared_" + std::string(rule_name(rule)) : std::string(rule_name(rule));
}

// Suggestions between the holders of one key, pair by pair across CRMs; for
// suggest_unlinked, only pairs that `customer` puts apart.
template <class CustomerOf>
void suggest_pairs(LinkStore& store, GroupVerdict verdict, LinkRule rule, const std::vector<KeyHolder>& group,
                   const std::string& value, int64_t now_ms, CustomerOf customer) {
  const std::string name = suggestion_rule(rule);
  for (size_t i = 0; i < group.size(); ++i)
    for (size_t j = i + 1; j < group.size(); ++j)
      if (group[i].source_id != group[j].source_id &&
          (verdict != GroupVerdict::suggest_unlinked || customer(group[i].record_id) != customer(group[j].record_id)))
        store.suggest(group[i].record_id, group[j].record_id, name, value, now_ms);
}

// Writes the customers of `result` for the records of `region` (a set closed under old
// and new customers) and appends an `update` event for every live record whose
// customer id, as the API shows it, changed. The caller has deleted the region's old
// rows; `old_customer` holds them.
long write_customers(LinkStore& store, const ClusterResult& result, const std::vector<int64_t>& region,
                     const std::unordered_map<int64_t, int64_t>& old_customer,
                     const std::unordered_map<int64_t, std::pair<int64_t, bool>>& source_live, int64_t now_ms) {
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
    store.add_member(id, cid);
    if (id == cid) store.add_customer(cid, s.first, static_cast<long>(s.second.size()));
  }
  for (const auto& [cid, e] : result.reasons)
    store.add_reason(cid, strength_name(e.strength), reason_value(store, e), e.a, e.b);
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
    store.customer_changed(id, now_ms);
    ++changed;
  }
  return changed;
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

Linker::Linker(LinkStore& store, const Config& config) : store_(store), config_(config) {}

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

Result<LinkStats> Linker::catch_up(TimePoint now) {
  auto started = std::chrono::steady_clock::now();
  LinkStats stats;
  // The heartbeat says "a link is making progress" only while one runs.
  struct EndBeat {
    std::atomic<int64_t>* hb;
    ~EndBeat() { if (hb) hb->store(0); }
  } end_beat{heartbeat_};
  try {
    LinkStore::Transaction tx(store_);
    const LinkState state = store_.state();
    const std::string fp = rules_fingerprint();
    if (state.rules == fp && store_.last_seq() <= state.linked_seq) return stats;

    bool full = state.rules != fp;
    std::vector<int64_t> dirty;
    if (!full) {
      dirty = store_.dirty_since(state.linked_seq);
      auto live = static_cast<size_t>(store_.live_records());
      full = dirty.size() > std::max(kBulkDirtyMin, live / 5);
    }
    stats.dirty = static_cast<long>(dirty.size());
    if (full) {
      if (state.rules != fp && !state.rules.empty())
        log_info("msg=\"linking rules changed: relinking every record\"");
      relink_everything(now, stats);
    } else {
      relink_dirty(dirty, now, stats);
      if (static_cast<size_t>(stats.region) > kMaxRegion) relink_everything(now, stats);
    }
    store_.set_linked(fp);
    tx.commit();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("link: {}", e.what()));
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (stats.full || stats.region > 1000)
    log_info("msg=\"linked\" full={} dirty={} region={} customer_changes={} seconds={:.2f}", stats.full,
             stats.dirty, stats.region, stats.customer_changes, stats.seconds);
  return stats;
}

Result<LinkStats> Linker::relink_all(TimePoint now) {
  try {
    // A different fingerprint makes catch_up relink everything.
    store_.forget_rules();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("link: {}", e.what()));
  }
  return catch_up(now);
}

// ---- incremental -------------------------------------------------------------------

void Linker::relink_dirty(const std::vector<int64_t>& dirty_feed, TimePoint now, LinkStats& stats) {
  const int64_t now_ms = to_ms(now);
  SourceOptions options(store_, config_);

  // 1. The dirty records' keys, as their records are now.
  std::vector<int64_t> dirty = dirty_feed;
  std::vector<LinkKey> keys;
  std::unordered_map<int64_t, std::vector<LinkKey>> dirty_keys;
  IndexPhoneProbe probe(store_);
  std::vector<std::pair<RecordKind, std::string>> numbers;  // E.164 numbers that came or went
  auto compute_keys = [&](int64_t id) {
    LinkRecord row;
    bool found = store_.load(id, row);
    for (auto& old : store_.key_values(id, static_cast<int>(LinkRule::phone_other_name)))
      numbers.emplace_back(row.kind, std::move(old));
    store_.drop_keys(id);
    if (!found || !row.live) return;
    KeyOptions o = options.of(row.source_id);
    o.phones = &probe;
    probe.kind = row.kind;
    keys.clear();
    record_keys(fields_of(row), o, keys);
    for (const auto& k : keys) {
      add_key(store_, row.id, row.source_id, k);
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
    std::vector<int64_t> again;
    for (const auto& [kind, e164] : numbers)
      for (int64_t rid : store_.records_with_key(national_key_hash(kind, e164_digits(e164)),
                                                 static_cast<int>(LinkRule::phone_national)))
        if (seen.insert(rid).second) again.push_back(rid);
    for (int64_t id : again) {
      compute_keys(id);
      dirty.push_back(id);
    }
  }

  // 2. The region: closed under shared linking keys, old customers, merges and links.
  std::unordered_map<int64_t, LinkRecord> region;
  std::unordered_map<uint64_t, std::pair<LinkRule, std::vector<KeyHolder>>> groups;  // keys that link
  std::unordered_set<uint64_t> expanded;
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
    LinkRecord row;
    if (!store_.load(id, row)) continue;
    LinkRecord& r = region.emplace(id, std::move(row)).first->second;

    if (auto cid = store_.customer_of(id)) {
      old_customer[id] = *cid;
      if (old_customers_seen.insert(*cid).second)
        for (int64_t m : store_.customer_members(*cid)) queue.push_back(m);
    }
    if (r.live) {
      for (auto [key, rule_number] : store_.keys_of(id)) {
        auto rule = static_cast<LinkRule>(rule_number);
        if (!rule_links(rule) || !expanded.insert(key).second) continue;
        // A key that joins no one (too common, or one CRM gives it to two records) needs
        // its holders not looked at: their old customers come in on their own.
        auto members = store_.holders(key, kMaxKeyMembers + 1);
        if (classify_group(rule, members) != GroupVerdict::link) continue;
        for (const auto& m : members) queue.push_back(m.record_id);
        groups[key] = {rule, std::move(members)};
      }
    }
    if (!r.live && !r.merged_into.empty())
      if (auto s = store_.survivor(r.source_id, r.merged_into)) queue.push_back(*s);
    for (int64_t loser : store_.losers(r.source_id, r.external_id)) queue.push_back(loser);
    for (const auto& m : store_.marks_of(id)) {
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
  for (auto& [key, group] : groups) add_group_edges(group.first, key, group.second, in.edges);
  for (const auto& [id, r] : region) {
    if (r.live) {
      in.members.push_back(id);
    } else if (!r.merged_into.empty()) {
      if (auto s = store_.survivor(r.source_id, r.merged_into)) {
        in.members.push_back(id);
        in.edges.push_back(LinkEdge{id, *s, EdgeStrength::merged, 0, 0});
      }
    }
  }
  add_mark_edges(marks, in);
  ClusterResult result = cluster(std::move(in));

  // 4. Replace the region's customers.
  std::vector<int64_t> region_ids;
  region_ids.reserve(region.size());
  for (const auto& [id, r] : region) region_ids.push_back(id);
  for (int64_t id : region_ids) store_.remove_member(id);
  for (int64_t cid : old_customers_seen) store_.remove_customer(cid);
  stats.customer_changes += write_customers(store_, result, region_ids, old_customer, source_live, now_ms);

  // 5. Suggestions of the dirty records, from weak keys and from identifiers that a
  //    CRM shares between several of its records.
  for (int64_t id : dirty) store_.drop_suggestions_of(id);
  auto customer_now = [&](int64_t record_id) { return store_.customer_of(record_id).value_or(record_id); };
  for (const auto& [id, dkeys] : dirty_keys) {
    int64_t source_id = region.count(id) ? region[id].source_id : 0;
    for (const auto& k : dkeys) {
      auto members = store_.holders(k.hash, kMaxSuggestionMembers + 1);
      const GroupVerdict verdict = classify_group(k.rule, members);
      if (verdict != GroupVerdict::suggest && verdict != GroupVerdict::suggest_unlinked) continue;
      // Only the dirty record's own pairs: the others' were made when they were dirty.
      std::vector<KeyHolder> pair{{id, source_id}, {}};
      for (const auto& m : members) {
        if (m.record_id == id) continue;
        pair[1] = m;
        suggest_pairs(store_, verdict, k.rule, pair, k.value, now_ms, customer_now);
      }
    }
  }
}

// ---- everything --------------------------------------------------------------------

void Linker::relink_everything(TimePoint now, LinkStats& stats) {
  const int64_t now_ms = to_ms(now);
  stats.full = true;
  SourceOptions options(store_, config_);
  auto t0 = std::chrono::steady_clock::now();
  auto phase = [&t0](const char* what) {
    auto t = std::chrono::steady_clock::now();
    log_debug("msg=\"relink: {} took {:.2f}s\"", what, std::chrono::duration<double>(t - t0).count());
    t0 = t;
  };

  std::unordered_map<int64_t, int64_t> old_customer = store_.all_memberships();
  store_.clear_customers();

  // 1. Every live record's keys, computed in parallel (libphonenumber is the cost),
  //    appended without indexes, then indexed by sorting.
  store_.drop_all_keys();
  {
    auto live = store_.live();
    const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    constexpr size_t kBatch = 8192;
    std::vector<LinkRecord> batch;
    std::vector<std::vector<std::pair<size_t, LinkKey>>> out(threads);
    double compute_s = 0, insert_s = 0;
    // For the second look at national numbers without a region: every E.164 number's
    // phone_other_name hash, and the records whose number no region read.
    std::vector<uint64_t> numbers;
    std::vector<LinkRecord> national;
    bool more = true;
    while (more) {
      batch.clear();
      while (batch.size() < kBatch) {
        batch.emplace_back();
        if (!(more = live.next(batch.back()))) {
          batch.pop_back();
          break;
        }
      }
      if (batch.empty()) break;
      beat();
      auto work = [&](size_t t) {
        std::vector<LinkKey> keys;
        out[t].clear();
        for (size_t i = t; i < batch.size(); i += threads) {
          keys.clear();
          record_keys(fields_of(batch[i]), options.of(batch[i].source_id), keys);
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
          add_key(store_, batch[i].id, batch[i].source_id, k);
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
        record_keys(fields_of(national[i]), o, keys);
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
        add_key(store_, national[i].id, national[i].source_id, k);
        resolved += k.rule == LinkRule::phone_other_name;
      }
    log_debug("msg=\"relink: {} national numbers without a region, {} read by the index, {:.2f}s\"",
              national.size(), resolved,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count());
    log_debug("msg=\"relink: computing keys {:.2f}s, inserting them {:.2f}s\"", compute_s, insert_s);
  }
  phase("keys");
  store_.index_keys();
  phase("indexes");
  beat();

  // 2. One walk over the keys in key order: groups that link, groups that suggest.
  ClusterInput in;
  std::unordered_set<int64_t> members;
  struct Deferred {
    LinkRule rule;
    std::string value;
    std::vector<KeyHolder> group;
  };
  std::vector<Deferred> unlinked_only;  // suggestions for pairs the clusters put apart
  {
    auto walk = store_.walk_keys();
    LinkStore::KeyRow row;
    std::vector<KeyHolder> group;
    uint64_t group_key = 0;
    LinkRule group_rule = LinkRule::email;
    int64_t group_rowid = 0;
    auto flush = [&] {
      const GroupVerdict verdict = classify_group(group_rule, group);
      switch (verdict) {
        case GroupVerdict::none: return;
        case GroupVerdict::link:
          for (const auto& m : group) members.insert(m.record_id);
          add_group_edges(group_rule, group_key, group, in.edges);
          return;
        case GroupVerdict::suggest_unlinked:
          unlinked_only.push_back({group_rule, store_.value_at(group_rowid), group});
          return;
        case GroupVerdict::suggest:
          suggest_pairs(store_, verdict, group_rule, group, store_.value_at(group_rowid), now_ms,
                        [](int64_t id) { return id; });
          return;
      }
    };
    uint64_t walked = 0;
    while (walk.next(row)) {
      if (++walked % 65536 == 0) beat();
      if (group.empty() || row.key != group_key) {
        flush();
        group.clear();
        group_key = row.key;
        group_rule = static_cast<LinkRule>(row.rule);
        group_rowid = row.rowid;
      }
      group.push_back(row.holder);
    }
    flush();
  }

  phase("walk");
  // 3. Merges and marks.
  for (auto [loser, surv] : store_.merges()) {
    members.insert(loser);
    members.insert(surv);
    in.edges.push_back(LinkEdge{loser, surv, EdgeStrength::merged, 0, 0});
  }
  {
    auto marks = store_.applicable_marks();
    for (const auto& mk : marks)
      if (mk.link) {
        members.insert(mk.a);
        members.insert(mk.b);
      }
    add_mark_edges(marks, in);
  }

  // 4. Cluster and write. Only records in some multi-record group can have changed.
  std::unordered_map<int64_t, std::pair<int64_t, bool>> source_live;
  auto note = [&](int64_t id) {
    if (source_live.count(id)) return;
    if (auto sl = store_.source_and_live(id)) source_live[id] = *sl;
  };
  for (int64_t id : members) note(id);
  for (const auto& [id, cid] : old_customer) note(id);
  in.members.assign(members.begin(), members.end());
  ClusterResult result = cluster(std::move(in));
  std::vector<int64_t> region(members.begin(), members.end());
  for (const auto& [id, cid] : old_customer)
    if (!members.count(id)) region.push_back(id);
  stats.region = static_cast<long>(region.size());
  stats.customer_changes += write_customers(store_, result, region, old_customer, source_live, now_ms);
  stats.customers = store_.customer_count();
  // 5. One number, other names: suggestions between records of different CRMs that the
  //    phone did not join.
  auto customer = [&](int64_t id) {
    auto it = result.customer_of.find(id);
    return it == result.customer_of.end() ? id : it->second;
  };
  for (const auto& d : unlinked_only)
    suggest_pairs(store_, GroupVerdict::suggest_unlinked, d.rule, d.group, d.value, now_ms, customer);
  phase("clusters");
}

// ---- marks -------------------------------------------------------------------------

Result<int64_t> Linker::add_mark(const MarkRequest& request, TimePoint now) {
  int64_t mark_id = 0;
  try {
    LinkStore::Transaction tx(store_);
    auto resolve = [&](const RecordRef& ref) -> Result<std::pair<int64_t, int64_t>> {
      if (auto found = store_.find_record(ref.source, ref.external_id)) return *found;
      return Error::not_found(fmt::format("no record {}:{} in the index (is the source name right, "
                                          "and has it been synced?)",
                                          ref.source, ref.external_id));
    };
    auto a = resolve(request.a);
    if (!a) return a.error();
    auto b = resolve(request.b);
    if (!b) return b.error();
    if (a->first == b->first)
      return Error::config(fmt::format("{}:{} is the same record twice", request.a.source, request.a.external_id));
    auto [lo, hi] = std::minmax(a->first, b->first);
    MarkWrite mark;
    mark.a = lo;
    mark.b = hi;
    mark.link = request.op == MarkOp::link;
    mark.note = request.note;
    mark.by_user = request.by_user;
    mark.at_ms = to_ms(now);
    mark.event_on = {a->first, a->second};
    mark_id = store_.put_mark(mark);
    tx.commit();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("link: {}", e.what()));
  }
  if (auto st = catch_up(now); !st) return st.error();
  return mark_id;
}

Status Linker::remove_mark(int64_t mark_id, const std::string& by_user, TimePoint now) {
  try {
    LinkStore::Transaction tx(store_);
    if (!store_.remove_mark(mark_id, by_user, to_ms(now)))
      return Error::not_found(fmt::format("no mark #{} in force (see GET /v1/marks or crm-index marks)", mark_id));
    tx.commit();
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("unmark: {}", e.what()));
  }
  if (auto st = catch_up(now); !st) return st.error();
  return {};
}

Result<std::pair<RecordRef, RecordRef>> Linker::mark_records(int64_t mark_id) {
  try {
    auto records = store_.mark_records(mark_id);
    if (!records)
      return Error::not_found(fmt::format("no mark #{} in force (see GET /v1/marks or crm-index marks)", mark_id));
    return std::pair{RecordRef{(*records)[0].first, (*records)[0].second},
                     RecordRef{(*records)[1].first, (*records)[1].second}};
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("mark #{}: {}", mark_id, e.what()));
  }
}

Result<int64_t> Linker::mark_on(const RecordRef& a, const RecordRef& b) {
  try {
    auto ra = store_.find_record(a.source, a.external_id);
    auto rb = store_.find_record(b.source, b.external_id);
    std::optional<int64_t> id;
    if (ra && rb) id = store_.mark_on(ra->first, rb->first);
    if (!id)
      return Error::not_found(fmt::format("no mark in force on {}:{} and {}:{}", a.source, a.external_id, b.source,
                                          b.external_id));
    return *id;
  } catch (const std::exception& e) {
    return Error::internal(fmt::format("mark on a pair: {}", e.what()));
  }
}

}  // namespace crm
