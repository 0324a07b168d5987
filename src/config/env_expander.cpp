#include "config/env_expander.h"

#include <set>

#include "config/load_context.h"

namespace crm {
namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool valid_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name)
    if (!is_name_char(c)) return false;
  return true;
}

// Walks the tree; `seen` holds the positions already visited, which both stops an
// alias from expanding a node twice ("$${" would be unescaped twice) and stops the
// cycles yaml-cpp builds for "&a [*a]".
class TreeExpander {
 public:
  explicit TreeExpander(LoadContext& ctx) : ctx_(ctx) {}

  void walk(YAML::Node node, const std::string& path, int depth) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (depth > kMaxDepth) {
      ctx_.errors.add(node, fmt_path(path) + "nesting is too deep");
      return;
    }
    if (!seen_.insert(node.Mark().pos).second) return;
    if (node.IsScalar()) {
      expand_scalar(node, path);
    } else if (node.IsSequence()) {
      size_t i = 0;
      for (auto it = node.begin(); it != node.end(); ++it, ++i)
        walk(*it, path + "[" + std::to_string(i) + "]", depth + 1);
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
        walk(it->second, path.empty() ? key : path + "." + key, depth + 1);
      }
    }
  }

 private:
  static constexpr int kMaxDepth = 64;

  static std::string fmt_path(const std::string& path) {
    return path.empty() ? std::string() : path + ": ";
  }

  void expand_scalar(YAML::Node node, const std::string& path) {
    const std::string& text = node.Scalar();
    if (text.find('$') == std::string::npos) return;
    Expansion e = expand_env(text, ctx_.env);
    if (!e.error.empty()) {
      ctx_.errors.add(node, fmt_path(path) + e.error);
      return;
    }
    if (e.value == text) return;
    ctx_.errors.record_written(node.Mark().pos, text);
    node = e.value;
  }

  LoadContext& ctx_;
  std::set<int> seen_;
};

}  // namespace

Expansion expand_env(std::string_view text, const EnvLookup& env) {
  Expansion out;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out.value += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.value += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out.error = "unterminated '${' (write '$${' for a literal '${')";
      return out;
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    if (!valid_name(name)) {
      out.error = "'${" + name + "}' is not a valid environment variable reference" +
                  " (names are letters, digits and '_')";
      return out;
    }
    auto value = env(name);
    if (!value) {
      out.error = "environment variable " + name + " is not set";
      return out;
    }
    out.value += *value;
    i = close + 1;
  }
  return out;
}

void expand_env_in_tree(YAML::Node root, LoadContext& ctx) { TreeExpander(ctx).walk(root, "", 0); }

}  // namespace crm
