// Checks for the addresses a config holds: http(s) URLs (base_url, token_url, webhooks),
// NATS servers and the API's listen address. Each returns what is wrong in words, or
// nullopt when the text is acceptable; none echoes the input, so the caller decides what
// may be quoted.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crm {

// "http://" or "https://" (any case), a host (name, IPv4, or [IPv6]), an optional port
// 1..65535, then an optional path/query. No whitespace or control characters.
std::optional<std::string> url_problem(std::string_view url);

// A NATS server: "nats://" or "tls://" (lower case), a host (name, IPv4, or [IPv6]) and an
// optional port 1..65535 (the client's default is 4222); no credentials, no path.
std::optional<std::string> nats_server_problem(std::string_view server);

// "host:port" with a port 1..65535; IPv6 hosts in brackets ("[::1]:8787").
std::optional<std::string> listen_problem(std::string_view listen);

// An HTTP field name (RFC 9110 "token": letters, digits and !#$%&'*+-.^_`|~).
bool is_http_token(std::string_view name);

// The URL with any "user:password@" replaced by "***@", for summaries and logs.
std::string redact_url(std::string_view url);

}  // namespace crm
