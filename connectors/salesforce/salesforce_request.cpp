#include "connectors/salesforce/salesforce_request.h"

#include <fmt/format.h>

#include <algorithm>

namespace crm {

std::vector<std::string> soql_select_fields(const SfObject& object) {
  std::vector<std::string> out;
  auto add = [&](const std::string& f) {
    // SOQL field names are case-insensitive: a field listed twice is refused.
    auto same = [&](const std::string& x) {
      return x.size() == f.size() && std::equal(x.begin(), x.end(), f.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
             });
    };
    if (std::none_of(out.begin(), out.end(), same)) out.push_back(f);
  };
  add("Id");
  for (const auto& [target, field] : object.fields) add(field);
  for (const auto& f : object.extra) add(f);
  add("IsDeleted");
  add("MasterRecordId");
  add("SystemModstamp");
  return out;
}

std::string soql_datetime(TimePoint t) { return format_iso8601_seconds(t); }

std::string build_soql(const SfObject& object, std::optional<TimePoint> since) {
  std::string q = "SELECT ";
  auto fields = soql_select_fields(object);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) q += ", ";
    q += fields[i];
  }
  q += " FROM ";
  q += object.name;
  if (since) q += fmt::format(" WHERE SystemModstamp >= {}", soql_datetime(*since));
  q += " ORDER BY SystemModstamp, Id";
  return q;
}

}  // namespace crm
