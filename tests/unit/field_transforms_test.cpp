// decode_html_entities, the engine's field transforms, and the `fields:` mappings that
// ask for them (config/fields_loader.cpp), with their errors.
#include <doctest/doctest.h>

#include "config/config.h"
#include "connectors/connector_config.h"
#include "core/html_entities.h"
#include "sync/field_transforms.h"

using namespace crm;

namespace {

LoadedConfig load_fields(const std::string& fields_block) {
  std::string yaml =
      "database: index.db\n"
      "sources:\n"
      "  - name: legacy\n"
      "    type: rest\n"
      "    base_url: http://127.0.0.1:8080\n"
      "    list: { path: /customers, items: /data, pagination: { style: next_url, pointer: /next } }\n"
      "    fields:\n" +
      fields_block;
  return load_config_text(yaml, "/etc/crm-index/test.yaml", [](const std::string&) { return std::nullopt; });
}

std::string messages(const LoadedConfig& loaded) {
  std::string out;
  for (const auto& e : loaded.errors) out += e.format() + "\n";
  return out;
}

}  // namespace

TEST_CASE("HTML references decode in one pass; anything else stays as written") {
  CHECK(decode_html_entities("O&#039;Brien") == "O'Brien");
  CHECK(decode_html_entities("d&#39;Essai &amp; fils") == "d'Essai & fils");
  CHECK(decode_html_entities("&quot;Ace&quot; &lt;b&gt;") == "\"Ace\" <b>");
  CHECK(decode_html_entities("&apos;&#x27;&#X27;") == "'''");
  CHECK(decode_html_entities("Ren&eacute;e M&uuml;ller &AElig;r&oslash;") == "Ren\xC3\xA9" "e M\xC3\xBCller \xC3\x86r\xC3\xB8");
  CHECK(decode_html_entities("a&nbsp;b") == "a\xC2\xA0" "b");
  CHECK(decode_html_entities("&#x1F600;") == "\xF0\x9F\x98\x80");
  CHECK(decode_html_entities("&#8364;") == "\xE2\x82\xAC");
  // Not references, or not known ones: as written.
  CHECK(decode_html_entities("AT&T") == "AT&T");
  CHECK(decode_html_entities("AT&T; B&B;") == "AT&T; B&B;");
  CHECK(decode_html_entities("&bogus; &amp") == "&bogus; &amp");
  CHECK(decode_html_entities("&#; &#x; &#12a;") == "&#; &#x; &#12a;");
  CHECK(decode_html_entities("& ; &&amp;") == "& ; &&");
  CHECK(decode_html_entities("&amp;lt;") == "&lt;");  // one pass
  // Code points that are not characters become U+FFFD.
  CHECK(decode_html_entities("&#0;") == "\xEF\xBF\xBD");
  CHECK(decode_html_entities("&#xD800;") == "\xEF\xBF\xBD");
  CHECK(decode_html_entities("&#x110000;") == "\xEF\xBF\xBD");
  CHECK(decode_html_entities("&#99999999;") == "\xEF\xBF\xBD");
  CHECK(decode_html_entities("") == "");
  CHECK(decode_html_entities("&") == "&");
}

TEST_CASE("a field transform decodes, then trims white space and no-break spaces") {
  FieldTransform both{true, true};
  CHECK(transform_field("  O&#039;Brien&nbsp; ", both) == "O'Brien");
  CHECK(transform_field("\xC2\xA0 x \xC2\xA0", FieldTransform{false, true}) == "x");
  CHECK(transform_field(" a&amp;b ", FieldTransform{true, false}) == " a&b ");
  CHECK(transform_field(" a&amp;b ", FieldTransform{}) == " a&amp;b ");
  CHECK(transform_field("   ", both).empty());
}

TEST_CASE("apply_field_transforms: configured fields only; a composed name is composed again") {
  std::map<std::string, FieldTransform> t = {{"given_name", {true, true}}, {"family_name", {true, true}},
                                             {"company", {true, false}}};
  Record r;
  r.given_name = "Se&aacute;n ";
  r.family_name = "O&#039;Brien";
  r.name = "Se&aacute;n  O&#039;Brien";  // as name_from_parts composed it
  r.company = "Smith &amp; Co ";
  r.email = "a&amp;b@example.com";  // not configured
  apply_field_transforms(r, t);
  CHECK(r.given_name == "Se\xC3\xA1n");
  CHECK(r.family_name == "O'Brien");
  CHECK(r.name == "Se\xC3\xA1n O'Brien");
  CHECK(r.company == "Smith & Co ");
  CHECK(r.email == "a&amp;b@example.com");

  SUBCASE("a name of the CRM's own is left alone unless `name` has a transform") {
    Record own;
    own.given_name = "O&#039;";
    own.name = "O&#039;Brien Ltd";
    apply_field_transforms(own, t);
    CHECK(own.name == "O&#039;Brien Ltd");
    t["name"] = FieldTransform{true, false};
    own.name = "O&#039;Brien Ltd";
    apply_field_transforms(own, t);
    CHECK(own.name == "O'Brien Ltd");
  }
}

TEST_CASE("fields: a string or a mapping with from, decode and trim") {
  auto loaded = load_fields(
      "      external_id: /id\n"
      "      family_name: { from: /attributes/last_name, decode: html, trim: true }\n"
      "      company: { from: /attributes/account_name, decode: none, trim: true }\n"
      "      name: { decode: html }\n");
  INFO(messages(loaded));
  REQUIRE(loaded.config.has_value());
  const SourceConfig& s = loaded.config->sources.at(0);
  CHECK(s.fields.at("external_id") == "/id");
  CHECK(s.fields.at("family_name") == "/attributes/last_name");
  CHECK(s.fields.at("company") == "/attributes/account_name");
  CHECK(s.fields.count("name") == 0);  // the connector's own mapping
  CHECK(s.field_transforms.at("family_name") == FieldTransform{true, true});
  CHECK(s.field_transforms.at("company") == FieldTransform{false, true});
  CHECK(s.field_transforms.at("name") == FieldTransform{true, false});
  CHECK(s.field_transforms.count("external_id") == 0);
}

TEST_CASE("fields: each bad mapping is an error at its line") {
  struct Case {
    std::string block, message;
    int line;
  };
  for (const Case& c : std::vector<Case>{
           {"      external_id: /id\n      name: { from: /n, decode: xml }\n", "fields.name.decode: 'xml' is not html or none", 9},
           {"      external_id: /id\n      name: { form: /n }\n", "unknown key 'fields.name.form' (did you mean 'from'?)", 9},
           {"      external_id: { from: /id, trim: true }\n", "fields.external_id: decode and trim apply to text fields only", 8},
           {"      external_id: /id\n      updated_at: { from: /m, decode: html }\n", "fields.updated_at: decode and trim apply to text fields only", 9},
           {"      external_id: /id\n      name: {}\n", "fields.name: expected from, decode or trim", 9},
           {"      external_id: /id\n      name: { from: /n, trim: maybe }\n", "fields.name.trim: expected true or false", 9},
           {"      [a, b]\n", "fields: expected a mapping", 8},
           {"      external_id: /id\n      name: { from: '' }\n", "fields.name.from: ", 9},
           {"      external_id: /id\n      name: { from: /n, decode: [html] }\n", "fields.name.decode: expected a string", 9},
       }) {
    CAPTURE(c.block);
    auto loaded = load_fields(c.block);
    INFO(messages(loaded));
    CHECK_FALSE(loaded.config.has_value());
    bool found = false;
    for (const auto& e : loaded.errors)
      if (e.message.find(c.message) != std::string::npos) {
        found = true;
        CHECK(e.line == c.line);
      }
    CHECK_MESSAGE(found, "expected: " << c.message);
  }
}
