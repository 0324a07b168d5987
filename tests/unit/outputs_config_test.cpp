// The outputs: block (platform.md "Events out"): a full block into OutputsConfig, the
// defaults, the NATS auth types, every error at its file:line:col, no secret in any
// message; and the Standard Webhooks secret decoding (webhook_secret.h).
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/webhook_secret.h"
#include "core/text_codec.h"
#include "tests/unit/config_test_support.h"

using namespace crm;
using namespace crm::config_test;
using namespace std::chrono_literals;

namespace {

// Lines 1-8: a valid config with the source "hubspot" and "outputs:"; the lines handed
// in start on line 9, indented under outputs:.
constexpr int kFirstOutputsLine = 9;

std::string indented(const std::string& lines) {
  std::string out;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) out += "  " + line + "\n";
  return out;
}

std::string with_outputs(const std::string& lines) {
  return
      "database: x\n"
      "sources:\n"
      "  - name: hubspot\n"
      "    type: rest\n"
      "    base_url: http://127.0.0.1:8080\n"
      "    list: { path: /c, items: /d, pagination: { style: link_header } }\n"
      "    fields: { external_id: /id }\n"
      "outputs:\n" +
      indented(lines);
}

// A webhook block whose keys are valid but for `extra`, which replaces or adds keys.
std::string webhook(const std::string& extra = "") {
  return "webhooks:\n"
         "  - name: flows\n"
         "    url: https://flows.internal/hooks/crm\n"
         "    secret_file: flows-secret\n" +
         (extra.empty() ? "" : "    " + extra + "\n");
}

// The secret files the cases below name, in a folder handed in as $CREDENTIALS_DIRECTORY.
struct Credentials {
  TempDir dir;
  std::string key = std::string("\xfb\xff\x00\x01 key", 8);  // '+' and '/' in its base64
  Credentials() {
    dir.write("flows-secret", "whsec_" + base64(key) + "\n");
    dir.write("nats-token", "nats-token-1\n");
    dir.write("nats-password", "nats-password-1\n");
    dir.write("nats.creds", "-----BEGIN NATS USER JWT-----\n...\n");
    dir.write("no-prefix", base64(key) + "\n");
    dir.write("not-base64", "whsec_" + base64(key) + "!\n");
    dir.write("unpadded", "whsec_" + base64("ab").substr(0, 3) + "\n");
    dir.write("empty-key", "whsec_\n");
  }
  Vars vars() const { return {{"CREDENTIALS_DIRECTORY", dir.path().string()}}; }
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
};

}  // namespace

TEST_CASE("outputs config: a full block is read into OutputsConfig, secrets resolved") {
  const Credentials creds;
  const std::string source =
      "type: rest, base_url: 'http://h', list: { path: /c, items: /d, pagination: { style: link_header } }, "
      "fields: { external_id: /id } }\n";
  const Config config = require_config(
      load("database: x\n"
           "sources:\n"
           "  - { name: hubspot, " + source +
               "  - { name: legacy, " + source +
               "outputs:\n"
               "  nats:\n"
               "    servers: [nats://127.0.0.1:4222, 'tls://[::1]', nats://nats-2.internal.example]\n"  // 7
               "    auth: { type: token, token_file: nats-token }\n"
               "    stream: CRM_INDEX_TEST\n"
               "    subject_prefix: acme.crm-index_1\n"
               "    replicas: 3\n"
               "    max_age: 2d\n"
               "  webhooks:\n"
               "    - name: flows\n"  // 14
               "      url: https://flows.internal/hooks/crm\n"
               "      secret_file: flows-secret\n"
               "      sources: [hubspot, legacy]\n"
               "      ops: [create, update, delete]\n"
               "      timeout: 5s\n"
               "      max_attempts: 3\n"
               "    - { name: audit-2, url: 'http://127.0.0.1:9000/in', secret_file: flows-secret }\n",  // 21
           creds.vars()));

  OutputsConfig expected;
  NatsOutputConfig& nats = expected.nats.emplace();
  nats.servers = {"nats://127.0.0.1:4222", "tls://[::1]", "nats://nats-2.internal.example"};
  nats.auth.type = "token";
  nats.auth.token = Secret("nats-token-1");
  nats.stream = "CRM_INDEX_TEST";
  nats.subject_prefix = "acme.crm-index_1";
  nats.replicas = 3;
  nats.max_age = 48h;
  WebhookConfig flows;
  flows.name = "flows";
  flows.url = "https://flows.internal/hooks/crm";
  flows.key = Secret(creds.key);  // the decoded bytes, not the whsec_ text
  flows.sources = {"hubspot", "legacy"};
  flows.ops = {"create", "update", "delete"};
  flows.timeout = 5s;
  flows.max_attempts = 3;
  WebhookConfig audit;  // the defaults: every source, every op, 10s, 10 attempts
  audit.name = "audit-2";
  audit.url = "http://127.0.0.1:9000/in";
  audit.key = Secret(creds.key);
  expected.webhooks = {flows, audit};
  CHECK(config.outputs == expected);

  REQUIRE(config.outputs.nats.has_value());
  CHECK(config.outputs.nats->position.file == "/etc/crm-index/test.yaml");
  CHECK(config.outputs.nats->position.line == 7);
  CHECK(config.outputs.nats->position.column == 5);
  REQUIRE(config.outputs.webhooks.size() == 2);
  CHECK(config.outputs.webhooks[0].position.line == 14);
  CHECK(config.outputs.webhooks[0].position.column == 7);
  CHECK(config.outputs.webhooks[1].position.line == 21);
  CHECK(config.outputs.webhooks[0].key.reveal().size() == 8);
  CHECK(config.secret_files ==
        std::vector<std::string>{creds.path("nats-token"), creds.path("flows-secret"), creds.path("flows-secret")});
  CHECK_FALSE(config.holds_inline_secrets);
}

TEST_CASE("outputs config: absent, empty, and the defaults of a nats block") {
  CHECK(require_config(load(with_outputs(""))).outputs.empty());
  CHECK(require_config(load(with_outputs("nats:\nwebhooks: []"))).outputs.empty());
  const Config config = require_config(load(with_outputs("nats: { servers: 'nats://127.0.0.1' }")));
  REQUIRE(config.outputs.nats.has_value());
  const NatsOutputConfig& nats = *config.outputs.nats;
  CHECK(nats.servers == std::vector<std::string>{"nats://127.0.0.1"});  // one string: one server
  CHECK(nats.auth.type == "none");
  CHECK(nats.stream == "CRM_INDEX");
  CHECK(nats.subject_prefix == "crm-index");
  CHECK(nats.replicas == 1);
  CHECK(nats.max_age == 7 * 24h);
  CHECK(config.outputs.webhooks.empty());
}

TEST_CASE("outputs config: the NATS auth types") {
  const Credentials creds;
  auto auth_of = [&](const std::string& auth, const Vars& extra = {}) {
    Vars vars = creds.vars();
    vars.insert(extra.begin(), extra.end());
    return require_config(load(with_outputs("nats:\n  servers: [nats://h:4222]\n  auth: " + auth), vars));
  };
  CHECK(auth_of("{ type: none }").outputs.nats->auth.type == "none");
  CHECK(auth_of("{}").outputs.nats->auth.type == "none");

  const Config token = auth_of("{ type: token, token: '${NATS_TOKEN}' }", {{"NATS_TOKEN", "t-env"}});
  CHECK(token.outputs.nats->auth.token.reveal() == "t-env");
  CHECK_FALSE(token.holds_inline_secrets);
  CHECK(auth_of("{ type: token, token: t-inline }").holds_inline_secrets);

  const Config user = auth_of("{ type: user, user: crm, password_file: nats-password }");
  CHECK(user.outputs.nats->auth.type == "user");
  CHECK(user.outputs.nats->auth.user == "crm");
  CHECK(user.outputs.nats->auth.password.reveal() == "nats-password-1");
  CHECK(user.secret_files == std::vector<std::string>{creds.path("nats-password")});

  const Config with_creds = auth_of("{ type: creds, creds_file: nats.creds }");
  CHECK(with_creds.outputs.nats->auth.type == "creds");
  CHECK(with_creds.outputs.nats->auth.creds_file == creds.path("nats.creds"));  // resolved, not read into the config
  CHECK(with_creds.secret_files == std::vector<std::string>{creds.path("nats.creds")});
}

TEST_CASE("outputs config: errors in the nats block, at their line and column") {
  const Credentials creds;
  const int L = kFirstOutputsLine;
  auto nats = [](const std::string& keys) { return with_outputs("nats:\n  servers: [nats://h:4222]\n" + keys); };
  check_error_cases(
      {
          {"outputs not a mapping", "database: x\noutputs: [nats]\n",
           "outputs: expected a mapping with nats and webhooks, got a list", 2, 10},
          {"unknown outputs key", with_outputs("webhook: []"),
           "unknown key 'outputs.webhook' (did you mean 'webhooks'?)", L, 3},
          {"nats not a mapping", with_outputs("nats: nats://h:4222"), "outputs.nats: expected a mapping", L, 9},
          {"unknown nats key", nats("  stram: X"),
           "unknown key 'outputs.nats.stram' (did you mean 'stream'?)", L + 2, 5},
          {"servers missing", with_outputs("nats:\n  stream: X"),
           "outputs.nats: missing required key 'servers'", L + 1, 5},
          {"servers empty", with_outputs("nats: { servers: [] }"), "outputs.nats.servers: the list is empty", L, 20},
          {"servers a mapping", with_outputs("nats: { servers: { a: b } }"),
           "outputs.nats.servers: expected a list of strings, got a mapping", L, 20},
          {"server scheme, named by its entry", with_outputs("nats:\n  servers: [nats://a:4222, http://b:4222]"),
           "outputs.nats.servers[1]: 'http://b:4222' is not a NATS server address: a NATS server address must start "
           "with nats:// or tls://", L + 1, 30},
          {"one server without a host", with_outputs("nats: { servers: 'tls://' }"),
           "outputs.nats.servers: 'tls://' is not a NATS server address: the address has no host", L, 20},
          {"server port", with_outputs("nats: { servers: ['nats://h:99999'] }"),
           "outputs.nats.servers[0]: 'nats://h:99999' is not a NATS server address: the port must be a number from 1 "
           "to 65535", L, 21},
          {"server with a path", with_outputs("nats: { servers: ['nats://h:4222/x'] }"),
           "a NATS server address has no path", L, 21},
          {"server with credentials", with_outputs("nats: { servers: ['nats://u:p@h:4222'] }"),
           "outputs.nats.servers[0]: 'nats://***@h:4222' is not a NATS server address: credentials belong in "
           "outputs.nats.auth", L, 21},
          {"server empty", with_outputs("nats: { servers: [''] }"),
           "outputs.nats.servers[0]: must not be empty", L, 21},
          {"auth not a mapping", nats("  auth: token"),
           "outputs.nats.auth: expected a mapping such as { type: token, token_file: ... }, got a string", L + 2, 11},
          {"auth without type", nats("  auth: { token: t }"),
           "outputs.nats.auth: missing required key 'type' (none, token, user or creds)", L + 2, 11},
          {"auth type unknown", nats("  auth: { type: tokn, token: t }"),
           "outputs.nats.auth.type: 'tokn' is not one of none, token, user, creds (did you mean 'token'?)", L + 2, 19},
          {"token missing", nats("  auth: { type: token }"),
           "outputs.nats.auth: missing required key 'token' (or 'token_file') for auth type token", L + 2, 11},
          {"token and token_file", nats("  auth: { type: token, token: t, token_file: nats-token }"),
           "outputs.nats.auth: give either 'token' or 'token_file', not both", L + 2, 36},
          {"token file missing", nats("  auth: { type: token, token_file: /nonexistent/nats-token }"),
           "outputs.nats.auth.token_file: cannot read /nonexistent/nats-token: No such file or directory", L + 2, 38},
          {"user missing", nats("  auth: { type: user, password: p }"),
           "outputs.nats.auth: missing required key 'user' for auth type user", L + 2, 11},
          {"password missing", nats("  auth: { type: user, user: u }"),
           "outputs.nats.auth: missing required key 'password' (or 'password_file') for auth type user", L + 2, 11},
          {"creds_file missing", nats("  auth: { type: creds }"),
           "outputs.nats.auth: missing required key 'creds_file' for auth type creds", L + 2, 11},
          {"creds_file unreadable", nats("  auth: { type: creds, creds_file: missing.creds }"),
           "outputs.nats.auth.creds_file: cannot read " + creds.path("missing.creds") +
               ": No such file or directory", L + 2, 38},
          {"a key of another auth type", nats("  auth: { type: token, token: t, user: u }"),
           "outputs.nats.auth.user: not used by auth type 'token' (it takes: token)", L + 2, 36},
          {"a key with auth type none", nats("  auth: { type: none, token: t }"),
           "outputs.nats.auth.token: not used by auth type 'none' (it takes no other keys)", L + 2, 25},
          {"unknown auth key", nats("  auth: { type: user, user: u, pasword: p }"),
           "unknown key 'outputs.nats.auth.pasword' (did you mean 'password'?)", L + 2, 34},
          {"stream with a dot", nats("  stream: CRM.INDEX"),
           "outputs.nats.stream: 'CRM.INDEX' is not a valid stream name: it may not contain '.', '*', '>', '/' or "
           "'\\'", L + 2, 13},
          {"stream with a wildcard", nats("  stream: 'CRM>'"),
           "it may not contain '.', '*', '>', '/' or '\\'", L + 2, 13},
          {"stream with a space", nats("  stream: CRM INDEX"),
           "outputs.nats.stream: 'CRM INDEX' is not a valid stream name: it may not contain spaces or control "
           "characters", L + 2, 13},
          {"stream with a tab", nats("  stream: \"CRM\\tINDEX\""),
           "it may not contain spaces or control characters", L + 2, 13},
          {"stream too long", nats("  stream: " + std::string(256, 'S')),
           "is not a valid stream name: it is longer than 255 characters", L + 2, 13},
          {"stream empty", nats("  stream: ''"), "outputs.nats.stream: must not be empty", L + 2, 13},
          {"subject prefix wildcard", nats("  subject_prefix: 'crm.*'"),
           "outputs.nats.subject_prefix: 'crm.*' is not a valid subject prefix: tokens may hold only letters, "
           "digits, '_' and '-'", L + 2, 21},
          {"subject prefix tail wildcard", nats("  subject_prefix: 'crm.>'"),
           "tokens may hold only letters", L + 2, 21},
          {"subject prefix empty token", nats("  subject_prefix: crm..index"),
           "outputs.nats.subject_prefix: 'crm..index' is not a valid subject prefix: a token between "
           "'.' is empty", L + 2, 21},
          {"subject prefix leading dot", nats("  subject_prefix: .crm"), "a token between '.' is empty", L + 2, 21},
          {"subject prefix space", nats("  subject_prefix: crm index"), "tokens may hold only letters", L + 2, 21},
          {"replicas 0", nats("  replicas: 0"), "outputs.nats.replicas: 0 is out of range (1..5)", L + 2, 15},
          {"replicas 6", nats("  replicas: 6"), "outputs.nats.replicas: 6 is out of range (1..5)", L + 2, 15},
          {"replicas a word", nats("  replicas: three"),
           "outputs.nats.replicas: expected an integer, got 'three'", L + 2, 15},
          {"max_age below 1s", nats("  max_age: 500ms"), "outputs.nats.max_age: must be at least 1s", L + 2, 14},
          {"max_age not a duration", nats("  max_age: forever"),
           "outputs.nats.max_age: 'forever' is not a duration", L + 2, 14},
      },
      creds.vars());
}

TEST_CASE("outputs config: errors in webhooks, at their line and column") {
  const Credentials creds;
  const int L = kFirstOutputsLine;
  const int K = L + 4;  // the line of webhook()'s extra key
  check_error_cases(
      {
          {"webhooks not a list", with_outputs("webhooks: { name: a }"),
           "outputs.webhooks: expected a list of webhook blocks (- name: ...), got a mapping", L, 13},
          {"webhook not a mapping", with_outputs("webhooks: [flows]"),
           "outputs.webhooks[0]: expected a mapping with name, url and secret_file, got a string", L, 14},
          {"unknown key", with_outputs(webhook("secret_flie: x")),
           "unknown key 'outputs.webhooks[0].secret_flie' (did you mean 'secret_file'?)", K, 7},
          {"name missing", with_outputs("webhooks:\n  - { url: 'http://h', secret_file: flows-secret }"),
           "outputs.webhooks[0]: missing required key 'name'", L + 1, 7},
          {"url missing", with_outputs("webhooks:\n  - { name: a, secret_file: flows-secret }"),
           "outputs.webhooks[0]: missing required key 'url'", L + 1, 7},
          {"secret_file missing", with_outputs("webhooks:\n  - { name: a, url: 'http://h' }"),
           "outputs.webhooks[0]: missing required key 'secret_file'", L + 1, 7},
          {"bad name", with_outputs("webhooks:\n  - { name: Flows, url: 'http://h', secret_file: flows-secret }"),
           "outputs.webhooks[0].name: 'Flows' is not a valid output name (use 1 to 63 characters from a-z, 0-9 and "
           "'-')", L + 1, 15},
          {"the name nats", with_outputs("webhooks:\n  - { name: nats, url: 'http://h', secret_file: flows-secret }"),
           "outputs.webhooks[0].name: 'nats' is the name of the NATS output (outputs.nats): choose another", L + 1, 15},
          {"duplicate name",
           with_outputs(webhook() + "  - { name: flows, url: 'http://h', secret_file: flows-secret }"),
           "outputs.webhooks[1].name: 'flows' is already the name of another webhook (first defined at "
           "line 10)", K, 15},
          {"url scheme", with_outputs("webhooks:\n  - { name: a, url: 'ftp://h', secret_file: flows-secret }"),
           "outputs.webhooks[0].url: 'ftp://h' is not a valid URL: a URL must start with http:// or "
           "https://", L + 1, 23},
          {"url without host", with_outputs("webhooks:\n  - { name: a, url: 'https://', secret_file: flows-secret }"),
           "outputs.webhooks[0].url: 'https://' is not a valid URL: the URL has no host", L + 1, 23},
          {"url credentials redacted",
           with_outputs("webhooks:\n  - { name: a, url: 'https://u:p@h h', secret_file: flows-secret }"),
           "outputs.webhooks[0].url: 'https://***@h h' is not a valid URL", L + 1, 23},
          {"secret file unreadable", with_outputs("webhooks:\n  - { name: a, url: 'http://h', secret_file: nope }"),
           "outputs.webhooks[0].secret_file: cannot read " + creds.path("nope") +
               ": No such file or directory", L + 1, 48},
          {"secret without whsec_", with_outputs("webhooks:\n  - { name: a, url: 'http://h', secret_file: no-prefix }"),
           "outputs.webhooks[0].secret_file: " + creds.path("no-prefix") +
               ": the secret does not start with 'whsec_'", L + 1, 48},
          {"secret not base64", with_outputs("webhooks:\n  - { name: a, url: 'http://h', secret_file: not-base64 }"),
           "outputs.webhooks[0].secret_file: " + creds.path("not-base64") +
               ": the text after 'whsec_' is not standard base64 with '=' padding", L + 1, 48},
          {"secret without its padding",
           with_outputs("webhooks:\n  - { name: a, url: 'http://h', secret_file: unpadded }"),
           "is not standard base64 with '=' padding", L + 1, 48},
          {"secret with an empty key",
           with_outputs("webhooks:\n  - { name: a, url: 'http://h', secret_file: empty-key }"),
           "outputs.webhooks[0].secret_file: " + creds.path("empty-key") +
               ": the key after 'whsec_' is empty", L + 1, 48},
          {"sources not a list", with_outputs(webhook("sources: hubspot")),
           "outputs.webhooks[0].sources: expected a list of strings, got 'hubspot'", K, 16},
          {"unknown source", with_outputs(webhook("sources: [hubspot, hubspt]")),
           "outputs.webhooks[0].sources[1]: 'hubspt' is not a configured source (did you mean 'hubspot'?)", K, 26},
          {"no sources at all", "database: x\noutputs:\n" + indented(webhook("sources: [a]")),
           "outputs.webhooks[0].sources[0]: 'a' is not a configured source (there are no sources)", 7, 17},
          {"unknown op", with_outputs(webhook("ops: [create, craete]")),
           "outputs.webhooks[0].ops[1]: 'craete' is not one of create, update, delete, link, unlink, mark_deleted (did you mean "
           "'create'?)", K, 21},
          {"ops not a list", with_outputs(webhook("ops: create")),
           "outputs.webhooks[0].ops: expected a list of strings, got 'create'", K, 12},
          {"timeout below 1s", with_outputs(webhook("timeout: 500ms")),
           "outputs.webhooks[0].timeout: must be at least 1s", K, 16},
          {"timeout not a duration", with_outputs(webhook("timeout: soon")),
           "outputs.webhooks[0].timeout: 'soon' is not a duration", K, 16},
          {"max_attempts 0", with_outputs(webhook("max_attempts: 0")),
           "outputs.webhooks[0].max_attempts: 0 is out of range (1..1000)", K, 21},
          {"max_attempts 1001", with_outputs(webhook("max_attempts: 1001")),
           "outputs.webhooks[0].max_attempts: 1001 is out of range (1..1000)", K, 21},
      },
      creds.vars());
}

TEST_CASE("outputs config: no secret in any error message") {
  const std::string secret = "s3cr3t-VALUE-42";
  TempDir dir;
  dir.write("plain", secret + "\n");               // no whsec_ prefix
  dir.write("bad-b64", "whsec_" + secret + "\n");  // '-' is not standard base64
  dir.write("valid", "whsec_" + base64(secret) + "\n");
  const Vars vars = {{"CREDENTIALS_DIRECTORY", dir.path().string()}, {"TOKEN", secret}};
  const std::vector<std::string> bad_configs = {
      // secrets in the NATS auth, with another mistake in the same block
      with_outputs("nats: { servers: [nats://h], auth: { type: token, token: " + secret + ", token_file: plain } }"),
      with_outputs("nats: { servers: [nats://h], auth: { type: token, token: '${TOKEN}', token_file: plain } }"),
      with_outputs("nats: { servers: [nats://h], auth: { type: user, token: " + secret + " } }"),
      with_outputs("nats: { servers: [nats://h], auth: { type: user, user: u, password: [" + secret + "] } }"),
      with_outputs("nats: { servers: [nats://h], auth: { type: user, user: u, pasword: " + secret + " } }"),
      with_outputs("nats: { servers: [nats://h], auth: { tpye: token, token: " + secret + " } }"),
      with_outputs("nats: { servers: [nats://h], auth: " + secret + " }"),
      with_outputs("nats: { servers: [nats://h], auth: { type: user, user: u, password: '${TOKEN}' }, replicas: 9 }"),
      // credentials in a server address, written and from the environment
      with_outputs("nats: { servers: ['nats://u:" + secret + "@h:4222'] }"),
      with_outputs("nats: { servers: ['nats://${TOKEN}@h'] }"),
      with_outputs("nats: { servers: ['${TOKEN}'] }"),
      // a webhook secret file that is not a webhook secret, or one that is, beside an error
      with_outputs("webhooks: [{ name: a, url: 'http://h', secret_file: plain }]"),
      with_outputs("webhooks: [{ name: a, url: 'http://h', secret_file: bad-b64 }]"),
      with_outputs("webhooks: [{ name: a, url: 'http://h', secret_file: valid, max_attempts: 0 }]"),
      with_outputs("webhooks: [{ name: A, url: 'http://u:" + secret + "@h h', secret_file: valid }]"),
      // a secret where a name or a filter is expected
      with_outputs("webhooks: [{ name: '${TOKEN}', url: 'http://h', secret_file: plain, sources: ['${TOKEN}'] }]"),
  };
  check_secrets_never_shown(bad_configs, vars, {secret, base64(secret)});
}

TEST_CASE("outputs config: decode_base64 reads standard base64 with its padding only") {
  struct Case {
    std::string text;
    std::optional<std::string> bytes;
  };
  const std::vector<Case> cases = {
      {"", std::string()},
      {"Zg==", std::string("f")},
      {"Zm8=", std::string("fo")},
      {"Zm9v", std::string("foo")},
      {"Zm9vYmFy", std::string("foobar")},
      {"+/8=", std::string("\xfb\xff")},
      {"AAE=", std::string("\x00\x01", 2)},
      {"Zg", std::nullopt},        // padding left out
      {"Zg=", std::nullopt},       // not a multiple of 4
      {"Z===", std::nullopt},      // three '='
      {"====", std::nullopt},
      {"Zg==Zg==", std::nullopt},  // '=' inside
      {"=Zg=", std::nullopt},
      {"-_8=", std::nullopt},      // the URL-safe alphabet
      {"Zm9v\n", std::nullopt},
      {"Zm 9", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(decode_base64(c.text) == c.bytes);
  }
  const std::string key = "\x01\x02\xfe\xff any bytes";
  CHECK(decode_base64(base64(key)) == key);
}

TEST_CASE("outputs config: parse_webhook_secret") {
  // The example secret of the Standard Webhooks specification: 24 bytes of key.
  const WebhookKey example = parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  CHECK(example.problem.empty());
  CHECK(example.key.size() == 24);
  CHECK(base64(example.key) == "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  CHECK(parse_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").problem.find("'whsec_'") != std::string::npos);
  CHECK(parse_webhook_secret("WHSEC_Zg==").problem.find("does not start with") != std::string::npos);
  CHECK(parse_webhook_secret("whsec_Zg").problem.find("not standard base64") != std::string::npos);
  CHECK(parse_webhook_secret("whsec_").problem == "the key after 'whsec_' is empty");
  CHECK(parse_webhook_secret("whsec_Zg==").key == "f");
}
