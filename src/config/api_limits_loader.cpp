#include "config/api_limits_loader.h"

#include <fmt/format.h>

namespace crm {
namespace {

// A file descriptor per connection: past a few thousand the process limit (systemd's
// default soft limit is 1024) is the real bound.
constexpr long long kMaxConnections = 16384;
constexpr Millis kMinTimeout = std::chrono::seconds(1);  // libmicrohttpd counts whole seconds

void read_count(const Mapping& api, const char* key, long long min, long long max, unsigned& out,
                LoadContext& ctx) {
  if (const Field* f = api.find(key))
    if (auto n = read_integer(*f, ctx, min, max)) out = static_cast<unsigned>(*n);
}

// A limit that contradicts max_connections: at `key` when the file sets it, else at
// max_connections (the file set only that one, below the other's default).
void report(const Mapping& api, const char* key, std::string message, LoadContext& ctx) {
  const Field* f = api.find(key);
  if (!f) f = api.find("max_connections");
  if (f) ctx.errors.add(f->at(), std::move(message));
}

}  // namespace

const std::vector<std::string>& api_limits_keys() {
  static const std::vector<std::string> keys = {"max_connections", "max_connections_per_client",
                                                "max_long_polls", "header_timeout", "idle_timeout"};
  return keys;
}

void read_api_limits(const Mapping& api, ApiLimits& limits, LoadContext& ctx) {
  read_count(api, "max_connections", 16, kMaxConnections, limits.max_connections, ctx);
  read_count(api, "max_connections_per_client", 0, kMaxConnections, limits.max_connections_per_client, ctx);
  read_count(api, "max_long_polls", 1, kMaxConnections, limits.max_long_polls, ctx);
  if (const Field* f = api.find("header_timeout"))
    if (auto d = read_duration(*f, ctx, kMinTimeout)) limits.header_timeout = *d;
  if (const Field* f = api.find("idle_timeout"))
    if (auto d = read_duration(*f, ctx, kMinTimeout)) limits.idle_timeout = *d;

  // Parked long-polls hold connections: well below the limit, others still get in.
  if (limits.max_long_polls > limits.max_connections / 2)
    report(api, "max_long_polls",
           fmt::format("api.max_long_polls: {} is more than half of api.max_connections ({})",
                       limits.max_long_polls, limits.max_connections),
           ctx);
  if (limits.max_connections_per_client > limits.max_connections)
    report(api, "max_connections_per_client",
           fmt::format("api.max_connections_per_client: {} is more than api.max_connections ({})",
                       limits.max_connections_per_client, limits.max_connections),
           ctx);
}

}  // namespace crm
