// The connectors' record-field kit: set_record_field, name_from_parts, expand_web_url.
#include <doctest/doctest.h>

#include "connectors/record_fields.h"

using namespace crm;

TEST_CASE("expand_web_url: {id} url-encoded, placeholders once, anything else as written") {
  CHECK(expand_web_url("", "42") == "");
  CHECK(expand_web_url("https://crm.example/c/{id}", "a b/7") == "https://crm.example/c/a%20b%2F7");
  CHECK(expand_web_url("https://crm.example/{external_id}?x={id}", "7") == "https://crm.example/7?x=7");
  CHECK(expand_web_url("{base_url}/{object}/{id}", "9", {{"{base_url}", "https://acme.example"}, {"{object}", "person"}}) ==
        "https://acme.example/person/9");
  // {object_type_id} is not {object} followed by text; a value is not expanded again.
  CHECK(expand_web_url("/{object_type_id}/{object}", "1", {{"{object}", "contacts"}, {"{object_type_id}", "0-1"}}) ==
        "/0-1/contacts");
  CHECK(expand_web_url("{object}/{id}", "1", {{"{object}", "{id}"}}) == "{id}/1");
  CHECK(expand_web_url("{unknown}/{id}", "1") == "{unknown}/1");
}

TEST_CASE("set_record_field and name_from_parts") {
  Record r;
  CHECK(set_record_field(r, "given_name", "Zoë"));
  CHECK(set_record_field(r, "family_name", "Łukasz"));
  CHECK_FALSE(set_record_field(r, "external_id", "x"));
  CHECK(r.external_id.empty());
  name_from_parts(r);
  CHECK(r.name == "Zoë Łukasz");
}
