#include "connectors/rest/answer_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace crm {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t valid_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

bool is_json_type(std::string_view content_type) {
  if (content_type.empty()) return true;
  std::string lower(content_type.substr(0, std::min<size_t>(content_type.size(), 200)));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("json") != std::string::npos;
}

namespace {

// The media type without parameters, printable ASCII only, at most 80 bytes.
std::string media_type(std::string_view content_type) {
  std::string out;
  for (char c : content_type.substr(0, content_type.find(';'))) {
    if (out.size() >= 80) break;
    if (c > 0x20 && c < 0x7F) out += c;
  }
  return out;
}

}  // namespace

Utf8Repair repair_utf8(std::string_view body) {
  Utf8Repair r;
  r.text.reserve(body.size() + 16);
  for (size_t i = 0; i < body.size();) {
    size_t n = valid_sequence(body, i);
    if (n == 0) {
      if (r.invalid++ == 0) r.first_at = i;
      r.text += "\xEF\xBF\xBD";
      ++i;
      // A broken sequence's continuation bytes go with it: one U+FFFD per sequence.
      while (i < body.size() && (static_cast<unsigned char>(body[i]) & 0xC0) == 0x80) ++i;
      continue;
    }
    r.text.append(body.data() + i, n);
    i += n;
  }
  return r;
}

Error unreadable_answer(std::string_view what, const HttpResponse& response, std::string_view parser_error) {
  std::string_view type = response.header("content-type");
  const std::string lead = what.empty() ? std::string() : fmt::format("{}: ", what);
  if (!is_json_type(type))
    return Error::transient(fmt::format(
        "{}the CRM answered HTTP {} with Content-Type {}, not JSON ({} bytes; a proxy or captive-portal "
        "login page?)",
        lead, response.status, media_type(type), response.body.size()));
  return Error::transient(fmt::format("{}the CRM's answer is not valid JSON ({}; {} bytes)", lead, parser_error,
                                      response.body.size()));
}

}  // namespace crm
