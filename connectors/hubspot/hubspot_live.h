// A live read (platform.md "Live reads") of one HubSpot object by id:
// GET {base}{prefix}/{object}/{id}?properties=…&archived=false
// (https://developers.hubspot.com/docs/api/crm/contacts, "Retrieve a contact"). The answer
// is one object of the list's shape, mapped by map_hubspot_object. Pure functions;
// thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/hubspot/hubspot_options.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

// The object's mapped properties plus the plain names among `fields` (a field written as
// a JSON pointer reads into the answer, it is no property), each once.
std::string hubspot_record_url(const std::string& base_url, const HubspotOptions& options,
                               const HubspotObject& object, std::string_view id,
                               const std::vector<std::string>* fields);

// HubSpot's "no such object": 404 with category OBJECT_NOT_FOUND (archived objects too,
// since the read asks archived=false), or a 404 without a body. Other 404s (a wrong
// base_url's HTML page) are errors: a live read that says "gone" tombstones the record.
bool hubspot_record_gone(const HttpResponse& response);

// The 200 answer as a LiveRecord: `crm` from its `properties`; gone (no record, crm "{}")
// when the object is archived or is not the one asked for (a merged-away id may answer
// with its survivor, and the sync tombstones merged-away ids). An answer that cannot be mapped is a data Error.
Result<LiveRecord> map_hubspot_record(simdjson::dom::parser& parser, std::string_view body,
                                      const HubspotObject& object, const HubspotOptions& options,
                                      const LiveRequest& request);

}  // namespace crm
