// What the config unit tests share: an injected environment, a temporary folder for
// secret files, loading a config text under a fixed file name, and a table runner that
// expects each error at its file:line:col. Test code only: the helpers fail the running
// doctest case when a config that should load does not.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connector_config.h"

namespace crm::config_test {

using Vars = std::map<std::string, std::string>;

inline EnvLookup env_of(Vars vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "crm-config-test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const std::filesystem::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline LoadedConfig load(const std::string& yaml, const Vars& vars = {}) {
  return load_config_text(yaml, "/etc/crm-index/test.yaml", env_of(vars));
}

inline std::string all_messages(const LoadedConfig& loaded) {
  std::string out;
  for (const auto& e : loaded.errors) out += e.format() + "\n";
  return out;
}

// The first error whose message contains `needle`, or nullptr.
inline const ConfigError* find_error(const LoadedConfig& loaded, const std::string& needle) {
  for (const auto& e : loaded.errors)
    if (e.message.find(needle) != std::string::npos) return &e;
  return nullptr;
}

// By value: callers often pass a temporary LoadedConfig.
inline Config require_config(const LoadedConfig& loaded) {
  INFO(all_messages(loaded));
  REQUIRE(loaded.config.has_value());
  return *loaded.config;
}

struct ErrorCase {
  std::string what;
  std::string yaml;
  std::string message;  // substring of the error's message
  int line;             // 1-based
  int column = 0;       // 1-based; 0: not checked
};

inline void check_error_cases(const std::vector<ErrorCase>& cases, const Vars& vars = {}) {
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const LoadedConfig loaded = load(c.yaml, vars);
    INFO("errors:\n" << all_messages(loaded));
    CHECK_FALSE(loaded.config.has_value());
    const ConfigError* e = find_error(loaded, c.message);
    REQUIRE_MESSAGE(e != nullptr, "expected an error containing: " << c.message);
    CHECK(e->line == c.line);
    if (c.column != 0) CHECK(e->column == c.column);
    CHECK(e->file == "/etc/crm-index/test.yaml");
    const std::string position =
        c.line == 0 ? ": " : ":" + std::to_string(c.line) + ":" + std::to_string(e->column) + ": ";
    CHECK(e->format() == "/etc/crm-index/test.yaml" + position + e->message);
  }
}

// Each config must fail to load, and none of its messages may contain any of `secrets`.
inline void check_secrets_never_shown(const std::vector<std::string>& bad_configs, const Vars& vars,
                                      const std::vector<std::string>& secrets) {
  for (const auto& yaml : bad_configs) {
    CAPTURE(yaml);
    const LoadedConfig loaded = load(yaml, vars);
    CHECK_FALSE(loaded.config.has_value());
    const std::string messages = all_messages(loaded);
    for (const auto& secret : secrets) CHECK_MESSAGE(messages.find(secret) == std::string::npos, messages);
  }
}

}  // namespace crm::config_test
