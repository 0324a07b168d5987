// `crm-index completion bash|zsh`: a completion script made from the command line's own
// definition (the CLI11 app), so that it names every subcommand and option there is,
// and no other. Pure.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace crm {

// "" for a shell it does not know.
std::string completion_script(const CLI::App& app, const std::string& shell);

}  // namespace crm
