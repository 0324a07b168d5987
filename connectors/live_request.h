// What every connector's get_by_id (connector.h, platform.md "Live reads") does before it
// asks its CRM: pick the source's object for the record's kind, and add the live fields'
// names to the fields the mapping reads. Pure functions; thread-safe.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace crm {

// The first of `objects` (each with a `kind`) that holds records of `kind`, or a config
// Error "<crm>: this source reads no <what> of kind <kind>".
template <class Object>
Result<const Object*> object_for_kind(const std::vector<Object>& objects, RecordKind kind, std::string_view crm,
                                      std::string_view what) {
  auto it = std::find_if(objects.begin(), objects.end(), [&](const Object& o) { return o.kind == kind; });
  if (it == objects.end())
    return Error::config(fmt::format("{}: this source reads no {} of kind {}", crm, what, to_string(kind)));
  return &*it;
}

// Appends to `names` each of `fields` that names a field of the CRM's record and is not
// in `names` yet (compared without case when `ignore_case`: Salesforce refuses a field
// listed twice in any case). A field starting with '/' is a JSON pointer into the answer
// (live_fields.h), not a field to ask for.
inline void add_live_field_names(std::vector<std::string>& names, const std::vector<std::string>* fields,
                                 bool ignore_case = false) {
  if (!fields) return;
  auto same = [&](const std::string& a, const std::string& b) {
    if (!ignore_case) return a == b;
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (const auto& f : *fields) {
    if (f.empty() || f.starts_with('/')) continue;
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return same(n, f); })) names.push_back(f);
  }
}

}  // namespace crm
