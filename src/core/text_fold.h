// fold_text(): the one form in which names are compared, by the name rules of linking
// (src/link) and by search (the FTS index and the query, src/store): NFKD, case folded,
// accents stripped from Latin, Greek and Cyrillic letters, letters Unicode does not
// decompose folded by hand (Ł→l, Ø→o, Æ→ae, Đ→d, ß→ss …), punctuation and spaces turned
// into single spaces, apostrophes dropped, NFC again:
// "  ZOË   Łukasz-Smith " -> "zoe lukasz smith", "O'Brien" -> "obrien", "Ærø" -> "aero".
// Pure; thread-safe (scratch buffers are thread_local: no allocation once warm).
#pragma once

#include <string>
#include <string_view>

namespace crm {

// Appends the folded form of `text` to `out` ("" for text that is not valid UTF-8).
void fold_text_into(std::string_view text, std::string& out);

inline std::string fold_text(std::string_view text) {
  std::string out;
  fold_text_into(text, out);
  return out;
}

}  // namespace crm
