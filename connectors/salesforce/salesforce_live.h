// A live read (platform.md "Live reads") of one Salesforce record by Id.
//
// The get-by-id endpoint is sObject Rows, GET {api_root}/sobjects/{Object}/{Id}?fields=…
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve.htm);
// its answer is one row of the query rows' shape, mapped by map_query_row. Its `fields`
// takes the object's own fields only: a parent's field (Account.Name, the default
// `company` of a Contact) is reached by a second resource (sObject Relationships). So a
// mapping that reads a parent's field is read with one query instead,
// GET {api_root}/query?q=SELECT … FROM {Object} WHERE Id = '{Id}', the same SELECT as a
// sync's: still one request, and the row comes back exactly as a page holds it.
// Pure functions; thread-safe (the parser is the caller's).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/salesforce/salesforce_options.h"
#include "connectors/salesforce/salesforce_page.h"
#include "core/result.h"
#include "http/http_client.h"

namespace crm {

// A Salesforce record id: 15 or 18 letters and digits (anything else could not be one,
// and would not be safe in a SOQL literal).
bool valid_sf_id(std::string_view id);

// The fields read: the sync's SELECT list, then the plain names among `fields` (a JSON
// pointer reads into the answer; it is no field), each once.
std::vector<std::string> sf_live_fields(const SfObject& object, const std::vector<std::string>* fields);
// True when the request goes to the query resource (a dotted parent field is read).
bool sf_live_needs_query(const std::vector<std::string>& fields);
// The request's URL under api_root ("{instance}/services/data/vNN.N"); `id` must be valid.
std::string sf_record_url(std::string_view api_root, const SfObject& object, std::string_view id,
                          const std::vector<std::string>& fields);

// Salesforce's "no such record": sObject Rows' 404 NOT_FOUND ("The requested resource
// does not exist") or ENTITY_IS_DELETED (in the Recycle Bin, merged-away losers too).
bool sf_record_gone(const HttpResponse& response);

// The 200 answer (an sObject Rows row, or a query page holding at most the one row) as a
// LiveRecord: gone (no record, crm "{}") for an empty query answer or a row the sync
// tombstones (IsDeleted); `crm` from the row. Unmappable: a data Error.
Result<LiveRecord> map_sf_record(simdjson::dom::parser& parser, std::string_view body, const RowMapping& mapping,
                                 bool query_answer, const LiveRequest& request);

}  // namespace crm
