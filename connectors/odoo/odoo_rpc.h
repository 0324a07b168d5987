// OdooRpc: the one function that talks to Odoo — `POST {base_url}/jsonrpc` with
// {"jsonrpc":"2.0","method":"call","id":N,"params":{"service":…,"method":…,"args":[…]}} —
// and the reading of its answer envelope. Kept behind this one class so that the JSON-2
// API (`/json/2/<model>/<method>`, Odoo 19+; JSON-RPC is deprecated there) can be added
// without touching the rest (crm-apis.md, Odoo: Status of this API).
//
// Odoo answers errors with HTTP 200 and an `error` member instead of `result`:
//   {"error":{"code":200,"message":"Odoo Server Error",
//             "data":{"name":"odoo.exceptions.AccessDenied","message":"Access Denied",…}}}
// so an HTTP-status-only reading would take a refused call for an empty success. The
// `debug` member (a traceback that can hold record data) is never read.
//
// OdooRpc is owned by the connector; not thread-safe (one call at a time). The request
// body carries the password or API key: it is never logged or put into an Error.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/http_client.h"

namespace crm {

class OdooRpc {
 public:
  OdooRpc(const std::string& base_url, HttpClient& http);  // base_url without a trailing '/'

  // Sends one call; `args_json` is the JSON array of positional arguments. Returns the
  // raw HTTP 200 body (to be read with odoo_result), or the Error for a non-200 answer
  // (429 and 5xx from a proxy or an overloaded worker: transient) or a transport failure.
  Result<std::string> call(std::string_view what, std::string_view service, std::string_view method,
                           std::string_view args_json);

 private:
  std::string url_;
  HttpClient& http_;
  long next_id_ = 1;
};

// The `result` of an answer envelope, parsed with `parser` (valid until its next parse),
// or the Error its `error` member describes (odoo_fault_error).
Result<simdjson::dom::element> odoo_result(std::string_view what, const std::string& body,
                                           simdjson::dom::parser& parser);

// True when an answer is the fault Odoo raises for an id that does not exist or was
// deleted (odoo.exceptions.MissingError, "Record does not exist or has been deleted.").
// For the error path only: it parses the body again.
bool odoo_missing_record(const std::string& body, simdjson::dom::parser& parser);

// The Error for a JSON-RPC error object, by error.data.name (crm-apis.md, Odoo: Error
// bodies): AccessDenied → auth; AccessError (missing rights), ValueError /
// ValidationError (e.g. "Invalid field"), KeyError (unknown model), a database that does
// not exist → config; anything else → transient. Message: "<what>: <name>: <message>".
Error odoo_fault_error(std::string_view what, std::string_view name, std::string_view message);

}  // namespace crm
