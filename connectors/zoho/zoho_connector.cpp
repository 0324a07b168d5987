#include "connectors/zoho/zoho_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "connectors/live_request.h"
#include "connectors/source_connector.h"
#include "connectors/zoho/zoho_live.h"
#include "connectors/zoho/zoho_options.h"
#include "connectors/zoho/zoho_page.h"
#include "connectors/zoho/zoho_request.h"

namespace crm {
namespace {

// Deleted Records pages per run: page numbers stop at 10 (2,000 ids). Older deletions
// beyond that are found by the next full pass, with the engine's delete guard.
constexpr int kMaxDeletedPages = 10;

bool is_empty_answer(long status) { return status == 204 || status == 304; }

// Used by one thread at a time (connector.h); owns its JSON parser.
class ZohoConnector final : public SourceConnector<ZohoOptions, parse_zoho_options> {
 public:
  ZohoConnector(const SourceConfig& source, HttpClient& http)
      : SourceConnector(source, http) {
    if (source.auth.scheme.empty()) http_.set_default_auth_scheme(std::string(kZohoAuthScheme));
  }

  // Time windows in Modified_Time order with page tokens valid for 24 hours; an expired
  // one (EXPIRED_VALUE) fails the page.
  bool resumable() const override { return true; }

  Result<Page> next_page(const Cursor& cursor) override {
    ZohoToken at;
    if (cursor.page_token) {
      auto t = decode_zoho_token(*cursor.page_token);
      if (!t || t->module >= options_.modules.size())
        return Error::internal("unknown page token");
      at = std::move(*t);
    } else if (cursor.since) {
      at.since_ms = to_ms(*cursor.since);
    }
    if (options_.modules.empty()) return Page{};
    const ZohoModule& module = options_.modules[at.module];
    const std::string what = fmt::format("list {}", module.name);

    auto resp = http_.get(zoho_list_url(source_.base_url, options_, module, at, source_.settings.page_size),
                          zoho_headers(at.since_ms));
    if (!resp) return resp.error();
    Page page;
    bool more = false;
    std::string next_page_token;
    std::optional<TimePoint> last;
    if (is_empty_answer(resp->status)) {
      // "No records in this window": the module is done.
    } else if (resp->status < 200 || resp->status > 299) {
      return zoho_error(what, *resp);
    } else {
      auto parsed = parse_zoho_page(resp->body, module, options_, parser_);
      if (!parsed) return parsed.error();
      page = std::move(parsed->page);
      more = parsed->more_records;
      next_page_token = std::move(parsed->next_page_token);
      last = parsed->last_modified;
    }
    if (more) page.next = encode_zoho_token(next_window(at, last, std::move(next_page_token)));
    else if (at.module + 1 < options_.modules.size())
      page.next = encode_zoho_token(ZohoToken{at.module + 1, cursor.since ? std::optional(to_ms(*cursor.since)) : std::nullopt, 1, {}});
    return page;
  }

  bool has_deleted_since() const override { return true; }

  Result<std::vector<Deletion>> deleted_since(TimePoint since) override {
    std::vector<Deletion> out;
    for (const auto& module : options_.modules) {
      const std::string what = fmt::format("deleted {}", module.name);
      for (int page = 1; page <= kMaxDeletedPages; ++page) {
        auto resp = http_.get(zoho_deleted_url(source_.base_url, options_, module, page),
                              zoho_headers(to_ms(since)));
        if (!resp) return resp.error();
        if (is_empty_answer(resp->status)) break;
        if (resp->status < 200 || resp->status > 299) return zoho_error(what, *resp);
        auto parsed = parse_zoho_deleted_page(resp->body, module.name, parser_);
        if (!parsed) return parsed.error();
        for (auto& d : parsed->deletions)
          if (d.deleted_at >= since) out.push_back(std::move(d));
        if (!parsed->more_records) break;
      }
    }
    return out;
  }

  bool has_get_by_id() const override { return true; }

  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    auto found = object_for_kind(options_.modules, request.kind, "zoho", "module");
    if (!found) return found.error();
    const ZohoModule* module = *found;
    auto resp = http_.get(zoho_record_url(source_.base_url, options_, *module, request.external_id, request.fields),
                          zoho_headers(std::nullopt));
    if (!resp) return resp.error();
    if (zoho_record_gone(*resp)) return LiveRecord{};
    if (resp->status < 200 || resp->status > 299)
      return zoho_error(fmt::format("get {} {}", module->name, request.external_id), *resp);
    return map_zoho_answer(parser_, resp->body, *module, options_, request);
  }

 private:
  // After a page with more records behind it: a new window from the last Modified_Time
  // seen, or, when the page did not get past the window start (all one timestamp), the
  // same window's next page.
  static ZohoToken next_window(const ZohoToken& at, std::optional<TimePoint> last, std::string page_token) {
    if (last && (!at.since_ms || to_ms(*last) > *at.since_ms)) return ZohoToken{at.module, to_ms(*last), 1, {}};
    ZohoToken same = at;
    if (!page_token.empty()) {
      same.page_token = std::move(page_token);
    } else {
      same.page_token.clear();
      same.page = at.page + 1;  // no token offered (older API versions): page numbers, up to 10
    }
    return same;
  }

};

}  // namespace

const ConnectorType& zoho_connector_type() { return connector_type<ZohoConnector>("zoho", zoho_own_options()); }

}  // namespace crm
