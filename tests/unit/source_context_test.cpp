// make_source_context: what a source's HttpClient gets from its config — the quota
// group's buckets for every bucket the connector uses (issue #14, point 9).
#include "sync/source_context.h"

#include <doctest/doctest.h>

#include <string>

#include "connectors/connector_config.h"
#include "http/sleeper.h"

using namespace crm;

namespace {

// A HubSpot source block of `portal`, in quota group `group` ("" = none).
std::string hubspot(const std::string& name, const std::string& portal, const std::string& group) {
  std::string block = "  - name: " + name + "\n    type: hubspot\n    base_url: http://127.0.0.1:9\n    portal_id: \"" +
                      portal + "\"\n    auth: { type: bearer, token: pat-" + name + " }\n";
  if (!group.empty()) block += "    quota_group: " + group + "\n";
  return block;
}

}  // namespace

TEST_CASE("source context: sources of one quota_group share the connector's search bucket too") {
  const std::string yaml = "database: index.db\nsources:\n" + hubspot("hs-sales", "42", "portal-42") +
                           hubspot("hs-support", "42", "portal-42") + hubspot("hs-other", "43", "");
  auto loaded = load_config_text(yaml, "/tmp/quota.yaml");
  REQUIRE(loaded.config);
  FakeClock clock{from_ms(1'763'630'043'000)};
  FakeSleeper sleeper{&clock};
  RateLimiters limiters(clock);
  auto a = make_source_context(loaded.config->sources[0], limiters, sleeper, clock);
  auto b = make_source_context(loaded.config->sources[1], limiters, sleeper, clock);
  auto c = make_source_context(loaded.config->sources[2], limiters, sleeper, clock);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  // The registry hands back the bucket the HubSpot connectors registered: one for the
  // group, held by the registry and both clients of the portal; the third source's own.
  auto shared = limiters.get("group:portal-42/search", 99.0);
  CHECK(shared->per_second() == 4.0);
  CHECK(shared.use_count() == 4);  // this copy, the registry's, and one per client of the group
  auto own = limiters.get("source:hs-other/search", 99.0);
  CHECK(own->per_second() == 4.0);
  CHECK(own.use_count() == 3);  // this copy, the registry's, hs-other's client
}
