#include "fake/suitecrm_where.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>

namespace crm::fake {
namespace {

// Filter::OP_*: the names checkOperator() accepts, and the SQL each stands for.
struct Op {
  std::string_view name, sql;
};
constexpr std::array<Op, 8> kOps = {{{"EQ", "="}, {"NEQ", "<>"}, {"GT", ">"}, {"GTE", ">="}, {"LT", "<"},
                                     {"LTE", "<="}, {"AND", ""}, {"OR", ""}}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const Op* find_op(std::string_view name) {
  std::string u = upper(name);
  for (const auto& op : kOps)
    if (op.name == u) return &op;
  return nullptr;
}

// PHP interpolates an array into a string as "Array".
std::string php_string(const PhpValue& v) { return v.is_array ? "Array" : v.text; }

// MySQL reading a string as a number: its leading digits (with a sign), else 0.
long long leading_int(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  bool neg = !s.empty() && s.front() == '-';
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || v > 1'000'000'000'000LL) break;
    v = v * 10 + (c - '0');
  }
  return neg ? -v : v;
}

// MariaDB's reading of a string compared with a DATETIME column: "YYYY-MM-DD", then "T" or
// a space and "HH:MM[:SS[.fraction]]"; what follows (a "Z", an offset) is cut off with a
// warning and not applied. A string that is not a valid datetime is the zero date
// 0000-00-00 00:00:00, before every stored value: nullopt.
std::optional<int64_t> mariadb_datetime_ms(std::string_view s) {
  size_t at = 0;
  auto number = [&](size_t digits) -> std::optional<int> {
    if (at + digits > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = 0; i < digits; ++i) {
      char c = s[at + i];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    at += digits;
    return v;
  };
  auto sep = [&](char c) { return at < s.size() && s[at] == c ? (++at, true) : false; };
  std::optional<int> y = number(4), mo, d, h = 0, mi = 0, sec = 0;
  if (!y || !sep('-') || !(mo = number(2)) || !sep('-') || !(d = number(2))) return std::nullopt;
  int64_t frac_ms = 0;
  if (at < s.size() && (s[at] == ' ' || s[at] == 'T')) {
    ++at;
    if (!(h = number(2)) || !sep(':') || !(mi = number(2))) return std::nullopt;
    if (sep(':') && !(sec = number(2))) return std::nullopt;
    if (sep('.'))
      for (int64_t scale = 100; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, scale /= 10)
        frac_ms += (s[at] - '0') * scale;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!ymd.ok() || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
  const int64_t days = sys_days{ymd}.time_since_epoch().count();
  return ((days * 24 + *h) * 60 + *mi) * 60'000 + *sec * 1000 + frac_ms;
}

bool is_datetime_field(std::string_view field) { return field == "date_modified" || field == "date_entered"; }

int three_way(auto a, auto b) { return a < b ? -1 : a > b ? 1 : 0; }

// The first whole second that satisfies `>= value` (or `> value`).
int64_t datetime_lower_bound_ms(std::string_view value, bool strict) {
  std::optional<int64_t> v = mariadb_datetime_ms(value);
  if (!v) return INT64_MIN;  // the zero date: every row is after it
  int64_t floor_s = *v >= 0 ? *v / 1000 : -((-*v + 999) / 1000);
  bool whole = floor_s * 1000 == *v;
  return (strict || !whole ? floor_s + 1 : floor_s) * 1000;
}

}  // namespace

bool suite_compare(const SuiteCondition& c, std::string_view db) {
  int cmp = 0;
  if (c.field == "deleted") {
    cmp = three_way(leading_int(db), leading_int(c.value));
  } else if (is_datetime_field(c.field)) {
    // Both sides as datetimes; the zero date (an unparseable value) sorts first.
    cmp = three_way(mariadb_datetime_ms(db).value_or(INT64_MIN), mariadb_datetime_ms(c.value).value_or(INT64_MIN));
  } else {
    cmp = three_way(db.compare(c.value), 0);
  }
  if (c.op == "=") return cmp == 0;
  if (c.op == "<>") return cmp != 0;
  if (c.op == ">") return cmp > 0;
  if (c.op == ">=") return cmp >= 0;
  if (c.op == "<") return cmp < 0;
  if (c.op == "<=") return cmp <= 0;
  return false;  // "field AND 'x'": SQL that the fake does not evaluate
}

SuiteWhereResult parse_suite_where(const PhpValue* filter, const SuiteModule& module) {
  SuiteWhereResult out;
  PhpValue params;
  params.is_array = true;
  if (filter) params = *filter;
  if (const PhpValue* op = params.find("operator")) {
    const Op* join = op->is_array ? nullptr : find_op(op->text);
    if (!join) {
      out.error = fmt::format("Filter operator {} is invalid", php_string(*op));
      return out;
    }
    out.where.any = join->name == "OR";
    params.items.erase(std::find_if(params.items.begin(), params.items.end(),
                                    [](const auto& kv) { return kv.first == "operator"; }));
  }
  if (!params.find("deleted")) params.at("deleted").at("eq").text = "0";  // addDeletedParameter()

  for (const auto& [field, expr] : params.items) {
    if (!module.has(field)) {
      out.error = fmt::format("Filter field {} in {} module is not found", field, module.object);
      return out;
    }
    if (!expr.is_array) {
      out.error = fmt::format("Filter field {} must be an array", field);
      return out;
    }
    for (const auto& [op_name, value] : expr.items) {
      const Op* op = find_op(op_name);
      if (!op) {
        out.error = fmt::format("Filter operator {} is invalid", op_name);
        return out;
      }
      out.where.conditions.push_back({field, std::string(op->sql), php_string(value)});
    }
  }

  for (const auto& c : out.where.conditions) {
    if (c.field == "deleted" && c.op == "=" && c.value == "1") out.where.show_deleted = true;
    if (!out.where.any && c.field == "date_modified" && (c.op == "=" || c.op == ">=" || c.op == ">"))
      out.where.since_ms = std::max(out.where.since_ms, datetime_lower_bound_ms(c.value, c.op == ">"));
  }
  return out;
}

}  // namespace crm::fake
