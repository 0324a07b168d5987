#include "fake/php_json.h"

namespace crm::fake {

std::string php_pretty_json(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 2);
  size_t depth = 0;
  auto newline = [&] {
    out += '\n';
    out.append(depth * 4, ' ');
  };
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '"') {  // copy the string, escapes and all
      size_t end = i + 1;
      while (end < in.size() && in[end] != '"') end += in[end] == '\\' ? 2 : 1;
      out.append(in.substr(i, end - i + 1));
      i = end;
    } else if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      if (i + 1 < in.size() && in[i + 1] == close) {
        out += c;
        out += close;
        ++i;
        continue;
      }
      out += c;
      ++depth;
      newline();
    } else if (c == '}' || c == ']') {
      --depth;
      newline();
      out += c;
    } else if (c == ',') {
      out += c;
      newline();
    } else if (c == ':') {
      out += ": ";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace crm::fake
