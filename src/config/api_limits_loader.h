// The api: keys that bound what the read API grants its clients (ApiLimits:
// max_connections, max_connections_per_client, max_long_polls, header_timeout,
// idle_timeout). Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_fields.h"

namespace crm {

const std::vector<std::string>& api_limits_keys();

// Overrides the fields of `limits` that the api: mapping sets; reports bad values (and
// limits that contradict each other) and leaves those fields as they were.
void read_api_limits(const Mapping& api, ApiLimits& limits, LoadContext& ctx);

}  // namespace crm
