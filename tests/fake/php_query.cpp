#include "fake/php_query.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace crm::fake {
namespace {

constexpr size_t kMaxNesting = 64;  // PHP's max_input_nesting_level

// The array index PHP gives `[]`: one past the largest integer key so far.
std::string next_index(const PhpValue& array) {
  long next = 0;
  for (const auto& [key, _] : array.items) {
    long v = 0;
    auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
    if (ec == std::errc() && p == key.data() + key.size() && v >= next) next = v + 1;
  }
  return std::to_string(next);
}

// A name split as php_register_variable_ex() does: the base, then each [index]
// (nullopt for `[]`). An unmatched first '[' is part of the base, as '_'.
struct VarPath {
  std::string base;
  std::vector<std::optional<std::string>> indexes;
};

VarPath split_name(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  VarPath v;
  size_t open = name.find('[');
  size_t base_end = open == std::string_view::npos ? name.size() : open;
  for (char c : name.substr(0, base_end)) v.base += (c == ' ' || c == '.') ? '_' : c;
  if (open == std::string_view::npos) return v;
  if (name.find(']', open) == std::string_view::npos) {
    // Not an index: the '[' and what follows stay in the name, made a legal one.
    for (char c : name.substr(open)) v.base += (c == ' ' || c == '.' || c == '[') ? '_' : c;
    return v;
  }
  size_t at = open;
  while (at < name.size() && name[at] == '[' && v.indexes.size() < kMaxNesting) {
    size_t close = name.find(']', at + 1);
    if (close == std::string_view::npos) break;  // the rest is ignored
    std::string_view idx = name.substr(at + 1, close - at - 1);
    if (idx.empty()) v.indexes.emplace_back(std::nullopt);
    else v.indexes.emplace_back(std::string(idx));
    at = close + 1;  // anything but another '[' ends the name
  }
  return v;
}

void append_pairs(const PhpValue& v, const std::string& name, std::string& out) {
  if (!v.is_array) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += v.text;
    return;
  }
  for (const auto& [key, child] : v.items) append_pairs(child, name + "[" + key + "]", out);
}

}  // namespace

const PhpValue* PhpValue::find(std::string_view key) const {
  if (!is_array) return nullptr;
  for (const auto& [k, v] : items)
    if (k == key) return &v;
  return nullptr;
}

PhpValue& PhpValue::at(std::string_view key) {
  if (!is_array) {  // a string in the way is replaced by an array, as PHP does
    is_array = true;
    text.clear();
  }
  for (auto& [k, v] : items)
    if (k == key) return v;
  items.emplace_back(std::string(key), PhpValue{});
  return items.back().second;
}

PhpValue parse_php_query(const std::vector<std::pair<std::string, std::string>>& pairs) {
  PhpValue root;
  root.is_array = true;
  for (const auto& [name, value] : pairs) {
    VarPath path = split_name(name);
    if (path.base.empty()) continue;  // PHP drops a variable without a name
    PhpValue* slot = &root.at(path.base);
    for (const auto& idx : path.indexes) slot = &slot->at(idx ? *idx : next_index(*slot));
    *slot = PhpValue{false, value, {}};
  }
  return root;
}

std::string php_link_query(const PhpValue& root) {
  std::string out;
  for (const auto& [key, v] : root.items) append_pairs(v, key, out);
  return out;
}

}  // namespace crm::fake
