// read_config_file(): YAML text → validated Config (design.md, "Configuration contract").
// Order of work: parse, expand ${ENV} in every scalar, read the top level, `defaults:`,
// then each source on top of the defaults. Every problem is collected; the Config is
// returned only when there were none.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "config/address_checks.h"
#include "config/api_limits_loader.h"
#include "config/config.h"
#include "config/credential_fields.h"
#include "config/env_expander.h"
#include "config/cluster_loader.h"
#include "config/hints_loader.h"
#include "config/load_context.h"
#include "config/outputs_loader.h"
#include "config/settings_loader.h"
#include "config/source_loader.h"
#include "config/write_tokens_loader.h"
#include "config/yaml_fields.h"

namespace crm {
namespace {

const std::vector<std::string>& top_level_keys() {
  static const std::vector<std::string> keys = {"database", "api", "defaults", "sources",
                                                "linking", "outputs", "hints", "cluster"};
  return keys;
}

void read_database(const Mapping& root, Config& config, LoadContext& ctx) {
  const Field* f = root.find("database");
  if (f == nullptr) {
    root.report_missing("database", " (the path of the SQLite index file)");
    return;
  }
  auto path = read_nonempty_string(*f, ctx);
  if (!path) return;
  // ":memory:" is SQLite's in-memory database, not a file name.
  std::filesystem::path p(*path);
  config.database = (*path == ":memory:" || p.is_absolute())
                        ? *path
                        : (ctx.config_dir / p).lexically_normal().string();
}

void read_api(const Field* field, ApiConfig& api, LoadContext& ctx) {
  if (!is_block(field, "api", "a mapping with listen and token_file", ctx)) return;
  const Mapping m(field->value, "api.", "api", ctx);
  std::vector<std::string> keys = {"listen", "token_file", "write_tokens"};
  keys.insert(keys.end(), api_limits_keys().begin(), api_limits_keys().end());
  m.reject_unknown(keys);
  read_api_limits(m, api.limits, ctx);
  if (const Field* f = m.find("listen")) {
    if (auto listen = read_string(*f, ctx)) {
      if (auto problem = listen_problem(*listen)) {
        ctx.errors.add(f->at(), fmt::format("api.listen: '{}' is not a listen address: {}",
                                            ctx.as_written(f->value), *problem));
      } else {
        api.listen = *listen;
      }
    }
  }
  std::string read_token;
  if (const Field* f = m.find("token_file")) {
    if (auto token = read_named_secret_file(*f, ctx)) {
      api.token_file = token->path.string();
      read_token = token->content.reveal();
    }
  }
  if (const Field* f = m.find("write_tokens")) api.write_tokens = read_write_tokens(*f, read_token, ctx);
}

void read_defaults(const Field* field, SourceSettings& defaults, LoadContext& ctx) {
  if (!is_block(field, "defaults", "a mapping of source settings", ctx)) return;
  const Mapping m(field->value, "defaults.", "defaults", ctx);
  m.reject_unknown(settings_keys());
  read_settings(m, defaults, ctx);
}

void read_sources(const Field* field, Config& config, bool hints_listen, LoadContext& ctx) {
  if (field == nullptr || field->value.IsNull()) return;  // no sources: allowed
  if (!field->value.IsSequence()) {
    ctx.errors.add(field->at(), "sources: expected a list of source blocks (- name: ...), got " +
                                    describe_shape(field->value));
    return;
  }
  SourceNames names;
  size_t index = 0;
  for (auto it = field->value.begin(); it != field->value.end(); ++it, ++index) {
    if (auto source = read_source(*it, index, config.defaults, hints_listen, names, ctx))
      config.sources.push_back(std::move(*source));
  }
}

// linking.survivorship: { name: most_recent | [source, ...] }.
void read_survivorship(const Field& field, const Config& config, LinkingConfig& linking, LoadContext& ctx) {
  if (!is_block(&field, "linking.survivorship", "a mapping such as { name: most_recent }", ctx)) return;
  const Mapping m(field.value, "linking.survivorship.", "linking.survivorship", ctx);
  m.reject_unknown({"name"});
  const Field* f = m.find("name");
  if (f == nullptr) return;
  if (f->value.IsScalar()) {
    read_choice(*f, {"most_recent"}, ctx);
    return;
  }
  if (!f->value.IsSequence()) {
    ctx.errors.add(f->at(), fmt::format("{}: expected most_recent or a list of sources in priority order, got {}",
                                        f->path, describe_shape(f->value)));
    return;
  }
  const auto source = [&config](const Field& item, LoadContext& c) {
    return read_configured_source_name(item, config, c);
  };
  linking.survivorship_name = read_string_list(*f, ctx, source).value_or(std::vector<std::string>{});
}

void read_linking(const Field* field, const Config& config, LinkingConfig& linking, LoadContext& ctx) {
  if (!is_block(field, "linking", "a mapping of rules (email: true, ...)", ctx)) return;
  const Mapping m(field->value, "linking.", "linking", ctx);
  m.reject_unknown({"national_id", "email", "phone", "suggest_name_company",
                    "suggest_name_phone_country", "plus_tag_domains", "survivorship"});
  if (const Field* f = m.find("survivorship")) read_survivorship(*f, config, linking, ctx);
  for (auto [key, flag] : {std::pair{"national_id", &linking.national_id},
                           std::pair{"email", &linking.email}, std::pair{"phone", &linking.phone},
                           std::pair{"suggest_name_company", &linking.suggest_name_company},
                           std::pair{"suggest_name_phone_country", &linking.suggest_name_phone_country}})
    if (const Field* f = m.find(key)) *flag = read_bool(*f, ctx).value_or(*flag);
  if (const Field* f = m.find("plus_tag_domains")) {
    if (auto domains = read_string_list(*f, ctx)) {
      for (auto& d : *domains)
        for (char& c : d)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      linking.plus_tag_domains = std::move(*domains);
    }
  }
}

void read_document(const YAML::Node& root, Config& config, LoadContext& ctx) {
  if (!root.IsDefined() || root.IsNull()) {
    ctx.errors.add(ConfigPosition{}, "the file is empty: expected at least 'database:'");
    return;
  }
  if (!root.IsMap()) {
    ctx.errors.add(root,
                   "expected a mapping with database, api, defaults and sources at the top "
                   "level, got " +
                       describe_shape(root));
    return;
  }
  const Mapping m(root, "", "config", ctx);
  m.reject_unknown(top_level_keys());
  read_database(m, config, ctx);
  read_api(m.find("api"), config.api, ctx);
  // After api, whose address the hints listener may not share; before the sources, whose
  // hints blocks need that listener.
  const bool hints_listen = read_hints(m.find("hints"), config.api, config.hints, ctx);
  read_defaults(m.find("defaults"), config.defaults, ctx);
  read_sources(m.find("sources"), config, hints_listen, ctx);
  read_linking(m.find("linking"), config, config.linking, ctx);  // after sources: survivorship names them
  read_outputs(m.find("outputs"), config, ctx);  // after sources: webhooks name them
  read_cluster(m.find("cluster"), config, ctx);
}

std::filesystem::path folder_of(const std::string& file) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(std::filesystem::path(file), ec);
  if (ec) abs = std::filesystem::path(file);
  return abs.lexically_normal().parent_path();
}

// The OS reason on failure ("No such file or directory"), "" on success.
std::string read_whole_file(const std::string& path, std::string& text) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return std::strerror(EISDIR);
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::strerror(errno != 0 ? errno : ENOENT);
  char buf[8192];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno != 0 ? errno : EIO;
  std::fclose(f);
  return failed ? std::strerror(err) : std::string();
}

LoadedConfig finish(LoadContext& ctx, Config config) {
  LoadedConfig out;
  out.errors = ctx.errors.all();
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  config.holds_inline_secrets = ctx.inline_secrets;
  config.secret_files = ctx.secret_files;
  if (out.errors.empty()) out.config = std::move(config);
  return out;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

LoadedConfig read_config_text(const std::string& text, const std::string& file, const SourceTypeTable& types,
                              const EnvLookup& env) {
  LoadContext ctx(file, folder_of(file), env, types);
  Config config;
  config.path = file;
  try {
    YAML::Node root = YAML::Load(text);
    expand_env_in_tree(root, ctx);
    read_document(root, config, ctx);
  } catch (const YAML::ParserException& e) {
    ctx.errors.add(e.mark, "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    // yaml-cpp's other exceptions (and bad_alloc): the contract is "never throws".
    ctx.errors.add(ConfigPosition{}, std::string("cannot load the configuration: ") + e.what());
  }
  return finish(ctx, std::move(config));
}

LoadedConfig read_config_file(const std::string& path, const SourceTypeTable& types, const EnvLookup& env) {
  std::string text;
  if (std::string error = read_whole_file(path, text); !error.empty()) {
    LoadedConfig out;
    out.errors.push_back(ConfigError{path, 0, 0, "cannot read: " + error});
    return out;
  }
  return read_config_text(text, path, types, env);
}

}  // namespace crm
