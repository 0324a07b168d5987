#include "api/keyset_token.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <charconv>

namespace crm {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kPrefix = "r1:";  // version 1: a record row id

// Four hex digits of a hash of the id, after a '.': a truncated or edited token is
// refused instead of silently starting somewhere else.
std::string check_digits(std::string_view id) {
  return fmt::format("{:04x}", XXH3_64bits(id.data(), id.size()) & 0xFFFF);
}

std::string base64url(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
  return out;  // unpadded
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // not canonical
  return out;
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
