// The hints: blocks (platform.md "Push hints in"): the top-level listener and each
// source's proof of origin into HintsConfig / SourceHints, with secrets inline, from
// ${ENV} and from *_file; the defaults; every error at its file:line:col; no secret in any
// message.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/text_codec.h"
#include "tests/unit/config_test_support.h"

using namespace crm;
using namespace crm::config_test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRestSource =
    "type: rest, base_url: 'http://h', list: { path: /c, items: /d, pagination: { style: link_header } }, "
    "fields: { external_id: /id }";

std::string indented(const std::string& lines, const std::string& indent) {
  std::string out;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) out += indent + line + "\n";
  return out;
}

// Lines 1-2: "database:" and "hints:"; the lines handed in start on line 3, indented
// under hints:, and a valid source without hints follows them.
constexpr int kFirstHintsLine = 3;
std::string with_top_hints(const std::string& lines) {
  return "database: x\n"
         "hints:\n" +
         indented(lines, "  ") +
         "sources:\n"
         "  - { name: crm, " +
         kRestSource + " }\n";
}

// Lines 1-8: a valid config with a hints listener (or, `listener` false, a comment in
// its place) and one rest source; the source keys handed in start on line 9.
constexpr int kFirstSourceLine = 9;
std::string with_source_keys(const std::string& lines, bool listener = true) {
  return std::string("database: x\n") +
         (listener ? "hints: { listen: '0.0.0.0:8788' }\n" : "# no hints listener\n") +
         "sources:\n"
         "  - name: crm\n"
         "    type: rest\n"
         "    base_url: http://127.0.0.1:8080\n"
         "    list: { path: /c, items: /d, pagination: { style: link_header } }\n"
         "    fields: { external_id: /id }\n" +
         indented(lines, "    ");
}

// The secret files platform.md's example names, in a folder handed in as
// $CREDENTIALS_DIRECTORY.
struct Credentials {
  TempDir dir;
  Credentials() {
    dir.write("hubspot-client-secret", "hs-client-secret-1\n");
    dir.write("pd-hook-pass", "pd-hook-pass-1\n");
    dir.write("legacy-hook", "legacy-hook-key-1\n");
    dir.write("dyn-hook-key", "dyn-hook-key-1\n");
    dir.write("zoho-channel-token", "zoho-channel-token-1\n");
    dir.write("empty", "\n");
  }
  Vars vars(const Vars& extra = {}) const {
    Vars out = {{"CREDENTIALS_DIRECTORY", dir.path().string()}};
    out.insert(extra.begin(), extra.end());
    return out;
  }
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
};

// The hints of the only source of a config made by with_source_keys().
SourceHints hints_of(const std::string& block, const Vars& vars = {}) {
  const Config config = require_config(load(with_source_keys("hints: " + block), vars));
  REQUIRE(config.sources.size() == 1);
  return config.sources[0].hints;
}

}  // namespace

TEST_CASE("hints config: platform.md's example is read into HintsConfig and SourceHints, secrets from files") {
  const Credentials creds;
  const std::string rest = kRestSource;
  const Config config = require_config(load(
      "database: x\n"
      "hints:\n"
      "  listen: 0.0.0.0:8788\n"
      "  delay: 2s\n"
      "  min_interval: 10s\n"
      "  public_url: https://crm-hooks.acme.example/\n"
      "sources:\n"
      "  - { name: hubspot, " + rest + ", hints: { type: hubspot, secret_file: hubspot-client-secret } }\n"
      "  - { name: pd, " + rest + ", hints: { type: basic, username: pipedrive, password_file: pd-hook-pass } }\n"
      "  - { name: legacy, " + rest + ", hints: { type: hmac, header: X-Signature, secret_file: legacy-hook, "
      "prefix: \"sha256=\", encoding: hex } }\n"
      "  - { name: dyn, " + rest + ", hints: { type: header, header: x-crm-key, value_file: dyn-hook-key } }\n"
      "  - { name: zo, " + rest + ", hints: { type: zoho, token_file: zoho-channel-token } }\n",
      creds.vars()));

  HintsConfig listener;
  listener.listen = "0.0.0.0:8788";
  listener.delay = 2s;
  listener.min_interval = 10s;
  listener.public_url = "https://crm-hooks.acme.example";  // without its trailing '/'
  CHECK(config.hints == listener);

  REQUIRE(config.sources.size() == 5);
  SourceHints hubspot;
  hubspot.type = "hubspot";
  hubspot.secret = Secret("hs-client-secret-1");
  CHECK(config.sources[0].hints == hubspot);
  SourceHints basic;
  basic.type = "basic";
  basic.username = "pipedrive";
  basic.password = Secret("pd-hook-pass-1");
  CHECK(config.sources[1].hints == basic);
  SourceHints hmac;
  hmac.type = "hmac";
  hmac.header = "x-signature";  // lower-cased
  hmac.secret = Secret("legacy-hook-key-1");
  hmac.prefix = "sha256=";
  hmac.encoding = "hex";
  CHECK(config.sources[2].hints == hmac);
  SourceHints header;
  header.type = "header";
  header.header = "x-crm-key";
  header.value = Secret("dyn-hook-key-1");
  CHECK(config.sources[3].hints == header);
  SourceHints zoho;
  zoho.type = "zoho";
  zoho.token = Secret("zoho-channel-token-1");
  CHECK(config.sources[4].hints == zoho);

  CHECK(config.secret_files == std::vector<std::string>{creds.path("hubspot-client-secret"), creds.path("pd-hook-pass"),
                                                        creds.path("legacy-hook"), creds.path("dyn-hook-key"),
                                                        creds.path("zoho-channel-token")});
  CHECK_FALSE(config.holds_inline_secrets);
}

TEST_CASE("hints config: every secret inline and from ${ENV}") {
  const Vars env = {{"HOOK_SECRET", "from-env"}};
  const auto both = [&](const std::string& type, const std::string& key, const Secret SourceHints::*field,
                        const std::string& others = "") {
    CAPTURE(type);
    const std::string rest = others.empty() ? "" : ", " + others;
    const SourceHints written = hints_of("{ type: " + type + ", " + key + ": inline-1" + rest + " }");
    CHECK(written.type == type);
    CHECK((written.*field).reveal() == "inline-1");
    CHECK(require_config(load(with_source_keys("hints: { type: " + type + ", " + key + ": inline-1" + rest + " }")))
              .holds_inline_secrets);
    const Config from_env =
        require_config(load(with_source_keys("hints: { type: " + type + ", " + key + ": '${HOOK_SECRET}'" + rest + " }"),
                            env));
    CHECK((from_env.sources[0].hints.*field).reveal() == "from-env");
    CHECK_FALSE(from_env.holds_inline_secrets);
  };
  both("hubspot", "secret", &SourceHints::secret);
  both("basic", "password", &SourceHints::password, "username: u");
  both("hmac", "secret", &SourceHints::secret, "header: X-Sig");
  both("header", "value", &SourceHints::value, "header: X-Key");
  both("zoho", "token", &SourceHints::token);
}

TEST_CASE("hints config: the defaults, and what is left out") {
  SUBCASE("no hints anywhere") {
    const Config config = require_config(load(with_source_keys("", /*listener=*/false)));
    CHECK(config.hints == HintsConfig{});
    CHECK(config.hints.listen.empty());
    CHECK(config.sources[0].hints == SourceHints{});
    CHECK(config.sources[0].hints.type.empty());
  }
  SUBCASE("null blocks are no blocks") {
    const Config config = require_config(load("database: x\nhints:\nsources:\n  - { name: crm, " +
                                              std::string(kRestSource) + ", hints: null }\n"));
    CHECK(config.hints == HintsConfig{});
    CHECK(config.sources[0].hints.type.empty());
  }
  SUBCASE("a listener alone") {
    const Config config = require_config(load(with_top_hints("listen: 0.0.0.0:8788")));
    HintsConfig expected;
    expected.listen = "0.0.0.0:8788";
    CHECK(config.hints == expected);
    CHECK(config.hints.delay == 2s);
    CHECK(config.hints.min_interval == 10s);
    CHECK(config.hints.public_url.empty());
    CHECK(config.sources[0].hints.type.empty());  // sources need not take hints
  }
  SUBCASE("zero durations, a public URL with a path") {
    const Config config = require_config(load(with_top_hints(
        "listen: '[::1]:8788'\ndelay: 0\nmin_interval: 0s\npublic_url: 'http://proxy.internal:8080/crm-hooks//'")));
    CHECK(config.hints.listen == "[::1]:8788");
    CHECK(config.hints.delay == 0ms);
    CHECK(config.hints.min_interval == 0ms);
    CHECK(config.hints.public_url == "http://proxy.internal:8080/crm-hooks");
  }
  SUBCASE("hmac: no prefix, hex; header names lower-cased") {
    const SourceHints hmac = hints_of("{ type: hmac, header: X-Hub-Signature-256, secret: k }");
    CHECK(hmac.header == "x-hub-signature-256");
    CHECK(hmac.prefix.empty());
    CHECK(hmac.encoding == "hex");
    CHECK(hints_of("{ type: hmac, header: S, secret: k, prefix: '', encoding: base64 }").encoding == "base64");
    CHECK(hints_of("{ type: header, header: X-CRM-Key, value: k }").header == "x-crm-key");
  }
  SUBCASE("the listener's address from ${ENV}") {
    CHECK(require_config(load(with_top_hints("listen: '${HINTS_LISTEN}'"), {{"HINTS_LISTEN", "127.0.0.1:9100"}}))
              .hints.listen == "127.0.0.1:9100");
  }
}

TEST_CASE("hints config: the listener and the read API may not share an address") {
  const auto loads = [](const std::string& yaml) { return load(yaml).config.has_value(); };
  const std::string source = "sources:\n  - { name: crm, " + std::string(kRestSource) + " }\n";
  CHECK_FALSE(loads("database: x\nhints: { listen: '127.0.0.1:8787' }\n" + source));  // api.listen's default
  CHECK_FALSE(loads("database: x\napi: { listen: '[::1]:9000' }\nhints: { listen: '[::1]:9000' }\n" + source));
  CHECK(loads("database: x\napi: { listen: '127.0.0.1:9000' }\nhints: { listen: '127.0.0.1:8787' }\n" + source));
  CHECK(loads("database: x\nhints: { listen: '127.0.0.1:8788' }\n" + source));
  // The strings are compared: what they resolve to is the OS's business at bind time.
  CHECK(loads("database: x\nhints: { listen: 'localhost:8787' }\n" + source));
}

TEST_CASE("hints config: a disabled source may keep its hints block without a listener") {
  const Config config =
      require_config(load(with_source_keys("enabled: false\nhints: { type: zoho, token: t }", /*listener=*/false)));
  CHECK_FALSE(config.sources[0].enabled);
  CHECK(config.sources[0].hints.type == "zoho");
  // ... but the block is still checked.
  const LoadedConfig bad = load(with_source_keys("enabled: false\nhints: { type: zoho }", /*listener=*/false));
  CHECK_FALSE(bad.config.has_value());
  CHECK(find_error(bad, "hints: missing required key 'token' (or 'token_file') for auth type zoho") != nullptr);
  CHECK(find_error(bad, "hints.listen") == nullptr);
}

TEST_CASE("hints config: errors in the top-level block, at their line and column") {
  const int L = kFirstHintsLine;
  check_error_cases(
      {
          {"hints not a mapping", "database: x\nhints: 0.0.0.0:8788\n",
           "hints: expected a mapping with listen, delay, min_interval and public_url, got a string", 2, 8},
          {"a typo of hints", "database: x\nhint: { listen: '0.0.0.0:8788' }\n",
           "unknown key 'hint' (did you mean 'hints'?)", 2, 1},
          {"unknown key", with_top_hints("listen: 0.0.0.0:8788\nmin_intervl: 5s"),
           "unknown key 'hints.min_intervl' (did you mean 'min_interval'?)", L + 1, 3},
          {"unknown key, nothing close", with_top_hints("listen: 0.0.0.0:8788\nport: 8788"),
           "unknown key 'hints.port' (expected one of: listen, delay, min_interval, public_url)", L + 1, 3},
          {"listen missing", with_top_hints("delay: 1s"),
           "hints: missing required key 'listen' (host:port, where the CRMs send their webhooks, e.g. 0.0.0.0:8788)",
           L, 3},
          {"listen missing from a flow block", "database: x\nhints: { delay: 1s }\n",
           "hints: missing required key 'listen'", 2, 8},
          {"listen without a port", with_top_hints("listen: 0.0.0.0"),
           "hints.listen: '0.0.0.0' is not a listen address: the port is missing (expected host:port, e.g. "
           "127.0.0.1:8787)", L, 11},
          {"listen port out of range", with_top_hints("listen: '0.0.0.0:65536'"),
           "hints.listen: '0.0.0.0:65536' is not a listen address: the port must be a number from 1 to 65535", L, 11},
          {"listen IPv6 without brackets", with_top_hints("listen: '::1:8788'"),
           "hints.listen: '::1:8788' is not a listen address: an IPv6 address must be written in brackets", L, 11},
          {"listen empty", with_top_hints("listen: ''"), "hints.listen: must not be empty", L, 11},
          {"listen a list", with_top_hints("listen: [a]"), "hints.listen: expected a string, got a list", L, 11},
          {"listen is api.listen's default", with_top_hints("listen: 127.0.0.1:8787"),
           "hints.listen: '127.0.0.1:8787' is also the read API's address (api.listen, 127.0.0.1:8787 when not set): "
           "the hints listener needs an address of its own", L, 11},
          {"listen is api.listen", "database: x\napi: { listen: '0.0.0.0:9000' }\nhints:\n  listen: 0.0.0.0:9000\n",
           "hints.listen: '0.0.0.0:9000' is also the read API's address", 4, 11},
          {"listen from ${ENV} is quoted as written", with_top_hints("listen: '${HINTS_LISTEN}'"),
           "hints.listen: '${HINTS_LISTEN}' is not a listen address: the port is missing", L, 11},
          {"delay not a duration", with_top_hints("listen: 0.0.0.0:8788\ndelay: soon"),
           "hints.delay: 'soon' is not a duration (use e.g. 30s, 5m, 2h, 1d)", L + 1, 10},
          {"delay negative", with_top_hints("listen: 0.0.0.0:8788\ndelay: -1s"),
           "hints.delay: '-1s' is not a duration", L + 1, 10},
          {"min_interval not a duration", with_top_hints("listen: 0.0.0.0:8788\nmin_interval: 10"),
           "hints.min_interval: '10' is not a duration", L + 1, 17},
          {"public_url scheme", with_top_hints("listen: 0.0.0.0:8788\npublic_url: 'ftp://hooks.example'"),
           "hints.public_url: 'ftp://hooks.example' is not a valid URL: a URL must start with http:// or https://",
           L + 1, 15},
          {"public_url without a host", with_top_hints("listen: 0.0.0.0:8788\npublic_url: 'https:///hooks'"),
           "hints.public_url: 'https:///hooks' is not a valid URL: the URL has no host", L + 1, 15},
          {"public_url with a query", with_top_hints("listen: 0.0.0.0:8788\npublic_url: 'https://h/x?a=1'"),
           "hints.public_url: 'https://h/x?a=1' is not a valid URL: it may not have a query ('?') or a fragment "
           "('#'): the request's path is appended to it",
           L + 1, 15},
          {"public_url with a fragment", with_top_hints("listen: 0.0.0.0:8788\npublic_url: 'https://h#x'"),
           "hints.public_url: 'https://h#x' is not a valid URL: it may not have a query", L + 1, 15},
          {"public_url empty", with_top_hints("listen: 0.0.0.0:8788\npublic_url: ''"),
           "hints.public_url: must not be empty", L + 1, 15},
          {"a source's block without hints.listen, when the top-level block lacks it",
           "database: x\nhints: { delay: 1s }\nsources:\n  - name: crm\n    hints: { type: zoho, token: t }\n",
           "hints: this source takes hints, but the file has no hints.listen", 5, 5},
      },
      {{"HINTS_LISTEN", "not-an-address"}});
}

TEST_CASE("hints config: errors in a source's block, at their line and column") {
  const Credentials creds;
  const int L = kFirstSourceLine;
  const auto source = [](const std::string& block) { return with_source_keys("hints: " + block); };
  check_error_cases(
      {
          {"no listener in the file", with_source_keys("hints: { type: zoho, token: t }", /*listener=*/false),
           "hints: this source takes hints, but the file has no hints.listen (the listener CRMs send them to)", L,
           5},
          {"no listener, block style", with_source_keys("hints:\n  type: zoho\n  token: t", /*listener=*/false),
           "hints: this source takes hints, but the file has no hints.listen", L, 5},
          {"a typo of hints", with_source_keys("hint: { type: zoho, token: t }"),
           "unknown key 'hint' (did you mean 'hints'?)", L, 5},
          {"not a mapping", source("hubspot"),
           "hints: expected a mapping such as { type: hubspot, secret_file: ... }, got a string", L, 12},
          {"type missing", source("{ secret: s }"),
           "hints: missing required key 'type' (hubspot, basic, hmac, header, zoho or query)", L, 12},
          {"an empty block", source("{}"), "hints: missing required key 'type'", L, 12},
          {"type unknown", source("{ type: hubspt, secret: s }"),
           "hints.type: 'hubspt' is not one of hubspot, basic, hmac, header, zoho, query (did you mean 'hubspot'?)", L, 20},
          {"unknown key", source("{ type: hubspot, secert: s }"),
           "unknown key 'hints.secert' (did you mean 'secret'?)", L, 29},
          {"unknown key without a type", source("{ secert: s }"),
           "unknown key 'hints.secert' (did you mean 'secret'?)", L, 14},
          {"hubspot: secret missing", source("{ type: hubspot }"),
           "hints: missing required key 'secret' (or 'secret_file') for auth type hubspot", L, 12},
          {"hubspot: secret and secret_file", source("{ type: hubspot, secret: s, secret_file: hubspot-client-secret }"),
           "hints: give either 'secret' or 'secret_file', not both", L, 40},
          {"hubspot: secret empty", source("{ type: hubspot, secret: '' }"), "hints.secret: must not be empty", L, 37},
          {"hubspot: secret file missing", source("{ type: hubspot, secret_file: nope }"),
           "hints.secret_file: cannot read " + creds.path("nope") + ": No such file or directory", L, 42},
          {"hubspot: secret file empty", source("{ type: hubspot, secret_file: empty }"),
           "hints.secret_file: " + creds.path("empty") + " is empty", L, 42},
          {"hubspot: a key of another type", source("{ type: hubspot, secret: s, username: u }"),
           "hints.username: not used by auth type 'hubspot' (it takes: secret)", L, 40},
          {"basic: username missing", source("{ type: basic, password: p }"),
           "hints: missing required key 'username' for auth type basic", L, 12},
          {"basic: username empty", source("{ type: basic, username: '', password: p }"),
           "hints.username: must not be empty", L, 37},
          {"basic: password missing", source("{ type: basic, username: u }"),
           "hints: missing required key 'password' (or 'password_file') for auth type basic", L, 12},
          {"basic: password file missing", source("{ type: basic, username: u, password_file: nope }"),
           "hints.password_file: cannot read " + creds.path("nope"), L, 55},
          {"basic: a key of another type", source("{ type: basic, username: u, password: p, header: X }"),
           "hints.header: not used by auth type 'basic' (it takes: username, password)", L, 53},
          {"hmac: header missing", source("{ type: hmac, secret: s }"),
           "hints: missing required key 'header' for auth type hmac", L, 12},
          {"hmac: header not a header name", source("{ type: hmac, header: 'X Signature', secret: s }"),
           "hints.header: 'X Signature' is not a valid header name: use only letters, digits and "
           "!#$%&'*+-.^_`|~",
           L, 34},
          {"hmac: header with a colon", source("{ type: hmac, header: 'X-Sig:', secret: s }"),
           "hints.header: 'X-Sig:' is not a valid header name", L, 34},
          {"hmac: header empty", source("{ type: hmac, header: '', secret: s }"), "hints.header: must not be empty",
           L, 34},
          {"hmac: secret missing", source("{ type: hmac, header: X-Sig }"),
           "hints: missing required key 'secret' (or 'secret_file') for auth type hmac", L, 12},
          {"hmac: encoding unknown", source("{ type: hmac, header: X-Sig, secret: s, encoding: b64 }"),
           "hints.encoding: 'b64' is not one of hex, base64", L, 62},
          {"hmac: prefix a list", source("{ type: hmac, header: X-Sig, secret: s, prefix: [a] }"),
           "hints.prefix: expected a string, got a list", L, 60},
          {"header: header missing", source("{ type: header, value: v }"),
           "hints: missing required key 'header' for auth type header", L, 12},
          {"header: header not a header name", source("{ type: header, header: 'x crm key', value: v }"),
           "hints.header: 'x crm key' is not a valid header name", L, 36},
          {"header: value missing", source("{ type: header, header: x-crm-key }"),
           "hints: missing required key 'value' (or 'value_file') for auth type header", L, 12},
          {"header: a key of another type", source("{ type: header, header: x-crm-key, value: v, prefix: p }"),
           "hints.prefix: not used by auth type 'header' (it takes: header, value)", L, 57},
          {"zoho: token missing", source("{ type: zoho }"),
           "hints: missing required key 'token' (or 'token_file') for auth type zoho", L, 12},
          {"zoho: token file missing", source("{ type: zoho, token_file: /nonexistent/zoho }"),
           "hints.token_file: cannot read /nonexistent/zoho: No such file or directory", L, 38},
          {"zoho: a key of another type", source("{ type: zoho, token: t, secret: s }"),
           "hints.secret: not used by auth type 'zoho' (it takes: token)", L, 36},
      },
      creds.vars());
}

TEST_CASE("hints config: no secret in any error message") {
  const std::string secret = "s3cr3t-VALUE-42";
  TempDir dir;
  dir.write("plain", secret + "\n");
  const Vars vars = {{"CREDENTIALS_DIRECTORY", dir.path().string()}, {"TOKEN", secret}};
  const auto source = [](const std::string& block, bool listener = true) {
    return with_source_keys("hints: " + block, listener);
  };
  const std::vector<std::string> bad_configs = {
      // a secret where the block should be, or beside another mistake in the block
      source(secret),
      source("'${TOKEN}'"),
      source("{ type: hubspot, secret: " + secret + ", secret_file: plain }"),
      source("{ type: hubspot, secret: '${TOKEN}', secret_file: plain }"),
      source("{ type: hubspot, secret: [" + secret + "] }"),
      source("{ type: hubspot, secert: " + secret + " }"),
      source("{ type: hubspot, secret_file: plain, token: " + secret + " }"),
      source("{ type: basic, password: " + secret + " }"),
      source("{ type: basic, username: '', password: '${TOKEN}' }"),
      source("{ type: hmac, header: 'X Sig', secret: " + secret + ", encoding: b64 }"),
      source("{ type: header, header: '${TOKEN} x', value: " + secret + " }"),
      source("{ type: header, header: '${TOKEN}:', value_file: plain }"),
      source("{ type: zoho, token: " + secret + " }", /*listener=*/false),
      source("{ type: zoho, tokn: " + secret + " }"),
      source("{ tpye: zoho, token: " + secret + " }"),
      source("{ type: '${TOKEN}', token: " + secret + " }"),
      // a secret in the top-level block
      with_top_hints("listen: '${TOKEN}'"),
      with_top_hints("listen: 0.0.0.0:8788\npublic_url: 'https://u:" + secret + "@h/?x'"),
      with_top_hints("listen: 0.0.0.0:8788\npublic_url: 'https://${TOKEN}@h#x'"),
      with_top_hints("listen: 0.0.0.0:8788\ndelay: '${TOKEN}'"),
      "database: x\nhints: '${TOKEN}'\n",
  };
  check_secrets_never_shown(bad_configs, vars, {secret, base64(secret)});
}
