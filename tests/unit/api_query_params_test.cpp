// The API's pure parsers, with tables: query-string strictness, value parsers, page
// tokens, routes, ETags, the bearer check and the FTS5 expressions built from user text.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "api/bearer_auth.h"
#include "api/etag.h"
#include "api/keyset_token.h"
#include "api/query_params.h"
#include "api/router.h"
#include "store/api_queries.h"

using namespace crm;
using namespace std::chrono_literals;

TEST_CASE("QueryParams accepts only the route's names, once each, as UTF-8 text") {
  struct Case {
    QueryParams::Pairs query;
    std::string code;  // "" = accepted
    std::string message_has;
  };
  const std::vector<std::string> accepted = {"limit", "after"};
  const std::vector<Case> cases = {
      {{}, "", ""},
      {{{"limit", "5"}, {"after", "x"}}, "", ""},
      {{{"limt", "5"}}, "unknown_parameter", "'limt' (did you mean 'limit'?)"},
      {{{"foo", ""}}, "unknown_parameter", "this route takes limit, after"},
      {{{"limit", "5"}, {"limit", "6"}}, "invalid_parameter", "limit: given more than once"},
      {{{"after", "\xff"}}, "invalid_parameter", "after: not valid UTF-8"},
      {{{"after", std::string("a\0b", 3)}}, "invalid_parameter", "NUL"},
      {{{"\xc3\x28", "1"}}, "invalid_parameter", "name is not valid UTF-8"},
      {{{std::string(300, 'x'), "1"}}, "unknown_parameter", "xxx…'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message_has);
    auto p = QueryParams::parse(c.query, accepted);
    if (c.code.empty()) {
      CHECK(static_cast<bool>(p));
    } else {
      REQUIRE_FALSE(static_cast<bool>(p));
      CHECK(p.error().status == 400);
      CHECK(p.error().code == c.code);
      CHECK(p.error().message.find(c.message_has) != std::string::npos);
    }
  }
  auto none = QueryParams::parse({{"x", "1"}}, {});
  REQUIRE_FALSE(static_cast<bool>(none));
  CHECK(none.error().message.find("this route takes none") != std::string::npos);
}

TEST_CASE("value parsers: limit, seq, bool, timestamp, wait") {
  struct IntCase { std::string in; std::optional<int> want; };
  for (const auto& c : std::vector<IntCase>{{"1", 1}, {"100", 100}, {"1000", 1000}, {"0", std::nullopt},
                                            {"1001", std::nullopt}, {"abc", std::nullopt}, {"", std::nullopt},
                                            {"-1", std::nullopt}, {"+5", std::nullopt}, {" 5", std::nullopt},
                                            {"5.0", std::nullopt}, {"99999999999999999999", std::nullopt}}) {
    CAPTURE(c.in);
    auto n = parse_int_in("limit", c.in, 1, 1000);
    CHECK(static_cast<bool>(n) == c.want.has_value());
    if (n && c.want) CHECK(*n == *c.want);
    if (!n) CHECK(n.error().message == "limit: must be an integer from 1 to 1000");
  }
  struct SeqCase { std::string in; std::optional<int64_t> want; };
  for (const auto& c : std::vector<SeqCase>{{"0", 0}, {"42", 42}, {"9223372036854775807", INT64_MAX},
                                            {"9223372036854775808", std::nullopt}, {"-1", std::nullopt},
                                            {"1e3", std::nullopt}, {"", std::nullopt}}) {
    CAPTURE(c.in);
    auto n = parse_seq("after", c.in);
    CHECK(static_cast<bool>(n) == c.want.has_value());
    if (n && c.want) CHECK(*n == *c.want);
  }
  CHECK(*parse_bool("include_deleted", "true"));
  CHECK_FALSE(*parse_bool("include_deleted", "false"));
  for (const char* bad : {"maybe", "TRUE", "1", "yes", ""})
    CHECK(parse_bool("include_deleted", bad).error().message == "include_deleted: must be true or false");

  CHECK(to_ms(*parse_timestamp("t", "2026-11-20T09:14:03Z")) == 1795166043000);
  CHECK(to_ms(*parse_timestamp("t", "2026-11-20")) == 1795132800000);
  CHECK(to_ms(*parse_timestamp("t", "2026-11-20T10:14:03+01:00")) == 1795166043000);
  CHECK_FALSE(parse_timestamp("t", "yesterday"));
  auto plus_lost = parse_timestamp("updated_since", "2026-11-20T10:14:03 01:00");
  REQUIRE_FALSE(plus_lost);
  CHECK(plus_lost.error().message.find("%2B") != std::string::npos);

  struct WaitCase { std::string in; std::optional<Millis> want; };
  for (const auto& c : std::vector<WaitCase>{{"30s", 30s}, {"500ms", 500ms}, {"30", 30s}, {"0", 0ms},
                                             {"1m", 60s}, {"60s", 60s}, {"61s", std::nullopt},
                                             {"2m", std::nullopt}, {"forever", std::nullopt}, {"", std::nullopt},
                                             {"s", std::nullopt}, {"-5s", std::nullopt}, {"1.5s", std::nullopt},
                                             {"10h", std::nullopt}, {"9999999999s", std::nullopt}}) {
    CAPTURE(c.in);
    auto d = parse_wait("wait", c.in, 60s);
    CHECK(static_cast<bool>(d) == c.want.has_value());
    if (d && c.want) CHECK(*d == *c.want);
  }
}

TEST_CASE("page tokens round-trip and refuse anything else") {
  for (int64_t id : {int64_t{1}, int64_t{100}, int64_t{123456789}, INT64_MAX}) {
    auto t = encode_keyset_token(id);
    CAPTURE(t);
    CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    CHECK(decode_keyset_token(t) == id);
  }
  std::string good = encode_keyset_token(250);
  for (std::string bad : {std::string("garbage"), std::string(""), std::string("===="), good + "A",
                          good.substr(0, good.size() - 1), std::string("cjE6MjUw"),  // "r1:250"
                          std::string("cjE6MC4xMjM0"),                              // "r1:0.1234"
                          std::string(200, 'A'), std::string("r1:5")}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_keyset_token(bad).has_value());
  }
}

TEST_CASE("routes: exact paths, the record route takes slashes into the external id") {
  struct Case { std::string path; Route route; std::string pattern, source, id; };
  const std::vector<Case> cases = {
      {"/healthz", Route::healthz, "/healthz", "", ""},
      {"/readyz", Route::readyz, "/readyz", "", ""},
      {"/metrics", Route::metrics, "/metrics", "", ""},
      {"/v1/sources", Route::sources, "/v1/sources", "", ""},
      {"/v1/records", Route::records, "/v1/records", "", ""},
      {"/v1/changes", Route::changes, "/v1/changes", "", ""},
      {"/v1/records/sf/003A", Route::record, "/v1/records/{source}/{external_id}", "sf", "003A"},
      {"/v1/records/sf/a b/c", Route::record, "/v1/records/{source}/{external_id}", "sf", "a b/c"},
      {"/v1/records/sf/", Route::unknown, "unmatched", "", ""},
      {"/v1/records//x", Route::unknown, "unmatched", "", ""},
      {"/v1/records/sf", Route::unknown, "unmatched", "", ""},
      {"/v1/sources/", Route::unknown, "unmatched", "", ""},
      {"/v1/sources/crm-a/runs", Route::source_runs, "/v1/sources/{name}/runs", "crm-a", ""},
      {"/v1/sources//runs", Route::unknown, "unmatched", "", ""},
      {"/v1/sources/a/b/runs", Route::unknown, "unmatched", "", ""},
      {"/v1/marks", Route::marks, "/v1/marks", "", ""},
      {"/v1/marks/12", Route::mark, "/v1/marks/{id}", "", ""},
      {"/v1/marks/", Route::unknown, "unmatched", "", ""},
      {"/v1/marks/1/2", Route::unknown, "unmatched", "", ""},
      {"/", Route::web, "/", "", ""},  // the built-in page and its files
      {"/app.js", Route::web, "/{file}", "", ""},
      {"/web/app.js", Route::unknown, "unmatched", "", ""},
      {"/nothing", Route::unknown, "unmatched", "", ""},
      {"/V1/SOURCES", Route::unknown, "unmatched", "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    auto m = match_route(c.path);
    CHECK(m.route == c.route);
    CHECK(m.pattern == c.pattern);
    CHECK(m.source == c.source);
    CHECK(m.external_id == c.id);
  }
}

TEST_CASE("ETags: weak tags of the body; If-None-Match lists and *") {
  auto tag = etag_for(R"({"items":[]})");
  CHECK(tag.starts_with("W/\""));
  CHECK(tag.size() == 2 + 1 + 16 + 1);
  CHECK(tag == etag_for(R"({"items":[]})"));
  CHECK(tag != etag_for(R"({"items":[1]})"));
  CHECK(etag_matches(tag, tag));
  CHECK(etag_matches(tag.substr(2), tag));  // strong form of the same tag: weak comparison
  CHECK(etag_matches("\"x\", " + tag, tag));
  CHECK(etag_matches(" * ", tag));
  CHECK_FALSE(etag_matches("", tag));
  CHECK_FALSE(etag_matches("W/\"0000000000000000\"", tag));
}

TEST_CASE("bearer tokens") {
  CHECK(bearer_token_matches("Bearer s3cret", "s3cret"));
  CHECK(bearer_token_matches("bearer s3cret", "s3cret"));
  CHECK(bearer_token_matches("BEARER  s3cret ", "s3cret"));
  CHECK_FALSE(bearer_token_matches("Bearer s3cre", "s3cret"));
  CHECK_FALSE(bearer_token_matches("Bearer s3cret2", "s3cret"));
  CHECK_FALSE(bearer_token_matches("Basic s3cret", "s3cret"));
  CHECK_FALSE(bearer_token_matches("s3cret", "s3cret"));
  CHECK_FALSE(bearer_token_matches("", "s3cret"));
  CHECK_FALSE(bearer_token_matches("Bearer ", ""));
}

TEST_CASE("FTS5 expressions quote user text, folded as the index is") {
  struct Case { std::string text, want; };
  const std::vector<Case> cases = {
      {"zoe", R"("zoe"*)"},
      {"  Zoë   Łukasz ", R"("zoe"* AND "lukasz"*)"},
      {"Ødegaard Ærø Straße", R"("odegaard"* AND "aero"* AND "strasse"*)"},
      {R"(" OR 1=1 --)", R"("or"* AND "1 1"*)"},
      {"*", ""},
      {"NEAR(", R"("near"*)"},
      {R"(a"b)", R"("a b"*)"},
      {"email:x", R"("email x"*)"},
      {"AND", R"("and"*)"},
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(fts_match_expression(c.text) == c.want);
  }
  CHECK(fts_email_expression("Zoe@Example.com") == R"(email : "zoe example com")");
  CHECK(fts_email_expression(R"(a"b@x)") == R"(email : "a b x")");
  CHECK(fts_email_expression("@@") == "");
}
