// SuiteCRM's Contacts and Accounts beans over the fake's records: the fields each module
// has (vardef order, which is also the order of `attributes`), a record's value of a
// field as SuiteCRM stores it, and the GUIDs that stand for the fake's numeric ids.
//
// As SuiteCRM 7.14.6 returns them (measured, ../shared/docs/crm-apis.md): text with
// " ' < > HTML-escaped (O&#039;Brien, &quot;, &lt;, &gt;) but `&` as it is (Smith & Co)
// and Müller as it is; datetimes as the UTC DB
// string "2026-12-02 06:52:37", `deleted` "0"/"1", empty values "". Forms do not trim:
// every 4th person's last name carries the trailing space it was typed with (the truth
// holds the trimmed name). Pure functions over values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fake/dataset.h"

namespace crm::fake {

struct SuiteModule {
  std::string_view name;    // "Contacts": the module in paths, fields[...] and link types
  std::string_view object;  // "Contact": the bean's object name, in error messages
  bool companies = false;   // Accounts list the fake's companies, Contacts its persons
  std::span<const std::string_view> fields;

  bool has(std::string_view field) const;
};

// nullptr for a module the fake does not serve ("Module Leads does not exist").
const SuiteModule* suite_module(std::string_view name);

// A row of a module's table: a live record, or a deleted one (deleted = 1, date_modified
// = the deletion time, as SuiteCRM's mark_deleted() stamps it).
struct SuiteRow {
  FakeRecord rec;
  int64_t modified_ms = 0;
  bool deleted = false;
};

// The stored value of `field` ("" for fields the fake does not model). `seeded` is the
// dataset's seeded count (date_entered of created records is their first stamp).
std::string suite_db_value(const SuiteModule& module, const SuiteRow& row, std::string_view field, uint64_t seeded);
// The value as the API prints it: DB datetimes become DATE_ATOM in the API user's time
// format, "…T06:52:37+00:00" with `H:i:s` and "…T06:52:00+00:00" with `H:i` (SuiteCRM's
// default: the seconds are dropped, measured).
std::string suite_api_value(const SuiteModule& module, const SuiteRow& row, std::string_view field, uint64_t seeded,
                            bool seconds);

// The place of a record among those modified in the same second, for one request: MariaDB
// sorts by date_modified only, so ties come in an order that changes between requests.
uint64_t suite_tie_rank(uint64_t id, uint64_t salt);

std::string suite_db_datetime(int64_t ms);  // "2026-12-02 06:52:37"
std::string php_html_escape(std::string_view s);  // " ' < > escaped, & not (measured)

// "0000002a-…": the numeric id in the first 8 hex digits (tests map it back), the rest
// derived from it. Lower-case hex, 8-4-4-4-12, so Prism's uuid format accepts it.
std::string suite_guid(uint64_t id);
std::optional<uint64_t> suite_id_of(std::string_view guid);

}  // namespace crm::fake
