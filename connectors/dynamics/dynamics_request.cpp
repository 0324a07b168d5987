#include "connectors/dynamics/dynamics_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace crm {

std::string dynamics_list_url(std::string_view base_url, const DynamicsObject& object,
                              std::optional<TimePoint> since) {
  const std::string select = dynamics_select_text(object);
  // Equal modifiedon values are common (seconds resolution): the id breaks ties so that
  // the server's paging cookie has a stable order.
  std::string url = fmt::format("{}{}/{}?$select={}&$orderby={}", base_url, kDynamicsApiPath, object.set,
                                url_encode(select),
                                url_encode(fmt::format("modifiedon asc,{} asc", object.id_column)));
  if (since)  // OData date-time literals are unquoted, in UTC.
    url += "&$filter=" + url_encode(fmt::format("modifiedon ge {}", format_iso8601_seconds(*since)));
  return url;
}

std::string dynamics_select_text(const DynamicsObject& object) {
  std::string select;
  for (const auto& c : dynamics_select_columns(object)) select += (select.empty() ? "" : ",") + c;
  return select;
}

std::string dynamics_tracked_url(std::string_view base_url, const DynamicsObject& object) {
  return fmt::format("{}{}/{}?$select={}", base_url, kDynamicsApiPath, object.set, url_encode(dynamics_select_text(object)));
}

Headers dynamics_headers(int page_size, bool track_changes) {
  int size = std::clamp(page_size, 1, kDynamicsMaxPageSize);
  return {{"Accept", "application/json"},
          {"OData-MaxVersion", "4.0"},
          {"OData-Version", "4.0"},
          {"Prefer", fmt::format("{}odata.maxpagesize={},odata.include-annotations=\"{}\"",
                                 track_changes ? "odata.track-changes," : "", size, kFormattedValue.substr(1))}};
}

std::string encode_dynamics_token(const DynamicsToken& t) {
  if (t.next_link.empty()) return fmt::format("obj:{}", t.object);
  return fmt::format("{}:{}:{}", t.plain ? "list" : "next", t.object, t.next_link);
}

std::optional<DynamicsToken> decode_dynamics_token(std::string_view text) {
  DynamicsToken t;
  std::string_view rest;
  const bool link = text.starts_with("next:") || text.starts_with("list:");
  if (text.starts_with("obj:")) rest = text.substr(4);
  else if (link) rest = text.substr(5);
  else return std::nullopt;
  t.plain = text.starts_with("list:");
  size_t colon = rest.find(':');
  std::string_view num = colon == std::string_view::npos ? rest : rest.substr(0, colon);
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), t.object);
  if (ec != std::errc() || p != num.data() + num.size()) return std::nullopt;
  if (link) {
    if (colon == std::string_view::npos || colon + 1 >= rest.size()) return std::nullopt;
    t.next_link = std::string(rest.substr(colon + 1));
  } else if (colon != std::string_view::npos) {
    return std::nullopt;
  }
  return t;
}

}  // namespace crm
