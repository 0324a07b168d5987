// bench-fetch-floor: the fetch floor of a first sync (bench/run, bench/README.md).
//
// Pages through the fake CRM's keyset endpoint (/cursor/contacts) with the same
// HttpClient, auth and page size as the sync, and throws every page away: only the next
// cursor is picked out of the body (a string search, not a JSON parse, so that the floor
// is the transport alone). A sync can be no faster than this.
//
// Prints one line: `fetch_floor pages=P records=R bytes=B seconds=S`.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/http_client.h"
#include "http/rate_limiter.h"
#include "http/sleeper.h"

namespace {

// The value of "next_cursor" in a page body, or "" when it is null or absent.
std::string next_cursor(std::string_view body) {
  constexpr std::string_view kKey = "\"next_cursor\":";
  auto at = body.rfind(kKey);
  if (at == std::string_view::npos) return {};
  auto rest = body.substr(at + kKey.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '"') return {};
  rest.remove_prefix(1);
  return std::string(rest.substr(0, rest.find('"')));
}

// Records in a page: the fake writes one `"id":` per record, at its start.
long count_records(std::string_view body) {
  long n = 0;
  for (auto at = body.find("{\"id\":"); at != std::string_view::npos; at = body.find("{\"id\":", at + 1)) ++n;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench-fetch-floor BASE_URL PAGE_SIZE [API_KEY]\n");
    return 2;
  }
  std::string base = argv[1];
  long page_size = std::atol(argv[2]);
  crm::AuthConfig auth;
  if (argc > 3) {
    auth.type = "api_key";
    auth.name = "X-Api-Key";
    auth.value = crm::Secret(argv[3]);
  }
  crm::SystemClock clock;
  crm::RealSleeper sleeper;
  // The sync's own client, with no rate limit to speak of (the bench config says 100000/s).
  auto limiter = std::make_shared<crm::RateLimiter>(100000.0, 100000.0, clock);
  crm::HttpClient http(crm::HttpClientOptions{}, auth, limiter, sleeper, clock);

  long pages = 0, records = 0, bytes = 0;
  std::string cursor;
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    std::string url = fmt::format("{}/cursor/contacts?limit={}", base, page_size);
    if (!cursor.empty()) url += "&cursor=" + crm::url_encode(cursor);
    auto resp = http.get(url);
    if (!resp || resp->status != 200) {
      std::fprintf(stderr, "bench-fetch-floor: page %ld failed: %s\n", pages + 1,
                   resp ? fmt::format("HTTP {}", resp->status).c_str() : resp.error().message.c_str());
      return 1;
    }
    ++pages;
    bytes += static_cast<long>(resp->body.size());
    records += count_records(resp->body);
    cursor = next_cursor(resp->body);
    if (cursor.empty()) break;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fetch_floor pages=%ld records=%ld bytes=%ld seconds=%.3f\n", pages, records, bytes, seconds);
  return 0;
}
