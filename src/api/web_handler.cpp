// GET / and the page's files (web_handler.h): static answers with the security headers a
// browser needs to keep the page's data out of reach of anything but the page itself.
#include "api/web_handler.h"

#include <fmt/format.h>

#include "api/api_errors.h"
#include "api/etag.h"
#include "api/query_params.h"

namespace crm {
namespace {

// No inline script or style, nothing from another origin; fetch() only to this origin
// (the JSON API). frame-ancestors: no other site may frame the page (clickjacking).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

const WebAsset* find_web_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const WebAsset& a : web_assets())
    if (a.path == path) return &a;
  return nullptr;
}

ServerResponse handle_web(const ServerRequest& req, const RouteMatch& route) {
  (void)route;
  const WebAsset* asset = find_web_asset(req.path);
  if (!asset) return error_response(ApiError::not_found(fmt::format("no route {}", req.path)));
  // The page reads its state from the URL's #fragment, never from the query string: a
  // query is refused like everywhere else in this API.
  auto params = QueryParams::parse(req.query, {});
  if (!params) return error_response(params.error());
  ServerResponse r;
  r.headers.emplace_back("ETag", std::string(asset->etag));
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  std::string_view inm = req.header("if-none-match");
  if (!inm.empty() && etag_matches(inm, asset->etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.emplace_back("Content-Type", std::string(asset->content_type));
  r.body = std::string(asset->body);
  return r;
}

}  // namespace crm
