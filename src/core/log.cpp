#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>

#include "core/log_format.h"
#include "core/time.h"

namespace crm {
namespace {
std::atomic<LogLevel> g_level{LogLevel::info};
std::atomic<LogFormat> g_format{LogFormat::text};
// Read once: the stream stderr is connected to does not change while the process runs.
bool journal() {
  static const bool on = stderr_is_journal();
  return on;
}

std::mutex g_write_mu;   // a log line and the progress line it moves down
std::string g_progress;  // under g_write_mu

void write_all(const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

void set_log_format(LogFormat format) { g_format.store(format); }

void set_progress_line(std::string_view text) {
  static const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!tty) return;
  std::lock_guard lock(g_write_mu);
  if (text.empty() && g_progress.empty()) return;
  g_progress = text;
  write_all("\r\033[K" + g_progress);
}


void set_log_level(LogLevel level) { g_level.store(level); }
LogLevel log_level() { return g_level.load(); }

void log_line(LogLevel level, std::string_view message) {
  const std::string line =
      format_log_line(level, message, LogStyle{g_format.load(), journal()}, SystemClock{}.now());
  // One write per line so that concurrent threads never interleave within a line.
  std::lock_guard lock(g_write_mu);
  write_all(g_progress.empty() ? line : "\r\033[K" + line + g_progress);
}

}  // namespace crm
