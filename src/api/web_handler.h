// The built-in read-only web page (web/index.html, app.css, app.js): static files compiled
// into the binary by cmake/embed_web.cmake, served at / on the API's listener.
//
// The files are public: they hold no data and no secret, only the code that asks the
// JSON API (/v1/*) for data, with the bearer token the person types in once (kept in
// the tab's sessionStorage). So a browser can load the page when api.token_file is set,
// and every byte of data still passes the token check. Answers carry a strict
// Content-Security-Policy (scripts and styles from this origin only, no inline code),
// a strong ETag (304 on If-None-Match) and Cache-Control: no-cache, so an upgraded
// daemon's page is picked up at once. Pure; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "api/http_server.h"
#include "api/router.h"

namespace crm {

struct WebAsset {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view etag;          // "\"<20 hex digits of SHA-256>\""
  std::string_view body;
};

// Every embedded file (generated: build/generated/web_assets.cpp).
std::span<const WebAsset> web_assets();
// The file a path names ("/" is /index.html); nullptr when none.
const WebAsset* find_web_asset(std::string_view path);

// Route::web: the file, or 404; 304 when If-None-Match names its ETag.
ServerResponse handle_web(const ServerRequest& req, const RouteMatch& route);

}  // namespace crm
