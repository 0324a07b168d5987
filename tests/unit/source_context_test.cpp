// make_source_context: what a source's HttpClient gets from its config — the quota
// group's buckets for every bucket the connector uses (issue #14, point 9) — and the
// connector as the engine sees it, whose messages name the source once.
#include "sync/source_context.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

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

// The contexts of a config's sources, on fake time.
struct Contexts {
  explicit Contexts(const std::string& sources)
      : loaded(load_config_text("database: index.db\nsources:\n" + sources, "/tmp/quota.yaml")) {
    REQUIRE(loaded.config);
    for (const auto& source : loaded.config->sources) {
      auto ctx = make_source_context(source, limiters, sleeper, clock);
      REQUIRE(ctx.ok());
      all.push_back(std::move(*ctx));
    }
  }
  LoadedConfig loaded;
  FakeClock clock{from_ms(1'763'630'043'000)};
  FakeSleeper sleeper{&clock};
  RateLimiters limiters{clock};
  std::vector<std::unique_ptr<SourceContext>> all;
};

TEST_CASE("source context: sources of one quota_group share the connector's search bucket too") {
  Contexts c(hubspot("hs-sales", "42", "portal-42") + hubspot("hs-support", "42", "portal-42") +
             hubspot("hs-other", "43", ""));
  // The registry hands back the bucket the HubSpot connectors registered: one for the
  // group, held by the registry and both clients of the portal; the third source's own.
  auto shared = c.limiters.get("group:portal-42/search", 99.0);
  CHECK(shared->per_second() == 4.0);
  CHECK(shared.use_count() == 4);  // this copy, the registry's, and one per client of the group
  auto own = c.limiters.get("source:hs-other/search", 99.0);
  CHECK(own->per_second() == 4.0);
  CHECK(own.use_count() == 3);  // this copy, the registry's, hs-other's client
}

TEST_CASE("source context: the connector's errors name the source once, as users read them") {
  Contexts c(hubspot("hs-sales", "42", ""));
  Cursor cursor;
  cursor.page_token = "not-a-token";
  auto page = c.all[0]->connector->next_page(cursor);
  REQUIRE_FALSE(page);
  CHECK(page.error().kind == ErrorKind::internal);
  CHECK(page.error().message == "source 'hs-sales': unreadable page token 'not-a-token'");
}
