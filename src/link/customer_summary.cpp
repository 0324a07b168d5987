#include "link/customer_summary.h"

#include <algorithm>
#include <tuple>

#include "link/country_region.h"
#include "link/normalize.h"

namespace crm {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Distinct values in the order the members bring them; `key` decides what "the same" is.
class Distinct {
 public:
  void add(std::string key, std::string shown, int64_t member) {
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] == key) {
        values_[i].from.push_back(member);
        return;
      }
    keys_.push_back(std::move(key));
    values_.push_back(SummaryValue{std::move(shown), {member}});
  }
  std::vector<SummaryValue> take() { return std::move(values_); }

 private:
  std::vector<std::string> keys_;
  std::vector<SummaryValue> values_;
};

std::string email_of(const RecordRow& m) {
  if (!m.linked_email.empty()) return m.linked_email;
  if (auto e = normalize_email(m.record.record.email)) return *e;
  return std::string(trim(m.record.record.email));
}

std::string phone_of(const RecordRow& m) {
  if (!m.linked_phone.empty()) return m.linked_phone;
  const Record& r = m.record.record;
  if (auto p = normalize_phone(r.phone, region_of_country(r.country))) return p->e164;
  return std::string(trim(r.phone));
}

}  // namespace

CustomerSummary summarize_customer(const CustomerRow& customer, const std::vector<std::string>& name_priority) {
  CustomerSummary s;
  Distinct emails, phones, companies;
  const RecordRow* named = nullptr;
  auto rank = [&](const RecordRow& m) {
    auto it = std::find(name_priority.begin(), name_priority.end(), m.record.source);
    return static_cast<size_t>(it - name_priority.begin());
  };
  // Better: a higher-priority source, then the later change in the CRM, then the later
  // change in the index, then the older record.
  auto better = [&](const RecordRow& a, const RecordRow& b) {
    return std::tuple(rank(b), a.record.record.remote_updated_at, a.record.changed_at, b.row_id) >
           std::tuple(rank(a), b.record.record.remote_updated_at, b.record.changed_at, a.row_id);
  };
  for (const RecordRow& m : customer.members) {
    const Record& r = m.record.record;
    if (r.deleted) continue;
    if (!trim(r.name).empty() && (named == nullptr || better(m, *named))) named = &m;
    if (!trim(r.email).empty()) {
      std::string e = email_of(m);
      emails.add(e, e, m.row_id);
    }
    if (!trim(r.phone).empty()) {
      std::string p = phone_of(m);
      phones.add(p, p, m.row_id);
    }
    if (!trim(r.company).empty()) {
      std::string key = normalize_name(r.company);
      companies.add(key.empty() ? std::string(trim(r.company)) : key, std::string(trim(r.company)), m.row_id);
    }
    if (!s.updated_at || r.remote_updated_at > *s.updated_at) {
      s.updated_at = r.remote_updated_at;
      s.updated_from = {m.row_id};
    } else if (r.remote_updated_at == *s.updated_at) {
      s.updated_from.push_back(m.row_id);
    }
  }
  if (named) {
    SummaryValue name{std::string(trim(named->record.record.name)), {}};
    for (const RecordRow& m : customer.members)
      if (!m.record.record.deleted && trim(m.record.record.name) == name.value) name.from.push_back(m.row_id);
    s.name = std::move(name);
  }
  s.emails = emails.take();
  s.phones = phones.take();
  s.companies = companies.take();
  return s;
}

}  // namespace crm
