#include "api/bearer_auth.h"

#include <cctype>

namespace crm {

bool bearer_token_matches(std::string_view authorization, std::string_view expected) {
  constexpr std::string_view kScheme = "bearer ";
  bool scheme_ok = authorization.size() >= kScheme.size();
  for (size_t i = 0; scheme_ok && i < kScheme.size(); ++i)
    scheme_ok = std::tolower(static_cast<unsigned char>(authorization[i])) == kScheme[i];
  std::string_view got = scheme_ok ? authorization.substr(kScheme.size()) : std::string_view{};
  while (!got.empty() && got.front() == ' ') got.remove_prefix(1);
  while (!got.empty() && got.back() == ' ') got.remove_suffix(1);

  // Every byte of `expected` is compared, whatever `got` holds.
  unsigned diff = got.size() == expected.size() ? 0u : 1u;
  for (size_t i = 0; i < expected.size(); ++i) {
    unsigned char g = i < got.size() ? static_cast<unsigned char>(got[i]) : 0;
    diff |= static_cast<unsigned>(g ^ static_cast<unsigned char>(expected[i]));
  }
  return scheme_ok && !expected.empty() && diff == 0;
}

}  // namespace crm
