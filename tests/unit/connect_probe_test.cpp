// The probes of `check --connect` (cli/connect_probe.h) against a scripted connector:
// which cursors it is asked for, that no `next` is ever followed, and the line per probe.
#include <doctest/doctest.h>

#include <deque>
#include <sstream>

#include "cli/connect_probe.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {

// Answers next_page() from a script, one entry per call; records every cursor.
class ScriptedCrm final : public Connector {
 public:
  std::deque<Result<Page>> pages;
  std::vector<Cursor> cursors;
  bool deletions_endpoint = false;
  std::vector<TimePoint> deleted_since_calls;
  Result<std::vector<Deletion>> deletions = std::vector<Deletion>{};

  Result<Page> next_page(const Cursor& cursor) override {
    cursors.push_back(cursor);
    REQUIRE_FALSE(pages.empty());
    auto page = std::move(pages.front());
    pages.pop_front();
    return page;
  }
  bool has_deleted_since() const override { return deletions_endpoint; }
  Result<std::vector<Deletion>> deleted_since(TimePoint since) override {
    deleted_since_calls.push_back(since);
    return deletions;
  }
};

Page page_of(int n, bool with_next = true) {
  Page p;
  for (int i = 0; i < n; ++i) p.records.push_back(Record{});
  if (with_next) p.next = "page-2";
  return p;
}

const TimePoint kSince = from_ms(1'796'119'200'000);  // 2026-12-01T10:00:00Z
const Redactor kNoSecrets;

// What probe_connector prints for `crm`'s script from kSince, checking what it returns.
std::string probed(ScriptedCrm& crm, const std::string& source, bool passes, const Redactor& redactor = kNoSecrets) {
  std::ostringstream out;
  CHECK(probe_connector(source, crm, ProbeStart{kSince, {}}, redactor, out) == passes);
  return out.str();
}

}  // namespace

TEST_CASE("probe_connector: one full and one incremental first page, never a next page") {
  ScriptedCrm crm;
  crm.pages = {page_of(100), page_of(3, false)};
  std::ostringstream out;
  CHECK(probe_connector("hubspot-main", crm, ProbeStart{kSince, std::string("state-1")}, kNoSecrets, out));
  CHECK(out.str() == "hubspot-main: full page: 100 records (ok)\n"
                     "hubspot-main: incremental page since 2026-12-01T10:00:00Z: 3 records (ok)\n");
  REQUIRE(crm.cursors.size() == 2);
  CHECK(crm.cursors[0].mode == SyncMode::full);
  CHECK_FALSE(crm.cursors[0].since);
  CHECK_FALSE(crm.cursors[0].page_token);
  CHECK(crm.cursors[1].mode == SyncMode::incremental);
  CHECK(crm.cursors[1].since == kSince);
  CHECK_FALSE(crm.cursors[1].page_token);
  CHECK(crm.cursors[1].state == "state-1");  // as the sync hands it over
  CHECK(crm.deleted_since_calls.empty());
}

TEST_CASE("probe_connector: a failed incremental page fails the check, after the full one passed") {
  ScriptedCrm crm;
  crm.pages = {page_of(1), Error::config("rest: HTTP 400: Filter field date_modifed in Contact module is not found")};
  const std::string out = probed(crm, "suitecrm", false);
  CHECK(out == "suitecrm: full page: 1 record (ok)\n"
               "suitecrm: incremental page since 2026-12-01T10:00:00Z: failed: rest: HTTP 400: "
               "Filter field date_modifed in Contact module is not found\n");
}

TEST_CASE("probe_connector: a failed full page still probes the incremental one") {
  ScriptedCrm crm;
  crm.pages = {Error::auth("rest: HTTP 401: invalid or missing API key"), page_of(0, false)};
  const std::string out = probed(crm, "legacy", false);
  CHECK(crm.cursors.size() == 2);
  CHECK(out.find("legacy: full page: failed: rest: HTTP 401") == 0);
  CHECK(out.find("incremental page since 2026-12-01T10:00:00Z: 0 records (ok)") != std::string::npos);
}

TEST_CASE("probe_connector: the deleted-records endpoint is called once, with the incremental since") {
  ScriptedCrm crm;
  crm.deletions_endpoint = true;
  crm.pages = {page_of(2), page_of(2)};
  SUBCASE("ok") {
    crm.deletions = std::vector<Deletion>{Deletion{"7", {}, {}}};
    CHECK(probed(crm, "sf", true).find("sf: deletions since 2026-12-01T10:00:00Z: 1 record (ok)\n") !=
          std::string::npos);
  }
  SUBCASE("failed") {
    crm.deletions = Error::auth("salesforce: getDeleted: INSUFFICIENT_ACCESS");
    CHECK(probed(crm, "sf", false).find("sf: deletions since 2026-12-01T10:00:00Z: failed: salesforce: getDeleted") !=
          std::string::npos);
  }
  CHECK(crm.deleted_since_calls == std::vector<TimePoint>{kSince});
}

TEST_CASE("probe_connector: skipped on purpose and 'needs a full pass first' are not failures") {
  ScriptedCrm crm;
  Page refused;
  refused.needs_full_pass = "no change-tracking state for contacts yet";
  crm.pages = {Error::skipped("salesforce: 92% of the daily API quota used; quota_reserve is 10%"), refused};
  const std::string out = probed(crm, "dyn", true);
  CHECK(out == "dyn: full page: skipped: salesforce: 92% of the daily API quota used; quota_reserve is 10%\n"
               "dyn: incremental page since 2026-12-01T10:00:00Z: needs a full pass first: "
               "no change-tracking state for contacts yet (ok)\n");
}

TEST_CASE("probe_connector: records the connector could not map are counted with the first reason") {
  ScriptedCrm crm;
  Page p = page_of(4, false);
  // A CRM that copied the caller's key into a record's field: the reason quotes it.
  p.skip("record 12: updated_at 'key=k3y-secret-42' is not a timestamp");
  p.skip("record 13: updated_at /modified missing");
  crm.pages = {p, page_of(0, false)};
  Redactor redactor;
  redactor.add("k3y-secret-42");
  const std::string out = probed(crm, "legacy", true, redactor);
  CHECK(out.find("legacy: full page: 4 records, 2 skipped "
                 "(first: record 12: updated_at 'key=***' is not a timestamp) (ok)\n") == 0);
}

TEST_CASE("probe_since: the stored watermark minus the overlap, else a day ago") {
  const TimePoint now = kSince + 48h;
  CHECK(probe_since(kSince, 5min, now) == kSince - 5min);
  CHECK(probe_since(std::nullopt, 5min, now) == now - 24h);
}
