// SuiteListParams: the query of GET /Api/V8/module/{module}[/{id}] checked as SuiteCRM's
// ParamsMiddleware checks it (Symfony's OptionsResolver over GetModulesParams /
// GetModuleParams), with the vendor's messages:
// - any other parameter is refused: `The option "x" does not exist. Defined options are:
//   "fields", "filter", "moduleName", "page", "sort".`;
// - fields[<Module>]=a,b (each a field of that module: "The following field in Contact
//   module is not found: x"), page[size] and page[number] (digits, > 0; nothing else in
//   page[…]), sort (one field, a leading '-' for descending), filter (suitecrm_where.h);
// - options are resolved in the order they were sent (the route's moduleName first), so
//   the first bad one is the one reported.
// Pure values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fake/php_query.h"
#include "fake/suitecrm_records.h"
#include "fake/suitecrm_where.h"

namespace crm::fake {

struct SuiteListParams {
  std::vector<std::string> fields;  // empty: every field of the module
  std::optional<int64_t> size;      // page[size]
  std::optional<int64_t> number;    // page[number]
  std::string sort_field;           // "" when not sorted
  bool sort_desc = false;
  SuiteWhere where;
  std::string error;  // non-empty: the 400's detail
};

// `single`: GET /module/{module}/{id} (GetModuleParams: only fields besides the route's).
SuiteListParams parse_suite_params(const SuiteModule& module, const PhpValue& query, bool single);

}  // namespace crm::fake
