#include "api/keyset_token.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <charconv>

#include "core/text_codec.h"

namespace crm {
namespace {

constexpr std::string_view kPrefix = "r1:";  // version 1: a record row id

// Four hex digits of a hash of the id, after a '.': a truncated or edited token is
// refused instead of silently starting somewhere else.
std::string check_digits(std::string_view id) {
  return fmt::format("{:04x}", XXH3_64bits(id.data(), id.size()) & 0xFFFF);
}

}  // namespace

std::string encode_keyset_token(int64_t last_row_id) {
  std::string id = std::to_string(last_row_id);
  return base64url(fmt::format("{}{}.{}", kPrefix, id, check_digits(id)));
}

std::optional<int64_t> decode_keyset_token(std::string_view token) {
  if (token.empty() || token.size() > 64) return std::nullopt;
  auto text = unbase64url(token);
  if (!text || !text->starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = std::string_view(*text).substr(kPrefix.size());
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view digits = rest.substr(0, dot);
  if (rest.substr(dot + 1) != check_digits(digits)) return std::nullopt;
  if (digits.empty() || digits[0] < '1' || digits[0] > '9') return std::nullopt;
  int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return id;
}

}  // namespace crm
