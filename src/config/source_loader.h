// One block of `sources:`: the common keys (name, type, base_url, auth, ...), the
// settings on top of `defaults:`, the keys of the source's connector type, and then
// that type's own validate() from the table the caller handed in (LoadContext::types).
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/load_context.h"
#include "config/yaml_fields.h"

namespace crm {

// The keys every source block may have, whatever its type (settings keys aside).
const std::vector<std::string>& common_source_keys();

constexpr size_t kMaxNameLength = 63;

// [a-z0-9-], 1 to kMaxNameLength characters: a source's name, and a webhook output's
// (both appear in metric labels, URLs and the change feed).
bool is_valid_name(std::string_view name);

// Names already used → the line (1-based) where each was first defined.
using SourceNames = std::map<std::string, int>;

// Reads sources[index]; nullopt when the block is not a mapping at all. The result is
// only meaningful when no error was added. `hints_listen`: the file has hints.listen
// (read_hints), without which an enabled source's `hints:` block is an error.
std::optional<SourceConfig> read_source(const YAML::Node& node, size_t index,
                                        const SourceSettings& defaults, bool hints_listen,
                                        SourceNames& names, LoadContext& ctx);

// A list item naming a source of `config` (read before); nullopt after "'x' is not a
// configured source" with a did-you-mean.
std::optional<std::string> read_configured_source_name(const Field& item, const Config& config, LoadContext& ctx);

}  // namespace crm
