// `crm-index check`: load and validate a config file without starting anything.
// Prints each error as "file:line:col: message" to `err` and returns 2 (configuration
// error), or prints "config OK: <path>: N source(s)" and one summary line per source
// to `out` and returns 0. With `connect` (`check --connect`), a valid config is then
// tried against each enabled source's CRM, one source after another (connect_probe.h:
// a full and an incremental first page, never more), printing one line per probe, and
// the result is 1 when any probe failed. The index is read (the watermark), never
// created or written. Streams are injected for tests. Thread-compatible.
#pragma once

#include <ostream>
#include <string>

namespace crm {

int run_check(const std::string& config_path, std::ostream& out, std::ostream& err, bool connect = false);

}  // namespace crm
