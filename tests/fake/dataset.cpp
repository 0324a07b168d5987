#include "fake/dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace crm::fake {
namespace {

using Key = std::pair<int64_t, uint64_t>;  // (modified_ms, id)
using OrderTree = __gnu_pbds::tree<Key, __gnu_pbds::null_type, std::less<Key>, __gnu_pbds::rb_tree_tag,
                                   __gnu_pbds::tree_order_statistics_node_update>;

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Name {
  const char* display;
  const char* ascii;  // folded for e-mail addresses
};

constexpr std::array kFirstNames = {
    Name{"Zoë", "zoe"},         Name{"Łukasz", "lukasz"},     Name{"José", "jose"},
    Name{"Søren", "soren"},     Name{"François", "francois"}, Name{"İlker", "ilker"},
    Name{"Ólafur", "olafur"},   Name{"Anna", "anna"},         Name{"John", "john"},
    Name{"Maria", "maria"},     Name{"David", "david"},       Name{"Emma", "emma"},
    Name{"Chloé", "chloe"},     Name{"Jürgen", "jurgen"},     Name{"Siobhán", "siobhan"},
    Name{"Mei", "mei"},         Name{"Ahmed", "ahmed"},       Name{"Sara", "sara"},
    Name{"Peter", "peter"},     Name{"Øyvind", "oyvind"},     Name{"Grace", "grace"},
    Name{"Michael", "michael"}, Name{"Noah", "noah"},         Name{"Linnéa", "linnea"},
};

constexpr std::array kLastNames = {
    Name{"Müller", "muller"},       Name{"Ångström", "angstrom"},
    Name{"Nguyễn", "nguyen"},       Name{"Łukasz", "lukasz"},
    Name{"Smith", "smith"},         Name{"Johnson", "johnson"},
    Name{"García", "garcia"},       Name{"Kowalski", "kowalski"},
    Name{"d'Essai", "dessai"},      Name{"Brown", "brown"},
    Name{"Østergård", "ostergard"}, Name{"Yılmaz", "yilmaz"},
    Name{"O'Brien", "obrien"},      Name{"Schmidt", "schmidt"},
    Name{"Lefèvre", "lefevre"},     Name{"Wang", "wang"},
    Name{"Sánchez", "sanchez"},     Name{"Jones", "jones"},
    Name{"Novák", "novak"},         Name{"Taylor", "taylor"},
    Name{"Fischer", "fischer"},     Name{"Papadopoulos", "papadopoulos"},
    Name{"Björk", "bjork"},         Name{"Ivanova", "ivanova"},
};

constexpr std::array kCompanies = {
    Name{"Müller & Söhne GmbH", "mueller-soehne"},
    Name{"Acme Ltd", "acme"},
    Name{"Globex Corporation", "globex"},
    Name{"Smith & Co", "smith-co"},
    Name{"Société Générale d'Électricité", "sge"},
    Name{"Nordisk Fisk AS", "nordiskfisk"},
    Name{"Umbrella Corp.", "umbrella"},
    Name{"株式会社サンプル", "sample-kk"},
    Name{"Café \"Zur Post\" KG", "zurpost"},
    Name{"Øresund Logistik ApS", "oresund"},
    Name{"Stark Industries", "stark"},
    Name{"Wayne Enterprises", "wayne"},
};

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string make_phone(uint64_t h) {
  auto d = [&](int shift, int digits) {
    uint64_t mod = 1;
    for (int i = 0; i < digits; ++i) mod *= 10;
    return fmt::format("{:0{}}", (h >> shift) % mod, digits);
  };
  switch ((h >> 40) % 8) {
    case 0: return fmt::format("+49 30 {}", d(8, 7));
    case 1: return fmt::format("030 {}", d(8, 7));
    case 2: return fmt::format("(555) 010-{}", d(8, 4));
    case 3: return fmt::format("+1-555-010-{}", d(8, 4));
    case 4: return "";
    case 5: return fmt::format("+44 20 7946 {}", d(8, 4));
    case 6: return fmt::format("+33 1 23 45 {} {}", d(8, 2), d(16, 2));
    default: return fmt::format("0049-30-{}", d(8, 7));
  }
}

int64_t whole_seconds_ms(TimePoint t) {
  int64_t ms = to_ms(t);
  return ms - ((ms % 1000) + 1000) % 1000;
}

void apply_patch(FakeRecord& r, const RecordPatch& p) {
  if (p.is_company) r.company = *p.is_company;
  if (p.active) r.active = *p.active;
  if (p.first_name) r.first_name = *p.first_name;
  if (p.last_name) r.last_name = *p.last_name;
  if (p.email) r.email = *p.email;
  if (p.phone) r.phone = *p.phone;
  if (p.company) r.company_name = *p.company;
  if (p.full_name) {
    r.full_name = *p.full_name;
  } else if (p.first_name || p.last_name) {
    r.full_name = r.first_name.empty() || r.last_name.empty() ? r.first_name + r.last_name
                                                              : r.first_name + " " + r.last_name;
  }
}

// Collects the changes of one mutation for the ChangeSink while the lock is held, copying
// no more records than the sink has room for, and hands them over in one call.
class ChangeRecorder {
 public:
  ChangeRecorder(ChangeSink* sink, const Clock& clock)
      : sink_(sink), room_(sink ? sink->room() : 0), at_ms_(sink ? to_ms(clock.now()) : 0) {}

  void created(const FakeRecord& r) { add(RecordChange::Kind::created, FakeRecord{}, r, 0); }
  void deleted(const FakeRecord& last, uint64_t merged_into = 0) {
    add(RecordChange::Kind::deleted, last, last, merged_into);
  }
  // Applies `edit` to r, keeping r as it was before when the change is reported.
  template <class Edit>
  void updated(FakeRecord& r, Edit&& edit) {
    if (!keeps()) {
      edit(r);
      if (sink_) ++left_out_;
      return;
    }
    FakeRecord before = r;
    edit(r);
    changes_.push_back({RecordChange::Kind::updated, std::move(before), r, at_ms_, 0});
  }
  void flush() {
    if (sink_ && (!changes_.empty() || left_out_)) sink_->changed(std::move(changes_), left_out_);
  }

 private:
  bool keeps() const { return sink_ && changes_.size() < room_; }
  void add(RecordChange::Kind kind, const FakeRecord& before, const FakeRecord& after, uint64_t merged_into) {
    if (keeps())
      changes_.push_back({kind, before, after, at_ms_, merged_into});
    else if (sink_)
      ++left_out_;
  }

  ChangeSink* const sink_;
  const size_t room_;
  const int64_t at_ms_;
  std::vector<RecordChange> changes_;
  uint64_t left_out_ = 0;
};

}  // namespace

int64_t seeded_modified_ms(uint64_t id) { return kSeedBaseMs + static_cast<int64_t>((id - 1) / 3) * 1000; }

namespace {

// Set once by main() before serving (--shared-people), read-only afterwards.
uint64_t g_shared_people = 0;

// Seeded person `id` (1..shared) is the same real person in every fake that shares
// people, whatever its seed: the name, mailbox and phone number come from the id alone,
// and the seed only picks how this CRM happens to write them (e-mail capitals, phone in
// national or international form), as different CRMs do.
FakeRecord shared_person(uint64_t seed, uint64_t id) {
  uint64_t h = splitmix64(splitmix64(0x5eed5ba4ed) ^ id);
  FakeRecord r;
  r.id = id;
  r.modified_ms = seeded_modified_ms(id);
  const Name& first = kFirstNames[h % kFirstNames.size()];
  const Name& last = kLastNames[(h >> 16) % kLastNames.size()];
  r.first_name = first.display;
  r.last_name = last.display;
  r.full_name = fmt::format("{} {}", first.display, last.display);
  r.company_name = kCompanies[(h >> 32) % kCompanies.size()].display;
  std::string number = fmt::format("{:07}", (h >> 8) % 10000000);
  switch (seed % 3) {
    case 0: r.phone = "+49 30 " + number; break;
    case 1: r.phone = "030 " + number; break;
    default: r.phone = "0049-30-" + number; break;
  }
  r.email = seed % 2 == 0 ? fmt::format("{}.{}.shared{}@example.com", first.ascii, last.ascii, id)
                          : fmt::format("{}.{}.shared{}@Example.COM", capitalised(first.ascii),
                                        capitalised(last.ascii), id);
  return r;
}

}  // namespace

void set_shared_people(uint64_t n) { g_shared_people = n; }

FakeRecord generate_record(uint64_t seed, uint64_t id) {
  if (id <= g_shared_people && id % 10 != 0) return shared_person(seed, id);
  uint64_t h = splitmix64(splitmix64(seed) ^ id);
  FakeRecord r;
  r.id = id;
  r.modified_ms = seeded_modified_ms(id);
  r.phone = make_phone(h);
  if (id % 10 == 0) {
    const Name& c = kCompanies[(h >> 32) % kCompanies.size()];
    r.company = true;
    r.full_name = c.display;
    r.email = fmt::format("info{}@{}.example.com", id, c.ascii);
    return r;
  }
  const Name& first = kFirstNames[h % kFirstNames.size()];
  const Name& last = kLastNames[(h >> 16) % kLastNames.size()];
  r.first_name = first.display;
  r.last_name = last.display;
  r.full_name = fmt::format("{} {}", first.display, last.display);
  if (id % 7 == 0) {  // the same address with capitals: clients must compare case-insensitively
    r.email = fmt::format("{}.{}{}@Example.com", capitalised(first.ascii), capitalised(last.ascii), id);
  } else {
    r.email = fmt::format("{}.{}{}@example.com", first.ascii, last.ascii, id);
  }
  if ((h >> 48) % 5 != 0) r.company_name = kCompanies[(h >> 32) % kCompanies.size()].display;
  return r;
}

// All mutable state; guarded by mu.
struct DatasetState {
  mutable std::mutex mu;
  // Seeded ids that left the seeded sequence (changed or deleted): a flag per id and a
  // Fenwick tree of the same flags for rank and select.
  std::vector<bool> moved;
  std::vector<uint32_t> fenwick;
  uint64_t moved_count = 0;
  // Live records that are not plain seeded ones, with their current content.
  std::unordered_map<uint64_t, FakeRecord> changed;
  OrderTree order;
  std::unordered_set<uint64_t> deleted;
  std::vector<DeletedRecord> deletion_log;  // in deletion order
  std::unordered_map<uint64_t, std::vector<uint64_t>> merged;  // survivor → absorbed ids
  uint64_t next_id = 1;
  uint64_t mutations = 0;  // a salt so repeated bulk mutations differ
};

namespace {

// Helpers on State that assume the lock is held. n is the seeded count.
struct View {
  DatasetState& s;
  uint64_t n;
  uint64_t seed;

  uint64_t moved_up_to(uint64_t x) const {  // moved ids in [1, x]
    uint64_t sum = 0;
    for (; x > 0; x &= x - 1) sum += s.fenwick[x];
    return sum;
  }
  void mark_moved(uint64_t id) {
    s.moved[id] = true;
    ++s.moved_count;
    for (uint64_t x = id; x <= n; x += x & (~x + 1)) ++s.fenwick[x];
  }
  uint64_t seeded_size() const { return n - s.moved_count; }
  uint64_t live() const { return seeded_size() + s.order.size(); }

  // The id of the a-th (0-based) seeded record still in the seeded sequence.
  uint64_t seeded_at(uint64_t a) const {
    uint64_t pos = 0, want = a + 1;
    for (uint64_t step = n ? std::bit_floor(n) : 0; step; step >>= 1) {
      if (pos + step > n) continue;
      uint64_t present = step - s.fenwick[pos + step];
      if (present < want) {
        pos += step;
        want -= present;
      }
    }
    return pos + 1;
  }
  Key seeded_key(uint64_t a) const {
    uint64_t id = seeded_at(a);
    return {seeded_modified_ms(id), id};
  }
  Key changed_key(uint64_t b) const { return *s.order.find_by_order(b); }

  // Live records ordered strictly before k.
  uint64_t rank(Key k) const {
    // Seeded keys grow with the id: find the last id whose key is below k.
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo + 1) / 2;
      if (Key{seeded_modified_ms(mid), mid} < k)
        lo = mid;
      else
        hi = mid - 1;
    }
    return (lo - moved_up_to(lo)) + s.order.order_of_key(k);
  }

  // How many of the first k merged records come from the seeded sequence.
  uint64_t split(uint64_t k) const {
    uint64_t na = seeded_size(), nb = s.order.size();
    uint64_t lo = k > nb ? k - nb : 0, hi = std::min(k, na);
    // Smallest a whose next seeded record is after the last changed one taken.
    while (lo < hi) {
      uint64_t a = lo + (hi - lo) / 2;
      if (changed_key(k - a - 1) < seeded_key(a))
        hi = a;
      else
        lo = a + 1;
    }
    return lo;
  }

  FakeRecord record(uint64_t id) const {
    auto it = s.changed.find(id);
    return it != s.changed.end() ? it->second : generate_record(seed, id);
  }

  ListPage page_from(uint64_t start, uint64_t view_end_total, uint64_t total, size_t limit) const {
    ListPage page;
    page.total = total;
    uint64_t end = std::min<uint64_t>(live(), start + limit);
    if (start >= end) {
      page.more = false;
      return page;
    }
    page.records.reserve(end - start);
    uint64_t a = split(start), b = start - a;
    uint64_t na = seeded_size(), nb = s.order.size();
    auto bit = b < nb ? s.order.find_by_order(b) : s.order.end();
    for (uint64_t k = start; k < end; ++k) {
      bool take_seeded = a < na && (b >= nb || seeded_key(a) < *bit);
      if (take_seeded) {
        page.records.push_back(generate_record(seed, seeded_at(a)));
        ++a;
      } else {
        page.records.push_back(s.changed.at(bit->second));
        ++bit;
        ++b;
      }
    }
    page.more = end < view_end_total;
    return page;
  }

  bool exists(uint64_t id) const {
    if (id == 0 || id >= s.next_id || s.deleted.count(id)) return false;
    return true;
  }

  // Takes a live record out of wherever it is and returns its content.
  FakeRecord take(uint64_t id) {
    auto it = s.changed.find(id);
    if (it != s.changed.end()) {
      FakeRecord r = std::move(it->second);
      s.order.erase(Key{r.modified_ms, id});
      s.changed.erase(it);
      return r;
    }
    mark_moved(id);  // a plain seeded record
    return generate_record(seed, id);
  }
  void put(FakeRecord r) {
    s.order.insert(Key{r.modified_ms, r.id});
    uint64_t id = r.id;
    s.changed.emplace(id, std::move(r));
  }
};

}  // namespace

Dataset::Dataset(uint64_t records, uint64_t seed, const Clock& clock)
    : n_(records), seed_(seed), clock_(clock), s_(std::make_unique<DatasetState>()) {
  reset();
}

Dataset::~Dataset() = default;

void Dataset::reset() {
  std::lock_guard lock(s_->mu);
  s_->moved.assign(n_ + 1, false);
  s_->fenwick.assign(n_ + 1, 0);
  s_->moved_count = 0;
  s_->changed.clear();
  s_->order.clear();
  s_->deleted.clear();
  s_->deletion_log.clear();
  s_->merged.clear();
  s_->next_id = n_ + 1;
  s_->mutations = 0;
}

ListPage Dataset::list(int64_t since_ms, uint64_t offset, size_t limit) const {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  uint64_t skip = v.rank(Key{since_ms, 0});
  uint64_t live = v.live();
  uint64_t total = live - skip;
  uint64_t start = offset > total ? live : skip + offset;
  return v.page_from(start, live, total, limit);
}

ListPage Dataset::list_after(int64_t since_ms, OrderKey after, size_t limit) const {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  uint64_t skip = v.rank(Key{since_ms, 0});
  uint64_t live = v.live();
  uint64_t past = after.id == UINT64_MAX ? v.rank(Key{after.modified_ms + 1, 0})
                                         : v.rank(Key{after.modified_ms, after.id + 1});
  return v.page_from(std::max(skip, past), live, live - skip, limit);
}

std::vector<FakeRecord> Dataset::by_id(uint64_t after_id, size_t limit) const {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  std::vector<FakeRecord> out;
  for (uint64_t id = after_id + 1; id < s_->next_id && out.size() < limit; ++id)
    if (!s_->deleted.count(id)) out.push_back(v.record(id));
  return out;
}

std::optional<FakeRecord> Dataset::get(uint64_t id) const {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  if (!v.exists(id)) return std::nullopt;
  return v.record(id);
}

uint64_t Dataset::create(const RecordPatch& patch) {
  std::lock_guard lock(s_->mu);
  ChangeRecorder changes(sink_, clock_);
  FakeRecord r;
  r.id = s_->next_id++;
  apply_patch(r, patch);
  r.modified_ms = whole_seconds_ms(clock_.now());
  changes.created(r);
  View{*s_, n_, seed_}.put(std::move(r));
  changes.flush();
  return s_->next_id - 1;
}

bool Dataset::update(uint64_t id, const RecordPatch& patch) {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  if (!v.exists(id)) return false;
  ChangeRecorder changes(sink_, clock_);
  FakeRecord r = v.take(id);
  changes.updated(r, [&](FakeRecord& x) {
    apply_patch(x, patch);
    x.modified_ms = whole_seconds_ms(clock_.now());
  });
  v.put(std::move(r));
  changes.flush();
  return true;
}

bool Dataset::remove(uint64_t id) {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  if (!v.exists(id)) return false;
  ChangeRecorder changes(sink_, clock_);
  FakeRecord last = v.take(id);
  changes.deleted(last);
  s_->deleted.insert(id);
  s_->deletion_log.push_back({std::move(last), whole_seconds_ms(clock_.now()), 0});
  changes.flush();
  return true;
}

bool Dataset::merge(uint64_t loser, uint64_t survivor) {
  if (loser == survivor) return false;
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  if (!v.exists(loser) || !v.exists(survivor)) return false;
  int64_t now = whole_seconds_ms(clock_.now());
  ChangeRecorder changes(sink_, clock_);
  FakeRecord last = v.take(loser);
  changes.deleted(last, survivor);
  s_->deleted.insert(loser);
  s_->deletion_log.push_back({std::move(last), now, survivor});
  FakeRecord r = v.take(survivor);
  changes.updated(r, [&](FakeRecord& x) { x.modified_ms = now; });
  v.put(std::move(r));
  s_->merged[survivor].push_back(loser);
  changes.flush();
  return true;
}

std::vector<uint64_t> Dataset::merged_ids(uint64_t survivor) const {
  std::lock_guard lock(s_->mu);
  auto it = s_->merged.find(survivor);
  return it == s_->merged.end() ? std::vector<uint64_t>{} : it->second;
}

std::vector<DeletedRecord> Dataset::deleted_since(int64_t since_ms) const {
  std::lock_guard lock(s_->mu);
  std::vector<DeletedRecord> out;
  for (const auto& d : s_->deletion_log)
    if (d.deleted_ms >= since_ms) out.push_back(d);
  return out;
}

namespace {

void change_email(FakeRecord& r, uint64_t h) {
  std::string local = r.email.substr(0, r.email.find('@'));
  if (local.empty()) local = fmt::format("contact{}", r.id);
  r.email = fmt::format("{}@mail{}.example.org", local, h % 90 + 10);
}

// A deterministic visible change: e-mail, phone or employer (companies have none).
void change_something(FakeRecord& r, uint64_t h) {
  switch (h % (r.company ? 2 : 3)) {
    case 0: change_email(r, h >> 8); break;
    case 1: r.phone = fmt::format("+49 30 {:07}", (h >> 8) % 10000000); break;
    default: {
      size_t cur = 0;
      while (cur < kCompanies.size() && r.company_name != kCompanies[cur].display) ++cur;
      size_t next = (cur + 1 + (h >> 8) % (kCompanies.size() - 1)) % kCompanies.size();
      r.company_name = kCompanies[next].display;
    }
  }
}

}  // namespace

MutateResult Dataset::mutate(const MutateRequest& req) {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  MutateResult out;
  int64_t now = whole_seconds_ms(clock_.now());
  uint64_t h = splitmix64(req.seed ^ (++s_->mutations << 32));
  std::unordered_set<uint64_t> used;
  // Distinct live records, uniformly by position; bounded tries, then fewer picks.
  auto pick = [&](uint64_t count, std::vector<uint64_t>& ids) {
    for (uint64_t tries = 0; ids.size() < count && tries < count * 8 + 64 && v.live() > 0; ++tries) {
      h = splitmix64(h);
      uint64_t k = h % v.live();
      uint64_t a = v.split(k), b = k - a;
      bool seeded = a < v.seeded_size() && (b >= v.s.order.size() || v.seeded_key(a) < v.changed_key(b));
      uint64_t id = seeded ? v.seeded_at(a) : v.changed_key(b).second;
      if (used.insert(id).second) ids.push_back(id);
    }
  };
  ChangeRecorder changes(sink_, clock_);
  std::vector<uint64_t> ids;
  pick(req.update, ids);
  for (uint64_t id : ids) {
    FakeRecord r = v.take(id);
    h = splitmix64(h);
    changes.updated(r, [&](FakeRecord& x) {
      change_something(x, h);
      x.modified_ms = now;
    });
    v.put(std::move(r));
  }
  out.updated = std::move(ids);
  ids.clear();
  pick(req.remove, ids);
  for (uint64_t id : ids) {
    FakeRecord last = v.take(id);
    changes.deleted(last);
    s_->deleted.insert(id);
    s_->deletion_log.push_back({std::move(last), now, 0});
  }
  out.deleted = std::move(ids);
  for (uint64_t i = 0; i < req.create; ++i) {
    FakeRecord r = generate_record(seed_ ^ req.seed, s_->next_id);
    r.id = s_->next_id++;
    r.modified_ms = now;
    used.insert(r.id);
    out.created.push_back(r.id);
    changes.created(r);
    v.put(std::move(r));
  }
  ids.clear();
  pick(req.touch, ids);
  for (uint64_t id : ids) {
    FakeRecord r = v.take(id);
    changes.updated(r, [&](FakeRecord& x) { x.modified_ms = now; });
    v.put(std::move(r));
  }
  out.touched = std::move(ids);
  changes.flush();
  std::sort(out.updated.begin(), out.updated.end());
  std::sort(out.deleted.begin(), out.deleted.end());
  std::sort(out.touched.begin(), out.touched.end());
  return out;
}

std::vector<uint64_t> Dataset::update_oldest(uint64_t count, int64_t since_ms, uint64_t salt) {
  std::lock_guard lock(s_->mu);
  View v{*s_, n_, seed_};
  ListPage first = v.page_from(v.rank(Key{since_ms, 0}), v.live(), 0, count);
  int64_t now = whole_seconds_ms(clock_.now());
  ChangeRecorder changes(sink_, clock_);
  std::vector<uint64_t> ids;
  for (const FakeRecord& old : first.records) {
    FakeRecord r = v.take(old.id);
    changes.updated(r, [&](FakeRecord& x) {
      change_email(x, splitmix64(salt ^ x.id));
      x.modified_ms = now;
    });
    v.put(std::move(r));
    ids.push_back(old.id);
  }
  changes.flush();
  return ids;
}

uint64_t Dataset::live_count() const {
  std::lock_guard lock(s_->mu);
  return View{*s_, n_, seed_}.live();
}

uint64_t Dataset::max_id() const {
  std::lock_guard lock(s_->mu);
  return s_->next_id - 1;
}

}  // namespace crm::fake
