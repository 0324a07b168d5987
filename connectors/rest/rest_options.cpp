#include "connectors/rest/rest_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "connectors/source_options.h"

namespace crm {
namespace {

const char* kStyles[] = {"next_url", "link_header", "page", "offset", "cursor"};

void check_keys(const YAML::Node& map, std::initializer_list<const char*> known,
                const std::string& where, ConfigErrors* errors) {
  if (!errors || !map.IsMap()) return;
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>("");
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      std::string list;
      for (const char* k : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
      errors->add(kv.first, fmt::format("{}: unknown key '{}' (known: {})", where, key, list));
    }
  }
}

std::string scalar(const YAML::Node& n, const std::string& where, ConfigErrors* errors) {
  if (!n.IsDefined() || n.IsNull()) return {};
  if (!n.IsScalar()) {
    if (errors) errors->add(n, fmt::format("{}: expected a string", where));
    return {};
  }
  return n.as<std::string>();
}

constexpr OptionSpec kRestOptions[] = {
    {"list", OptionSpec::block, "", "the list endpoint: path, params, items, pagination (README.md)"},
    {"timestamp_format", OptionSpec::text, "iso8601",
     "how fields.updated_at is written: iso8601, unix, unix_ms or a strftime pattern"},
    {"watermark_format", OptionSpec::text, "iso8601", "how {watermark} is written in list.params, as timestamp_format"},
    {"kind", OptionSpec::choice, "person", "the kind of records when fields.kind is not mapped: person or company"},
};

bool uses(const RestOptions& o, std::string_view placeholder) {
  return std::any_of(o.params.begin(), o.params.end(), [&](const auto& p) {
    return p.second.find(placeholder) != std::string::npos;
  });
}

}  // namespace

std::span<const OptionSpec> rest_own_options() { return kRestOptions; }

const std::vector<std::string>& rest_record_fields() {
  static const std::vector<std::string> f = {"external_id", "kind", "name", "given_name",
                                             "family_name", "email", "phone", "company",
                                             "national_id", "country", "updated_at", "deleted"};
  return f;
}

RestOptions parse_rest_options(const SourceConfig& source, ConfigErrors* errors) {
  RestOptions o;
  const YAML::Node& block = source.node;
  // Values are quoted as written in the file (${VAR}, not its value: it may be a secret).
  auto written = [&](const YAML::Node& n, const std::string& fallback) {
    return errors && n.IsDefined() && n.IsScalar() ? errors->as_written(n) : fallback;
  };
  auto err = [&](const YAML::Node& at, std::string msg) {
    if (errors) errors->add(at, fmt::format("source '{}': {}", source.name, msg));
  };

  YAML::Node list = block["list"];
  if (!list.IsDefined()) {
    if (errors) errors->add(source.position, fmt::format("source '{}': type rest needs a 'list' block (path, params, items, pagination)", source.name));
    return o;
  }
  if (!list.IsMap()) {
    err(list, "list: expected a mapping with path, params, items, pagination");
    return o;
  }
  check_keys(list, {"path", "params", "items", "pagination"}, "list", errors);
  o.path = scalar(list["path"], "list.path", errors);
  if (o.path.empty() || o.path[0] != '/') err(list["path"].IsDefined() ? list["path"] : list, "list.path: expected a path starting with '/'");

  YAML::Node params = list["params"];
  if (params.IsDefined() && !params.IsNull()) {
    if (!params.IsMap()) err(params, "list.params: expected a mapping of name: value");
    else
      for (const auto& kv : params)
        o.params.emplace_back(kv.first.as<std::string>(""), scalar(kv.second, "list.params", errors));
  }
  o.items = scalar(list["items"], "list.items", errors);
  if (!valid_json_pointer(o.items)) err(list["items"], fmt::format("list.items: '{}' is not a JSON pointer (e.g. /data)", written(list["items"], o.items)));

  YAML::Node pag = list["pagination"];
  if (!pag.IsDefined() || !pag.IsMap()) {
    err(pag.IsDefined() ? pag : list, "list.pagination: expected a mapping with 'style' (next_url | link_header | page | offset | cursor)");
  } else {
    check_keys(pag, {"style", "pointer", "first_page", "shifts"}, "list.pagination", errors);
    std::string style = scalar(pag["style"], "list.pagination.style", errors);
    size_t i = 0;
    for (; i < std::size(kStyles); ++i)
      if (style == kStyles[i]) break;
    if (i == std::size(kStyles)) err(pag["style"].IsDefined() ? pag["style"] : pag, fmt::format("list.pagination.style: '{}' is not one of next_url, link_header, page, offset, cursor", written(pag["style"], style)));
    else o.style = static_cast<PageStyle>(i);
    o.next_pointer = scalar(pag["pointer"], "list.pagination.pointer", errors);
    if ((o.style == PageStyle::next_url || o.style == PageStyle::cursor) && o.next_pointer.empty())
      err(pag, fmt::format("list.pagination: style {} needs 'pointer' (where the response holds the next {})", style, o.style == PageStyle::cursor ? "cursor" : "URL"));
    if (!valid_json_pointer(o.next_pointer)) err(pag["pointer"], fmt::format("list.pagination.pointer: '{}' is not a JSON pointer", written(pag["pointer"], o.next_pointer)));
    if (pag["first_page"].IsDefined()) {
      try {
        o.first_page = pag["first_page"].as<long>();
      } catch (const YAML::Exception&) {
        err(pag["first_page"], "list.pagination.first_page: expected an integer");
      }
    }
    o.shifts = SourceOptions(source, errors).boolean(pag["shifts"], "list.pagination.shifts");
    if (errors && i < std::size(kStyles)) {
      if (o.style == PageStyle::page && !uses(o, "{page}")) err(pag, "list.pagination: style page needs a parameter using {page} in list.params");
      if (o.style == PageStyle::offset && !uses(o, "{offset}")) err(pag, "list.pagination: style offset needs a parameter using {offset} in list.params");
      if (o.style == PageStyle::cursor && !uses(o, "{cursor}")) err(pag, "list.pagination: style cursor needs a parameter using {cursor} in list.params");
    }
  }

  for (const auto& [field, pointer] : source.fields) {
    const auto& known = rest_record_fields();
    if (std::find(known.begin(), known.end(), field) == known.end()) {
      err(block["fields"], fmt::format("fields: unknown record field '{}' (known: {})", field, join(known)));
      continue;
    }
    if (pointer.empty() || !valid_json_pointer(pointer)) {
      err(block["fields"], fmt::format("fields.{}: '{}' is not a JSON pointer (e.g. /id)", field, written(block["fields"][field], pointer)));
      continue;
    }
    o.fields.emplace_back(field, pointer);
  }
  if (source.fields.find("external_id") == source.fields.end())
    err(block["fields"].IsDefined() ? block["fields"] : block, "fields: 'external_id' must be mapped (e.g. external_id: /id)");
  for (size_t i = 0; i < source.extra_fields.size(); ++i) {
    const std::string& e = source.extra_fields[i];
    std::string pointer = e.empty() || e[0] == '/' ? e : "/" + e;
    if (!valid_json_pointer(pointer) || pointer.size() < 2) {
      YAML::Node at = block["extra_fields"][i];
      err(at, fmt::format("extra_fields: '{}' is not a field name or JSON pointer", written(at, e)));
      continue;
    }
    o.extra.emplace_back(pointer.substr(pointer.rfind('/') + 1), pointer);
  }
  std::sort(o.extra.begin(), o.extra.end());

  auto spec = [&](const char* key, TimestampSpec& out) {
    YAML::Node n = block[key];
    if (!n.IsDefined()) return;
    std::string text = scalar(n, key, errors);
    auto s = parse_timestamp_spec(text);
    if (!s) err(n, fmt::format("{}: '{}' is not iso8601, unix, unix_ms or a strftime pattern with %", key, written(n, text)));
    else out = *s;
  };
  spec("timestamp_format", o.timestamp);
  spec("watermark_format", o.watermark);

  if (YAML::Node k = block["kind"]; k.IsDefined()) {
    std::string text = scalar(k, "kind", errors);
    if (!parse_record_kind(text, o.default_kind)) err(k, fmt::format("kind: '{}' is not person or company", written(k, text)));
  }
  return o;
}

}  // namespace crm
