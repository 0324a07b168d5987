// The declarative rest connector: one list answer read by RestPageReader, with one source
// per pagination style (each mapping every record field, extra fields, web_url and another
// timestamp format).
//
// Input: byte 0 picks the source (low bits) and the Content-Type (0x80: text/html, else
// application/json); then the page token that asked for the page up to the first '\n'
// (tokens are stored between runs), the Link header up to the second '\n', the body.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connectors/connector_config.h"
#include "connectors/rest/rest_options.h"
#include "connectors/rest/rest_page.h"
#include "core/log.h"

namespace {

constexpr const char* kConfig = R"(database: x
sources:
  - name: pages
    type: rest
    base_url: https://crm.example/api/v2
    web_url: https://crm.example/customers/{id}
    list:
      path: /customers
      params: { page: "{page}", per_page: "{page_size}", since: "{watermark}" }
      items: /data
      pagination: { style: page, first_page: 0 }
    fields: { external_id: /id, kind: /type, name: /full_name, given_name: /first_name, family_name: /last_name,
              email: /contact/email, phone: /contact/phones/0, company: /company/name, national_id: /tax~1vat,
              updated_at: /modified_at }
    extra_fields: [source, /tags/0]
    timestamp_format: unix
  - name: offsets
    type: rest
    base_url: https://crm.example/api/
    list:
      path: /customers
      params: { offset: "{offset}", limit: "{page_size}" }
      items: /result/items
      pagination: { style: offset }
    fields: { external_id: /uid, name: /name, email: /emails/0/address, updated_at: /ts }
    extra_fields: [/meta/owner]
    kind: company
    timestamp_format: unix_ms
  - name: cursors
    type: rest
    base_url: http://legacy.internal
    web_url: http://legacy.internal/#/c/{external_id}
    list:
      path: /v1/people?active=1
      params: { after: "{cursor}", modified_since: "{watermark}" }
      items: /records
      pagination: { style: cursor, pointer: /paging/next/after }
    fields: { external_id: /id, kind: /kind, given_name: /first, family_name: /last, phone: /phone,
              company: /org/0/name, updated_at: /changed }
    timestamp_format: "%Y-%m-%d %H:%M:%S"
  - name: next-urls
    type: rest
    base_url: https://crm.example/api
    list:
      path: /contacts
      params: { updated_since: "{watermark}" }
      items: /data
      pagination: { style: next_url, pointer: /links/next }
    fields: { external_id: /id, name: /attributes/name, email: /attributes/email, national_id: /attributes/ssn,
              updated_at: /attributes/updated_at }
    extra_fields: [status]
  - name: link-headers
    type: rest
    base_url: https://git.example
    list:
      path: /api/v3/users
      params: { per_page: "{page_size}" }
      items: ""
      pagination: { style: link_header }
    fields: { external_id: /login, name: /name, email: /email, company: /company, updated_at: /updated_at }
)";

struct Style {
  const crm::SourceConfig* source;
  crm::RestOptions options;
  crm::RestPageReader reader;
  Style(const crm::SourceConfig& s, crm::RestOptions o) : source(&s), options(std::move(o)), reader(s, options) {}
  Style(const Style&) = delete;
};

std::vector<std::unique_ptr<Style>> load_styles() {
  static crm::LoadedConfig loaded;
  loaded = crm::load_config_text(kConfig, "/fuzz/config.yaml",
                                 [](const std::string&) { return std::optional<std::string>("x"); });
  for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.format().c_str());
  if (!loaded.config || loaded.config->sources.size() != 5 || !loaded.errors.empty()) std::abort();
  std::vector<std::unique_ptr<Style>> styles;
  for (const auto& source : loaded.config->sources)
    styles.push_back(std::make_unique<Style>(source, crm::parse_rest_options(source, nullptr)));
  crm::set_log_level(crm::LogLevel::error);  // the repair warning would flood the output
  return styles;
}

std::string_view take_line(std::string_view& rest) {
  size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::unique_ptr<Style>> styles = load_styles();
  static simdjson::dom::parser parser;
  if (size < 1) return 0;
  const Style& style = *styles[(data[0] & 0x7f) % styles.size()];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string token(take_line(rest));
  std::string link(take_line(rest));
  crm::HttpResponse response;
  response.status = 200;
  response.headers = {{"content-type", (data[0] & 0x80) ? "text/html; charset=utf-8" : "application/json"},
                      {"link", link}};
  response.body.assign(rest);
  auto page = style.reader.read(response, token, parser);
  if (page && page->records.size() + static_cast<size_t>(page->skipped) > response.body.size()) std::abort();
  return 0;
}
