#include "connectors/odoo/odoo_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "connectors/odoo/odoo_options.h"
#include "connectors/odoo/odoo_page.h"
#include "connectors/odoo/odoo_request.h"
#include "connectors/odoo/odoo_rpc.h"
#include "connectors/live_fields.h"
#include "connectors/source_connector.h"
#include "core/text_codec.h"

namespace crm {
namespace {

// Used by one thread at a time (connector.h); owns its JSON parser and the run's uid.
class OdooConnector final : public SourceConnector<OdooOptions, parse_odoo_options> {
 public:
  OdooConnector(const SourceConfig& source, HttpClient& http)
      : SourceConnector(source, http), fields_(odoo_read_fields(options_)), rpc_(source.base_url, http) {}

  // Keyset paging (odoo_request.h): a token is a position, valid in any process.
  bool resumable() const override { return true; }

  Result<Page> next_page(const Cursor& cursor) override {
    if (options_.objects.empty()) return Error::config("no objects to read");
    OdooPageToken token;
    if (cursor.page_token) {
      auto t = decode_odoo_token(*cursor.page_token);
      if (!t || t->object >= options_.objects.size())
        return Error::internal(fmt::format("unreadable page token '{}'", cursor.page_token->substr(0, 80)));
      token = *t;
    } else {
      token.by_write_date = cursor.since.has_value();
    }
    // Log in at the start of every run: a key revoked or expired since the last run fails
    // here, with Odoo's answer, before any page is read.
    if (!cursor.page_token || !uid_) {
      if (auto st = login(); !st) return st.error();
    }
    const std::string& model = options_.objects[token.object];
    const std::string what = fmt::format("{} search_read", model);
    const int limit = std::clamp(source_.settings.page_size, 1, kOdooMaxPageSize);
    auto body = rpc_.call(what, "object", "execute_kw",
                          odoo_search_read_args(options_.db, *uid_, source_.auth.password.reveal(), model, fields_,
                                                token, cursor.since, limit));
    if (!body) return body.error();
    auto result = odoo_result(what, *body, parser_);
    if (!result) return result.error();
    auto parsed = parse_odoo_rows(*result, OdooRowContext{options_, model, source_.base_url});
    if (!parsed) return parsed.error();
    Page page = std::move(parsed->page);
    if (parsed->rows >= static_cast<size_t>(limit)) {
      OdooPageToken next = token;
      next.last_id = parsed->last_id;
      if (token.by_write_date) {
        // The keyset needs the last row's (write_date, id); a row without them cannot be
        // paged past without risking a loop or a gap.
        if (!parsed->last_id || !parsed->last_write_ms)
          return Error::data(fmt::format("{}: the last row of a page has no id or write_date", what));
        next.write_ms = parsed->last_write_ms;
      } else if (!parsed->last_id) {
        return Error::data(fmt::format("{}: the last row of a page has no id", what));
      }
      page.next = encode_odoo_token(next);
    } else if (token.object + 1 < options_.objects.size()) {
      OdooPageToken next;
      next.object = token.object + 1;
      next.by_write_date = token.by_write_date;
      page.next = encode_odoo_token(next);
    }
    return page;
  }

  bool has_get_by_id() const override { return !options_.objects.empty(); }

  // execute_kw read([[id]], fields): the mapping's fields and live.fields. The answer is
  // a list of rows like search_read's, mapped by the same code. An unknown or deleted id
  // (MissingError, or an empty list) and a partner the sync tombstones (archived) are gone.
  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    if (!has_get_by_id()) return Error::config("no objects to read");
    auto id = parse_int(request.external_id);
    if (!id || *id <= 0) return LiveRecord{};  // Odoo ids are positive integers
    if (!uid_) {
      if (auto st = login(); !st) return st.error();
    }
    const std::string& model = options_.objects.front();
    const std::string what = fmt::format("{} read", model);
    auto body = rpc_.call(what, "object", "execute_kw",
                          odoo_read_args(options_.db, *uid_, source_.auth.password.reveal(), model, *id,
                                         with_live_fields(request.fields)));
    if (!body) return body.error();
    auto result = odoo_result(what, *body, parser_);
    if (!result) {
      if (odoo_missing_record(*body, parser_)) return LiveRecord{};
      if (result.error().kind == ErrorKind::auth) uid_.reset();  // log in again next time
      return result.error();
    }
    auto parsed = parse_odoo_rows(*result, OdooRowContext{options_, model, source_.base_url});
    if (!parsed) return parsed.error();
    if (parsed->rows == 0) return LiveRecord{};
    LiveRecord live;
    simdjson::dom::object row;
    if (!result->at(0).get_object().get(row)) live.crm = live_fields_json(row, request.fields);
    if (parsed->page.records.empty())
      return Error::data(parsed->page.skip_reasons.empty() ? what + ": the row could not be mapped"
                                                           : parsed->page.skip_reasons[0]);
    if (!parsed->page.records[0].deleted) live.record = std::move(parsed->page.records[0]);
    return live;
  }

 private:
  // The mapping's fields plus the Odoo fields live.fields name (a pointer's first
  // segment: "/country_id/1" reads country_id). What cannot be a field name is not asked
  // for (it shows as null); an unknown field name fails the read as "Invalid field" does.
  std::vector<std::string> with_live_fields(const std::vector<std::string>* live) const {
    std::vector<std::string> out = fields_;
    if (live == nullptr) return out;
    for (const auto& f : *live) {
      std::string name = f.starts_with('/') ? f.substr(1, f.find('/', 1) - 1) : f;
      if (valid_odoo_field(name) && name != "id" && std::find(out.begin(), out.end(), name) == out.end())
        out.push_back(std::move(name));
    }
    return out;
  }

  Status login() {
    const std::string what = "login";
    auto body = rpc_.call(what, "common", "authenticate",
                          odoo_authenticate_args(options_.db, source_.auth.username, source_.auth.password.reveal()));
    if (!body) return body.error();
    auto result = odoo_result(what, *body, parser_);
    if (!result) return result.error();
    int64_t uid = 0;
    if (result->get_int64().get(uid) || uid <= 0) {
      uid_.reset();
      // authenticate answers false, not an error, for a wrong login, password or key.
      return Error::auth(fmt::format("{}: Odoo refused the login '{}' on database '{}' (wrong login, "
                                     "password or API key, or the key expired)",
                                     what, source_.auth.username, options_.db));
    }
    uid_ = uid;
    return {};
  }

  std::vector<std::string> fields_;
  OdooRpc rpc_;
  std::optional<int64_t> uid_;
};

}  // namespace

const ConnectorType& odoo_connector_type() { return connector_type<OdooConnector>("odoo", odoo_own_options()); }

}  // namespace crm
