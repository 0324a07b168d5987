#include "cli/check_command.h"

#include "config/config.h"
#include "config/file_permissions.h"

namespace crm {

int run_check(const std::string& config_path, std::ostream& out, std::ostream& err) {
  const LoadedConfig loaded = load_config(config_path);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) err << e.format() << '\n';
    return 2;
  }
  const Config& config = *loaded.config;
  for (const auto& warning : permission_warnings(config)) err << "warning: " << warning << '\n';
  out << "config OK: " << config_path << ": " << config.sources.size() << " source(s)\n";
  if (config.sources.empty()) out << "no sources\n";
  for (const auto& source : config.sources) out << summarize(source) << '\n';
  return 0;
}

}  // namespace crm
