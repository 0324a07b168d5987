// Parsing one answer of the query / queryAll resource into mapped records:
//   {"totalSize":N,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01g…-2000",
//    "records":[{"attributes":{…},"Id":"003…","Account":{"Name":"…"},"IsDeleted":false,
//                "MasterRecordId":null,"SystemModstamp":"2025-11-20T09:14:03.000+0000"}]}
// Rows with IsDeleted = true (queryAll shows the Recycle Bin) become tombstones, with
// merged_into = MasterRecordId for the losers of a merge. Pure; thread-compatible (the
// caller owns the simdjson parser).
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "connectors/connector.h"
#include "connectors/salesforce/salesforce_options.h"
#include "core/result.h"

namespace crm {

struct QueryPage {
  Page page;
  bool done = true;
  std::string next_url;             // nextRecordsUrl, when not done
  std::optional<int64_t> last_ms;   // SystemModstamp of the last row (the query's order)
};

struct RowMapping {
  const SfObject& object;
  std::string web_url;       // template with {object}, {id}, {instance_url}
  std::string instance_url;  // no trailing slash
};

// One row (of a query page, or an sObject Rows answer) appended to out.page, or counted
// in out.page.skip: every read maps through here, so a live read hashes like the page
// that held the record.
void map_query_row(simdjson::dom::element row, const RowMapping& mapping, QueryPage& out);

Result<QueryPage> parse_query_page(simdjson::dom::parser& parser, std::string_view body,
                                   const RowMapping& mapping);

// A field of a row by its SOQL name, following dotted parent paths ("Account.Name"): the
// text of a scalar; "" for null or an absent parent. False when it is an object or array.
bool soql_field(simdjson::dom::element row, std::string_view name, std::string& out);

}  // namespace crm
