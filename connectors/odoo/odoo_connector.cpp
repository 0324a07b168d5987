#include "connectors/odoo/odoo_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "connectors/odoo/odoo_options.h"
#include "connectors/odoo/odoo_page.h"
#include "connectors/odoo/odoo_request.h"
#include "connectors/odoo/odoo_rpc.h"
#include "connectors/source_connector.h"

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

 private:
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
