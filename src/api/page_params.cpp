#include "api/page_params.h"

#include "api/keyset_token.h"

namespace crm {

Checked<PageParams> read_page_params(const QueryParams& p, int default_limit, int max_limit) {
  PageParams page;
  page.limit = default_limit;
  if (auto v = p.get("limit")) {
    auto n = parse_int_in("limit", *v, 1, max_limit);
    if (!n) return n.error();
    page.limit = *n;
  }
  if (auto v = p.get("after")) {
    auto id = decode_keyset_token(*v);
    if (!id) return ApiError::bad_parameter("after", "not a token from a previous page's \"next\"");
    page.after = *id;
  }
  return page;
}

}  // namespace crm
