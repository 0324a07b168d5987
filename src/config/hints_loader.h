// The `hints:` blocks (platform.md, "Push hints in"): the top-level listener CRMs send
// their webhooks to (listen, delay, min_interval, public_url), and a source's proof that a
// webhook came from its CRM (hubspot | basic | hmac | header | zoho, through
// credential_fields). Secret files are read here, so that `check` fails on a wrong path;
// no message ever contains a secret.
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

// `field` is the top-level hints entry, or nullptr. Reads into `out`; must run after the
// api block, whose listen address the hints listener may not share. Returns whether the
// block has a `listen` key (valid or not): without one, no source can be sent hints.
bool read_hints(const Field* field, const ApiConfig& api, HintsConfig& out, LoadContext& ctx);

// A source's `hints:` block; a null value is no block (type ""). Whether the file has a
// listener for it is the caller's check.
SourceHints read_source_hints(const Field& field, LoadContext& ctx);

}  // namespace crm
