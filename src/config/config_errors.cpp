// ConfigError, ConfigErrors and Config::find_source: the small types of config.h.
#include <fmt/format.h>

#include "config/config.h"

namespace crm {

std::string ConfigError::format() const {
  if (line <= 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

void ConfigErrors::add(const YAML::Node& at, std::string message) {
  // A node that is not in the document (a missing key) has no position of its own.
  add(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), std::move(message));
}

void ConfigErrors::add(const YAML::Mark& at, std::string message) {
  // yaml-cpp counts from 0; editors and compilers count from 1.
  const bool known = !at.is_null() && at.line >= 0;
  errors_.push_back(
      ConfigError{file_, known ? at.line + 1 : 0, known ? at.column + 1 : 0, std::move(message)});
}

void ConfigErrors::add(const ConfigPosition& at, std::string message) {
  errors_.push_back(
      ConfigError{at.file.empty() ? file_ : at.file, at.line, at.column, std::move(message)});
}

std::string ConfigErrors::as_written(const YAML::Node& scalar) const {
  if (!scalar.IsDefined()) return {};
  if (auto it = written_.find(scalar.Mark().pos); it != written_.end()) return it->second;
  return scalar.IsScalar() ? scalar.Scalar() : std::string();
}

const SourceConfig* Config::find_source(const std::string& name) const {
  for (const auto& s : sources)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace crm
