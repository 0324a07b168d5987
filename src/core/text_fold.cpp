#include "core/text_fold.h"

#include <utf8proc.h>

#include <vector>

namespace crm {
namespace {

// Letters that carry their "accent" as part of the letter, which Unicode does not
// decompose, so STRIPMARK keeps them: folded by hand so that "Łukasz" finds "Lukasz".
// (ß needs no entry: case folding makes it "ss".)
std::string_view fold_letter(utf8proc_int32_t cp) {
  switch (cp) {
    case 0x0142: return "l";   // ł (Ł case-folds to it)
    case 0x00F8: return "o";   // ø
    case 0x0111: return "d";   // đ
    case 0x0127: return "h";   // ħ
    case 0x0131: return "i";   // dotless ı
    case 0x00E6: return "ae";  // æ
    case 0x0153: return "oe";  // œ
    case 0x00FE: return "th";  // þ
    case 0x00F0: return "d";   // ð
    default: return {};
  }
}

bool is_word_separator(utf8proc_int32_t cp) { return cp != '\'' && cp != 0x2019; }

// The common case, plain ASCII, without utf8proc: lower case, runs of anything but
// letters and digits become one space, apostrophes vanish.
void fold_ascii(std::string_view t, std::string& out) {
  bool pending_space = false;
  const size_t start = out.size();
  for (char c : t) {
    bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
    if (lower || upper || digit) {
      if (pending_space) out += ' ';
      pending_space = false;
      out += upper ? static_cast<char>(c - 'A' + 'a') : c;
    } else if (is_word_separator(static_cast<unsigned char>(c))) {
      pending_space = out.size() > start;
    }
  }
}

}  // namespace

void fold_text_into(std::string_view text, std::string& out) {
  bool ascii = true;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return fold_ascii(text, out);

  // NFKD + case fold into a reused code point buffer, then marks dropped only after
  // Latin, Greek and Cyrillic letters ("é" is an accented "e"; in "プ" the mark makes
  // another letter), then NFC again.
  thread_local std::vector<utf8proc_int32_t> in, kept;
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                                      UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  const auto* src = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  const auto len = static_cast<utf8proc_ssize_t>(text.size());
  if (in.size() < text.size() + 8) in.resize(text.size() + 8);
  utf8proc_ssize_t n = utf8proc_decompose(src, len, in.data(), static_cast<utf8proc_ssize_t>(in.size()), options);
  if (n > static_cast<utf8proc_ssize_t>(in.size())) {
    in.resize(static_cast<size_t>(n));
    n = utf8proc_decompose(src, len, in.data(), n, options);
  }
  if (n < 0) return;
  kept.clear();
  bool pending_space = false, all_ascii = true;
  utf8proc_int32_t base = 0;
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    utf8proc_int32_t cp = in[static_cast<size_t>(i)];
    auto cat = utf8proc_category(cp);
    bool letter_or_digit = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
    bool mark = cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
    if (mark) {
      if (base >= 0x0530 && !kept.empty()) {
        kept.push_back(cp);
        all_ascii = false;
      }
    } else if (!letter_or_digit) {
      // Spaces, punctuation and symbols separate words: "Smith-Jones" = "smith jones".
      // Apostrophes join them: "O'Brien" = "obrien".
      if (is_word_separator(cp)) pending_space = !kept.empty();
      base = 0;
    } else {
      if (pending_space) kept.push_back(' ');
      pending_space = false;
      base = cp;
      std::string_view folded = fold_letter(cp);
      if (!folded.empty()) {
        for (char c : folded) kept.push_back(c);
      } else {
        kept.push_back(cp);
        if (cp >= 0x80) all_ascii = false;
      }
    }
  }
  size_t count = kept.size();
  if (!all_ascii) {
    utf8proc_ssize_t m = utf8proc_normalize_utf32(kept.data(), static_cast<utf8proc_ssize_t>(kept.size()),
                                                  static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (m < 0) return;
    count = static_cast<size_t>(m);
  }
  utf8proc_uint8_t buf[4];
  for (size_t i = 0; i < count; ++i) {
    utf8proc_ssize_t b = utf8proc_encode_char(kept[i], buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(b));
  }
}

}  // namespace crm
