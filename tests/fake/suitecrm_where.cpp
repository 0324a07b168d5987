#include "fake/suitecrm_where.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

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

// The first whole second whose DB string satisfies `>= value` (or `> value`): DB strings
// sort as the times they stand for, so a binary search over seconds finds the bound.
int64_t text_lower_bound_ms(std::string_view value, bool strict) {
  auto ok = [&](int64_t s) {
    std::string db = suite_db_datetime(s * 1000);
    return strict ? std::string_view(db) > value : std::string_view(db) >= value;
  };
  int64_t lo = 0, hi = 253402300799;  // 1970-01-01 00:00:00 … 9999-12-31 23:59:59
  if (ok(lo)) return INT64_MIN;
  if (!ok(hi)) return (hi + 1) * 1000;
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    (ok(mid) ? hi : lo) = mid;
  }
  return hi * 1000;
}

}  // namespace

bool suite_compare(const SuiteCondition& c, std::string_view db) {
  int cmp = 0;
  if (c.field == "deleted") {
    long long a = leading_int(db), b = leading_int(c.value);
    cmp = a < b ? -1 : a > b ? 1 : 0;
  } else {
    int r = db.compare(c.value);
    cmp = r < 0 ? -1 : r > 0 ? 1 : 0;
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
      out.where.since_ms = std::max(out.where.since_ms, text_lower_bound_ms(c.value, c.op == ">"));
  }
  return out;
}

}  // namespace crm::fake
