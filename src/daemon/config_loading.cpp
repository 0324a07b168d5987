#include "daemon/config_loading.h"

#include <cstdio>

#include "connectors/connector_config.h"

namespace crm {

std::optional<Config> load_config_or_report(const std::string& path) {
  LoadedConfig loaded = load_config(path);
  if (!loaded.errors.empty() || !loaded.config) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.format().c_str());
    if (loaded.errors.empty()) std::fprintf(stderr, "%s: cannot load the configuration\n", path.c_str());
    return std::nullopt;
  }
  return std::move(loaded.config);
}

}  // namespace crm
