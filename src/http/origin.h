// Origins (RFC 6454: scheme, host, port) and the set of them a source's credentials may
// be sent to: its base_url, its token_url, and an instance_url its token endpoint returns
// (platform.md "Trust boundaries"). Plus the URL surgery that keeps credentials out of
// what is stored: removing query parameters. Parsing goes through libcurl's URL API, the
// same parser that sends the request, so "what we checked" is "where it goes".
// Pure functions; TrustedOrigins is a value type owned by one HttpClient.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crm {

// "https://api.example.com:443": scheme and host lower-cased, the port always written.
// nullopt for anything but an absolute http or https URL.
std::optional<std::string> origin_of(std::string_view url);

// `location` (a redirect's Location: absolute, or relative to `base`) as an absolute URL.
std::optional<std::string> resolve_url(std::string_view base, std::string_view location);

// `url` without the query components (name=value, as written) that `drop` picks; the
// query ends at a fragment. Text without a '?' comes back unchanged.
std::string without_query_params(std::string_view url,
                                 const std::function<bool(std::string_view name, std::string_view value)>& drop);
// The URL as it may appear in an error: scheme, host, port and path. The query string
// and fragment may carry an api_key, the user-info a password: both are dropped.
std::string url_for_message(std::string_view url);

// `url` without any query component named `name`, as is or percent-encoded.
std::string without_query_param(std::string_view url, std::string_view name);

class TrustedOrigins {
 public:
  // Adds the origin of `url`; false if it has none (not an absolute http(s) URL).
  bool add(std::string_view url);
  bool empty() const { return origins_.empty(); }
  bool contains(std::string_view origin) const;
  // The first origin added (the source's base_url), for messages.
  const std::string& home() const { return origins_.front(); }

 private:
  std::vector<std::string> origins_;
};

}  // namespace crm
