#include "connectors/hubspot/hubspot_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "connectors/hubspot/hubspot_errors.h"
#include "connectors/hubspot/hubspot_live.h"
#include "connectors/hubspot/hubspot_options.h"
#include "connectors/hubspot/hubspot_page.h"
#include "connectors/hubspot/hubspot_page_token.h"
#include "connectors/hubspot/hubspot_request.h"
#include "connectors/live_request.h"
#include "connectors/source_connector.h"

namespace crm {
namespace {

// Used by one thread at a time (connector.h); holds one page at a time.
class HubspotConnector final : public SourceConnector<HubspotOptions, parse_hubspot_options> {
 public:
  HubspotConnector(const SourceConfig& source, HttpClient& http)
      : SourceConnector(source, http) {
    http_.add_bucket("search", options_.search_per_second);
  }

  // A full pass pages the list endpoint by `after`, a keyset position in id order.
  bool resumable() const override { return true; }

  Result<Page> next_page(const Cursor& cursor) override {
    HubspotPageToken token;
    if (cursor.page_token) {
      auto t = HubspotPageToken::decode(*cursor.page_token);
      if (!t || t->object >= options_.objects.size())
        return Error::internal(fmt::format("unreadable page token '{}'", cursor.page_token->substr(0, 80)));
      token = *t;
    } else {
      token = first_token(cursor, 0);
    }
    if (options_.objects.empty()) return Page{};
    const HubspotObject& object = options_.objects[token.object];
    switch (token.phase) {
      case HubspotPhase::list:
      case HubspotPhase::archived: return list_page(cursor, token, object);
      case HubspotPhase::search:
      case HubspotPhase::instant: return search_page(cursor, token, object);
    }
    return Error::internal("hubspot: unknown phase");
  }

  bool has_get_by_id() const override { return true; }

  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    auto found = object_for_kind(options_.objects, request.kind, "hubspot", "object");
    if (!found) return found.error();
    const HubspotObject* object = *found;
    HttpRequest req{"GET", hubspot_record_url(source_.base_url, options_, *object, request.external_id, request.fields),
                    {{"Accept", "application/json"}}, {}};
    req.final_answer = hubspot_daily_limit_hit;
    auto resp = http_.send(req);
    if (!resp) return resp.error();
    if (hubspot_record_gone(*resp)) return LiveRecord{};
    if (resp->status < 200 || resp->status > 299) return hubspot_error(what(*object, "read by id"), *resp);
    return map_hubspot_record(parser_, resp->body, *object, options_, request);
  }

 private:
  HubspotPageToken first_token(const Cursor& cursor, size_t object) const {
    HubspotPageToken t;
    t.object = object;
    if (cursor.mode == SyncMode::full || !cursor.since) {
      t.phase = HubspotPhase::list;
    } else {
      t.phase = HubspotPhase::search;
      t.t_ms = std::max<int64_t>(0, to_ms(*cursor.since));
    }
    return t;
  }

  // The token after the current phase of `t.object` is done, or nullopt at the end.
  std::optional<std::string> advance(const Cursor& cursor, const HubspotPageToken& t) const {
    if (t.phase != HubspotPhase::list && t.phase != HubspotPhase::archived && options_.read_archived) {
      HubspotPageToken a;
      a.object = t.object;
      a.phase = HubspotPhase::archived;
      return a.encode();
    }
    if (t.object + 1 >= options_.objects.size()) return std::nullopt;
    return first_token(cursor, t.object + 1).encode();
  }

  std::string what(const HubspotObject& object, std::string_view op) const {
    return fmt::format("hubspot {} {}", object.name, op);
  }

  Result<Page> list_page(const Cursor& cursor, const HubspotPageToken& t, const HubspotObject& object) {
    const bool archived = t.phase == HubspotPhase::archived;
    HttpRequest req{"GET", hubspot_list_url(source_.base_url, options_, object, archived, t.after),
                    {{"Accept", "application/json"}}, {}};
    req.final_answer = hubspot_daily_limit_hit;
    auto resp = http_.send(req);
    if (!resp) return resp.error();
    if (resp->status < 200 || resp->status > 299)
      return hubspot_error(what(object, archived ? "archived list" : "list"), *resp);
    Page page;
    auto info = map_hubspot_answer(parser_, resp->body, object, options_, archived, page);
    if (!info) return info.error();
    if (archived) page.high_water.reset();  // archivedAt is not a modification time
    if (info->next_after && info->results > 0) {
      HubspotPageToken next = t;
      next.after = *info->next_after;
      page.next = next.encode();
    } else {
      page.next = advance(cursor, t);
    }
    return page;
  }

  Result<Page> search_page(const Cursor& cursor, const HubspotPageToken& t, const HubspotObject& object) {
    HttpRequest req{"POST", hubspot_search_url(source_.base_url, options_, object),
                    {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                    hubspot_search_body(options_, object, t)};
    req.bucket = "search";  // search has its own, lower limit than the list endpoint
    req.final_answer = hubspot_daily_limit_hit;
    auto resp = http_.send(req);
    if (!resp) return resp.error();
    if (resp->status < 200 || resp->status > 299) return hubspot_error(what(object, "search"), *resp);
    Page page;
    auto info = map_hubspot_answer(parser_, resp->body, object, options_, false, page);
    if (!info) return info.error();
    const bool more = info->next_after.has_value() && info->results > 0;
    if (t.phase == HubspotPhase::instant) {
      HubspotPageToken next = t;
      if (more) {
        next.last_id = info->last_id;
      } else {  // the instant is read whole: go on strictly after it
        next.phase = HubspotPhase::search;
        next.last_id = 0;
        next.strict = true;
      }
      page.next = next.encode();
      return page;
    }
    if (!more) {
      page.next = advance(cursor, t);
      return page;
    }
    if (info->max_modified_ms == INT64_MIN)
      return Error::data(fmt::format("{}: results without {} or updatedAt: cannot page by time",
                                     what(object, "search"), object.modified_property));
    HubspotPageToken next = t;
    if (!t.strict && info->min_modified_ms == t.t_ms && info->max_modified_ms == t.t_ms) {
      // A whole page shares the window's first timestamp (a mass update): page that
      // instant by hs_object_id, then continue after it.
      next.phase = HubspotPhase::instant;
      next.last_id = 0;
    } else {
      // Restart the window at the last timestamp seen (>=: records sharing it that this
      // page did not hold come again; the re-read ones hash the same).
      next.t_ms = info->max_modified_ms;
      next.strict = false;
    }
    page.next = next.encode();
    return page;
  }

};

}  // namespace

const ConnectorType& hubspot_connector_type() { return connector_type<HubspotConnector>("hubspot", hubspot_own_options()); }

}  // namespace crm
