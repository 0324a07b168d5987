#include "core/html_entities.h"

#include <array>
#include <utf8proc.h>

#include <cstdint>

namespace crm {
namespace {

// HTML 4's Latin-1 names, U+00A0 to U+00FF in order: what htmlentities() writes.
constexpr std::array<std::string_view, 96> kLatin1 = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",    "copy",
    "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn", "sup2",   "sup3",
    "acute",  "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12",
    "frac34", "iquest", "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde",
    "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",
    "Uuml",   "Yacute", "THORN",  "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",
    "aelig",  "ccedil", "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave",
    "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};

void append_utf8(std::string& out, int64_t cp) {
  // NUL, surrogates and what lies past U+10FFFF are no characters (HTML maps them so too).
  if (cp <= 0 || cp > 0x10FFFF || !utf8proc_codepoint_valid(static_cast<utf8proc_int32_t>(cp))) cp = 0xFFFD;
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

// The code point of the reference body between '&' and ';', or -1.
int64_t reference_value(std::string_view body) {
  if (body.size() >= 2 && body[0] == '#') {
    bool hex = body[1] == 'x' || body[1] == 'X';
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 8) return -1;
    int64_t v = 0;
    for (char c : digits) {
      int d = c >= '0' && c <= '9' ? c - '0'
              : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
      if (d < 0) return -1;
      v = v * (hex ? 16 : 10) + d;
    }
    return v;
  }
  if (body == "amp") return '&';
  if (body == "lt") return '<';
  if (body == "gt") return '>';
  if (body == "quot") return '"';
  if (body == "apos") return '\'';
  for (size_t i = 0; i < kLatin1.size(); ++i)
    if (body == kLatin1[i]) return static_cast<int64_t>(0xA0 + i);
  return -1;
}

}  // namespace

std::string decode_html_entities(std::string_view text) {
  constexpr size_t kLongestBody = 10;  // "#x0010FFFF"; names are shorter
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) break;
    out.append(text, i, amp - i);
    size_t semi = text.find(';', amp + 1);
    int64_t cp = semi == std::string_view::npos || semi - amp - 1 > kLongestBody
                     ? -1
                     : reference_value(text.substr(amp + 1, semi - amp - 1));
    if (cp < 0) {
      out += '&';
      i = amp + 1;
      continue;
    }
    append_utf8(out, cp);
    i = semi + 1;
  }
  out.append(text, i, std::string_view::npos);
  return out;
}

}  // namespace crm
