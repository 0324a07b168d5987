// Loading the config for the daemon (start, reload) and every command: errors are
// printed as file:line:col lines.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"

namespace crm {

// nullopt after printing the errors to stderr (the command then exits 2).
std::optional<Config> load_config_or_report(const std::string& path);

}  // namespace crm
