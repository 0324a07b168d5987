#include "connectors/dynamics/dynamics_connector.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "connectors/dynamics/dynamics_options.h"
#include "connectors/dynamics/dynamics_page.h"
#include "connectors/dynamics/dynamics_request.h"
#include "connectors/page_parser.h"

namespace crm {
namespace {

// Used by one thread at a time (connector.h); owns its JSON parser.
class DynamicsConnector final : public Connector {
 public:
  DynamicsConnector(const SourceConfig& source, HttpClient& http)
      : source_(source), options_(parse_dynamics_options(source, nullptr)), http_(http) {}

  // @odata.nextLink carries a paging cookie (the last row's keys), not a server-side
  // cursor: it is valid in another process; an expired one fails the page.
  bool resumable() const override { return true; }

  Result<Page> next_page(const Cursor& cursor) override {
    DynamicsToken token;
    if (cursor.page_token) {
      auto t = decode_dynamics_token(*cursor.page_token);
      if (!t || t->object >= options_.objects.size())
        return Error::internal(fmt::format("source '{}': unknown page token", source_.name));
      token = std::move(*t);
    }
    if (options_.objects.empty()) return Page{};
    const DynamicsObject& object = options_.objects[token.object];
    // A next link is requested exactly as given: it holds the paging cookie.
    std::string url = token.next_link.empty() ? dynamics_list_url(source_.base_url, object, cursor.since)
                                              : token.next_link;
    auto resp = http_.get(url, dynamics_headers(source_.settings.page_size));
    if (!resp) return resp.error();
    const std::string what = fmt::format("source '{}': list {}", source_.name, object.set);
    if (resp->status < 200 || resp->status > 299) return dynamics_error(what, *resp);

    auto parsed = parse_dynamics_page(resp->body, object, options_, source_.base_url, parser_);
    if (!parsed) {
      Error e = parsed.error();
      e.message = fmt::format("source '{}': {}", source_.name, e.message);
      return e;
    }
    Page page = std::move(parsed->page);
    if (!parsed->next_link.empty())
      page.next = encode_dynamics_token({token.object, std::move(parsed->next_link)});
    else if (token.object + 1 < options_.objects.size())
      page.next = encode_dynamics_token({token.object + 1, {}});
    return page;
  }

 private:
  const SourceConfig& source_;
  DynamicsOptions options_;
  HttpClient& http_;
  PageParser parser_;  // deep records fail alone, not the page (page_parser.h)
};

}  // namespace

std::vector<std::string> dynamics_own_keys() { return {"inactive"}; }

void validate_dynamics_source(const SourceConfig& source, ConfigErrors& errors) {
  (void)parse_dynamics_options(source, &errors);
}

std::unique_ptr<Connector> make_dynamics_connector(const SourceConfig& source, HttpClient& http) {
  return std::make_unique<DynamicsConnector>(source, http);
}

}  // namespace crm
