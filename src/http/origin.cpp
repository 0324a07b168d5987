#include "http/origin.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "core/text_codec.h"

namespace crm {
namespace {

struct UrlHandle {
  CURLU* h = curl_url();
  ~UrlHandle() { curl_url_cleanup(h); }
  // One part as a string, or "" when absent.
  std::string part(CURLUPart what, unsigned flags = 0) const {
    char* out = nullptr;
    if (curl_url_get(h, what, &out, flags) != CURLUE_OK || !out) return {};
    std::string s(out);
    curl_free(out);
    return s;
  }
};

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

std::optional<std::string> origin_of(std::string_view url) {
  UrlHandle u;
  if (!u.h || curl_url_set(u.h, CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) return std::nullopt;
  std::string scheme = lower(u.part(CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string host = lower(u.part(CURLUPART_HOST));
  std::string port = u.part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (host.empty() || port.empty()) return std::nullopt;
  return scheme + "://" + host + ":" + port;
}

std::optional<std::string> resolve_url(std::string_view base, std::string_view location) {
  UrlHandle u;
  if (!u.h || curl_url_set(u.h, CURLUPART_URL, std::string(base).c_str(), 0) != CURLUE_OK) return std::nullopt;
  // With a URL already in the handle, a relative one is resolved against it (RFC 3986 §5).
  if (curl_url_set(u.h, CURLUPART_URL, std::string(location).c_str(), 0) != CURLUE_OK) return std::nullopt;
  std::string out = u.part(CURLUPART_URL);
  if (out.empty()) return std::nullopt;
  return out;
}

std::string without_query_params(std::string_view url,
                                 const std::function<bool(std::string_view name, std::string_view value)>& drop) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  size_t hash = url.find('#', q);
  std::string_view query = url.substr(q + 1, hash == std::string_view::npos ? std::string_view::npos : hash - q - 1);
  std::string kept;
  while (true) {
    size_t amp = query.find('&');
    std::string_view component = query.substr(0, amp);
    size_t eq = component.find('=');
    std::string_view name = component.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : component.substr(eq + 1);
    if (!component.empty() && !drop(name, value)) {
      if (!kept.empty()) kept += '&';
      kept += component;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  std::string out(url.substr(0, q));
  if (!kept.empty()) out += '?' + kept;
  if (hash != std::string_view::npos) out += url.substr(hash);
  return out;
}

std::string without_query_param(std::string_view url, std::string_view name) {
  if (name.empty()) return std::string(url);
  const std::string encoded = url_encode(name);
  return without_query_params(url, [&](std::string_view n, std::string_view) { return n == name || n == encoded; });
}

bool TrustedOrigins::add(std::string_view url) {
  auto origin = origin_of(url);
  if (!origin) return false;
  if (!contains(*origin)) origins_.push_back(std::move(*origin));
  return true;
}

bool TrustedOrigins::contains(std::string_view origin) const {
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

// The URL as it may appear in an error: scheme, host, port and path. The query string
// and fragment may carry an api_key, the user-info a password: both are dropped.
std::string url_for_message(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  size_t host_start = scheme_end + 3;
  size_t authority_end = url.find('/', host_start);
  std::string_view authority = url.substr(host_start, authority_end - host_start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, host_start));
  out += url.substr(host_start + at + 1);
  return out;
}

}  // namespace crm
