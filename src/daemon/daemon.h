// `crm-index run`: the long-running service (see README.md in this folder).
#pragma once

#include <string>

namespace crm {

// Returns the exit code: 0 after a clean stop, 1 on a runtime failure, 2 on a bad
// configuration or when another instance holds the database.
int run_daemon(const std::string& config_path);

}  // namespace crm
