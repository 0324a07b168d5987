// Typed, positioned reading of YAML mappings for the config loader: every failure
// becomes a ConfigError at the offending node ("interval: '5 minutes' is not a
// duration ...") and reading goes on, so that one run reports every problem.
// Values are quoted as written in the file (LoadContext::as_written), never expanded.
// Internal to src/config/. Not thread-safe (writes to the LoadContext).
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/load_context.h"
#include "config/value_parsers.h"  // describe_shape

namespace crm {

// One key/value pair of a mapping, with its dotted path for messages ("auth.token").
struct Field {
  std::string path;
  YAML::Node key;
  YAML::Node value;
  // Where an error about the value points: the value, or the key when the value is
  // empty (an empty value has no useful position of its own).
  const YAML::Node& at() const { return value.IsNull() ? key : value; }
};

// The entries of one mapping. Reports non-scalar keys and duplicate keys on the way in.
class Mapping {
 public:
  // `prefix` is prepended to key paths ("auth."); `label` names the mapping in
  // messages about it as a whole ("auth", "source 'legacy'"). A null node reads as empty.
  Mapping(const YAML::Node& node, std::string prefix, std::string label, LoadContext& ctx);

  const Field* find(std::string_view key) const;
  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  const YAML::Node& node() const { return node_; }
  const std::string& label() const { return label_; }
  void set_label(std::string label) { label_ = std::move(label); }

  // Reports each key not in `allowed`, suggesting the closest allowed key.
  void reject_unknown(const std::vector<std::string>& allowed) const;
  // Reports a missing required key at the mapping itself.
  void report_missing(std::string_view key, std::string_view hint = "") const;
  // The field of a required key; nullptr, reported as missing, when there is none.
  const Field* require(std::string_view key) const;

 private:
  YAML::Node node_;
  std::string label_;
  LoadContext& ctx_;
  std::vector<Field> fields_;
};

// "a list", "a mapping", "nothing", "'text'": what a node holds, for "got ..." messages.
std::string describe(const YAML::Node& node, const LoadContext& ctx);

// Whether `field` holds a block to read: false when it is absent or null (nothing to
// read), or not a mapping (then "<key>: expected <expected>, got a list" is reported;
// the value itself is never echoed, it may be a misplaced secret).
bool is_block(const Field* field, std::string_view key, std::string_view expected, LoadContext& ctx);

// Each reader returns nullopt after reporting an error at the field.
std::optional<std::string> read_string(const Field& f, LoadContext& ctx);
// As read_string, and also refuses "".
std::optional<std::string> read_nonempty_string(const Field& f, LoadContext& ctx);
// A non-empty string that `check` accepts (returns nullopt for), else "<path>: '<value>'
// is not <what>: <what check says>". The value is quoted as written, with any
// "user:password@" of a URL redacted.
using TextCheck = std::optional<std::string> (*)(std::string_view text);
std::optional<std::string> read_checked_string(const Field& f, std::string_view what, TextCheck check,
                                               LoadContext& ctx);
// An http(s) URL (address_checks.h url_problem).
std::optional<std::string> read_url(const Field& f, LoadContext& ctx);
std::optional<long long> read_integer(const Field& f, LoadContext& ctx, long long min,
                                      long long max);
std::optional<bool> read_bool(const Field& f, LoadContext& ctx);
// `min` is the smallest duration accepted (0 for overlap, 1ms for intervals).
std::optional<Millis> read_duration(const Field& f, LoadContext& ctx, Millis min);
std::optional<double> read_ratio(const Field& f, LoadContext& ctx);
std::optional<RateLimit> read_rate(const Field& f, LoadContext& ctx);
// A size in bytes (parse_size), at least `min`.
std::optional<int64_t> read_size(const Field& f, LoadContext& ctx, int64_t min);
// An enumeration value; `choices` listed, with a did-you-mean, when it is not one of them.
std::optional<std::string> read_choice(const Field& f, const std::vector<std::string>& choices, LoadContext& ctx);
// A list whose items (paths "<key>[i]") are read by `read_item`; nullopt when any failed.
using ItemReader = std::function<std::optional<std::string>(const Field& item, LoadContext& ctx)>;
std::optional<std::vector<std::string>> read_string_list(const Field& f, LoadContext& ctx,
                                                         const ItemReader& read_item = read_nonempty_string);

}  // namespace crm
