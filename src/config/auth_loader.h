// The `auth:` block of a source: type bearer | api_key | basic | oauth2 | odoo (absent:
// no authentication), the keys each type needs, and secrets given inline, as ${ENV} or
// as X_file. No message ever contains a secret value.
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include "config/config.h"
#include "config/yaml_fields.h"

namespace crm {

// `field` is the source's auth entry, or nullptr when the source has none.
AuthConfig read_auth(const Field* field, LoadContext& ctx);

}  // namespace crm
