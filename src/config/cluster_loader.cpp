#include "config/cluster_loader.h"

#include <fmt/format.h>

#include "config/nats_fields.h"
#include "config/source_loader.h"  // is_valid_name

namespace crm {
namespace {

using namespace std::chrono_literals;

// A lease is renewed every lease_ttl / 3: below this the renewals would be a load of
// their own, and a JetStream bucket's TTL is not kept to the millisecond.
constexpr Millis kMinLeaseTtl = 3s;

void read_name(const Mapping& m, ClusterConfig& out, LoadContext& ctx) {
  const Field* f = m.require("name");
  if (f == nullptr) return;
  auto name = read_string(*f, ctx);
  if (!name) return;
  if (!is_valid_name(*name)) {
    ctx.errors.add(f->at(), fmt::format("{}: '{}' is not a valid process name (use 1 to {} characters from a-z, "
                                        "0-9 and '-', unique per process, e.g. poller-a)",
                                        f->path, ctx.as_written(f->value), kMaxNameLength));
    return;
  }
  out.name = std::move(*name);
}

}  // namespace

const char* to_string(ClusterRole role) { return role == ClusterRole::poller ? "poller" : "replica"; }

void read_cluster(const Field* field, Config& config, LoadContext& ctx) {
  if (!is_block(field, "cluster", "a mapping with servers, auth, role, name and lease_ttl", ctx)) return;
  const Mapping m(field->value, "cluster.", "cluster", ctx);
  m.reject_unknown({"servers", "auth", "role", "name", "lease_ttl"});
  ClusterConfig out;
  out.position = ConfigPosition{ctx.errors.file(), field->value.Mark().line + 1, field->value.Mark().column + 1};
  read_nats_servers(m, out.servers, ctx);
  read_nats_auth(m.find("auth"), "cluster", out.auth, ctx);
  if (const Field* f = m.require("role")) {
    if (auto role = read_choice(*f, {"poller", "replica"}, ctx))
      out.role = *role == "poller" ? ClusterRole::poller : ClusterRole::replica;
  }
  read_name(m, out, ctx);
  if (const Field* f = m.find("lease_ttl")) out.lease_ttl = read_duration(*f, ctx, kMinLeaseTtl).value_or(out.lease_ttl);
  config.cluster = std::move(out);
}

}  // namespace crm
