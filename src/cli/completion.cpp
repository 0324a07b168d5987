#include "cli/completion.h"

#include <fmt/format.h>

namespace crm {
namespace {

struct Flag {
  std::vector<std::string> names;  // "--config", "-c"
  std::string help;
  bool takes_value = false;
  std::vector<std::string> choices;  // known values (--log-level), from the option's help
  bool file = false;                 // its value is a file name
};

struct Command {
  std::string name, help;
  std::vector<Flag> flags;
};

// Option help texts list their values as "a | b | c" where there is a fixed set.
std::vector<std::string> choices_of(const std::string& help) {
  std::vector<std::string> out;
  if (help.find(" | ") == std::string::npos) return out;
  size_t start = 0;
  while (start < help.size()) {
    size_t bar = help.find(" | ", start);
    std::string word = help.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    word = word.substr(0, word.find(' '));
    if (!word.empty()) out.push_back(word);
    if (bar == std::string::npos) break;
    start = bar + 3;
  }
  return out;
}

std::vector<Flag> flags_of(const CLI::App& app) {
  std::vector<Flag> out;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) continue;
    Flag f;
    for (const auto& l : o->get_lnames()) f.names.push_back("--" + l);
    for (const auto& s : o->get_snames()) f.names.push_back("-" + s);
    if (f.names.empty()) continue;
    f.help = o->get_description();
    f.takes_value = o->get_type_size() != 0;
    f.choices = choices_of(f.help);
    f.file = f.names.front() == "--config";
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Command> commands_of(const CLI::App& app) {
  std::vector<Command> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    out.push_back(Command{sub->get_name(), sub->get_description(), flags_of(*sub)});
  return out;
}

std::string quote_zsh(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else if (c == '[' || c == ']' || c == ':') out += ' ';
    else out += c;
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string bash(const std::vector<Flag>& global, const std::vector<Command>& commands) {
  std::string names, values, per_command;
  for (const auto& c : commands) names += (names.empty() ? "" : " ") + c.name;
  std::vector<Flag> all = global;
  for (const auto& c : commands) all.insert(all.end(), c.flags.begin(), c.flags.end());
  for (const auto& f : all) {
    if (!f.takes_value) continue;
    std::string pattern = join(f.names, "|");
    if (f.file) values += fmt::format("    {}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pattern);
    else if (!f.choices.empty())
      values += fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", pattern, join(f.choices));
  }
  for (const auto& c : commands) {
    std::vector<std::string> words;
    for (const auto& f : c.flags) words.insert(words.end(), f.names.begin(), f.names.end());
    per_command += fmt::format("    {}) opts=\"{}\" ;;\n", c.name, join(words));
  }
  std::vector<std::string> gwords;
  for (const auto& f : global) gwords.insert(gwords.end(), f.names.begin(), f.names.end());
  return fmt::format(R"(# bash completion for crm-index (made by `crm-index completion bash`)
_crm_index() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
  local commands="{0}" global="{1}" opts="" cmd="" w
  case "$prev" in
{2}  esac
  for w in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
    case " $commands " in *" $w "*) cmd=$w; break ;; esac
  done
  case "$cmd" in
{3}    "") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
}}
complete -F _crm_index crm-index
)",
                     names, join(gwords), values, per_command);
}

std::string zsh_spec(const Flag& f) {
  std::string value;
  if (f.takes_value) {
    if (f.file) value = ":file:_files";
    else if (!f.choices.empty()) value = fmt::format(":value:({})", join(f.choices));
    else value = ":value:";
  }
  std::string help = quote_zsh(f.help);
  if (f.names.size() == 1) return fmt::format("'{}[{}]{}'", f.names[0], help, value);
  return fmt::format("'({0})'{{{1}}}'[{2}]{3}'", join(f.names), join(f.names, ","), help, value);
}

std::string zsh(const std::vector<Flag>& global, const std::vector<Command>& commands) {
  std::string described, cases, globals;
  for (const auto& c : commands) described += fmt::format("    '{}:{}'\n", c.name, quote_zsh(c.help));
  for (const auto& f : global) globals += "    " + zsh_spec(f) + " \\\n";
  for (const auto& c : commands) {
    std::string specs;
    for (const auto& f : c.flags) specs += " " + zsh_spec(f);
    cases += fmt::format("        {}) _arguments \"${{globals[@]}}\"{} '*:argument:' ;;\n", c.name, specs);
  }
  return fmt::format(R"(#compdef crm-index
# zsh completion for crm-index (made by `crm-index completion zsh`)
_crm-index() {{
  local -a commands globals
  commands=(
{0}  )
  globals=(
{1}  )
  local curcontext="$curcontext" state line
  _arguments -C "${{globals[@]}}" '1:command:->command' '*::argument:->argument'
  case $state in
    command) _describe -t commands 'crm-index command' commands ;;
    argument)
      case $words[1] in
{2}      esac ;;
  esac
}}
_crm-index "$@"
)",
                     described, globals, cases);
}

}  // namespace

std::string completion_script(const CLI::App& app, const std::string& shell) {
  std::vector<Flag> global = flags_of(app);
  std::vector<Command> commands = commands_of(app);
  if (shell == "bash") return bash(global, commands);
  if (shell == "zsh") return zsh(global, commands);
  return "";
}

}  // namespace crm
