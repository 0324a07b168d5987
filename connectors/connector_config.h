// The config as every caller loads it: config/ reads and checks the common keys, and
// each source's own keys are checked by its connector type from the registry. config/
// sits below connectors/ and is handed the registry's rules (config.h SourceTypeTable).
#pragma once

#include <string>

#include "config/config.h"

namespace crm {

// The registry's types as the config loader needs them (name, own keys, validate).
const SourceTypeTable& connector_source_rules();

// Reads, validates and resolves a config file. Never throws.
LoadedConfig load_config(const std::string& path, const EnvLookup& env = process_env());
// Same from text (tests): `file` is used only in error positions and to resolve paths.
LoadedConfig load_config_text(const std::string& text, const std::string& file,
                              const EnvLookup& env = process_env());

}  // namespace crm
