#include "connectors/hubspot/hubspot_page_token.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "core/text_codec.h"

namespace crm {
namespace {

constexpr std::string_view kPhases[] = {"list", "search", "instant", "archived"};

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string HubspotPageToken::encode() const {
  return fmt::format("v1|{}|{}|{}|{}|{}|{}", object, kPhases[static_cast<int>(phase)], after, t_ms, last_id,
                     strict ? 1 : 0);
}

std::optional<HubspotPageToken> HubspotPageToken::decode(std::string_view text) {
  const std::vector<std::string_view> parts = split(text, '|');
  if (parts.size() != 7 || parts[0] != "v1") return std::nullopt;
  HubspotPageToken t;
  if (!parse_number(parts[1], t.object) || !parse_number(parts[4], t.t_ms) || !parse_number(parts[5], t.last_id))
    return std::nullopt;
  size_t i = 0;
  for (; i < std::size(kPhases); ++i)
    if (parts[2] == kPhases[i]) break;
  if (i == std::size(kPhases)) return std::nullopt;
  t.phase = static_cast<HubspotPhase>(i);
  t.after = std::string(parts[3]);
  if (parts[6] != "0" && parts[6] != "1") return std::nullopt;
  t.strict = parts[6] == "1";
  return t;
}

}  // namespace crm
