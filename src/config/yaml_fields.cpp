#include "config/yaml_fields.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/address_checks.h"
#include "config/did_you_mean.h"
#include "config/value_parsers.h"

namespace crm {
namespace {

void report(LoadContext& ctx, const Field& f, const std::string& message) {
  ctx.errors.add(f.at(), f.path + ": " + message);
}

// True for a scalar; otherwise reports "expected <what>, got a list".
bool require_scalar(const Field& f, LoadContext& ctx, std::string_view what) {
  if (f.value.IsScalar()) return true;
  report(ctx, f, fmt::format("expected {}, got {}", what, describe_shape(f.value)));
  return false;
}

}  // namespace

Mapping::Mapping(const YAML::Node& node, std::string prefix, std::string label, LoadContext& ctx)
    : node_(node), label_(std::move(label)), ctx_(ctx) {
  if (!node.IsDefined() || !node.IsMap()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` yields a temporary proxy
    if (!key.IsScalar()) {
      ctx_.errors.add(
          key, fmt::format("{}: keys must be plain names, got {}", label_, describe_shape(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    if (const Field* first = find(name)) {
      ctx_.errors.add(key, fmt::format("duplicate key '{}{}' (first at line {})", prefix, name,
                                       first->key.Mark().line + 1));
      continue;
    }
    fields_.push_back(Field{prefix + name, key, it->second});
  }
}

const Field* Mapping::find(std::string_view key) const {
  for (const auto& f : fields_)
    if (f.key.Scalar() == key) return &f;
  return nullptr;
}

void Mapping::reject_unknown(const std::vector<std::string>& allowed) const {
  for (const auto& f : fields_) {
    const std::string& name = f.key.Scalar();
    bool known = false;
    for (const auto& a : allowed) known = known || a == name;
    if (known) continue;
    std::string message = fmt::format("unknown key '{}'{}", f.path, did_you_mean(name, allowed));
    if (allowed.size() <= 12 && !closest_match(name, allowed))
      message += fmt::format(" (expected one of: {})", join_names(allowed));
    ctx_.errors.add(f.key, message);
  }
}

void Mapping::report_missing(std::string_view key, std::string_view hint) const {
  ctx_.errors.add(node_, fmt::format("{}: missing required key '{}'{}", label_, key, hint));
}

const Field* Mapping::require(std::string_view key) const {
  const Field* f = find(key);
  if (f == nullptr) report_missing(key);
  return f;
}

std::string describe(const YAML::Node& node, const LoadContext& ctx) {
  if (node.IsScalar()) return "'" + ctx.as_written(node) + "'";
  return describe_shape(node);
}

std::optional<std::string> read_string(const Field& f, LoadContext& ctx) {
  if (!require_scalar(f, ctx, "a string")) return std::nullopt;
  return f.value.Scalar();
}

std::optional<std::string> read_nonempty_string(const Field& f, LoadContext& ctx) {
  auto s = read_string(f, ctx);
  if (s && s->empty()) {
    report(ctx, f, "must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> read_checked_string(const Field& f, std::string_view what, TextCheck check,
                                               LoadContext& ctx) {
  auto s = read_nonempty_string(f, ctx);
  if (!s) return std::nullopt;
  if (auto problem = check(*s)) {
    report(ctx, f, fmt::format("'{}' is not {}: {}", redact_url(ctx.as_written(f.value)), what, *problem));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> read_url(const Field& f, LoadContext& ctx) {
  return read_checked_string(f, "a valid URL", url_problem, ctx);
}

namespace {

// The scalar of `f` read by `parse`; when it does not parse, `wrong` is reported with the
// value as written in place of its {} ("{} is not a duration (use e.g. 30s)").
template <class Parse>
auto parse_scalar(const Field& f, LoadContext& ctx, std::string_view what, Parse parse, std::string_view wrong)
    -> decltype(parse(std::string())) {
  if (!require_scalar(f, ctx, what)) return std::nullopt;
  auto v = parse(f.value.Scalar());
  if (!v) report(ctx, f, fmt::format(fmt::runtime(wrong), describe(f.value, ctx)));
  return v;
}

}  // namespace

std::optional<long long> read_integer(const Field& f, LoadContext& ctx, long long min,
                                      long long max) {
  auto n = parse_scalar(f, ctx, "an integer", parse_integer, "expected an integer, got {}");
  if (n && (*n < min || *n > max)) {
    report(ctx, f, fmt::format("{} is out of range ({}..{})", *n, min, max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> read_bool(const Field& f, LoadContext& ctx) {
  return parse_scalar(f, ctx, "true or false", parse_bool, "expected true or false, got {}");
}

std::optional<Millis> read_duration(const Field& f, LoadContext& ctx, Millis min) {
  auto d = parse_scalar(f, ctx, "a duration", parse_duration, "{} is not a duration (use e.g. 30s, 5m, 2h, 1d)");
  if (d && *d < min) {
    report(
        ctx, f,
        min == Millis{1} ? "must be greater than 0" : "must be at least " + format_duration(min));
    return std::nullopt;
  }
  return d;
}

std::optional<double> read_ratio(const Field& f, LoadContext& ctx) {
  return parse_scalar(f, ctx, "a ratio", parse_ratio,
                      "{} is not a ratio (use a percentage from 0% to 100%, e.g. 10%, or a number from 0 to 1)");
}

std::optional<RateLimit> read_rate(const Field& f, LoadContext& ctx) {
  return parse_scalar(f, ctx, "a rate", parse_rate,
                      "{} is not a rate (use a number greater than 0 per s, m or h, e.g. 10/s, 600/m, 1000/h)");
}

std::optional<int64_t> read_size(const Field& f, LoadContext& ctx, int64_t min) {
  auto n = parse_scalar(f, ctx, "a size", parse_size,
                        "{} is not a size (use bytes or e.g. 64KiB, 256MiB, 1GiB, 10MB)");
  if (n && *n < min) {
    report(ctx, f, fmt::format("must be at least {} bytes", min));
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> read_choice(const Field& f, const std::vector<std::string>& choices, LoadContext& ctx) {
  auto s = read_string(f, ctx);
  if (!s) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *s) != choices.end()) return s;
  report(ctx, f, fmt::format("'{}' is not one of {}{}", ctx.as_written(f.value), join_names(choices),
                             did_you_mean(*s, choices)));
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_string_list(const Field& f, LoadContext& ctx,
                                                         const ItemReader& read_item) {
  if (!f.value.IsSequence()) {
    report(ctx, f, "expected a list of strings, got " + describe(f.value, ctx));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    const Field item{fmt::format("{}[{}]", f.path, i), f.key, *it};
    auto s = read_item(item, ctx);
    ok = ok && s.has_value();
    if (s) out.push_back(std::move(*s));
  }
  if (!ok) return std::nullopt;
  return out;
}

bool is_block(const Field* field, std::string_view key, std::string_view expected, LoadContext& ctx) {
  if (field == nullptr || field->value.IsNull()) return false;
  if (field->value.IsMap()) return true;
  ctx.errors.add(field->at(), fmt::format("{}: expected {}, got {}", key, expected, describe_shape(field->value)));
  return false;
}

}  // namespace crm
