// ${ENV_VAR} substitution (design.md, "Configuration contract"): every string value of
// the config may reference environment variables; "$${" stands for a literal "${".
// A reference to an unset variable is an error that names the variable, never a value.
// Thread-safe (the lookup is injected).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "config/config.h"

namespace crm {

struct LoadContext;

struct Expansion {
  std::string value;  // the expanded text (meaningless when error is set)
  std::string error;  // "" or e.g. "environment variable SF_CLIENT_ID is not set"
};

// Expands the references in one string.
Expansion expand_env(std::string_view text, const EnvLookup& env);

// Expands every scalar (not the mapping keys) of the document in place, once per node
// even when aliases reach it twice, so that connectors reading their own keys from
// SourceConfig::node see expanded values. Records each changed scalar's original text
// in ctx.errors (ConfigErrors::as_written); reports unset variables with the node's path
// ("sources[0].auth.value").
void expand_env_in_tree(YAML::Node root, LoadContext& ctx);

}  // namespace crm
