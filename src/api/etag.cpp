#include "api/etag.h"

#include <fmt/format.h>
#include <xxhash.h>

#include "core/text_codec.h"

namespace crm {
namespace {

std::string_view opaque(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

std::string etag_for(std::string_view body) {
  return fmt::format("W/\"{:016x}\"", XXH3_64bits(body.data(), body.size()));
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (trim_ascii_space(if_none_match) == "*") return true;
  std::string_view want = opaque(etag);
  while (!if_none_match.empty()) {
    size_t comma = if_none_match.find(',');
    std::string_view tag = trim_ascii_space(if_none_match.substr(0, comma));
    if (!tag.empty() && opaque(tag) == want) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace crm
