// The SourceSettings keys (interval, jitter, ... insecure_skip_verify), read from the
// `defaults:` block and again from each source block on top of the defaults.
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_fields.h"

namespace crm {

// The keys read_settings() understands, in the order of design.md.
const std::vector<std::string>& settings_keys();

// Overrides the fields of `settings` that `map` sets; reports bad values and leaves
// those fields as they were. Does not reject unknown keys (the caller knows which
// other keys its block allows).
void read_settings(const Mapping& map, SourceSettings& settings, LoadContext& ctx);

}  // namespace crm
