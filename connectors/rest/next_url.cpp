#include "connectors/rest/next_url.h"

#include <algorithm>
#include <array>

namespace crm {
namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

// "page%5Bnumber%5D" → "page[number]" for the name checks (names only: ASCII).
std::string decoded_name(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return lower(out);
}

// Calls fn(name, value) for each name=value of the query (raw, as in the URL).
template <typename Fn>
void for_each_param(std::string_view url, Fn fn) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return;
  std::string_view query = url.substr(q + 1, url.find('#', q) - q - 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    fn(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

constexpr std::array<std::string_view, 12> kPositional = {
    "page", "page[number]", "pagenumber", "page_number", "offset", "page[offset]",
    "start", "skip", "$skip", "startindex", "start_index", "from"};

constexpr std::array<std::string_view, 10> kSecretParams = {
    "access_token", "token", "api_key", "apikey", "key", "password",
    "client_secret", "secret", "signature", "sig"};

}  // namespace

std::string encode_url_gaps(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t scheme = url.find("://");
  size_t path_start = scheme == std::string_view::npos ? 0 : url.find_first_of("/?#", scheme + 3);
  if (path_start == std::string_view::npos) path_start = url.size();
  std::string out;
  out.reserve(url.size() + 16);
  for (size_t i = 0; i < url.size(); ++i) {
    auto u = static_cast<unsigned char>(url[i]);
    bool bad = u <= 0x20 || u >= 0x7f || std::string_view("<>\"{}|\\^`").find(url[i]) != std::string_view::npos ||
               (i >= path_start && (url[i] == '[' || url[i] == ']')) ||
               (url[i] == '%' && !(i + 2 < url.size() && is_hex(url[i + 1]) && is_hex(url[i + 2])));
    if (!bad) {
      out += url[i];
      continue;
    }
    out += '%';
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
  return out;
}

bool is_positional_link(std::string_view url) {
  bool found = false;
  for_each_param(url, [&](std::string_view name, std::string_view value) {
    if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return;
    std::string n = decoded_name(name);
    if (std::find(kPositional.begin(), kPositional.end(), n) != kPositional.end()) found = true;
  });
  return found;
}

std::string url_without_secrets(std::string_view url, const AuthConfig& auth) {
  std::string out;
  size_t scheme = url.find("://");
  size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t authority_end = std::min(url.find_first_of("/?#", host), url.size());
  size_t at = url.substr(host, authority_end - host).rfind('@');
  if (at != std::string_view::npos) {
    out = std::string(url.substr(0, host)) + "***@";
    url.remove_prefix(host + at + 1);
  }
  size_t q = url.find('?');
  if (q == std::string_view::npos) return out + std::string(url);
  out += url.substr(0, q + 1);
  bool first = true;
  std::string key_name = auth.type == "api_key" && auth.in == "query" ? lower(auth.name) : std::string();
  std::string_view rest = url.substr(q + 1);
  size_t hash = rest.find('#');
  std::string_view query = rest.substr(0, hash);
  while (true) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string name = decoded_name(pair.substr(0, eq));
    bool secret = (!key_name.empty() && name == key_name) ||
                  std::find(kSecretParams.begin(), kSecretParams.end(), name) != kSecretParams.end();
    if (!first) out += '&';
    first = false;
    if (secret && eq != std::string_view::npos) {
      out += pair.substr(0, eq + 1);
      out += "***";
    } else {
      out += pair;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if (hash != std::string_view::npos) out += "#***";
  return out;
}

}  // namespace crm
