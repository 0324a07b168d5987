// The keys every NATS block shares (outputs.nats, cluster): `servers` (one address or a
// list) and `auth` (none | token | user | creds). `block` names the block in messages
// ("outputs.nats", "cluster"). Internal to src/config/. Not thread-safe (LoadContext).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

void read_nats_servers(const Mapping& block, std::vector<std::string>& out, LoadContext& ctx);
void read_nats_auth(const Field* field, const std::string& block, NatsAuth& out, LoadContext& ctx);

}  // namespace crm
