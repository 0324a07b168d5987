// `crm-index check`: load and validate a config file without starting anything.
// Prints each error as "file:line:col: message" to `err` and returns 2 (configuration
// error), or prints "config OK: <path>: N source(s)" and one summary line per source
// to `out` and returns 0. Streams are injected for tests. Thread-compatible.
#pragma once

#include <ostream>
#include <string>

namespace crm {

int run_check(const std::string& config_path, std::ostream& out, std::ostream& err);

}  // namespace crm
