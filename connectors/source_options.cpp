#include "connectors/source_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/value_parsers.h"

namespace crm {

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

const std::vector<std::string>& mappable_record_fields() {
  static const std::vector<std::string> v = {"name",  "given_name", "family_name", "email",
                                             "phone", "company",    "national_id", "country"};
  return v;
}

void set_mapping(std::vector<std::pair<std::string, std::string>>& mapping, const std::string& field,
                 const std::string& value) {
  for (auto& [f, v] : mapping)
    if (f == field) {
      v = value;
      return;
    }
  mapping.emplace_back(field, value);
}

std::vector<std::string> option_keys(std::span<const OptionSpec> options) {
  std::vector<std::string> keys;
  for (const auto& o : options) keys.emplace_back(o.key);
  return keys;
}

void SourceOptions::error(const YAML::Node& at, const std::string& msg) const {
  if (!errors_) return;
  if (at.IsDefined()) errors_->add(at, fmt::format("source '{}': {}", source_.name, msg));
  else errors_->add(source_.position, fmt::format("source '{}': {}", source_.name, msg));
}

std::string SourceOptions::written(const YAML::Node& n, const std::string& fallback) const {
  return errors_ && n.IsDefined() && n.IsScalar() ? errors_->as_written(n) : fallback;
}

std::vector<std::string> SourceOptions::objects(const std::vector<std::string>& known, std::string_view noun,
                                                std::string_view hint) const {
  // yaml-cpp throws on Type() of an absent key: test IsDefined() first.
  const YAML::Node list = source_.node["objects"];
  if (!list.IsDefined()) return known;
  if (source_.objects.empty()) error(list, fmt::format("objects: expected a list of {}", join(known)));
  std::vector<std::string> out;
  for (size_t i = 0; i < source_.objects.size(); ++i) {
    const std::string& name = source_.objects[i];
    YAML::Node at = list.IsSequence() ? list[i] : list;
    if (!contains(known, name))
      error(at, fmt::format("objects: unknown {} '{}' (known: {}{})", noun, written(at, name), join(known), hint));
    else if (contains(out, name))
      error(at, fmt::format("objects: '{}' is listed twice", name));
    else
      out.push_back(name);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SourceOptions::fields(const std::vector<std::string>& mappable,
                                                                       std::string_view fixed, FieldNameCheck valid,
                                                                       std::string_view what,
                                                                       std::string_view example) const {
  const YAML::Node map = source_.node["fields"];
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [field, name] : source_.fields) {
    YAML::Node at = map[field];
    if (!contains(mappable, field))
      error(map, fmt::format("fields: '{}' cannot be mapped here (known: {}; {})", field, join(mappable), fixed));
    else if (!valid(name))
      error(at, fmt::format("fields.{}: '{}' is not {} ({})", field, written(at, name), what, example));
    else
      out.emplace_back(field, name);
  }
  return out;
}

std::vector<std::string> SourceOptions::extra_fields(FieldNameCheck valid, std::string_view what) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < source_.extra_fields.size(); ++i) {
    const std::string& name = source_.extra_fields[i];
    if (!valid(name)) {
      YAML::Node at = source_.node["extra_fields"][i];
      error(at, fmt::format("extra_fields: '{}' is not {}", written(at, name), what));
    } else if (!contains(out, name)) {
      out.push_back(name);
    }
  }
  return out;
}

std::string SourceOptions::choice(const char* key, std::string_view first, std::string_view second) const {
  YAML::Node n = source_.node[key];
  if (!n.IsDefined()) return "";
  std::string v = n.IsScalar() ? n.as<std::string>() : "";
  if (v == first || v == second) return v;
  error(n, fmt::format("{}: '{}' is not {} or {}", key, written(n, v), first, second));
  return "";
}

std::optional<bool> SourceOptions::boolean(const YAML::Node& n, std::string_view path) const {
  if (!n.IsDefined()) return std::nullopt;
  if (auto b = n.IsScalar() ? parse_bool(n.Scalar()) : std::nullopt) return b;
  // As src/config/yaml_fields.cpp read_bool words it.
  const std::string got = n.IsScalar() ? fmt::format("'{}'", written(n, n.Scalar())) : describe_shape(n);
  error(n, fmt::format("{}: expected true or false, got {}", path, got));
  return std::nullopt;
}

std::string SourceOptions::web_url(std::string_view default_template, std::string_view placeholders) const {
  if (source_.web_url.empty()) return std::string(default_template);
  if (source_.web_url.find("{id}") == std::string::npos)
    error(source_.node["web_url"], fmt::format("web_url: the template needs {{id}} (and may use {})", placeholders));
  return source_.web_url;
}

}  // namespace crm
