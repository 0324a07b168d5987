// RestDialect: the declarative "rest" dialect of an in-house CRM (see README.md), one
// list path per pagination style, each understanding only its own paging parameters:
//   /page/contacts         ?page=P&per_page=N          meta.page / per_page / total
//   /offset/contacts       ?offset=K&limit=N           meta.offset / limit / total
//   /next_url/contacts     ?per_page=N                 links.next: absolute URL or null
//   /link_header/contacts  ?per_page=N&page=P          RFC 8288 Link header, rel="next"
//   /cursor/contacts       ?limit=N&cursor=C           keyset; meta.next_cursor or null
//   /contacts/{id}                                     {"data": <record>}; 404 when unknown or deleted
// all with an optional, inclusive modified_since (ISO 8601, any offset). Timestamps are
// rendered in a configured UTC offset so that clients must normalise them.
//
// Immutable after construction; thread-safe (reads the Dataset, which locks).
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "fake/dataset.h"
#include "fake/dialect.h"

namespace crm::fake {

struct RestOptions {
  int tz_offset_minutes = 60;
  std::string tz_suffix = "+01:00";  // what follows the seconds: "Z" or "+hh:mm"
  size_t max_page_size = 100;
  size_t default_page_size = 25;
};

// "Z", "+05:30", "-08:00" → minutes east of UTC; nullopt when malformed.
std::optional<int> parse_utc_offset(std::string_view tz);

// "modified_ms:id", base64url without padding: what a cursor means, opaque to clients.
std::string encode_cursor(OrderKey key);
std::optional<OrderKey> decode_cursor(std::string_view cursor);

// How an injected fault bends one list answer (FakeServer's `duplicate` and `empty`).
enum class PageBend {
  none,
  repeat_previous,  // start one record early: the previous page's last record comes again
  cut_short,        // an empty list with no next page, as if the listing ended here
};

class RestDialect final : public Dialect {
 public:
  RestDialect(const Dataset& data, RestOptions options, const BaseUrl& base);

  std::string_view name() const override { return "rest"; }
  RouteKind route(std::string_view path) const override;
  ServerResponse handle(const ServerRequest& req) const override { return handle(req, PageBend::none); }
  ServerResponse handle(const ServerRequest& req, PageBend bend) const;
  ServerResponse error(int status, std::string_view code, std::string_view message) const override;
  int64_t view_since_ms(const ServerRequest& req) const override;

  // One record as the dialect renders it (exposed for tests).
  void append_record(std::string& out, const FakeRecord& r) const;
  std::string format_time(int64_t ms) const;

 private:
  enum class Style { page, offset, next_url, link_header, cursor };
  // A list request's parameters, validated.
  struct ListRequest {
    Style style = Style::page;
    int64_t since_ms = INT64_MIN;
    std::optional<std::string_view> since_raw;  // as given, for next links
    size_t size = 0;                            // the effective page size
    uint64_t page_no = 1;
    uint64_t offset = 0;
    std::optional<OrderKey> after;
  };
  static std::optional<Style> style_of(std::string_view path);
  static std::optional<std::string_view> record_id_of(std::string_view path);
  ServerResponse one(std::string_view id) const;
  Result<ListRequest> parse(const ServerRequest& req, Style style) const;
  ServerResponse render(const ListRequest& lr, const ListPage& page) const;

  const Dataset& data_;
  const RestOptions options_;
  const BaseUrl& base_;
};

}  // namespace crm::fake
