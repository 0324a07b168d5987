// SuiteWhere: the `filter` parameter of SuiteCRM's V8 list turned into the WHERE clause
// the API builds (Api/V8/JsonApi/Repository/Filter.php), and evaluated over rows.
//
// As the vendor code does it: `filter[<field>][<op>]=<value>` with ops eq, neq, gt, gte,
// lt, lte (any case), joined by AND unless filter[operator]=or; `deleted eq 0` is added
// when the filter does not name `deleted`; each value is pasted into the SQL as a quoted
// string. As MariaDB 10.11 then compares it (measured on SuiteCRM 7.14.6): a date field
// (date_modified, date_entered) as a DATETIME, so "2026-12-02 06:52:37",
// "2026-12-02T06:52:37Z" and "2026-12-02T06:52:37+00:00" are the same second (an offset
// is cut off, not applied) and a value that is not a datetime is the zero date
// 0000-00-00 00:00:00 (`gt` matches every row, `lt` and `eq` none); `deleted` as an int
// (the string's leading digits); other fields as text. A field the bean does not have is
// "Filter field <f> in <Object> module is not found". Only a where that contains
// `deleted = '1'` selects deleted rows (GetModulesParams::getDeleted()); the dialect
// then fails on them (suitecrm_dialect.h).
// Pure values; thread-safe.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fake/php_query.h"
#include "fake/suitecrm_records.h"

namespace crm::fake {

struct SuiteCondition {
  std::string field;
  std::string op;  // "=", "<>", ">", ">=", "<", "<="; "" for AND/OR used as a comparison
  std::string value;
};

// True when the stored `db` value satisfies `db <op> value` (datetime, int or text).
bool suite_compare(const SuiteCondition& c, std::string_view db);

struct SuiteWhere {
  std::vector<SuiteCondition> conditions;
  bool any = false;           // filter[operator]=or
  bool show_deleted = false;  // the where holds deleted = '1': deleted rows are listed too
  // No row modified before this can match: the lower bound an AND-ed date_modified
  // condition (eq, gt, gte) puts on the listing, for walking only that part of it.
  int64_t since_ms = INT64_MIN;

  // `value_of(field)` gives a row's stored value of a field.
  template <class ValueOf>
  bool matches(ValueOf&& value_of) const {
    for (const auto& c : conditions) {
      bool ok = suite_compare(c, value_of(c.field));
      if (any && ok) return true;
      if (!any && !ok) return false;
    }
    return !any || conditions.empty();
  }
};

// The where for a module, or in `error` the message SuiteCRM answers with (HTTP 400).
// `filter` is the parsed `filter` option (nullptr when absent: the default applies).
struct SuiteWhereResult {
  SuiteWhere where;
  std::string error;
};
SuiteWhereResult parse_suite_where(const PhpValue* filter, const SuiteModule& module);

}  // namespace crm::fake
