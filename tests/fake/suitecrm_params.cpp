#include "fake/suitecrm_params.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace crm::fake {
namespace {

constexpr std::array<std::string_view, 5> kListOptions = {"fields", "filter", "moduleName", "page", "sort"};
constexpr std::array<std::string_view, 3> kSingleOptions = {"fields", "id", "moduleName"};
constexpr std::array<std::string_view, 2> kPageOptions = {"number", "size"};

// How Symfony's OptionsResolver names a value in its messages.
std::string shown(const PhpValue& v) { return v.is_array ? "array" : fmt::format("\"{}\"", v.text); }

std::string invalid(std::string_view option, const PhpValue& v) {
  return fmt::format("The option \"{}\" with value {} is invalid.", option, shown(v));
}

std::string wrong_type(std::string_view option, const PhpValue& v) {
  return fmt::format("The option \"{}\" with value {} is expected to be of type \"{}\", but is of type \"{}\".", option,
                     shown(v), v.is_array ? "string" : "array", v.is_array ? "array" : "string");
}

template <size_t N>
std::string undefined_options(const PhpValue& given, const std::array<std::string_view, N>& defined) {
  std::vector<std::string> unknown;
  for (const auto& [key, _] : given.items)
    if (std::find(defined.begin(), defined.end(), key) == defined.end()) unknown.push_back(key);
  if (unknown.empty()) return {};
  std::sort(unknown.begin(), unknown.end());
  auto quoted = [](const auto& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "\"" : ", \"") + std::string(n) + "\"";
    return s;
  };
  return fmt::format("The option{} {} {} not exist. Defined options are: {}.", unknown.size() > 1 ? "s" : "",
                     quoted(unknown), unknown.size() > 1 ? "do" : "does", quoted(defined));
}

bool digits_only(const PhpValue& v) {
  return !v.is_array && !v.text.empty() &&
         std::all_of(v.text.begin(), v.text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// PHP's (int) of a digit string: saturates at PHP_INT_MAX.
int64_t php_int(std::string_view digits) {
  int64_t v = 0;
  for (char c : digits) {
    if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::numeric_limits<int64_t>::max();
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string check_fields(const PhpValue& v, SuiteListParams& out) {
  if (!v.is_array) return wrong_type("fields", v);
  if (v.items.empty()) return invalid("fields", v);
  for (const auto& [_, entry] : v.items)
    if (entry.is_array || entry.text.empty()) return invalid("fields", v);
  const SuiteModule* bean = suite_module(v.items.front().first);  // the bean named by the first key
  if (!bean) return fmt::format("Module {} does not exist", v.items.front().first);
  std::vector<std::string> unknown;
  std::string_view list = v.items.front().second.text;
  while (true) {
    size_t comma = list.find(',');
    std::string field(list.substr(0, comma));
    if (!bean->has(field)) unknown.push_back(field);
    out.fields.push_back(std::move(field));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (unknown.empty()) return {};
  std::string names;
  for (const auto& f : unknown) names += (names.empty() ? "" : ", ") + f;
  bool many = unknown.size() > 1;
  return fmt::format("The following field{} in {} module {} not found: {}", many ? "s" : "", bean->object,
                     many ? "are" : "is", names);
}

std::string check_page(const PhpValue& v, SuiteListParams& out) {
  if (!v.is_array) return wrong_type("page", v);
  for (const auto& [_, entry] : v.items)
    if (!digits_only(entry)) return invalid("page", v);
  if (std::string e = undefined_options(v, kPageOptions); !e.empty()) return e;
  for (const auto& [key, entry] : v.items) {
    int64_t n = php_int(entry.text);
    if (n <= 0) return invalid(key, entry);  // GreaterThan(0)
    (key == "size" ? out.size : out.number) = n;
  }
  return {};
}

std::string check_sort(const PhpValue& v, const SuiteModule& module, SuiteListParams& out) {
  if (v.is_array) return wrong_type("sort", v);
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  if (v.text.empty() || !std::all_of(v.text.begin(), v.text.end(), word)) return invalid("sort", v);
  std::string_view field = v.text;
  out.sort_desc = field.front() == '-';
  while (!field.empty() && field.front() == '-') field.remove_prefix(1);  // ltrim($value, '-')
  if (!module.has(field)) return fmt::format("Sort field {} in {} module is not found", field, module.object);
  if (field != "date_modified" && field != "id")
    return fmt::format("crm-fake: sort by {} is not implemented (date_modified, id)", field);
  out.sort_field = std::string(field);
  return {};
}

}  // namespace

SuiteListParams parse_suite_params(const SuiteModule& module, const PhpValue& query, bool single) {
  SuiteListParams out;
  out.error = single ? undefined_options(query, kSingleOptions) : undefined_options(query, kListOptions);
  if (!out.error.empty()) return out;
  bool filtered = false;
  for (const auto& [key, v] : query.items) {
    if (key == "fields") out.error = check_fields(v, out);
    else if (key == "page") out.error = check_page(v, out);
    else if (key == "sort") out.error = check_sort(v, module, out);
    else if (key == "filter") {
      filtered = true;
      if (!v.is_array) {
        out.error = wrong_type("filter", v);
      } else {
        auto w = parse_suite_where(&v, module);
        out.error = std::move(w.error);
        out.where = std::move(w.where);
      }
    }
    if (!out.error.empty()) return out;
  }
  if (!filtered && !single) {  // the option's default, normalised like a given one
    auto w = parse_suite_where(nullptr, module);
    out.error = std::move(w.error);
    out.where = std::move(w.where);
  }
  return out;
}

}  // namespace crm::fake
