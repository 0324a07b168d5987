#include "hints/hint_check.h"

#include <simdjson.h>

#include <array>

#include "core/hmac.h"
#include "core/text_codec.h"

namespace crm {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::string> check_hubspot(const SourceHints& h, const ServerRequest& req, std::string_view url,
                                         TimePoint now) {
  const std::string_view signature = req.header("x-hubspot-signature-v3");
  const std::string_view timestamp = req.header("x-hubspot-request-timestamp");
  if (signature.empty() || timestamp.empty()) return "no X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp";
  auto ts = parse_int(timestamp);
  if (!ts) return "X-HubSpot-Request-Timestamp is not a number of milliseconds";
  const int64_t age = to_ms(now) - *ts;
  if (age > kHubSpotWindow.count() || -age > kHubSpotWindow.count())
    return "X-HubSpot-Request-Timestamp is more than 5 minutes away from now (a replay, or a clock off)";
  const std::string expected =
      base64(hmac_sha256(h.secret.reveal(), hubspot_v3_source(req.method, url, req.body, timestamp)));
  if (!constant_time_equal(signature, expected)) return "X-HubSpot-Signature-v3 does not match";
  return std::nullopt;
}

std::optional<std::string> check_basic(const SourceHints& h, const ServerRequest& req) {
  const std::string_view auth = req.header("authorization");
  if (auth.size() < 6 || lower(auth.substr(0, 6)) != "basic ") return "no HTTP Basic credentials";
  const std::string expected = base64(h.username + ":" + h.password.reveal());
  if (!constant_time_equal(trim_ascii_space(auth.substr(6)), expected)) return "HTTP Basic credentials do not match";
  return std::nullopt;
}

std::optional<std::string> check_hmac(const SourceHints& h, const ServerRequest& req) {
  std::string_view got = trim_ascii_space(req.header(h.header));
  if (got.empty()) return "no " + h.header + " header";
  if (!got.starts_with(h.prefix)) return h.header + " does not start with the configured prefix";
  got.remove_prefix(h.prefix.size());
  const std::string mac = hmac_sha256(h.secret.reveal(), req.body);
  const bool ok = h.encoding == "base64" ? constant_time_equal(got, base64(mac))
                                         : constant_time_equal(lower(got), hex_lower(mac));
  if (!ok) return h.header + " does not match the body's HMAC-SHA256";
  return std::nullopt;
}

std::optional<std::string> check_header(const SourceHints& h, const ServerRequest& req) {
  const std::string_view got = req.header(h.header);
  if (got.empty()) return "no " + h.header + " header";
  if (!constant_time_equal(got, h.value.reveal())) return h.header + " does not match";
  return std::nullopt;
}

std::optional<std::string> check_query(const SourceHints& h, const ServerRequest& req) {
  auto got = req.param(h.param);
  if (!got) return "no " + h.param + " in the query";
  if (!constant_time_equal(*got, h.value.reveal())) return "the query's " + h.param + " does not match";
  return std::nullopt;
}

std::optional<std::string> check_zoho(const SourceHints& h, const ServerRequest& req) {
  // A notification is one JSON object; the channel's token is its "token" member.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(req.body).get(doc) != simdjson::SUCCESS) return "the body is not JSON";
  std::string_view token;
  if (doc["token"].get(token) != simdjson::SUCCESS) return "no \"token\" in the notification";
  if (!constant_time_equal(token, h.token.reveal())) return "the notification's token does not match";
  return std::nullopt;
}

}  // namespace

std::string hubspot_v3_source(std::string_view method, std::string_view uri, std::string_view body,
                              std::string_view timestamp) {
  static constexpr std::array<std::pair<std::string_view, char>, 12> kDecoded = {{
      {"%3A", ':'}, {"%2F", '/'}, {"%3F", '?'}, {"%40", '@'}, {"%21", '!'}, {"%24", '$'},
      {"%27", '\''}, {"%28", '('}, {"%29", ')'}, {"%2A", '*'}, {"%2C", ','}, {"%3B", ';'},
  }};
  std::string out(method);
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      std::string code = std::string(uri.substr(i, 3));
      for (char& c : code) c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
      bool replaced = false;
      for (const auto& [enc, dec] : kDecoded)
        if (code == enc) {
          out += dec;
          i += 2;
          replaced = true;
          break;
        }
      if (replaced) continue;
    }
    out += uri[i];
  }
  out.append(body).append(timestamp);
  return out;
}

std::string called_url(const ServerRequest& req, std::string_view public_url) {
  std::string url = public_url.empty() ? "http://" + std::string(req.header("host")) : std::string(public_url);
  url += req.path;
  for (size_t i = 0; i < req.query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += url_encode(req.query[i].first);
    url += '=';
    url += url_encode(req.query[i].second);
  }
  return url;
}

std::optional<std::string> check_hint(const SourceHints& hints, const ServerRequest& request,
                                      std::string_view url, TimePoint now) {
  if (hints.type == "hubspot") return check_hubspot(hints, request, url, now);
  if (hints.type == "basic") return check_basic(hints, request);
  if (hints.type == "hmac") return check_hmac(hints, request);
  if (hints.type == "header") return check_header(hints, request);
  if (hints.type == "zoho") return check_zoho(hints, request);
  if (hints.type == "query") return check_query(hints, request);
  return "the source takes no hints (no hints: block)";
}

}  // namespace crm
