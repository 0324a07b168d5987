#include "connectors/salesforce/salesforce_page_token.h"

#include <fmt/format.h>

#include <charconv>

namespace crm {

std::string encode_sf_page_token(const SfPageToken& t) {
  return fmt::format("sf1|{}|{}|{}|{}", t.object, t.restarts, t.from_ms ? std::to_string(*t.from_ms) : "",
                     t.next_url);
}

std::optional<SfPageToken> decode_sf_page_token(std::string_view s) {
  constexpr std::string_view kPrefix = "sf1|";
  if (!s.starts_with(kPrefix)) return std::nullopt;
  s.remove_prefix(kPrefix.size());
  std::string_view parts[3];
  for (auto& p : parts) {
    size_t bar = s.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    p = s.substr(0, bar);
    s.remove_prefix(bar + 1);
  }
  SfPageToken t;
  t.object = std::string(parts[0]);
  if (t.object.empty()) return std::nullopt;
  auto [p1, e1] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), t.restarts);
  if (e1 != std::errc() || p1 != parts[1].data() + parts[1].size() || t.restarts < 0) return std::nullopt;
  if (!parts[2].empty()) {
    int64_t ms = 0;
    auto [p2, e2] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), ms);
    if (e2 != std::errc() || p2 != parts[2].data() + parts[2].size()) return std::nullopt;
    t.from_ms = ms;
  }
  t.next_url = std::string(s);
  if (!t.next_url.empty() && t.next_url[0] != '/') return std::nullopt;  // a path on the instance
  return t;
}

}  // namespace crm
