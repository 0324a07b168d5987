// `limit` and `after`, read the same way by every keyset-paginated list: a page asks the
// store for limit + 1 rows, and the extra one only tells that a next page exists.
#pragma once

#include <cstdint>
#include <vector>

#include "api/query_params.h"

namespace crm {

struct PageParams {
  int limit = 0;
  int64_t after = 0;  // from the `next` token of the previous page; 0: from the start
};

Checked<PageParams> read_page_params(const QueryParams& p, int default_limit, int max_limit);
// An `after` token from a previous page's `next`: the keyset position it carries.
Checked<int64_t> parse_page_token(std::string_view name, std::string_view value);

// Drops the extra row; true when there was one (a next page exists).
template <class T>
bool trim_to_limit(std::vector<T>& rows, int limit) {
  bool more = rows.size() > static_cast<size_t>(limit);
  if (more) rows.resize(static_cast<size_t>(limit));
  return more;
}

}  // namespace crm
