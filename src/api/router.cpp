#include "api/router.h"

#include <array>
#include <utility>

namespace crm {

RouteMatch match_route(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, Route>, 9> kExact = {{
      {"/healthz", Route::healthz},
      {"/readyz", Route::readyz},
      {"/metrics", Route::metrics},
      {"/v1/sources", Route::sources},
      {"/v1/records", Route::records},
      {"/v1/changes", Route::changes},
      {"/v1/customers", Route::customers},
      {"/v1/suggestions", Route::suggestions},
      {"/v1/outputs", Route::outputs},
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
