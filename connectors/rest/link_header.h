// RFC 8288 Link header parsing: the target of rel="next", as GitHub-style APIs send it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crm {

// `Link: <https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"` → the
// next target. rel may be unquoted or hold several space-separated relation types.
std::optional<std::string> link_header_next(std::string_view header);

}  // namespace crm
