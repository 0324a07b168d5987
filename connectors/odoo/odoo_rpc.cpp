#include "connectors/odoo/odoo_rpc.h"

#include <fmt/format.h>

#include "connectors/error_body.h"
#include "connectors/page_parser.h"
#include "core/json_writer.h"

namespace crm {
namespace {

// Bounded, printable: a CRM's text going into an error message and a log line.
std::string clean(std::string_view s, size_t max = 300) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

bool ends_with_name(std::string_view name, std::string_view last) {
  return name == last || (name.ends_with(last) && name[name.size() - last.size() - 1] == '.');
}

}  // namespace

OdooRpc::OdooRpc(const std::string& base_url, HttpClient& http) : url_(base_url + "/jsonrpc"), http_(http) {}

Result<std::string> OdooRpc::call(std::string_view what, std::string_view service, std::string_view method,
                                  std::string_view args_json) {
  HttpRequest req;
  req.method = "POST";
  req.url = url_;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  JsonWriter w(req.body);
  w.begin_object().field("jsonrpc", "2.0").field("method", "call").field("id", static_cast<int64_t>(next_id_++));
  w.key("params").begin_object().field("service", service).field("method", method);
  w.key("args").raw(args_json);
  w.end_object().end_object();
  auto resp = http_.send(req);
  if (!resp) {
    Error e = resp.error();
    e.message = fmt::format("{}: {}", what, e.message);
    return e;
  }
  if (resp->status != 200) return error_from_response(what, *resp);
  // A JSON-RPC error comes with HTTP 200, its "error" key among the envelope's first
  // bytes ({"jsonrpc": "2.0", "id": 7, "error": …}); it may echo the password we sent, so
  // it is redacted like any error body before odoo_result quotes (and cuts) it.
  if (std::string_view(resp->body).substr(0, 128).find("\"error\"") != std::string_view::npos)
    resp->body = http_.redactor().redact(resp->body);
  return std::move(resp->body);
}

Result<simdjson::dom::element> odoo_result(std::string_view what, const std::string& body,
                                           simdjson::dom::parser& parser) {
  auto parsed = parse_json_page(parser, body, what);
  if (!parsed) {
    // A cut or truncated answer starts like JSON; an HTML page means base_url is not the
    // Odoo root (a login page, a proxy's landing page).
    size_t first = body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && body[first] == '{') return parsed.error();
    return Error::config(fmt::format("{}: the answer is not JSON-RPC (is base_url the Odoo root?): {}", what,
                                     clean(body, 120)));
  }
  const simdjson::dom::element root = *parsed;
  simdjson::dom::element error;
  if (!root["error"].get(error)) {
    std::string_view name, message;
    if (error.at_pointer("/data/name").get_string().get(name)) name = "Odoo Server Error";
    if (error.at_pointer("/data/message").get_string().get(message) &&
        error["message"].get_string().get(message))
      message = "(no message)";
    return odoo_fault_error(what, name, message);
  }
  simdjson::dom::element result;
  if (root["result"].get(result))
    return Error::transient(fmt::format("{}: the answer has neither result nor error", what));
  return result;
}

bool odoo_missing_record(const std::string& body, simdjson::dom::parser& parser) {
  simdjson::dom::element root;
  std::string_view name;
  if (parser.parse(body).get(root) || root.at_pointer("/error/data/name").get_string().get(name)) return false;
  return ends_with_name(name, "MissingError");
}

Error odoo_fault_error(std::string_view what, std::string_view name, std::string_view message) {
  std::string msg = fmt::format("{}: {}: {}", what, clean(name, 80), clean(message));
  if (ends_with_name(name, "AccessDenied")) return Error::auth(std::move(msg));
  if (ends_with_name(name, "AccessError") || ends_with_name(name, "ValueError") ||
      ends_with_name(name, "ValidationError") || ends_with_name(name, "KeyError"))
    return Error::config(std::move(msg));
  if (ends_with_name(name, "OperationalError") && message.find("does not exist") != std::string_view::npos)
    return Error::config(std::move(msg));  // database "acme" does not exist: a wrong db
  return Error::transient(std::move(msg));
}

}  // namespace crm
