#include "connectors/connector_config.h"

#include "connectors/registry.h"

namespace crm {

const SourceTypeTable& connector_source_rules() {
  static const SourceTypeTable rules = [] {
    SourceTypeTable out;
    for (const auto& t : connector_types()) out.push_back(SourceTypeRules{t.name, &t.own_keys, t.validate});
    return out;
  }();
  return rules;
}

LoadedConfig load_config(const std::string& path, const EnvLookup& env) {
  return read_config_file(path, connector_source_rules(), env);
}

LoadedConfig load_config_text(const std::string& text, const std::string& file, const EnvLookup& env) {
  return read_config_text(text, file, connector_source_rules(), env);
}

}  // namespace crm
