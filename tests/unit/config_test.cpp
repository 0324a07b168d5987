// load_config / load_config_text / summarize / run_check: every error kind with its
// line, the defaults merge, ${ENV}, X_file secrets, and "no secret in any message".
#include "config/config.h"
#include "connectors/connector_config.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/check_command.h"
#include "tests/unit/config_test_support.h"

using namespace crm;
using namespace crm::config_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Lines 1-7: a valid config with one rest source; extra source keys start on line 8.
constexpr int kFirstExtraLine = 8;
std::string with_source_keys(const std::string& extra_lines) {
  std::string yaml =
      "database: index.db\n"
      "sources:\n"
      "  - name: legacy\n"
      "    type: rest\n"
      "    base_url: http://127.0.0.1:8080\n"
      "    list: { path: /customers, items: /data, pagination: { style: next_url, pointer: /next } "
      "}\n"
      "    fields: { external_id: /id }\n";
  std::istringstream in(extra_lines);
  for (std::string line; std::getline(in, line);) yaml += "    " + line + "\n";
  return yaml;
}

}  // namespace

TEST_CASE("a minimal valid config loads with the built-in defaults") {
  const Config& config = require_config(load(with_source_keys("")));
  CHECK(config.path == "/etc/crm-index/test.yaml");
  CHECK(config.database == "/etc/crm-index/index.db");  // relative: the config's folder
  CHECK(config.api.listen == "127.0.0.1:8787");
  CHECK(config.api.token_file.empty());
  REQUIRE(config.sources.size() == 1);
  const SourceConfig& s = config.sources[0];
  CHECK(s.name == "legacy");
  CHECK(s.type == "rest");
  CHECK(s.base_url == "http://127.0.0.1:8080");
  CHECK(s.enabled);
  CHECK(s.auth.type.empty());
  CHECK(s.settings.interval == 5min);
  CHECK(s.settings.page_size == 200);
  CHECK(s.settings.rate_limit.per_second == doctest::Approx(10.0));
  CHECK_FALSE(s.settings.stale_after.has_value());
  CHECK(s.position.line == 3);
  CHECK(s.position.column == 5);
  CHECK(s.position.file == "/etc/crm-index/test.yaml");
  CHECK(s.node["list"]["path"].Scalar() == "/customers");
  CHECK(config.find_source("legacy") == &s);
  CHECK(config.find_source("other") == nullptr);
}

TEST_CASE("error kinds: message and position") {
  // Two rest sources; the second starts on line 8.
  const std::string two_sources = with_source_keys("") +
                                  "  - name: legacy\n"
                                  "    type: rest\n"
                                  "    base_url: http://127.0.0.1:8081\n";
  check_error_cases({
      {"YAML syntax", "database: x\nsources: [a, b\napi: {}\n", "YAML syntax error", 3},
      {"YAML syntax: bad indentation", "database: x\n  api: 1\n", "YAML syntax error", 2},
      {"unknown key", with_source_keys("intervl: 5m"),
       "unknown key 'intervl' (did you mean 'interval'?)", kFirstExtraLine, 5},
      {"unknown key, no suggestion", with_source_keys("frobnicate: 1"), "unknown key 'frobnicate'",
       kFirstExtraLine},
      {"unknown top-level key", "database: x\nsorces: []\n",
       "unknown key 'sorces' (did you mean 'sources'?)", 2, 1},
      {"wrong type: integer", with_source_keys("page_size: abc"),
       "page_size: expected an integer, got 'abc'", kFirstExtraLine, 16},
      {"integer out of range", with_source_keys("page_size: 10001"),
       "page_size: 10001 is out of range (1..10000)", kFirstExtraLine},
      {"wrong type: list for a string", with_source_keys("web_url: [a, b]"),
       "web_url: expected a string, got a list", kFirstExtraLine},
      {"bad duration", with_source_keys("interval: 5 minutes"),
       "interval: '5 minutes' is not a duration (use e.g. 30s, 5m, 2h, 1d)", kFirstExtraLine},
      {"zero duration", with_source_keys("timeout: 0s"), "timeout: must be greater than 0",
       kFirstExtraLine},
      {"empty duration", with_source_keys("timeout:"), "timeout: expected a duration, got nothing",
       kFirstExtraLine, 5},
      {"bad ratio", with_source_keys("jitter: 150%"), "jitter: '150%' is not a ratio",
       kFirstExtraLine},
      {"bad ratio: plain number above 1", with_source_keys("delete_guard: 50"),
       "delete_guard: '50' is not a ratio", kFirstExtraLine},
      {"bad rate", with_source_keys("rate_limit: 10 per second"),
       "rate_limit: '10 per second' is not a rate", kFirstExtraLine},
      {"zero rate", with_source_keys("rate_limit: 0/s"), "rate_limit: '0/s' is not a rate",
       kFirstExtraLine},
      {"bad bool", with_source_keys("enabled: yes"), "enabled: expected true or false, got 'yes'",
       kFirstExtraLine},
      {"duplicate source name", two_sources,
       "name: duplicate source name 'legacy' (first defined at line 3)", 8, 11},
      {"duplicate key", with_source_keys("interval: 5m\ninterval: 6m"),
       "duplicate key 'interval' (first at line 8)", 9},
      {"missing secret file",
       with_source_keys("auth:\n  type: oauth2\n  token_url: http://127.0.0.1:9/token\n"
                        "  grant: client_credentials\n  client_id: id\n"
                        "  client_secret_file: /nonexistent/sf-secret"),
       "auth.client_secret_file: cannot read /nonexistent/sf-secret: No such file or directory",
       kFirstExtraLine + 5},
      {"unknown source type with suggestion",
       "database: x\nsources:\n  - { name: a, type: rets, base_url: 'http://h' }\n",
       "type: unknown source type 'rets' (did you mean 'rest'?); known types: ", 3, 22},
      {"unknown source type lists known types",
       "database: x\nsources:\n  - { name: a, type: sugarcrm, base_url: 'http://h' }\n",
       "known types: ", 3},
      {"unknown source type: typo keys still reported",
       "database: x\nsources:\n  - name: a\n    type: sugarcrm\n    base_url: http://h\n"
       "    intrval: 5m\n",
       "unknown key 'intrval' (did you mean 'interval'?)", 6},
      {"unset env var", with_source_keys("web_url: http://x/${NOPE_NOT_SET}"),
       "environment variable NOPE_NOT_SET is not set", kFirstExtraLine, 14},
      {"unset env var names the path", with_source_keys("web_url: ${NOPE_NOT_SET}"),
       "sources[0].web_url: environment variable", kFirstExtraLine},
      {"unterminated reference", with_source_keys("web_url: ${OOPS"), "unterminated '${'",
       kFirstExtraLine},
      {"bad URL: scheme",
       "database: x\nsources:\n  - name: a\n    type: rest\n    base_url: ftp://files.example\n",
       "base_url: 'ftp://files.example' is not a valid URL: a URL must start with http:// or "
       "https://",
       5, 15},
      {"bad URL: no host",
       "database: x\nsources:\n  - name: a\n    type: rest\n    base_url: https://\n",
       "base_url: 'https://' is not a valid URL", 5},
      {"bad URL: token_url",
       with_source_keys("auth: { type: oauth2, grant: client_credentials, client_id: i,\n"
                        "        client_secret: s, token_url: login.example.com }"),
       "auth.token_url: 'login.example.com' is not a valid URL", kFirstExtraLine + 1},
      {"bad name",
       "database: x\nsources:\n  - name: Legacy CRM\n    type: rest\n    base_url: http://h\n",
       "name: 'Legacy CRM' is not a valid source name", 3, 11},
      {"name too long",
       "database: x\nsources:\n  - name: " + std::string(64, 'a') +
           "\n    type: rest\n    base_url: http://h\n",
       "is not a valid source name (use 1 to 63", 3},
      {"missing required key points at the block",
       "database: x\nsources:\n  - name: a\n    type: rest\n",
       "source 'a': missing required key 'base_url'", 3, 5},
      {"missing name", "database: x\nsources:\n  - type: rest\n    base_url: http://h\n",
       "source #1: missing required key 'name'", 3, 5},
      {"missing database", "sources: []\n", "missing required key 'database'", 1, 1},
      {"empty file", "", "the file is empty", 0},
      {"top level not a mapping", "- a\n- b\n", "expected a mapping", 1},
      {"sources not a list", "database: x\nsources: { name: a }\n",
       "sources: expected a list of source blocks", 2},
      {"source not a mapping", "database: x\nsources:\n  - legacy\n",
       "sources[0]: expected a mapping", 3},
      {"objects not a list", with_source_keys("objects: Contact"),
       "objects: expected a list of strings, got 'Contact'", kFirstExtraLine},
      {"objects item not a string", with_source_keys("objects: [a, {b: c}]"),
       "objects[1]: expected a string, got a mapping", kFirstExtraLine},
      {"header value not a string",
       with_source_keys(
           "extra_fields: [x]\nkind: person\nphone_region: DE\nheaders: { Accept: [a] }"),
       "headers.Accept: expected a string, got a list", kFirstExtraLine + 3},
      {"fields value not a string",
       "database: x\nsources:\n  - name: a\n    type: rest\n    base_url: http://h\n"
       "    fields: { email: [a] }\n",
       "fields.email: expected a string, got a list", 6, 22},
      {"phone_region", with_source_keys("phone_region: de"),
       "phone_region: 'de' is not a region code", kFirstExtraLine},
      {"Authorization header refused", with_source_keys("headers:\n  authorization: Bearer x"),
       "headers.authorization: not allowed here", kFirstExtraLine + 1},
      {"Host header refused", with_source_keys("headers: { Host: example.com }"),
       "headers.Host: not allowed here", kFirstExtraLine},
      {"api.listen needs brackets for IPv6", "database: x\napi:\n  listen: ::1:8787\n",
       "api.listen: '::1:8787' is not a listen address: an IPv6 address must be written in "
       "brackets",
       3, 11},
      {"api.listen port range", "database: x\napi: { listen: '127.0.0.1:99999' }\n",
       "from 1 to 65535", 2},
      {"api.token_file missing", "database: x\napi: { token_file: /nonexistent/api-token }\n",
       "api.token_file: cannot read /nonexistent/api-token: No such file or directory", 2},
      {"api unknown key", "database: x\napi: { listn: 1 }\n",
       "unknown key 'api.listn' (did you mean 'listen'?)", 2},
      {"defaults unknown key", "database: x\ndefaults:\n  page_sise: 10\n",
       "unknown key 'defaults.page_sise' (did you mean 'page_size'?)", 3},
      {"defaults bad value", "database: x\ndefaults:\n  interval: often\n",
       "defaults.interval: 'often' is not a duration", 3},
      {"linking rule must be a boolean", "database: x\nlinking:\n  email: maybe\n", "linking.email",
       3},
      {"linking: unknown key", "database: x\nlinking:\n  emial: true\n", "emial", 3},
      {"linking must be a mapping", "database: x\nlinking: [a]\n", "linking: expected a mapping",
       2},
  });
}

TEST_CASE("auth errors") {
  check_error_cases({
      {"unknown auth type", with_source_keys("auth: { type: bearr, token: t }"),
       "auth.type: 'bearr' is not one of bearer, api_key, basic, oauth2, odoo (did you mean "
       "'bearer'?)",
       kFirstExtraLine},
      {"auth without type", with_source_keys("auth:\n  token: t"),
       "auth: missing required key 'type'", kFirstExtraLine + 1},
      {"unknown key in auth", with_source_keys("auth:\n  type: bearer\n  tokn: t"),
       "unknown key 'auth.tokn' (did you mean 'token'?)", kFirstExtraLine + 2, 7},
      {"key of another auth type",
       with_source_keys("auth:\n  type: bearer\n  token: t\n  username: u"),
       "auth.username: not used by auth type 'bearer'", kFirstExtraLine + 3},
      {"bearer needs token", with_source_keys("auth:\n  type: bearer"),
       "auth: missing required key 'token' (or 'token_file') for auth type bearer",
       kFirstExtraLine + 1},
      {"both X and X_file", with_source_keys("auth:\n  type: bearer\n  token: t\n  token_file: f"),
       "auth: give either 'token' or 'token_file', not both", kFirstExtraLine + 3},
      {"api_key needs name", with_source_keys("auth: { type: api_key, value: v }"),
       "missing required key 'name'", kFirstExtraLine},
      {"api_key in", with_source_keys("auth: { type: api_key, in: body, name: k, value: v }"),
       "auth.in: 'body' is not one of header, query", kFirstExtraLine},
      {"api_key header name", with_source_keys("auth: { type: api_key, name: 'X Key', value: v }"),
       "auth.name: 'X Key' is not a valid header name", kFirstExtraLine},
      {"basic needs password", with_source_keys("auth: { type: basic, username: u }"),
       "missing required key 'password' (or 'password_file') for auth type basic", kFirstExtraLine},
      {"odoo needs username", with_source_keys("auth: { type: odoo, password: p }"),
       "missing required key 'username'", kFirstExtraLine},
      {"oauth2 grant",
       with_source_keys("auth: { type: oauth2, grant: password, token_url: 'http://t', client_id: "
                        "i, client_secret: s }"),
       "auth.grant: 'password' is not one of client_credentials, refresh_token", kFirstExtraLine},
      {"oauth2 client_auth",
       with_source_keys("auth: { type: oauth2, grant: client_credentials, token_url: 'http://t', "
                        "client_id: i, client_secret: s, client_auth: digest }"),
       "auth.client_auth: 'digest' is not one of body, basic", kFirstExtraLine},
      {"oauth2 refresh_token grant needs a refresh token",
       with_source_keys("auth: { type: oauth2, grant: refresh_token, token_url: 'http://t', "
                        "client_id: i, client_secret: s }"),
       "missing required key 'refresh_token' (or 'refresh_token_file') for auth type oauth2",
       kFirstExtraLine},
      {"oauth2 needs token_url",
       with_source_keys(
           "auth: { type: oauth2, grant: client_credentials, client_id: i, client_secret: s }"),
       "missing required key 'token_url'", kFirstExtraLine},
      {"refresh_token with client_credentials",
       with_source_keys("auth: { type: oauth2, grant: client_credentials, token_url: 'http://t', "
                        "client_id: i, client_secret: s, refresh_token: r }"),
       "auth.refresh_token: only used with grant refresh_token", kFirstExtraLine},
      {"empty secret", with_source_keys("auth: { type: bearer, token: '' }"),
       "auth.token: must not be empty", kFirstExtraLine},
      {"auth not a mapping", with_source_keys("auth: bearer"), "auth: expected a mapping",
       kFirstExtraLine},
  });
}

TEST_CASE("every error is reported, in file order") {
  const LoadedConfig loaded = load(
      "database: x\n"
      "defaults:\n"
      "  interval: soon\n"  // 3
      "sources:\n"
      "  - name: a\n"         // 5: the rest type's own check: no list block
      "    type: rest\n"
      "    base_url: nope\n"   // 7
      "    page_size: many\n"  // 8
      "  - name: a\n"          // 9: duplicate
      "    type: nosuch\n"     // 10
      "    base_url: http://h\n"
      "api: { listen: 'localhost' }\n");  // 12
  INFO(all_messages(loaded));
  CHECK_FALSE(loaded.config.has_value());
  std::vector<int> lines;
  for (const auto& e : loaded.errors) lines.push_back(e.line);
  CHECK(lines == std::vector<int>{3, 5, 7, 8, 9, 10, 12});
}

TEST_CASE("defaults merge into every source; the source's own keys win") {
  const Config& config =
      require_config(load("database: /var/lib/crm-index/index.db\n"
                          "defaults:\n"
                          "  interval: 10m\n"
                          "  jitter: 20%\n"
                          "  timeout: 1m\n"
                          "  page_size: 50\n"
                          "  overlap: 0s\n"
                          "  full_sync_every: 12h\n"
                          "  delete_guard: 0.3\n"
                          "  rate_limit: 600/m\n"
                          "  quota_group: shared\n"
                          "  max_backoff: 1h\n"
                          "  auth_retry: 1h\n"
                          "  stale_after: 2h\n"
                          "  insecure_skip_verify: true\n"
                          "sources:\n"
                          "  - name: a\n"
                          "    type: rest\n"
                          "    base_url: http://h\n"
                          "    list: { path: /c, items: /d, pagination: { style: link_header } }\n"
                          "    fields: { external_id: /id }\n"
                          "  - name: b\n"
                          "    type: rest\n"
                          "    base_url: http://h\n"
                          "    list: { path: /c, items: /d, pagination: { style: link_header } }\n"
                          "    fields: { external_id: /id }\n"
                          "    interval: 1h30m\n"
                          "    page_size: 500\n"
                          "    rate_limit: 2/s\n"
                          "    quota_group: null\n"
                          "    stale_after: null\n"
                          "    auth_retry: 2m\n"
                          "    insecure_skip_verify: false\n"
                          "    enabled: false\n"));
  CHECK(config.database == "/var/lib/crm-index/index.db");
  CHECK(config.defaults.interval == 10min);
  REQUIRE(config.sources.size() == 2);
  const SourceSettings& a = config.sources[0].settings;
  CHECK(a.interval == 10min);
  CHECK(a.jitter == doctest::Approx(0.2));
  CHECK(a.timeout == 1min);
  CHECK(a.page_size == 50);
  CHECK(a.overlap == 0ms);
  CHECK(a.full_sync_every == 12h);
  CHECK(a.delete_guard == doctest::Approx(0.3));
  CHECK(a.rate_limit.per_second == doctest::Approx(10.0));
  CHECK(a.rate_limit.text == "600/m");
  CHECK(a.quota_group == "shared");
  CHECK(a.max_backoff == 1h);
  CHECK(a.auth_retry == 1h);
  CHECK(a.stale_after == 2h);
  CHECK(a.insecure_skip_verify);
  const SourceSettings& b = config.sources[1].settings;
  CHECK(b.interval == 90min);
  CHECK(b.jitter == doctest::Approx(0.2));  // from defaults
  CHECK(b.page_size == 500);
  CHECK(b.auth_retry == 2min);
  CHECK(b.rate_limit.per_second == doctest::Approx(2.0));
  CHECK(b.quota_group.empty());            // null: the source's own bucket
  CHECK_FALSE(b.stale_after.has_value());  // null: three intervals
  CHECK_FALSE(b.insecure_skip_verify);
  CHECK_FALSE(config.sources[1].enabled);
}

TEST_CASE("base_url is kept without its trailing '/', once for every connector") {
  std::string yaml = with_source_keys("");
  const std::string plain = "base_url: http://127.0.0.1:8080\n";
  for (std::string written : {"http://127.0.0.1:8080/", "http://127.0.0.1:8080//", "http://127.0.0.1:8080"}) {
    CAPTURE(written);
    std::string y = yaml;
    y.replace(y.find(plain), plain.size(), "base_url: " + written + "\n");
    CHECK(require_config(load(y)).sources[0].base_url == "http://127.0.0.1:8080");
  }
  std::string with_path = yaml;
  with_path.replace(with_path.find(plain), plain.size(), "base_url: https://crm.example/Api/\n");
  CHECK(require_config(load(with_path)).sources[0].base_url == "https://crm.example/Api");
}

TEST_CASE("common source keys are read") {
  const Config& config = require_config(
      load(with_source_keys("objects: [Contact, Account]\n"
                            "web_url: https://crm.example/{object}/{id}\n"
                            "phone_region: DE\n"
                            "extra_fields: [segment]\n"
                            "headers: { Accept: application/json, X-Tenant: acme }\n"
                            "auth: { type: api_key, in: query, name: api_key, value: k }")));
  const SourceConfig& s = config.sources[0];
  CHECK(s.objects == std::vector<std::string>{"Contact", "Account"});
  CHECK(s.web_url == "https://crm.example/{object}/{id}");
  CHECK(s.phone_region == "DE");
  CHECK(s.fields.at("external_id") == "/id");
  CHECK(s.extra_fields == std::vector<std::string>{"segment"});
  REQUIRE(s.headers.size() == 2);
  CHECK(s.headers[0] == std::pair<std::string, std::string>{"Accept", "application/json"});
  CHECK(s.headers[1] == std::pair<std::string, std::string>{"X-Tenant", "acme"});
  CHECK(s.auth.type == "api_key");
  CHECK(s.auth.in == "query");
  CHECK(s.auth.name == "api_key");
  CHECK(s.auth.value.reveal() == "k");
}

TEST_CASE("api, zero sources, linking") {
  const Config& config =
      require_config(load("database: ./data/../index.db\n"
                          "api: { listen: '[::1]:9000' }\n"
                          "linking: { phone: false, suggest_name_company: false, "
                          "plus_tag_domains: [Example.COM] }\n"));
  CHECK(config.database == "/etc/crm-index/index.db");
  CHECK(config.api.listen == "[::1]:9000");
  CHECK(config.sources.empty());
  CHECK(config.linking.email);
  CHECK(config.linking.national_id);
  CHECK_FALSE(config.linking.phone);
  CHECK_FALSE(config.linking.suggest_name_company);
  CHECK(config.linking.suggest_name_phone_country);
  CHECK(config.linking.plus_tag_domains == std::vector<std::string>{"example.com"});
  CHECK(require_config(load("database: ':memory:'\nsources:\n")).database == ":memory:");
}

TEST_CASE("api limits: the keys, their bounds, and limits that contradict each other") {
  const Config& config = require_config(
      load("database: x\n"
           "api: { max_connections: 1024, max_connections_per_client: 0, max_long_polls: 300,\n"
           "       header_timeout: 5s, idle_timeout: 1m }\n"));
  CHECK(config.api.limits.max_connections == 1024);
  CHECK(config.api.limits.max_connections_per_client == 0);
  CHECK(config.api.limits.max_long_polls == 300);
  CHECK(config.api.limits.header_timeout == 5s);
  CHECK(config.api.limits.idle_timeout == 1min);
  check_error_cases({
      {"too few connections", "database: x\napi: { max_connections: 8 }\n", "max_connections", 2},
      {"timeouts are whole seconds at least", "database: x\napi: { header_timeout: 500ms }\n",
       "header_timeout", 2},
      {"long-polls: at most half", "database: x\napi:\n  max_connections: 100\n  max_long_polls: 51\n",
       "api.max_long_polls: 51 is more than half of api.max_connections (100)", 4},
      {"the default long-poll cap against a small limit", "database: x\napi:\n  max_connections: 200\n",
       "api.max_long_polls: 128 is more than half of api.max_connections (200)", 3},
      {"per client: at most all", "database: x\napi: { max_connections: 64, max_connections_per_client: 65, "
       "max_long_polls: 8 }\n",
       "api.max_connections_per_client: 65 is more than api.max_connections (64)", 2},
  });
}

TEST_CASE("${ENV} substitution in any string value, including the connector's own keys") {
  const Config& config =
      require_config(load("database: ${STATE}/index.db\n"
                          "sources:\n"
                          "  - name: ${NAME}\n"
                          "    type: rest\n"
                          "    base_url: http://${HOST}:8080\n"
                          "    page_size: ${PAGE}\n"
                          "    web_url: 'http://x/$${id}'\n"
                          "    list: { path: '${LIST_PATH}', items: /data, pagination: { style: "
                          "next_url, pointer: /next } }\n"
                          "    fields: { external_id: /id }\n"
                          "    auth: { type: bearer, token: '${TOKEN}' }\n",
                          {{"STATE", "/var/lib/x"},
                           {"NAME", "crm-1"},
                           {"HOST", "127.0.0.1"},
                           {"PAGE", "42"},
                           {"LIST_PATH", "/people"},
                           {"TOKEN", "tok-123"}}));
  CHECK(config.database == "/var/lib/x/index.db");
  const SourceConfig& s = config.sources[0];
  CHECK(s.name == "crm-1");
  CHECK(s.base_url == "http://127.0.0.1:8080");
  CHECK(s.settings.page_size == 42);
  CHECK(s.web_url == "http://x/${id}");  // $${ is a literal ${
  CHECK(s.node["list"]["path"].Scalar() == "/people");
  CHECK(s.auth.token.reveal() == "tok-123");
}

TEST_CASE("an alias is expanded once") {
  const Config& config =
      require_config(load("database: x\n"
                          "sources:\n"
                          "  - name: a\n"
                          "    type: rest\n"
                          "    base_url: http://h\n"
                          "    headers: { X-A: &w 'x-$${id}', X-B: *w }\n"
                          "    list: { path: /c, items: /d, pagination: { style: link_header } }\n"
                          "    fields: { external_id: /id }\n"));
  const auto& headers = config.sources[0].headers;
  REQUIRE(headers.size() == 2);
  CHECK(headers[0].second == "x-${id}");
  CHECK(headers[1].second == "x-${id}");
}

TEST_CASE("X_file secrets: $CREDENTIALS_DIRECTORY, the config's folder, absolute paths") {
  TempDir dir;
  fs::create_directory(dir.path() / "creds");
  dir.write("creds/client-secret", "cs-from-creds\n");
  dir.write("creds/refresh", "rt-from-creds\r\n");
  dir.write("local-secret", "cs-from-config-dir\n\n");
  const fs::path absolute = dir.write("abs-token", "abs-token-value");
  dir.write("creds/api-token", "api-token-value\n");
  const std::string config_file = (dir.path() / "crm.yaml").string();
  const std::string yaml =
      "database: index.db\n"
      "api: { token_file: api-token }\n"
      "sources:\n"
      "  - name: a\n"
      "    type: rest\n"
      "    base_url: http://h\n"
      "    list: { path: /c, items: /d, pagination: { style: link_header } }\n"
      "    fields: { external_id: /id }\n"
      "    auth:\n"
      "      type: oauth2\n"
      "      token_url: http://127.0.0.1:1/token\n"
      "      grant: refresh_token\n"
      "      client_id: cid\n"
      "      client_secret_file: ${SECRET_NAME}\n"
      "      refresh_token_file: refresh\n"
      "  - name: b\n"
      "    type: rest\n"
      "    base_url: http://h\n"
      "    list: { path: /c, items: /d, pagination: { style: link_header } }\n"
      "    fields: { external_id: /id }\n"
      "    auth: { type: bearer, token_file: " +
      absolute.string() + " }\n";

  SUBCASE("relative to $CREDENTIALS_DIRECTORY when set") {
    const LoadedConfig loaded =
        load_config_text(yaml, config_file,
                         env_of({{"CREDENTIALS_DIRECTORY", (dir.path() / "creds").string()},
                                 {"SECRET_NAME", "client-secret"}}));
    const Config& config = require_config(loaded);
    CHECK(config.database == (dir.path() / "index.db").string());
    CHECK(config.api.token_file == (dir.path() / "creds" / "api-token").string());
    const AuthConfig& auth = config.sources[0].auth;
    CHECK(auth.client_secret.reveal() == "cs-from-creds");
    CHECK(auth.refresh_token.reveal() == "rt-from-creds");  // "\r\n" trimmed
    CHECK(config.sources[1].auth.token.reveal() == "abs-token-value");
  }
  SUBCASE("relative to the config file's folder otherwise") {
    const LoadedConfig loaded =
        load_config_text(yaml, config_file, env_of({{"SECRET_NAME", "local-secret"}}));
    INFO(all_messages(loaded));
    // refresh and api-token live only in creds/: both are reported, with full paths.
    const ConfigError* e =
        find_error(loaded, "auth.refresh_token_file: cannot read " +
                               (dir.path() / "refresh").string() + ": No such file or directory");
    REQUIRE(e != nullptr);
    CHECK(e->line == 15);
    CHECK(find_error(loaded, "api.token_file: cannot read " +
                                 (dir.path() / "api-token").string()) != nullptr);
    CHECK(loaded.errors.size() == 2);
  }
  SUBCASE("an empty secret file is an error") {
    dir.write("creds/client-secret", "\n");
    const LoadedConfig loaded =
        load_config_text(yaml, config_file,
                         env_of({{"CREDENTIALS_DIRECTORY", (dir.path() / "creds").string()},
                                 {"SECRET_NAME", "client-secret"}}));
    CHECK(find_error(loaded, "auth.client_secret_file: " +
                                 (dir.path() / "creds" / "client-secret").string() + " is empty") !=
          nullptr);
  }
}

TEST_CASE("no secret in any error message or summary") {
  const std::string secret = "s3cr3t-VALUE-42";
  TempDir dir;
  const fs::path secret_file = dir.write("secret", secret + "\n");
  const Vars vars = {{"TOKEN", secret}};
  const std::vector<std::string> bad_configs = {
      // a secret used where a number is expected
      with_source_keys("page_size: ${TOKEN}"),
      // a secret inline and as a file at once
      with_source_keys("auth: { type: bearer, token: " + secret + ", token_file: x }"),
      // a secret from the environment with both forms
      with_source_keys(
          "auth: { type: bearer, token: '${TOKEN}', token_file: " + secret_file.string() + " }"),
      // the whole auth block written as the secret
      with_source_keys("auth: " + secret),
      // a secret as a list
      with_source_keys("auth: { type: api_key, name: k, value: [" + secret + "] }"),
      // a secret in an unknown key of auth, and in a key of another type
      with_source_keys("auth: { type: bearer, token: x, tokn: " + secret + ", password: " + secret +
                       " }"),
      // credentials in a URL that is invalid
      "database: x\nsources:\n  - { name: a, type: rest, base_url: 'http://u:" + secret +
          "@ho st/' }\n",
      "database: x\nsources:\n  - { name: a, type: rest, base_url: 'http://u:${TOKEN}@ho st/' }\n",
      // a secret in a header that is refused, and in a header value with a line break
      with_source_keys("headers: { Authorization: 'Bearer " + secret + "' }"),
      with_source_keys("headers: { X-Key: \"" + secret + "\\n\" }"),
      // a valid secret file with another error in the same block
      with_source_keys("auth: { type: oauth2, grant: nope, token_url: 'http://t', client_id: i,"
                       " client_secret_file: " +
                       secret_file.string() + " }"),
  };
  check_secrets_never_shown(bad_configs, vars, {secret});

  // Summaries of valid sources with every auth type.
  const std::vector<std::string> auths = {
      "{ type: bearer, token: '${TOKEN}' }",
      "{ type: api_key, name: X-Key, value: '${TOKEN}' }",
      "{ type: basic, username: u, password: '${TOKEN}' }",
      "{ type: odoo, username: u, password_file: " + secret_file.string() + " }",
      "{ type: oauth2, grant: refresh_token, token_url: 'https://login.example/token', "
      "client_id: c, client_secret: '${TOKEN}', refresh_token: '${TOKEN}' }",
  };
  for (const auto& auth : auths) {
    CAPTURE(auth);
    const Config& config = require_config(
        load(with_source_keys("auth: " + auth + "\nheaders: { X-Other: '${TOKEN}' }"), vars));
    const std::string line = summarize(config.sources[0]);
    CHECK(line.find(secret) == std::string::npos);
  }
  // Credentials in a valid base_url are redacted from the summary.
  const Config& with_userinfo = require_config(
      load("database: x\nsources:\n  - { name: a, type: rest, base_url: 'http://u:${TOKEN}@host/',"
           " list: { path: /c, items: /d, pagination: { style: link_header } }, fields: { "
           "external_id: /id } }\n",
           vars));
  const std::string line = summarize(with_userinfo.sources[0]);
  CHECK(line.find(secret) == std::string::npos);
  CHECK(line.find("http://***@host") != std::string::npos);  // base_url loses its trailing '/' at load
}

TEST_CASE("ConfigErrors::as_written gives connectors the unexpanded text to quote") {
  // What the loader records for every scalar that ${ENV} expansion changed.
  ConfigErrors errors("f.yaml");
  YAML::Node root = YAML::Load("a: ${X}\nb: plain\n");
  errors.record_written(root["a"].Mark().pos, "${X}");
  root["a"] = "expanded";
  CHECK(errors.as_written(root["a"]) == "${X}");
  CHECK(errors.as_written(root["b"]) == "plain");
  CHECK(errors.as_written(root["missing"]).empty());
}

TEST_CASE("summarize") {
  const Config& config = require_config(load(with_source_keys(
      "auth: { type: api_key, in: header, name: X-Api-Key, value: k }\npage_size: 200")));
  CHECK(summarize(config.sources[0]) ==
        "legacy  type=rest  url=http://127.0.0.1:8080  interval=5m  page_size=200  rate=10/s  "
        "auth=api_key(header X-Api-Key)  enabled");
  const Config& other = require_config(load(with_source_keys(
      "enabled: false\ninterval: 90m\nquota_group: g\ninsecure_skip_verify: true")));
  CHECK(summarize(other.sources[0]) ==
        "legacy  type=rest  url=http://127.0.0.1:8080  interval=1h30m  page_size=200  rate=10/s  "
        "quota_group=g  auth=none  tls_verify=OFF  disabled");
}

TEST_CASE("the connector type's own validation runs on sound sources") {
  // `list` is missing: the rest connector's validate() says so.
  const LoadedConfig loaded =
      load("database: x\nsources:\n  - name: a\n    type: rest\n    base_url: http://h\n");
  CHECK_FALSE(loaded.config.has_value());
  REQUIRE_FALSE(loaded.errors.empty());
  CHECK(all_messages(loaded).find("list") != std::string::npos);
  // A rest key on the wrong type of source would be unknown; on rest it is known.
  CHECK(find_error(loaded, "unknown key") == nullptr);
}

TEST_CASE("load_config never throws") {
  const char* inputs[] = {
      "{",
      "]",
      "database: [",
      "a: b: c",
      "\t- x",
      "&a [*a]",
      "database: x\nsources: &s [*s]\n",
      "%YAML 9.9\n---\n",
      "? [a]\n: b\n",
      "database: x\nsources:\n  - &n { name: a, type: rest, base_url: 'http://h', x: *n }\n"};
  for (const char* text : inputs) {
    CAPTURE(text);
    LoadedConfig loaded;
    CHECK_NOTHROW(loaded = load(text));
    CHECK_FALSE(loaded.config.has_value());
    CHECK_FALSE(loaded.errors.empty());
  }
  const LoadedConfig missing = load_config("/nonexistent/crm.yaml", env_of({}));
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].format() ==
        "/nonexistent/crm.yaml: cannot read: No such file or directory");
}

TEST_CASE("config/example.yaml is valid and uses every top-level part") {
  TempDir creds;
  creds.write("api-token", "t\n");
  creds.write("billing-secret", "s\n");
  creds.write("billing-refresh", "r\n");
  const LoadedConfig loaded =
      load_config(std::string(CRM_SOURCE_DIR) + "/config/example.yaml",
                  env_of({{"LEGACY_KEY", "k"},
                          {"BILLING_CLIENT_ID", "c"},
                          {"CREDENTIALS_DIRECTORY", creds.path().string()}}));
  const Config& config = require_config(loaded);
  CHECK(config.api.token_file == (creds.path() / "api-token").string());
  CHECK(config.api.limits == ApiLimits{});  // the example shows the defaults
  REQUIRE(config.sources.size() == 2);
  CHECK(config.sources[0].settings.interval == 2min);
  CHECK(config.sources[0].auth.value.reveal() == "k");
  CHECK(config.sources[1].auth.client_secret.reveal() == "s");
  CHECK_FALSE(config.sources[1].enabled);
}

TEST_CASE("run_check") {
  TempDir dir;
  std::ostringstream out, err;

  SUBCASE("valid") {
    const fs::path file = dir.write("ok.yaml", with_source_keys("interval: 2m"));
    CHECK(run_check(file.string(), out, err) == 0);
    CHECK(err.str().empty());
    CHECK(out.str() == "config OK: " + file.string() + ": 1 source(s)\n" +
                           "legacy  type=rest  url=http://127.0.0.1:8080  interval=2m  "
                           "page_size=200  rate=10/s  auth=none  enabled\n");
  }
  SUBCASE("no sources") {
    const fs::path file = dir.write("empty.yaml", "database: x\nsources: []\n");
    CHECK(run_check(file.string(), out, err) == 0);
    CHECK(out.str() == "config OK: " + file.string() + ": 0 source(s)\nno sources\n");
  }
  SUBCASE("errors go to err, exit code 2") {
    const fs::path file = dir.write("bad.yaml", with_source_keys("intervl: 5m\npage_size: abc"));
    CHECK(run_check(file.string(), out, err) == 2);
    CHECK(out.str().empty());
    CHECK(err.str() == file.string() + ":8:5: unknown key 'intervl' (did you mean 'interval'?)\n" +
                           file.string() + ":9:16: page_size: expected an integer, got 'abc'\n");
  }
  SUBCASE("missing file") {
    CHECK(run_check((dir.path() / "nope.yaml").string(), out, err) == 2);
    CHECK(err.str().find("No such file or directory") != std::string::npos);
  }
}

TEST_CASE("auth.scheme: an optional Authorization scheme word for bearer and oauth2") {
  const Config ok = require_config(load(with_source_keys(
      "auth: { type: oauth2, grant: client_credentials, token_url: 'http://t', client_id: i,\n"
      "        client_secret: s, scheme: Zoho-oauthtoken }")));
  CHECK(ok.sources.at(0).auth.scheme == "Zoho-oauthtoken");
  CHECK(require_config(load(with_source_keys("auth: { type: bearer, token: t }"))).sources.at(0).auth.scheme.empty());
  check_error_cases({
      {"scheme with a space", with_source_keys("auth: { type: bearer, token: t, scheme: 'Zoho oauth' }"),
       "auth.scheme: 'Zoho oauth' is not a valid authorization scheme", kFirstExtraLine},
      {"scheme on basic auth", with_source_keys("auth: { type: basic, username: u, password: p, scheme: X }"),
       "auth.scheme: not used by auth type 'basic'", kFirstExtraLine},
  });
}

TEST_CASE("web_url must be an http or https template") {
  check_error_cases({
      {"javascript", with_source_keys("web_url: \"javascript:alert({id})\""), "web_url: the template must be an http",
       kFirstExtraLine},
      {"file", with_source_keys("web_url: file:///etc/{id}"), "web_url: the template must be an http", kFirstExtraLine},
      {"relative", with_source_keys("web_url: /customers/{id}"), "web_url: the template must be an http",
       kFirstExtraLine},
  });
  for (const char* ok : {"https://crm.example.com/c/{id}", "HTTP://crm.example.com/c/{id}", "{base_url}/c/{id}"}) {
    CAPTURE(ok);
    Config c = require_config(load(with_source_keys(std::string("web_url: \"") + ok + "\"")));
    CHECK(c.sources[0].web_url == ok);
  }
}

TEST_CASE("max_response_size: a size per source and in defaults, 256 MiB by default") {
  CHECK(require_config(load(with_source_keys(""))).sources[0].settings.max_response_size == int64_t{256} << 20);
  CHECK(require_config(load(with_source_keys("max_response_size: 4MiB"))).sources[0].settings.max_response_size ==
        4 << 20);
  check_error_cases({{"not a size", with_source_keys("max_response_size: lots"), "is not a size", kFirstExtraLine},
                     {"too small", with_source_keys("max_response_size: 10"), "must be at least 1024 bytes",
                      kFirstExtraLine}});
}

TEST_CASE("permission warnings: inline secrets in a readable config, loose secret files") {
  TempDir dir;
  const fs::path key = dir.write("key", "k-123\n");
  const std::string by_file = with_source_keys("auth: { type: bearer, token_file: " + key.string() + " }");
  const std::string by_env = with_source_keys("auth: { type: bearer, token: \"${TOKEN}\" }");
  const std::string inline_ = with_source_keys("auth: { type: bearer, token: k-inline-1 }");
  auto warnings_for = [&](const std::string& name, const std::string& yaml, fs::perms mode) {
    const fs::path file = dir.write(name, yaml);
    fs::permissions(file, mode);
    std::ostringstream out, err;
    setenv("TOKEN", "k-env-1", 1);
    CHECK(run_check(file.string(), out, err) == 0);
    unsetenv("TOKEN");
    return err.str();
  };
  using P = fs::perms;
  fs::permissions(key, P::owner_read | P::owner_write);
  CHECK(warnings_for("a.yaml", inline_, P::owner_read | P::owner_write).empty());
  CHECK(warnings_for("b.yaml", by_env, P::owner_read | P::group_read | P::others_read).empty());
  CHECK(warnings_for("c.yaml", by_file, P::owner_read | P::group_read | P::others_read).empty());
  const std::string loose = warnings_for("d.yaml", inline_, P::owner_read | P::owner_write | P::group_read);
  CHECK(loose == "warning: " + (dir.path() / "d.yaml").string() +
                     " holds inline secrets and is readable by its group (mode 0640): chmod 600 it, or give the "
                     "secrets as ${ENV} or *_file\n");
  CHECK(loose.find("k-inline-1") == std::string::npos);
  fs::permissions(key, P::owner_read | P::owner_write | P::group_write);
  CHECK(warnings_for("e.yaml", by_file, P::owner_read) ==
        "warning: secret file " + key.string() + " is writable by others than its owner (mode 0620): chmod 600 it\n");
  fs::permissions(key, P::owner_read | P::others_read);
  CHECK(warnings_for("f.yaml", by_file, P::owner_read).find("is readable by others (mode 0404)") != std::string::npos);
}
