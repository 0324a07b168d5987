// How a log line is written (core/log.h): the text form "2026-11-20T09:14:03.120Z
// level=info source=hubspot msg=\"...\" fetched=9"; under systemd's journal (stderr is
// the stream $JOURNAL_STREAM names) the same without the timestamp, which the journal
// adds, and with the sd-daemon priority in front ("<6>level=info ..."); or JSON, one
// object a line: {"ts", "level", "msg", "source", "run", and every other field}. Pure
// but for the journal check; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/time.h"

namespace crm {

enum class LogFormat { text, json };

struct LogStyle {
  LogFormat format = LogFormat::text;
  bool journal = false;  // text: priority prefix, no timestamp
};

// The key=value pairs of a logfmt message, in order: `key=value` or `key="quoted"`, a
// quoted value ending at a '"' that ends the line or precedes " key=". Text that is
// not a pair becomes (or extends) "msg".
std::vector<std::pair<std::string, std::string>> parse_logfmt(std::string_view message);

// The whole line, with its '\n'.
std::string format_log_line(LogLevel level, std::string_view message, const LogStyle& style, TimePoint now);

// True when stderr is the journal's stream ($JOURNAL_STREAM is "<dev>:<inode>" of it).
bool stderr_is_journal();

}  // namespace crm
