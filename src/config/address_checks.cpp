#include "config/address_checks.h"

#include <cctype>

#include "config/value_parsers.h"

namespace crm {
namespace {

bool has_space_or_control(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return true;
  return false;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

std::optional<std::string> port_problem(std::string_view port) {
  if (port.empty()) return "the port is missing after ':'";
  if (port.size() > 5) return "the port must be a number from 1 to 65535";
  auto n = parse_integer(port);
  if (!n || port.front() == '+' || port.front() == '-' || *n < 1 || *n > 65535)
    return "the port must be a number from 1 to 65535";
  return std::nullopt;
}

bool is_ipv6_literal(std::string_view s) {
  if (s.find(':') == std::string_view::npos) return false;
  // Hex digits, ':' and '.' (IPv4-mapped tail); a zone ("%eth0") after the address.
  const auto zone = s.find('%');
  const std::string_view addr = s.substr(0, zone);
  for (char c : addr)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
  return zone == std::string_view::npos || zone + 1 < s.size();
}

bool is_host_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_')
      return false;
  return true;
}

// "host[:port]" or "[v6][:port]"; `port_required` for listen addresses.
std::optional<std::string> host_port_problem(std::string_view hp, bool port_required) {
  std::string_view host;
  std::string_view rest;
  if (!hp.empty() && hp.front() == '[') {
    const auto close = hp.find(']');
    if (close == std::string_view::npos) return "'[' without a closing ']' around an IPv6 address";
    host = hp.substr(1, close - 1);
    if (!is_ipv6_literal(host)) return "the text in [...] is not an IPv6 address";
    rest = hp.substr(close + 1);
  } else {
    const auto colon = hp.find(':');
    if (colon != std::string_view::npos && hp.find(':', colon + 1) != std::string_view::npos)
      return "an IPv6 address must be written in brackets, e.g. [::1]:8787";
    host = hp.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : hp.substr(colon);
    if (host.empty()) return "the host is missing";
    if (!is_host_name(host)) return "the host is not a valid host name or address";
  }
  if (rest.empty()) {
    if (port_required) return "the port is missing (expected host:port, e.g. 127.0.0.1:8787)";
    return std::nullopt;
  }
  if (rest.front() != ':') return "unexpected text after the host";
  return port_problem(rest.substr(1));
}

}  // namespace

std::optional<std::string> url_problem(std::string_view url) {
  if (url.empty()) return "the URL is empty";
  if (has_space_or_control(url)) return "a URL may not contain spaces or control characters";
  size_t scheme_len = 0;
  if (starts_with_nocase(url, "https://")) {
    scheme_len = 8;
  } else if (starts_with_nocase(url, "http://")) {
    scheme_len = 7;
  } else {
    return "a URL must start with http:// or https://";
  }
  std::string_view authority = url.substr(scheme_len);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.empty()) return "the URL has no host";
  return host_port_problem(authority, /*port_required=*/false);
}

std::optional<std::string> nats_server_problem(std::string_view server) {
  if (server.empty()) return "the address is empty (expected e.g. nats://127.0.0.1:4222)";
  if (has_space_or_control(server)) return "the address may not contain spaces or control characters";
  std::string_view authority = server;
  if (server.starts_with("nats://")) {
    authority.remove_prefix(7);
  } else if (server.starts_with("tls://")) {
    authority.remove_prefix(6);
  } else {
    return "a NATS server address must start with nats:// or tls://";
  }
  // The client would send user:password@ as credentials: they belong in outputs.nats.auth,
  // where they can come from a file and are never printed.
  if (authority.find('@') != std::string_view::npos)
    return "credentials belong in outputs.nats.auth, not in the address";
  if (authority.find_first_of("/?#") != std::string_view::npos)
    return "a NATS server address has no path (expected nats://host:port)";
  if (authority.empty()) return "the address has no host";
  return host_port_problem(authority, /*port_required=*/false);
}

std::optional<std::string> listen_problem(std::string_view listen) {
  if (listen.empty()) return "the address is empty (expected host:port, e.g. 127.0.0.1:8787)";
  if (has_space_or_control(listen)) return "the address may not contain spaces";
  return host_port_problem(listen, /*port_required=*/true);
}

bool is_http_token(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  }
  return true;
}

std::string redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t start = scheme_end + 3;
  const auto auth_end = url.find_first_of("/?#", start);
  const std::string_view authority = url.substr(start, auth_end - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, start));
  out += "***@";
  out += url.substr(start + at + 1);
  return out;
}

}  // namespace crm
