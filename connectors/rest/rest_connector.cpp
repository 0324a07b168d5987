#include "connectors/rest/rest_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "connectors/error_body.h"
#include "connectors/json_fields.h"
#include "connectors/source_connector.h"
#include "connectors/rest/next_url.h"
#include "connectors/rest/rest_options.h"
#include "connectors/rest/rest_page.h"
#include "core/text_codec.h"

namespace crm {
namespace {

class RestConnector final : public SourceConnector<RestOptions, parse_rest_options> {
 public:
  RestConnector(const SourceConfig& source, HttpClient& http)
      : SourceConnector(source, http), reader_(source_, options_) {}

  // The engine asks after the last page of a pass, so a page-number link seen on any
  // page of it counts (sync_run.cpp).
  bool listing_may_shift() const override {
    if (options_.shifts) return *options_.shifts;
    return options_.style == PageStyle::page || options_.style == PageStyle::offset || positional_seen_;
  }

  // Only a keyset cursor is known to stay valid for another process and not to shift;
  // next links and Link headers may hide offsets.
  bool resumable() const override { return options_.style == PageStyle::cursor; }

  Result<Page> next_page(const Cursor& cursor) override {
    std::string_view token = cursor.page_token ? std::string_view(*cursor.page_token) : std::string_view();
    std::string url = request_url(cursor, token);
    bool from_link = token.rfind(rest_token::url, 0) == 0;
    auto resp = http_.get(url, {{"Accept", "application/json"}});
    if (!resp) {
      if (!from_link) return resp.error();
      // The client names the URL without its query; a CRM's next link is wrong in its query.
      Error e = resp.error();
      e.message = fmt::format("{} (next-page URL from the CRM: {})", e.message, shown(url));
      return e;
    }
    if (resp->status == 204) return Page{};
    if (resp->status >= 300 && resp->status <= 399) {
      std::string_view location = resp->header("location");
      // Same-origin redirects the client followed; what is left has no usable Location.
      Error e = Error::config(fmt::format(
          "list: HTTP {} redirect to {}: not followed (set base_url to where the API answers)", resp->status, location.empty() ? std::string("(no Location header)") : shown(location)));
      e.http_status = static_cast<int>(resp->status);
      return e;
    }
    if (resp->status < 200 || resp->status > 299)
      return error_from_response("list", *resp);
    auto page = reader_.read(*resp, token, parser_);
    if (!page && resp->url != url) {
      // A same-origin redirect the client followed ended at a page that is not the API
      // (SuiteCRM sends a wrong base path to its login page): name where it led.
      Error e = page.error();
      e.message = fmt::format("{} (redirected to {}: set base_url to where the API answers)", e.message,
                              shown(resp->url));
      return e;
    }
    if (page && page->next && page->next->rfind(rest_token::url, 0) == 0 &&
        is_positional_link(std::string_view(*page->next).substr(rest_token::url.size())))
      positional_seen_ = true;
    return page;
  }

  bool has_get_by_id() const override { return !source_.live.path.empty(); }

  Result<LiveRecord> get_by_id(const LiveRequest& request) override {
    std::string path = source_.live.path;
    replace_all(path, "{id}", url_encode(request.external_id));
    // live.path may carry a query in the CRM's own syntax ("?fields[Contacts]=…").
    auto resp = http_.get(encode_url_gaps(rest_join_url(source_.base_url, path)), {{"Accept", "application/json"}});
    if (!resp) return resp.error();
    if (resp->status == 404 || resp->status == 410 || (resp->status == 400 && names_missing(*resp, request.external_id)))
      return LiveRecord{};
    if (resp->status < 200 || resp->status > 299) return error_from_response("get by id", *resp);
    return reader_.read_one(*resp, parser_, request.fields);
  }

 private:
  // SuiteCRM's V8 API answers an unknown or deleted id with 400 and a JSON:API error,
  // "Contacts module with id <id> is not found" (getBeanSafe's exception): gone, as a
  // 404 is. A 400 naming no id (a bad fields[] parameter) stays a configuration error.
  static bool names_missing(const HttpResponse& resp, std::string_view id) {
    std::string message = crm_error_message(resp.body);
    return !id.empty() && message.find("not found") != std::string::npos && message.find(id) != std::string::npos;
  }

  // A URL for an error: the credentials this client knows, and the ones a CRM may have
  // put in its own links (session tokens, an api_key parameter), masked.
  std::string shown(std::string_view url) const {
    return http_.redactor().redact(url_without_secrets(url, source_.auth));
  }

  std::string request_url(const Cursor& cursor, std::string_view token) {
    if (token.rfind(rest_token::url, 0) == 0) return std::string(token.substr(rest_token::url.size()));
    std::string url = rest_join_url(source_.base_url, options_.path);
    char sep = url.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [name, tmpl] : options_.params) {
      std::string v = tmpl;
      if (v.find("{watermark}") != std::string::npos) {
        if (!cursor.since) continue;  // full pass: no watermark, the parameter is left out
        replace_all(v, "{watermark}", format_timestamp(*cursor.since, options_.watermark));
      }
      if (v.find("{cursor}") != std::string::npos) {
        if (token.rfind(rest_token::cursor, 0) != 0) continue;  // first page: no cursor yet
        replace_all(v, "{cursor}", token.substr(rest_token::cursor.size()));
      }
      replace_all(v, "{page_size}", std::to_string(source_.settings.page_size));
      replace_all(v, "{page}", std::to_string(rest_token_number(token, rest_token::page, options_.first_page)));
      replace_all(v, "{offset}", std::to_string(rest_token_number(token, rest_token::offset, 0)));
      url += sep;
      url += url_encode(name);
      url += '=';
      url += url_encode(v);
      sep = '&';
    }
    return url;
  }

  const RestPageReader reader_;  // holds references to source_ and options_ (declared before it)
  bool positional_seen_ = false;  // a next link of this connector's life paged by number/offset
};

}  // namespace

const ConnectorType& rest_connector_type() { return connector_type<RestConnector>("rest", rest_own_options()); }

}  // namespace crm
