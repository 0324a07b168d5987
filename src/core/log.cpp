#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "core/time.h"

namespace crm {
namespace {
std::atomic<LogLevel> g_level{LogLevel::info};
const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}
}  // namespace

void set_log_level(LogLevel level) { g_level.store(level); }
LogLevel log_level() { return g_level.load(); }

void log_line(LogLevel level, std::string_view message) {
  std::string line = fmt::format("{} level={} {}\n", format_iso8601(SystemClock{}.now()),
                                 level_name(level), message);
  // One write per line so that concurrent threads never interleave within a line.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace crm
