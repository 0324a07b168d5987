#include "connectors/dynamics/dynamics_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "connectors/dynamics/dynamics_live.h"
#include "connectors/dynamics/dynamics_options.h"
#include "connectors/dynamics/dynamics_page.h"
#include "connectors/dynamics/dynamics_request.h"
#include "connectors/dynamics/dynamics_state.h"
#include "connectors/live_request.h"
#include "connectors/source_connector.h"

namespace crm {
namespace {

// Used by one thread at a time (connector.h); owns its JSON parser.
class DynamicsConnector final : public SourceConnector<DynamicsOptions, parse_dynamics_options> {
 public:
  using SourceConnector::SourceConnector;

  // @odata.nextLink carries a paging cookie (the last row's keys), not a server-side
  // cursor: it is valid in another process; an expired one fails the page.
  bool resumable() const override { return true; }

  Result<Page> next_page(const Cursor& cursor) override {
    DynamicsToken token;
    if (cursor.page_token) {
      auto t = decode_dynamics_token(*cursor.page_token);
      if (!t || t->object >= options_.objects.size())
        return Error::internal("unknown page token");
      token = std::move(*t);
    }
    if (options_.objects.empty()) return Page{};
    const DynamicsObject& object = options_.objects[token.object];
    const std::string select = dynamics_select_text(object);
    std::optional<DynamicsState> state = DynamicsState{};
    if (cursor.state) state = decode_dynamics_state(*cursor.state, parser_);
    const bool full = cursor.mode == SyncMode::full;
    auto full_pass = [&](std::string why) {
      Page p;
      p.needs_full_pass = std::move(why);
      return p;
    };

    // How this object is read: a change-tracking read (every row, then a delta link) on
    // full passes; its delta link on incremental runs; the modifiedon filter for a table
    // without change tracking. A next link is requested exactly as given (it holds the
    // paging cookie), with the headers of the read it belongs to.
    bool plain = token.plain;
    std::string url = token.next_link;
    if (url.empty() && full) {
      url = dynamics_tracked_url(source_.base_url, object);
    } else if (url.empty()) {
      if (!state) return full_pass("the stored change-tracking state is unreadable");
      auto it = state->objects.find(object.set);
      if (it == state->objects.end()) return full_pass(fmt::format("no change-tracking state for {} yet", object.set));
      if (it->second.select != select)
        return full_pass(fmt::format("the columns read from {} changed since its delta link was made", object.set));
      plain = it->second.delta.empty();
      url = plain ? dynamics_list_url(source_.base_url, object, cursor.since) : it->second.delta;
    }
    const std::string what = fmt::format("list {}", object.set);
    auto resp = http_.get(url, dynamics_headers(source_.settings.page_size, !plain));
    if (!resp) return resp.error();
    if (resp->status < 200 || resp->status > 299) {
      if (!plain && !full && dynamics_error_code(*resp) == kDynamicsExpiredVersionStamp)
        return full_pass(dynamics_error(fmt::format("Dataverse refused the delta link of {}", object.set), *resp).message);
      // A table without change tracking refuses a tracked read: read it as before.
      if (!plain && full && token.next_link.empty() && resp->status == 400) {
        resp = http_.get(dynamics_list_url(source_.base_url, object, std::nullopt),
                         dynamics_headers(source_.settings.page_size, false));
        if (!resp) return resp.error();
        plain = true;
      }
      if (resp->status < 200 || resp->status > 299) return dynamics_error(what, *resp);
    }

    auto parsed = parse_dynamics_page(resp->body, object, options_, source_.base_url, parser_);
    if (!parsed) return parsed.error();
    Page page = std::move(parsed->page);
    if (!parsed->next_link.empty()) {
      page.next = encode_dynamics_token({token.object, std::move(parsed->next_link), plain});
      return page;
    }
    // The object is done: how to read it next time goes with this page. A tracked read
    // without a delta link means the service did not apply odata.track-changes.
    DynamicsState next;
    if (state)
      for (const auto& o : options_.objects)
        if (auto it = state->objects.find(o.set); it != state->objects.end()) next.objects.insert(*it);
    next.objects[object.set] = {select, plain ? std::string() : std::move(parsed->delta_link)};
    page.state = encode_dynamics_state(next);
    if (token.object + 1 < options_.objects.size()) page.next = encode_dynamics_token({token.object + 1, {}, false});
    return page;
  }

  bool has_get_by_id() const override { return true; }

  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    auto found = object_for_kind(options_.objects, request.kind, "dynamics", "entity set");
    if (!found) return found.error();
    const DynamicsObject* object = *found;
    auto resp = http_.get(dynamics_record_url(source_.base_url, *object, request.external_id, request.fields),
                          dynamics_record_headers());
    if (!resp) return resp.error();
    if (dynamics_record_gone(*resp)) return LiveRecord{};
    if (resp->status < 200 || resp->status > 299)
      return dynamics_error(fmt::format("retrieve {}({})", object->set, request.external_id), *resp);
    return map_dynamics_record(parser_, resp->body, *object, options_, source_.base_url, request);
  }

};

}  // namespace

const ConnectorType& dynamics_connector_type() { return connector_type<DynamicsConnector>("dynamics", dynamics_own_options()); }

}  // namespace crm
