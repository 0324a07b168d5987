#include "fake/suitecrm_records.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "core/time.h"

namespace crm::fake {
namespace {

// A subset of SuiteCRM 7.14's vardefs (modules/Contacts, modules/Accounts and the Person
// and Company templates), in their order: enough that real field lists validate.
constexpr std::array<std::string_view, 46> kContactFields = {
    "id", "name", "date_entered", "date_modified", "modified_user_id", "modified_by_name", "created_by",
    "created_by_name", "description", "deleted", "assigned_user_id", "assigned_user_name", "salutation",
    "first_name", "last_name", "full_name", "title", "photo", "department", "do_not_call", "phone_home",
    "phone_mobile", "phone_work", "phone_other", "phone_fax", "email1", "email2", "invalid_email",
    "email_opt_out", "lawful_basis", "primary_address_street", "primary_address_city", "primary_address_state",
    "primary_address_postalcode", "primary_address_country", "alt_address_street", "alt_address_city",
    "alt_address_country", "assistant", "assistant_phone", "lead_source", "account_name", "account_id",
    "reports_to_id", "birthdate", "campaign_id"};

constexpr std::array<std::string_view, 36> kAccountFields = {
    "id", "name", "date_entered", "date_modified", "modified_user_id", "modified_by_name", "created_by",
    "created_by_name", "description", "deleted", "assigned_user_id", "assigned_user_name", "account_type",
    "industry", "annual_revenue", "phone_fax", "billing_address_street", "billing_address_city",
    "billing_address_state", "billing_address_postalcode", "billing_address_country", "rating", "phone_office",
    "phone_alternate", "website", "ownership", "employees", "ticker_symbol", "shipping_address_street",
    "shipping_address_city", "shipping_address_country", "email1", "email_opt_out", "invalid_email", "parent_id",
    "campaign_id"};

const SuiteModule kModules[] = {
    {"Contacts", "Contact", false, kContactFields},
    {"Accounts", "Account", true, kAccountFields},
};

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t fnv64(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// The text a user typed: every 4th person's last name with a trailing space.
std::string typed_last_name(const FakeRecord& r) {
  if (!r.company && r.id % 4 == 3 && !r.last_name.empty()) return r.last_name + " ";
  return r.last_name;
}

// Unescaped stored text; "" for fields the fake does not model.
std::string raw_value(const SuiteModule& m, const SuiteRow& row, std::string_view f, uint64_t seeded) {
  const FakeRecord& r = row.rec;
  if (f == "id") return suite_guid(r.id);
  if (f == "date_modified") return suite_db_datetime(row.modified_ms);
  if (f == "date_entered") return suite_db_datetime(r.id <= seeded ? seeded_modified_ms(r.id) : row.modified_ms);
  if (f == "deleted") return row.deleted ? "1" : "0";
  if (f == "modified_user_id" || f == "created_by" || f == "assigned_user_id") return "1";
  if (f == "modified_by_name" || f == "created_by_name" || f == "assigned_user_name") return "admin";
  if (f == "do_not_call" || f == "email_opt_out" || f == "invalid_email") return "0";
  if (f == "email1") return r.email;
  if (m.companies) {
    if (f == "name") return r.full_name;
    if (f == "phone_office") return r.phone;
    if (f == "account_type") return "Customer";
    return "";
  }
  if (f == "first_name") return r.first_name;
  if (f == "last_name") return typed_last_name(r);
  if (f == "name" || f == "full_name") {
    std::string last = typed_last_name(r);
    return r.first_name.empty() || last.empty() ? r.first_name + last : r.first_name + " " + last;
  }
  if (f == "phone_work") return r.phone;
  if (f == "account_name") return r.company_name;
  if (f == "account_id") return r.company_name.empty() ? "" : suite_guid(0xA0000000u | (fnv64(r.company_name) & 0xFFFFFFF));
  return "";
}

}  // namespace

bool SuiteModule::has(std::string_view field) const {
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

const SuiteModule* suite_module(std::string_view name) {
  for (const auto& m : kModules)
    if (m.name == name) return &m;
  return nullptr;
}

std::string php_html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"': out += "&quot;"; break;
      case '\'': out += "&#039;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string suite_db_value(const SuiteModule& module, const SuiteRow& row, std::string_view field, uint64_t seeded) {
  return php_html_escape(raw_value(module, row, field, seeded));
}

std::string suite_api_value(const SuiteModule& module, const SuiteRow& row, std::string_view field, uint64_t seeded,
                            bool seconds) {
  std::string v = suite_db_value(module, row, field, seeded);
  // A datetime goes through the user's display format and back: DATE_ATOM in PHP's
  // default zone (UTC here), ":00" for the seconds when that format has none.
  if (v.size() == 19 && v[4] == '-' && v[10] == ' ' && v[13] == ':')
    return v.substr(0, 10) + "T" + v.substr(11, seconds ? 8 : 5) + (seconds ? "" : ":00") + "+00:00";
  return v;
}

uint64_t suite_tie_rank(uint64_t id, uint64_t salt) { return splitmix64(id ^ splitmix64(salt)); }

std::string suite_db_datetime(int64_t ms) {
  std::string iso = format_iso8601_seconds(from_ms(ms));  // 2026-12-02T06:52:37Z
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

std::string suite_guid(uint64_t id) {
  uint64_t h = splitmix64(id ^ 0x5c1fec7a11ULL);
  uint64_t g = splitmix64(h);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", id & 0xFFFFFFFFu, h & 0xFFFF, (h >> 16) & 0xFFFF,
                     (h >> 32) & 0xFFFF, g & 0xFFFFFFFFFFFFULL);
}

std::optional<uint64_t> suite_id_of(std::string_view guid) {
  if (guid.size() != 36 || guid[8] != '-') return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(guid.data(), guid.data() + 8, v, 16);
  if (ec != std::errc() || p != guid.data() + 8 || suite_guid(v) != guid) return std::nullopt;
  return v;
}

}  // namespace crm::fake
