// The built-in web page's files as the binary embeds them (cmake/embed_web.cmake) and
// their answers: content types, ETag and 304, the security headers, and what the strict
// Content-Security-Policy demands of the files themselves (no inline script or style).
#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <string>

#include "api/router.h"
#include "api/web_handler.h"

using namespace crm;

namespace {

ServerResponse get(std::string path, std::string if_none_match = "") {
  ServerRequest req;
  req.method = "GET";
  req.path = std::move(path);
  if (!if_none_match.empty()) req.headers.emplace_back("if-none-match", if_none_match);
  return handle_web(req, match_route(req.path));
}

std::string header(const ServerResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST_CASE("web: the page's files are embedded with their content types, under 100 KB") {
  const std::map<std::string, std::string> expected = {
      {"/index.html", "text/html; charset=utf-8"},
      {"/app.css", "text/css; charset=utf-8"},
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/favicon.svg", "image/svg+xml"},
  };
  size_t total = 0;
  for (const auto& [path, type] : expected) {
    CAPTURE(path);
    const WebAsset* a = find_web_asset(path);
    REQUIRE(a != nullptr);
    CHECK(a->content_type == type);
    CHECK(a->etag.size() == 22);  // "…20 hex…"
    CHECK(!a->body.empty());
    total += a->body.size();
  }
  CHECK(total < 100 * 1024);
  CHECK(find_web_asset("/") == find_web_asset("/index.html"));
  CHECK(find_web_asset("/nope.js") == nullptr);
}

TEST_CASE("web: / answers the page with a strict CSP, a strong ETag and no-cache") {
  auto r = get("/");
  CHECK(r.status == 200);
  CHECK(header(r, "Content-Type") == "text/html; charset=utf-8");
  CHECK(r.body.starts_with("<!doctype html>"));
  std::string csp = header(r, "Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self';") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(header(r, "Cache-Control") == "no-cache");
  CHECK(header(r, "Referrer-Policy") == "no-referrer");
  std::string tag = header(r, "ETag");
  CHECK(tag == std::string(find_web_asset("/index.html")->etag));

  auto again = get("/", tag);
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(header(again, "ETag") == tag);
  CHECK(get("/", "\"other\"").status == 200);
  CHECK(get("/app.js", tag).status == 200);  // another file's tag is not a match
}

TEST_CASE("web: unknown files are 404, a query string is refused like on every route") {
  auto missing = get("/robots.txt");
  CHECK(missing.status == 404);
  CHECK(missing.body.find("not_found") != std::string::npos);
  ServerRequest req;
  req.method = "GET";
  req.path = "/";
  req.query = {{"x", "1"}};
  CHECK(handle_web(req, match_route("/")).status == 400);
}

TEST_CASE("web: the files need nothing the Content-Security-Policy forbids") {
  std::string html(find_web_asset("/index.html")->body);
  // Every <script> has a src (no inline code), no inline event handlers or style attributes.
  std::regex script_tag(R"(<script\b([^>]*)>)", std::regex::icase);
  int scripts = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script_tag); it != std::sregex_iterator(); ++it) {
    ++scripts;
    CHECK((*it)[1].str().find("src=\"/") != std::string::npos);
  }
  CHECK(scripts == 1);
  CHECK(!std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
  CHECK(!std::regex_search(html, std::regex(R"(\sstyle\s*=)", std::regex::icase)));
  CHECK(html.find("<style") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);  // nothing from another origin
  CHECK(html.find("https://") == std::string::npos);
  // The script never turns API data into HTML.
  std::string js(find_web_asset("/app.js")->body);
  CHECK(js.find("innerHTML") == std::string::npos);
  CHECK(js.find("outerHTML") == std::string::npos);
  CHECK(js.find("insertAdjacentHTML") == std::string::npos);
  CHECK(js.find("document.write") == std::string::npos);
  CHECK(js.find("eval(") == std::string::npos);
}
