// The one-line summary for systemd's STATUS= ("5 sources, 1 failing, last sync 12s ago").
// A stale or failing source is named: a failing CRM must never look healthy. Pure.
#pragma once

#include <string>
#include <vector>

#include "sync/source_runtime.h"

namespace crm {

std::string status_line(const std::vector<SourceRuntime>& sources, TimePoint now);

}  // namespace crm
