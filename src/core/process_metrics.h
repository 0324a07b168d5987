// The standard process_* series of Prometheus' client libraries (CPU seconds, resident and
// virtual memory, open and maximum file descriptors, start time), read from /proc/self
// when /metrics is scraped, in the text format. Linux only; a value /proc does not give
// is left out.
#pragma once

#include <string>

namespace crm {

std::string process_metrics_text();

}  // namespace crm
