#include "config/source_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "config/address_checks.h"
#include "config/auth_loader.h"
#include "config/did_you_mean.h"
#include "config/fields_loader.h"
#include "config/hints_loader.h"
#include "config/live_loader.h"
#include "config/settings_loader.h"
#include "config/yaml_fields.h"

namespace crm {
namespace {

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void read_name(const Mapping& m, SourceConfig& out, SourceNames& names, LoadContext& ctx) {
  const Field* f = m.require("name");
  if (f == nullptr) return;
  auto name = read_string(*f, ctx);
  if (!name) return;
  if (!is_valid_name(*name)) {
    ctx.errors.add(f->at(), fmt::format("name: '{}' is not a valid source name (use 1 to {} "
                                        "characters from a-z, 0-9 and '-')",
                                        ctx.as_written(f->value), kMaxNameLength));
    return;
  }
  const int line = f->value.Mark().line + 1;
  auto [it, inserted] = names.emplace(*name, line);
  if (!inserted) {
    ctx.errors.add(f->at(), fmt::format("name: duplicate source name '{}' (first defined at "
                                        "line {})",
                                        *name, it->second));
    return;
  }
  out.name = *name;
}

const SourceTypeRules* find_type(const SourceTypeTable& types, std::string_view name) {
  for (const auto& t : types)
    if (t.name == name) return &t;
  return nullptr;
}

const SourceTypeRules* read_type(const Mapping& m, SourceConfig& out, LoadContext& ctx) {
  const Field* f = m.require("type");
  if (f == nullptr) return nullptr;
  auto type = read_nonempty_string(*f, ctx);
  if (!type) return nullptr;
  const SourceTypeRules* found = find_type(ctx.types, *type);
  if (found == nullptr) {
    std::vector<std::string> known;
    for (const auto& t : ctx.types) known.emplace_back(t.name);
    ctx.errors.add(f->at(), fmt::format("type: unknown source type '{}'{}; known types: {}",
                                        ctx.as_written(f->value), did_you_mean(*type, known),
                                        join_names(known)));
    return nullptr;
  }
  out.type = *type;
  return found;
}

// Unknown keys. When the type is unknown, its own keys are too: only keys that look
// like a typo of a known key are reported, not every connector-specific one.
void check_keys(const Mapping& m, const SourceTypeRules* type, LoadContext& ctx) {
  std::vector<std::string> allowed = common_source_keys();
  const auto& settings = settings_keys();
  allowed.insert(allowed.end(), settings.begin(), settings.end());
  if (type != nullptr) {
    if (type->own_keys != nullptr) allowed.insert(allowed.end(), type->own_keys->begin(), type->own_keys->end());
    m.reject_unknown(allowed);
    return;
  }
  for (const auto& f : m.fields()) {
    const std::string& key = f.key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (auto match = closest_match(key, allowed))
      ctx.errors.add(f.key, fmt::format("unknown key '{}' (did you mean '{}'?)", key, *match));
  }
}

void read_base_url(const Mapping& m, SourceConfig& out, LoadContext& ctx) {
  const Field* f = m.require("base_url");
  if (f == nullptr) return;
  auto url = read_url(*f, ctx);
  if (!url) return;
  // Without its trailing '/', so that every connector can append "/api/…" as it is.
  while (url->size() > 1 && url->back() == '/') url->pop_back();
  out.base_url = *url;
}

// A deep link the web page and API hand to browsers: only http(s), never javascript: or
// data: or file:. A template may start with a placeholder that is itself an http(s) URL.
void read_web_url(const Field& f, SourceConfig& out, LoadContext& ctx) {
  auto url = read_string(f, ctx);
  if (!url || url->empty()) return;
  std::string head = url->substr(0, 8);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool ok = head.starts_with("http://") || head.starts_with("https://") ||
                  url->starts_with("{base_url}") || url->starts_with("{instance_url}");
  if (!ok) {
    ctx.errors.add(f.at(), "web_url: the template must be an http:// or https:// URL "
                           "(or start with {base_url} or {instance_url})");
    return;
  }
  out.web_url = *url;
}

void read_phone_region(const Field& f, SourceConfig& out, LoadContext& ctx) {
  auto region = read_string(f, ctx);
  if (!region) return;
  const bool ok = region->size() == 2 && std::isupper(static_cast<unsigned char>((*region)[0])) &&
                  std::isupper(static_cast<unsigned char>((*region)[1]));
  if (!ok) {
    ctx.errors.add(f.at(), fmt::format("phone_region: '{}' is not a region code (two upper-case "
                                       "letters, ISO 3166, e.g. DE)",
                                       ctx.as_written(f.value)));
    return;
  }
  out.phone_region = *region;
}

// Extra request headers. Values are never quoted: a custom header may carry a key.
void read_headers(const Field& f, SourceConfig& out, LoadContext& ctx) {
  if (!f.value.IsMap()) {
    ctx.errors.add(f.at(), "headers: expected a mapping of header names to values, got " +
                               describe_shape(f.value));
    return;
  }
  const Mapping map(f.value, "headers.", "headers", ctx);
  for (const auto& entry : map.fields()) {
    const std::string& name = entry.key.Scalar();
    auto value = read_string(entry, ctx);
    if (!value) continue;
    std::string problem;
    if (equals_nocase(name, "Authorization") || equals_nocase(name, "Host")) {
      problem =
          "not allowed here: authentication belongs under auth:, and the host comes "
          "from base_url";
    } else if (!is_http_token(name)) {
      problem = "is not a valid header name";
    } else if (value->find_first_of("\r\n") != std::string::npos) {
      problem = "a header value may not contain line breaks";
    } else {
      for (const auto& [seen, unused] : out.headers)
        if (equals_nocase(seen, name)) problem = "given twice (header names ignore case)";
    }
    if (!problem.empty()) {
      ctx.errors.add(entry.key, fmt::format("{}: {}", entry.path, problem));
      continue;
    }
    out.headers.emplace_back(name, std::move(*value));
  }
}

void read_optional_keys(const Mapping& m, SourceConfig& out, LoadContext& ctx) {
  if (const Field* f = m.find("objects"))
    out.objects = read_string_list(*f, ctx).value_or(std::vector<std::string>{});
  out.auth = read_auth(m.find("auth"), ctx);
  if (const Field* f = m.find("web_url")) read_web_url(*f, out, ctx);
  if (const Field* f = m.find("phone_region")) read_phone_region(*f, out, ctx);
  if (const Field* f = m.find("fields")) read_fields(*f, out, ctx);
  if (const Field* f = m.find("extra_fields"))
    out.extra_fields = read_string_list(*f, ctx).value_or(std::vector<std::string>{});
  if (const Field* f = m.find("headers")) read_headers(*f, out, ctx);
  if (const Field* f = m.find("enabled")) out.enabled = read_bool(*f, ctx).value_or(true);
  if (const Field* f = m.find("strip_email_tags"))
    out.strip_email_tags = read_bool(*f, ctx).value_or(false);
}

// After `enabled`: a disabled source is sent nothing, so it may keep its block while the
// file has no listener.
void read_hints_block(const Mapping& m, bool hints_listen, SourceConfig& out, LoadContext& ctx) {
  const Field* f = m.find("hints");
  if (f == nullptr) return;
  out.hints = read_source_hints(*f, ctx);
  if (f->value.IsMap() && out.enabled && !hints_listen)
    ctx.errors.add(f->key, "hints: this source takes hints, but the file has no hints.listen (the listener CRMs "
                           "send them to)");
}

}  // namespace

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

const std::vector<std::string>& common_source_keys() {
  static const std::vector<std::string> keys = {
      "name",         "type",   "base_url",     "objects", "auth",    "web_url",
      "phone_region", "fields", "extra_fields", "headers", "enabled", "strip_email_tags",
      "hints",        "live"};
  return keys;
}

std::optional<SourceConfig> read_source(const YAML::Node& node, size_t index,
                                        const SourceSettings& defaults, bool hints_listen,
                                        SourceNames& names, LoadContext& ctx) {
  if (!node.IsMap()) {
    ctx.errors.add(node, fmt::format("sources[{}]: expected a mapping (a source block), got {}",
                                     index, describe_shape(node)));
    return std::nullopt;
  }
  Mapping m(node, "", fmt::format("source #{}", index + 1), ctx);
  SourceConfig out;
  out.node = node;
  out.position = ConfigPosition{ctx.errors.file(), node.Mark().line + 1, node.Mark().column + 1};
  read_name(m, out, names, ctx);
  if (!out.name.empty()) m.set_label(fmt::format("source '{}'", out.name));
  const SourceTypeRules* type = read_type(m, out, ctx);
  check_keys(m, type, ctx);
  read_base_url(m, out, ctx);
  read_optional_keys(m, out, ctx);
  read_hints_block(m, hints_listen, out, ctx);
  if (const Field* f = m.find("live")) out.live = read_source_live(*f, out.type, ctx);
  out.settings = defaults;
  read_settings(m, out.settings, ctx);
  // The type's own checks run even when the common part has errors, so that one
  // `check` reports every mistake; they must cope with a partly read source.
  if (type != nullptr && type->validate != nullptr) type->validate(out, ctx.errors);
  return out;
}

std::optional<std::string> read_configured_source_name(const Field& item, const Config& config, LoadContext& ctx) {
  auto name = read_nonempty_string(item, ctx);
  if (!name) return std::nullopt;
  if (config.find_source(*name) != nullptr) return name;
  std::vector<std::string> known;
  for (const auto& s : config.sources) known.push_back(s.name);
  ctx.errors.add(item.at(), fmt::format("{}: '{}' is not a configured source{}", item.path, ctx.as_written(item.value),
                                        known.empty() ? " (there are no sources)" : did_you_mean(*name, known)));
  return std::nullopt;
}

}  // namespace crm
