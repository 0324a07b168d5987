// The `outputs:` block (platform.md, "Events out"): `nats:` (JetStream servers, auth,
// stream, subject prefix) and `webhooks:` (Standard Webhooks endpoints, their signing
// keys and filters). Secret files are read and checked here, so that `check` fails on a
// wrong path or a malformed webhook secret; no message ever contains a secret.
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

// `field` is the top-level outputs entry, or nullptr. Reads into config.outputs; must run
// after the sources are read, since a webhook's `sources:` must name configured ones.
void read_outputs(const Field* field, Config& config, LoadContext& ctx);

}  // namespace crm
