// `type: rest` blocks with mistakes: each must fail `check` with its line and a message
// that says what is wrong.
#include <doctest/doctest.h>

#include <string>

#include "config/config.h"
#include "connectors/connector_config.h"

using namespace crm;

namespace {

std::string source_with(const std::string& list, const std::string& rest = "    fields: { external_id: /id }\n") {
  return "database: /tmp/x.db\n"
         "sources:\n"
         "  - name: legacy\n"              // 3
         "    type: rest\n"                // 4
         "    base_url: http://127.0.0.1:9\n" +  // 5
         list + rest;                      // list starts at line 6
}

std::string errors_of(const std::string& yaml) {
  auto loaded = load_config_text(yaml, "/etc/crm-index/t.yaml", [](const std::string&) { return std::optional<std::string>(); });
  std::string all;
  for (const auto& e : loaded.errors) all += e.format() + "\n";
  return all;
}

}  // namespace

TEST_CASE("a valid rest block loads") {
  CHECK(errors_of(source_with("    list: { path: /c, items: /data, pagination: { style: next_url, pointer: /next } }\n")) == "");
  CHECK(errors_of(source_with("    list: { path: /c, params: { p: \"{page}\" }, pagination: { style: page } }\n")) == "");
}

TEST_CASE("rest config errors carry their line and say what is wrong") {
  struct Case { std::string list; std::string rest; int line; std::string message; };
  const std::string fields = "    fields: { external_id: /id }\n";
  const Case cases[] = {
      {"", fields, 3, "needs a 'list' block"},
      {"    list: /customers\n", fields, 6, "list: expected a mapping"},
      {"    list: { items: /data, pagination: { style: link_header } }\n", fields, 6, "list.path"},
      {"    list: { path: customers, pagination: { style: link_header } }\n", fields, 6, "starting with '/'"},
      {"    list: { path: /c, pagination: { style: pages } }\n", fields, 6, "'pages' is not one of next_url"},
      {"    list: { path: /c, pagination: { style: next_url } }\n", fields, 6, "needs 'pointer'"},
      {"    list: { path: /c, pagination: { style: cursor, pointer: /n } }\n", fields, 6, "needs a parameter using {cursor}"},
      {"    list: { path: /c, pagination: { style: page } }\n", fields, 6, "needs a parameter using {page}"},
      {"    list: { path: /c, pagination: { style: offset } }\n", fields, 6, "needs a parameter using {offset}"},
      {"    list: { path: /c, items: data, pagination: { style: link_header } }\n", fields, 6, "not a JSON pointer"},
      {"    list: { path: /c, pagination: { style: link_header }, paging: 1 }\n", fields, 6, "unknown key 'paging'"},
      {"    list: { path: /c, pagination: { style: link_header } }\n", "    fields: { name: /n }\n", 7, "'external_id' must be mapped"},
      {"    list: { path: /c, pagination: { style: link_header } }\n", "    fields: { external_id: /id, mail: /e }\n", 7, "unknown record field 'mail'"},
      {"    list: { path: /c, pagination: { style: link_header } }\n", "    fields: { external_id: id }\n", 7, "is not a JSON pointer"},
      {"    list: { path: /c, pagination: { style: link_header } }\n", fields + "    timestamp_format: rfc2822\n", 8, "'rfc2822' is not iso8601"},
      {"    list: { path: /c, pagination: { style: link_header } }\n", fields + "    kind: robot\n", 8, "'robot' is not person or company"},
  };
  for (const auto& c : cases) {
    std::string errs = errors_of(source_with(c.list, c.rest));
    CAPTURE(c.list);
    CAPTURE(c.rest);
    CAPTURE(errs);
    CHECK(errs.find(c.message) != std::string::npos);
    CHECK(errs.find("/etc/crm-index/t.yaml:" + std::to_string(c.line) + ":") != std::string::npos);
  }
}

TEST_CASE("rest: pagination.shifts and fields.deleted") {
  CHECK(errors_of(source_with("    list: { path: /c, pagination: { style: next_url, pointer: /n, shifts: true } }\n",
                              "    fields: { external_id: /id, deleted: /attributes/deleted }\n")) == "");
  CHECK(errors_of(source_with("    list: { path: /c, pagination: { style: next_url, pointer: /n, shifts: often } }\n")) ==
        "/etc/crm-index/t.yaml:6:75: source 'legacy': list.pagination.shifts: expected true or false, got 'often'\n");
  CHECK(errors_of(source_with("    list: { path: /c, pagination: { style: next_url, pointer: /n, shifts: yes } }\n")) ==
        "/etc/crm-index/t.yaml:6:75: source 'legacy': list.pagination.shifts: expected true or false, got 'yes'\n");
  CHECK(errors_of(source_with("    list: { path: /c, pagination: { style: link_header } }\n",
                              "    fields: { external_id: /id, deleted: attributes }\n"))
            .find("fields.deleted: 'attributes' is not a JSON pointer") != std::string::npos);
}
