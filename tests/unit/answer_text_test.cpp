// The rest connector's handling of answers it cannot parse as they came
// (connectors/rest/answer_text.h): UTF-8 repair by RFC 3629, and the error for a page
// that is not JSON.
#include <doctest/doctest.h>

#include "connectors/rest/answer_text.h"

using namespace crm;

namespace {
const std::string kBad = "\xEF\xBF\xBD";  // U+FFFD
}

TEST_CASE("repair_utf8: valid text is kept; each invalid sequence becomes U+FFFD, counted, first offset kept") {
  auto ok = repair_utf8("Zo\xC3\xAB \xF0\x9F\x98\x80");
  CHECK(ok.invalid == 0);
  CHECK(ok.text == "Zo\xC3\xAB \xF0\x9F\x98\x80");

  auto r = repair_utf8("ab\xC3\x28 \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 \xE2\x82");
  CHECK(r.invalid >= 5);  // bad continuation, overlong, surrogate, past U+10FFFF, cut at the end
  CHECK(r.first_at == 2);
  CHECK(r.text.starts_with("ab" + kBad + "("));
  CHECK(r.text.find('\xC0') == std::string::npos);
  CHECK(r.text.find('\xED') == std::string::npos);
  CHECK(repair_utf8(r.text).invalid == 0);  // the repair is valid UTF-8 itself
}

TEST_CASE("unreadable_answer names a Content-Type that is not JSON, else the parser's error") {
  HttpResponse html;
  html.status = 200;
  html.headers.emplace_back("content-type", "text/html; charset=utf-8");
  html.body = "<html>login</html>";
  auto e = unreadable_answer("source 'x': list", html, "TAPE_ERROR");
  CHECK(e.message.find("text/html") != std::string::npos);
  CHECK(e.message.find("not JSON") != std::string::npos);

  HttpResponse json = html;
  json.headers = {{"content-type", "application/vnd.api+json"}};
  auto j = unreadable_answer("source 'x': list", json, "TAPE_ERROR");
  CHECK(j.message.find("TAPE_ERROR") != std::string::npos);
  CHECK(is_json_type(""));
  CHECK(is_json_type("application/json; charset=utf-8"));
  CHECK_FALSE(is_json_type("text/plain"));
}
