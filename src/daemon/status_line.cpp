#include "daemon/status_line.h"

#include <fmt/format.h>

namespace crm {

std::string status_line(const std::vector<SourceRuntime>& sources, TimePoint now) {
  int enabled = 0, failing = 0, running = 0;
  std::string failing_names, stale_names;
  std::optional<TimePoint> last;
  for (const auto& s : sources) {
    if (!s.enabled) continue;
    ++enabled;
    if (s.running) ++running;
    if (s.consecutive_failures > 0) {
      ++failing;
      failing_names += (failing_names.empty() ? "" : ", ") + s.name;
    }
    if (s.stale) stale_names += (stale_names.empty() ? "" : ", ") + s.name;
    if (s.last_success && (!last || *s.last_success > *last)) last = s.last_success;
  }
  std::string out = fmt::format("{} source{}", enabled, enabled == 1 ? "" : "s");
  if (failing > 0) out += fmt::format(", {} failing ({})", failing, failing_names);
  if (!stale_names.empty()) out += fmt::format(", stale: {}", stale_names);
  if (running > 0) out += fmt::format(", {} syncing", running);
  if (last) {
    auto ago = std::chrono::duration_cast<std::chrono::seconds>(now - *last).count();
    out += fmt::format(", last sync {}s ago", std::max<long long>(0, ago));
  } else {
    out += ", no sync yet";
  }
  return out;
}

}  // namespace crm
