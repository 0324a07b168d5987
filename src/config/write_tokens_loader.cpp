#include "config/write_tokens_loader.h"

#include <fmt/format.h>

#include <map>

#include "config/credential_fields.h"

namespace crm {
namespace {

constexpr size_t kMaxWriterName = 64;

// A name as people write it in an audit line: letters, digits and . _ - @ (e-mail
// addresses work), so that "by" never needs quoting in a log or a table.
bool is_writer_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxWriterName) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-' && c != '@') return false;
  return true;
}

}  // namespace

std::vector<ApiWriteToken> read_write_tokens(const Field& field, const std::string& read_token, LoadContext& ctx) {
  std::vector<ApiWriteToken> out;
  if (field.value.IsNull()) return out;
  if (!field.value.IsSequence()) {
    ctx.errors.add(field.at(), "api.write_tokens: expected a list such as - { name: alice, token_file: alice-token }, got " +
                                   describe_shape(field.value));
    return out;
  }
  std::map<std::string, int> names;  // name -> line
  std::map<std::string, size_t> tokens;  // token -> index
  size_t index = 0;
  for (auto it = field.value.begin(); it != field.value.end(); ++it, ++index) {
    const YAML::Node& node = *it;
    const std::string label = fmt::format("api.write_tokens[{}]", index);
    if (!node.IsMap()) {
      ctx.errors.add(node, fmt::format("{}: expected a mapping with name and token_file, got {}", label,
                                       describe_shape(node)));
      continue;
    }
    const Mapping m(node, label + ".", label, ctx);
    m.reject_unknown({"name", "token_file"});
    ApiWriteToken w;
    if (const Field* f = m.require("name")) {
      if (auto name = read_string(*f, ctx)) {
        if (!is_writer_name(*name)) {
          ctx.errors.add(f->at(), fmt::format("{}: '{}' is not a name for marks' \"by\" (1 to {} letters, digits "
                                              "and . _ - @)",
                                              f->path, ctx.as_written(f->value), kMaxWriterName));
        } else if (auto [at, inserted] = names.emplace(*name, f->value.Mark().line + 1); !inserted) {
          ctx.errors.add(f->at(), fmt::format("{}: '{}' is already the name of another write token (line {})",
                                              f->path, *name, at->second));
        } else {
          w.name = *name;
        }
      }
    }
    if (const Field* f = m.require("token_file")) {
      if (auto file = read_named_secret_file(*f, ctx)) {
        const std::string& token = file->content.reveal();
        if (!read_token.empty() && token == read_token) {
          ctx.errors.add(f->at(), fmt::format("{}: {} holds the read token (api.token_file): a write token must "
                                              "differ from it",
                                              f->path, file->path.string()));
        } else if (auto [at, inserted] = tokens.emplace(token, index); !inserted) {
          ctx.errors.add(f->at(), fmt::format("{}: {} holds the same token as api.write_tokens[{}]: each writer "
                                              "needs their own",
                                              f->path, file->path.string(), at->second));
        } else {
          w.token_file = file->path.string();
          w.token = std::move(file->content);
        }
      }
    }
    if (!w.name.empty() && !w.token.empty()) out.push_back(std::move(w));
  }
  return out;
}

}  // namespace crm
