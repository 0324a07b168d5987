#include "api/router.h"

#include <array>
#include <optional>
#include <utility>

namespace crm {

RouteMatch match_route(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, Route>, 10> kExact = {{
      {"/healthz", Route::healthz},
      {"/readyz", Route::readyz},
      {"/metrics", Route::metrics},
      {"/v1/sources", Route::sources},
      {"/v1/records", Route::records},
      {"/v1/changes", Route::changes},
      {"/v1/customers", Route::customers},
      {"/v1/suggestions", Route::suggestions},
      {"/v1/outputs", Route::outputs},
      {"/v1/marks", Route::marks},
  }};
  RouteMatch m;
  for (const auto& [pattern, route] : kExact) {
    if (path == pattern) {
      m.route = route;
      m.pattern = pattern;
      return m;
    }
  }
  // The built-in page: "/" and one-segment file names ("/app.js"); web_handler.cpp
  // answers 404 for a name it does not embed.
  if (path == "/") {
    m.route = Route::web;
    m.pattern = "/";
    return m;
  }
  if (path.size() > 1 && path.find('/', 1) == std::string_view::npos && path.find('.') != std::string_view::npos) {
    m.route = Route::web;
    m.pattern = "/{file}";
    return m;
  }
  constexpr std::string_view kCustomerPrefix = "/v1/customers/";
  if (path.starts_with(kCustomerPrefix) && path.size() > kCustomerPrefix.size() &&
      path.substr(kCustomerPrefix.size()).find('/') == std::string_view::npos) {
    m.route = Route::customer;
    m.pattern = "/v1/customers/{id}";
    m.customer_id = path.substr(kCustomerPrefix.size());
    return m;
  }
  // One segment after the prefix, and for a source's runs the "/runs" after it.
  auto segment_after = [&](std::string_view prefix, std::string_view suffix) -> std::optional<std::string_view> {
    if (!path.starts_with(prefix) || !path.ends_with(suffix) || path.size() <= prefix.size() + suffix.size())
      return std::nullopt;
    std::string_view seg = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (seg.find('/') != std::string_view::npos) return std::nullopt;
    return seg;
  };
  if (auto id = segment_after("/v1/marks/", "")) {
    m.route = Route::mark;
    m.pattern = "/v1/marks/{id}";
    m.mark_id = *id;
    return m;
  }
  if (auto name = segment_after("/v1/sources/", "/runs")) {
    m.route = Route::source_runs;
    m.pattern = "/v1/sources/{name}/runs";
    m.source = *name;
    return m;
  }
  constexpr std::string_view kRecordPrefix = "/v1/records/";
  if (path.starts_with(kRecordPrefix)) {
    std::string_view rest = path.substr(kRecordPrefix.size());
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos && slash > 0 && slash + 1 < rest.size()) {
      m.route = Route::record;
      m.pattern = "/v1/records/{source}/{external_id}";
      m.source = rest.substr(0, slash);
      std::string_view id = rest.substr(slash + 1);
      constexpr std::string_view kLive = "/live";
      if (id.size() > kLive.size() && id.ends_with(kLive)) {
        m.route = Route::record_live;
        m.pattern = "/v1/records/{source}/{external_id}/live";
        id.remove_suffix(kLive.size());
      }
      m.external_id = id;
    }
  }
  return m;
}

}  // namespace crm
