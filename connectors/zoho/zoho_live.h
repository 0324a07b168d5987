// A live read (platform.md "Live reads") of one Zoho CRM record by id: Get Record,
// GET {base}/crm/{version}/{Module}/{id}?fields=…
// (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html, "Get a specific
// record"). The answer is {"data":[<the record, as Get Records writes it>]}, mapped by
// map_zoho_record. Pure functions; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/zoho/zoho_options.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

// `fields`: what a list asks for, plus the plain names among `fields` (a JSON pointer
// reads into the answer; it is no field), each once.
std::string zoho_record_url(std::string_view base_url, const ZohoOptions& options, const ZohoModule& module,
                            std::string_view id, const std::vector<std::string>* fields);

// Zoho's "no such record": 204 No Content, or 400 INVALID_DATA about the id ("the related
// id given seems to be invalid"). INVALID_DATA about anything else (a field name) is an
// error: a live read that says "gone" tombstones the record.
bool zoho_record_gone(const HttpResponse& response);

// The 200 answer as a LiveRecord: `crm` from the record; gone (no record, crm "{}") when
// `data` is empty or holds another id. Unmappable: a data Error.
Result<LiveRecord> map_zoho_answer(simdjson::dom::parser& parser, std::string_view body, const ZohoModule& module,
                                   const ZohoOptions& options, const LiveRequest& request);

}  // namespace crm
