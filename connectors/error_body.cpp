#include "connectors/error_body.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace crm {
namespace {

std::string clean(std::string_view s) {
  std::string out;
  out.reserve(std::min<size_t>(s.size(), 300));
  for (char c : s) {
    if (out.size() >= 300) break;
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string from_element(simdjson::dom::element e) {
  for (const char* ptr : {"/error/message", "/message", "/0/message", "/errors/0/message",
                          "/errors/0/detail", "/errors/detail", "/error/data/message",
                          "/detail", "/error_description", "/error/code", "/error"}) {
    auto v = e.at_pointer(ptr);
    if (v.error()) continue;
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS && !s.empty()) {
      std::string msg(s);
      std::string_view code;
      if (!e.at_pointer("/0/errorCode").get_string().get(code) && !code.empty())
        msg = fmt::format("{}: {}", code, msg);
      return msg;
    }
  }
  return {};
}

}  // namespace

std::string crm_error_message(std::string_view body) {
  if (body.empty()) return "(empty body)";
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) == simdjson::SUCCESS) {
    std::string m = from_element(root);
    if (!m.empty()) return clean(m);
  }
  return clean(body);
}

Error error_from_response(std::string_view what, const HttpResponse& r) {
  std::string msg = fmt::format("{}: HTTP {}: {}", what, r.status, crm_error_message(r.body));
  Error e;
  if (r.status == 401 || r.status == 403) e = Error::auth(std::move(msg));
  else if (r.status == 408 || r.status == 429 || r.status >= 500) e = Error::transient(std::move(msg));
  else e = Error::config(std::move(msg));
  e.http_status = static_cast<int>(r.status);
  if (e.kind == ErrorKind::transient) e.retry_after_s = r.retry_after_s;
  return e;
}

}  // namespace crm
