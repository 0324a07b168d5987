#include <doctest/doctest.h>

#include "daemon/status_line.h"

using namespace crm;
using namespace std::chrono_literals;

namespace {
SourceRuntime source(const char* name) {
  SourceRuntime r;
  r.name = name;
  r.type = "rest";
  return r;
}
}  // namespace

TEST_CASE("status line: counts, failing and stale sources by name, last sync age") {
  TimePoint now = from_ms(1'800'000'000'000);
  SourceRuntime ok = source("sf");
  ok.last_success = now - 12s;
  SourceRuntime failing = source("hubspot");
  failing.consecutive_failures = 3;
  failing.stale = true;
  failing.last_success = now - 3h;
  SourceRuntime off = source("old");
  off.enabled = false;
  CHECK(status_line({ok, failing, off}, now) == "2 sources, 1 failing (hubspot), stale: hubspot, last sync 12s ago");
  CHECK(status_line({}, now) == "0 sources, no sync yet");
  ok.running = true;
  CHECK(status_line({ok}, now) == "1 source, 1 syncing, last sync 12s ago");
}
