// The config of "People act": api.write_tokens and linking.survivorship.
#include <doctest/doctest.h>

#include "config_test_support.h"

using namespace crm;
using namespace crm::config_test;

namespace {

std::string with_sources(const std::string& rest) {
  return "database: x\n" + rest +
         "sources:\n"
         "  - { name: hubspot, type: hubspot, base_url: 'http://127.0.0.1:1', auth: { type: bearer, token: t } }\n"
         "  - { name: zoho, type: hubspot, base_url: 'http://127.0.0.1:1', auth: { type: bearer, token: t } }\n";
}

}  // namespace

TEST_CASE("api.write_tokens: named tokens read from their files; survivorship by sources") {
  TempDir dir;
  const auto read = dir.write("read", "read-token\n");
  const auto alice = dir.write("alice", "alice-token\n");
  const auto bob = dir.write("bob", "bob-token");
  Config c = require_config(load(with_sources(fmt::format(
      "api:\n  token_file: {}\n  write_tokens:\n    - {{ name: alice, token_file: {} }}\n"
      "    - {{ name: bob.smith@example.com, token_file: {} }}\n"
      "linking:\n  survivorship: {{ name: [zoho, hubspot] }}\n",
      read.string(), alice.string(), bob.string()))));
  REQUIRE(c.api.write_tokens.size() == 2);
  CHECK(c.api.write_tokens[0].name == "alice");
  CHECK(c.api.write_tokens[0].token.reveal() == "alice-token");
  CHECK(c.api.write_tokens[1].name == "bob.smith@example.com");
  CHECK(c.api.write_tokens[1].token.reveal() == "bob-token");
  CHECK(c.linking.survivorship_name == std::vector<std::string>{"zoho", "hubspot"});
  CHECK(require_config(load(with_sources("linking:\n  survivorship: { name: most_recent }\n")))
            .linking.survivorship_name.empty());
}

TEST_CASE("api.write_tokens and linking.survivorship: errors at their line") {
  TempDir dir;
  const auto read = dir.write("read", "same\n").string();
  const auto one = dir.write("one", "one-token\n").string();
  check_error_cases({
      {"not a list", with_sources("api:\n  write_tokens: alice\n"), "api.write_tokens: expected a list", 3},
      {"no name", with_sources(fmt::format("api:\n  write_tokens:\n    - {{ token_file: {} }}\n", one)),
       "missing required key 'name'", 4},
      {"bad name", with_sources(fmt::format("api:\n  write_tokens:\n    - {{ name: 'a b', token_file: {} }}\n", one)),
       "api.write_tokens[0].name: 'a b' is not a name", 4},
      {"twice the name",
       with_sources(fmt::format("api:\n  write_tokens:\n    - {{ name: a, token_file: {0} }}\n"
                                "    - {{ name: a, token_file: {1} }}\n",
                                one, read)),
       "'a' is already the name of another write token (line 4)", 5},
      {"same token twice",
       with_sources(fmt::format("api:\n  write_tokens:\n    - {{ name: a, token_file: {0} }}\n"
                                "    - {{ name: b, token_file: {0} }}\n",
                                one)),
       "holds the same token as api.write_tokens[0]", 5},
      {"the read token",
       with_sources(fmt::format("api:\n  token_file: {0}\n  write_tokens:\n    - {{ name: a, token_file: {0} }}\n",
                                read)),
       "holds the read token (api.token_file)", 5},
      {"missing file", with_sources("api:\n  write_tokens:\n    - { name: a, token_file: /nonexistent/w }\n"),
       "cannot read /nonexistent/w", 4},
      {"unknown key", with_sources(fmt::format("api:\n  write_tokens:\n    - {{ name: a, tokenfile: {} }}\n", one)),
       "did you mean 'token_file'", 4},
      {"survivorship unknown source", with_sources("linking:\n  survivorship: { name: [zoho, hubspt] }\n"),
       "linking.survivorship.name[1]: 'hubspt' is not a configured source (did you mean 'hubspot'?)", 3},
      {"survivorship bad word", with_sources("linking:\n  survivorship: { name: newest }\n"),
       "is not one of most_recent", 3},
  });
}
