// PhpQuery: a query string as PHP reads it and as SuiteCRM writes it back. SuiteCRM's V8
// API (Slim 3) sees `$request->getQueryParams()`, i.e. parse_str(): `filter[a][gte]=x`
// becomes nested arrays, a later duplicate overwrites the earlier one in place, `[]`
// appends, '.' and ' ' in a top-level name become '_'. Its pagination links are
// `urldecode(http_build_query($params))` with page[number] replaced: every name and value
// comes back raw (brackets, commas, spaces; a '+' the client sent meant a space, so it
// comes back as one; a %2B comes back as a bare '+', which means a space next time).
// Pure values; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm::fake {

// A PHP value from a query string: a string, or an ordered array of named entries.
struct PhpValue {
  bool is_array = false;
  std::string text;                                   // when !is_array
  std::vector<std::pair<std::string, PhpValue>> items;  // when is_array, in insertion order

  const PhpValue* find(std::string_view key) const;
  // The entry for `key`, appended (as an empty string) when absent; keeps its position.
  PhpValue& at(std::string_view key);
};

// parse_str() over pairs already percent-decoded ('+' already a space), in request order.
PhpValue parse_php_query(const std::vector<std::pair<std::string, std::string>>& pairs);

// urldecode(http_build_query($root)): "a=1&f[C]=x,y&page[size]=2&page[number]=3".
std::string php_link_query(const PhpValue& root);

}  // namespace crm::fake
