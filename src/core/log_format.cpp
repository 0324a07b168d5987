#include "core/log_format.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/json_writer.h"

namespace crm {
namespace {

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

// sd-daemon(3): <3> error, <4> warning, <6> info, <7> debug.
const char* priority(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "<7>";
    case LogLevel::info: return "<6>";
    case LogLevel::warn: return "<4>";
    case LogLevel::error: return "<3>";
  }
  return "<6>";
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

// The length of "key=" at `s`, 0 when `s` does not start a pair.
size_t key_length(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_key_char(s[i])) ++i;
  return i > 0 && i < s.size() && s[i] == '=' ? i : 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_logfmt(std::string_view m) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add_text = [&](std::string_view text) {
    if (text.empty()) return;
    for (auto& [k, v] : out)
      if (k == "msg") {
        v += ' ';
        v += text;
        return;
      }
    out.emplace_back("msg", std::string(text));
  };
  size_t i = 0;
  while (i < m.size()) {
    while (i < m.size() && m[i] == ' ') ++i;
    if (i >= m.size()) break;
    std::string_view rest = m.substr(i);
    size_t klen = key_length(rest);
    if (klen == 0) {
      size_t end = rest.find(' ');
      add_text(rest.substr(0, end));
      i += end == std::string_view::npos ? rest.size() : end;
      continue;
    }
    std::string key(rest.substr(0, klen));
    std::string_view v = rest.substr(klen + 1);
    size_t used = klen + 1;
    std::string value;
    if (!v.empty() && v.front() == '"') {
      // Up to the quote that ends the line or comes before " key=".
      size_t close = std::string_view::npos;
      for (size_t j = 1; j < v.size(); ++j) {
        if (v[j] != '"' || v[j - 1] == '\\') continue;
        if (j + 1 == v.size() || (v[j + 1] == ' ' && key_length(v.substr(j + 2)) > 0)) {
          close = j;
          break;
        }
      }
      if (close == std::string_view::npos) close = v.size();
      std::string_view inner = v.substr(1, close - 1);
      for (size_t j = 0; j < inner.size(); ++j) {
        if (inner[j] == '\\' && j + 1 < inner.size() && (inner[j + 1] == '"' || inner[j + 1] == '\\')) ++j;
        value += inner[j];
      }
      used += std::min(close + 1, v.size());
    } else {
      size_t end = v.find(' ');
      value = std::string(v.substr(0, end));
      used += end == std::string_view::npos ? v.size() : end;
    }
    out.emplace_back(std::move(key), std::move(value));
    i += used;
  }
  return out;
}

std::string format_log_line(LogLevel level, std::string_view message, const LogStyle& style, TimePoint now) {
  std::string line;
  if (style.format == LogFormat::json) {
    JsonWriter w(line);
    w.begin_object();
    w.field("ts", format_iso8601(now));
    w.field("level", level_name(level));
    auto pairs = parse_logfmt(message);
    // msg, source and run first, as people read them; then the rest in order.
    for (const char* first : {"msg", "source", "run"})
      for (const auto& [k, v] : pairs)
        if (k == first) {
          w.field(k, v);
          break;
        }
    for (const auto& [k, v] : pairs)
      if (k != "msg" && k != "source" && k != "run" && k != "ts" && k != "level") w.field(k, v);
    w.end_object();
  } else if (style.journal) {
    line = fmt::format("{}level={} {}", priority(level), level_name(level), message);
  } else {
    line = fmt::format("{} level={} {}", format_iso8601(now), level_name(level), message);
  }
  line += '\n';
  return line;
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace crm
