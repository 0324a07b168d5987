// What the fuzz targets share: a source block loaded through the real config loader, so
// that a connector's parser runs with the options a user's config would give it.
#pragma once

#include <cstdlib>
#include <string>

#include "config/config.h"
#include "connectors/connector_config.h"

namespace crm::fuzz {

// The first source of `yaml` (a whole config file); aborts when it does not load.
inline const SourceConfig& load_source(const std::string& yaml) {
  static LoadedConfig loaded;  // each target loads one
  loaded = load_config_text(yaml, "/fuzz/config.yaml", [](const std::string&) { return std::optional<std::string>("x"); });
  if (!loaded.config || loaded.config->sources.empty()) std::abort();
  return loaded.config->sources.front();
}

}  // namespace crm::fuzz
