#include "api/page_params.h"

#include "api/keyset_token.h"

namespace crm {

Checked<int64_t> parse_page_token(std::string_view name, std::string_view value) {
  auto id = decode_keyset_token(value);
  if (!id) return ApiError::bad_parameter(name, "not a token from a previous page's \"next\"");
  return *id;
}

Checked<PageParams> read_page_params(const QueryParams& p, int default_limit, int max_limit) {
  PageParams page;
  page.limit = default_limit;
  auto limit = [&](std::string_view name, std::string_view v) { return parse_int_in(name, v, 1, max_limit); };
  if (auto e = p.read("limit", page.limit, limit)) return *e;
  if (auto e = p.read("after", page.after, parse_page_token)) return *e;
  return page;
}

}  // namespace crm
