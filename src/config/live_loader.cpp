#include "config/live_loader.h"

#include <fmt/format.h>

namespace crm {
namespace {

using namespace std::chrono_literals;

// A live read answers a person who is waiting: past a minute nobody is.
constexpr Millis kMaxTimeout = 60s;
constexpr Millis kMaxCache = 1h;
constexpr size_t kMaxFields = 200;

std::optional<std::string> path_problem(std::string_view path) {
  if (!path.starts_with('/')) return "it must start with '/' (it is appended to base_url)";
  if (path.find("{id}") == std::string_view::npos) return "it must hold {id}, where the record's id goes";
  if (path.find_first_of("#\r\n ") != std::string_view::npos) return "it may not hold '#', spaces or line breaks";
  return std::nullopt;
}

// "/data": where a JSON:API answer holds its one record.
std::optional<std::string> pointer_problem(std::string_view p) {
  if (p.empty() || (p.starts_with('/') && p.find("~") == std::string_view::npos)) return std::nullopt;
  if (!p.starts_with('/')) return "a JSON pointer starts with '/' (\"/data\")";
  return "'~' escapes are not supported here";
}

std::optional<std::string> field_name(const Field& item, LoadContext& ctx) {
  auto name = read_nonempty_string(item, ctx);
  if (name && name->size() > 256) {
    ctx.errors.add(item.at(), fmt::format("{}: a field name of at most 256 bytes", item.path));
    return std::nullopt;
  }
  return name;
}

}  // namespace

SourceLive read_source_live(const Field& field, const std::string& type, LoadContext& ctx) {
  SourceLive out;
  if (!is_block(&field, "live", "a mapping (fields, timeout, cache)", ctx)) return out;
  out.enabled = true;
  Mapping m(field.value, "live.", "live", ctx);
  m.reject_unknown({"fields", "timeout", "cache", "path", "item"});
  if (const Field* f = m.require("fields")) {
    out.fields = read_string_list(*f, ctx, field_name).value_or(std::vector<std::string>{});
    if (out.fields.size() > kMaxFields)
      ctx.errors.add(f->at(), fmt::format("{}: at most {} fields", f->path, kMaxFields));
  }
  if (const Field* f = m.find("timeout")) {
    out.timeout = read_duration(*f, ctx, 1ms).value_or(out.timeout);
    if (out.timeout > kMaxTimeout) ctx.errors.add(f->at(), fmt::format("{}: at most 60s", f->path));
  }
  if (const Field* f = m.find("cache")) {
    out.cache = read_duration(*f, ctx, 0ms).value_or(out.cache);
    if (out.cache > kMaxCache) ctx.errors.add(f->at(), fmt::format("{}: at most 1h", f->path));
  }
  const Field* path = m.find("path");
  const Field* item = m.find("item");
  if (type == "rest") {
    if (path == nullptr) m.report_missing("path", " (type rest: where one record is read, e.g. /customers/{id})");
    else out.path = read_checked_string(*path, "a path template", path_problem, ctx).value_or("");
    if (item != nullptr) out.item = read_checked_string(*item, "a JSON pointer", pointer_problem, ctx).value_or("");
  } else if (!type.empty()) {
    for (const Field* f : {path, item})
      if (f != nullptr)
        ctx.errors.add(f->key, fmt::format("{}: only type rest takes one; type {} reads one record at its "
                                           "vendor's own endpoint",
                                           f->path, type));
  }
  return out;
}

}  // namespace crm
