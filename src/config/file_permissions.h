// The permission warnings of `check` and `run`: a config file that holds a secret itself
// and is readable by group or others, and a secret file (*_file, api.token_file) that is
// readable by others or writable by anyone but its owner. One line per file, naming it
// and its mode, never its content. Reads only file modes (stat); thread-safe.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace crm {

std::vector<std::string> permission_warnings(const Config& config);

}  // namespace crm
