// The search_read calls the connector makes, and its page token.
//
// Paging is keyset, never offset (crm-apis.md, Odoo: "Offset paging over write_date shifts
// when rows are edited during the run; the keyset form does not"): `offset` stays 0 and
// the domain restarts after the last row handed out.
//  - incremental: order "write_date asc, id asc"; first page
//      [["write_date", ">=", S]]
//    then, after the row (W, L),
//      [["write_date", ">=", W], "|", ["write_date", ">", W], ["id", ">", L]]
//    so equal write_dates (second resolution, bulk edits) are split by id, and a row
//    edited during the run moves behind the cursor and is read again, never skipped;
//  - full pass: order "id asc", [] then [["id", ">", L]]: ids never move, the primary
//    key makes each page cheap, and rows created during the pass come last.
// Every call has context {"active_test": false}: archived partners are listed too (a
// default search hides them, and a full pass would tombstone them as deleted).
// A page shorter than the limit is the last one (there is no cursor or total).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace crm {

struct OdooPageToken {
  size_t object = 0;          // index into OdooOptions::objects
  bool by_write_date = false; // incremental order; else id order (full pass)
  std::optional<int64_t> write_ms;  // incremental: write_date of the last row read
  std::optional<int64_t> last_id;   // the id of the last row read
};

// "od1:<object>:id:<last_id or ->" | "od1:<object>:wd:<write_ms or ->:<last_id or ->"
std::string encode_odoo_token(const OdooPageToken& t);
std::optional<OdooPageToken> decode_odoo_token(std::string_view s);

// Odoo's datetime form in domains and answers: "2025-11-20 09:14:03", UTC, no zone,
// whole seconds (truncated, which keeps >= inclusive).
std::string odoo_datetime(TimePoint t);

// The positional args of execute_kw for one page of search_read, as a JSON array:
// [db, uid, password, model, "search_read", [domain], {fields, order, limit, offset, context}].
// `since` is the incremental lower bound of the first page (nullopt on a full pass).
std::string odoo_search_read_args(std::string_view db, int64_t uid, std::string_view password,
                                  std::string_view model, const std::vector<std::string>& fields,
                                  const OdooPageToken& token, std::optional<TimePoint> since, int limit);

// [db, uid, password, model, "read", [[id]], {fields}]: one record by id (a live read).
// read ignores active_test: an archived partner is read like any other.
std::string odoo_read_args(std::string_view db, int64_t uid, std::string_view password, std::string_view model,
                           int64_t id, const std::vector<std::string>& fields);

// [db, login, password, {}] for common.authenticate.
std::string odoo_authenticate_args(std::string_view db, std::string_view login, std::string_view password);

}  // namespace crm
