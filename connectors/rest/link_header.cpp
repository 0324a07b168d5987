#include "connectors/rest/link_header.h"

#include <cctype>

#include "core/text_codec.h"

namespace crm {
namespace {

bool rel_has_next(std::string_view params) {
  // params: ; rel="next last"; title="x"
  size_t pos = 0;
  while (pos < params.size()) {
    size_t semi = params.find(';', pos);
    std::string_view p = trim_ascii_space(params.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    pos = semi == std::string_view::npos ? params.size() : semi + 1;
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim_ascii_space(p.substr(0, eq));
    if (name.size() != 3 || std::tolower(name[0]) != 'r' || std::tolower(name[1]) != 'e' || std::tolower(name[2]) != 'l') continue;
    std::string_view v = trim_ascii_space(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    size_t i = 0;
    while (i < v.size()) {
      while (i < v.size() && v[i] == ' ') ++i;
      size_t j = v.find(' ', i);
      std::string_view tok = v.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
      if (tok.size() == 4 && std::tolower(tok[0]) == 'n' && std::tolower(tok[1]) == 'e' &&
          std::tolower(tok[2]) == 'x' && std::tolower(tok[3]) == 't')
        return true;
      if (j == std::string_view::npos) break;
      i = j + 1;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> link_header_next(std::string_view h) {
  size_t pos = 0;
  while (pos < h.size()) {
    size_t lt = h.find('<', pos);
    if (lt == std::string_view::npos) break;
    size_t gt = h.find('>', lt);
    if (gt == std::string_view::npos) break;
    std::string_view target = h.substr(lt + 1, gt - lt - 1);
    size_t next_lt = h.find('<', gt);
    // The parameters run to the comma before the next link.
    size_t end = next_lt == std::string_view::npos ? h.size() : h.rfind(',', next_lt);
    if (end == std::string_view::npos || end < gt) end = next_lt == std::string_view::npos ? h.size() : next_lt;
    if (rel_has_next(h.substr(gt + 1, end - gt - 1))) return std::string(target);
    pos = gt + 1;
  }
  return std::nullopt;
}

}  // namespace crm
