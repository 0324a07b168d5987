// The `cluster:` block (platform.md "Beyond one machine"): the JetStream cluster's
// servers and auth (nats_fields.h), the process's role (poller | replica), its unique
// name and the source leases' lease_ttl. Internal to src/config/. Not thread-safe.
#pragma once

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

// `field` is the top-level cluster entry, or nullptr (standalone: no cluster block).
void read_cluster(const Field* field, Config& config, LoadContext& ctx);

}  // namespace crm
