// Logging: one line per event on stderr, "2026-11-20T09:14:03.120Z level=info msg" with
// key=value fields (source=, run=) written by the caller; under the journal, or as JSON,
// as core/log_format.h says. Never pass a secret in: the
// config layer keeps secrets in crm::Secret, which formats as ***.
// Thread-safe (a line is written with one write call).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace crm {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

void set_log_level(LogLevel level);
enum class LogFormat;
void set_log_format(LogFormat format);
LogLevel log_level();
void log_line(LogLevel level, std::string_view message);
// A transient line at the bottom of a terminal (a sync's progress), redrawn below every
// log line so that the two never share a line; "" removes it. Drawn only when stderr is
// a terminal.
void set_progress_line(std::string_view text);

template <class... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() <= LogLevel::debug) log_line(LogLevel::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() <= LogLevel::info) log_line(LogLevel::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() <= LogLevel::warn) log_line(LogLevel::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  log_line(LogLevel::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace crm
