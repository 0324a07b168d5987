// SourceOptions reads the keys every connector's source block has in common (objects,
// fields, extra_fields, web_url, a two-way choice) and reports problems with their
// file:line:col. The connectors' options parsers repeated these loops word for word;
// each parser now says only what differs: its known objects, its name rule, its words.
// A connector's own keys are declared as data (OptionSpec: key, type, default, help), and
// read with the typed readers here, which accept what src/config accepts (booleans are
// true/false only, not YAML 1.1's yes/on) and word their errors as it does.
//
// Used while one options parser runs: borrows the source and the error sink (which may
// be null: then nothing is reported and the results are what passed). Not thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace crm {

// Whether a CRM accepts a string as a field (column, property) name.
using FieldNameCheck = bool (*)(std::string_view);

bool contains(const std::vector<std::string>& list, std::string_view s);
std::string join(const std::vector<std::string>& list);  // "a, b, c"

// The record fields a `fields:` key may name, in the order messages list them.
const std::vector<std::string>& mappable_record_fields();

// Sets `field` to `value` in a record field → CRM name mapping, or adds it at the end.
void set_mapping(std::vector<std::pair<std::string, std::string>>& mapping, const std::string& field,
                 const std::string& value);

// One key of a connector's own in its source block, as data: what a README's table and
// the registry's own_keys are made of (cf. fluent-bit's config maps).
struct OptionSpec {
  enum Type { text, boolean, rate, ratio, choice, block };
  std::string_view key;
  Type type = text;
  std::string_view default_value;  // as a config file would write it; "" when there is none
  std::string_view help;
};
// The keys of a table, for ConnectorType::own_keys.
std::vector<std::string> option_keys(std::span<const OptionSpec> options);

class SourceOptions {
 public:
  SourceOptions(const SourceConfig& source, ConfigErrors* errors) : source_(source), errors_(errors) {}

  // Reports "source '<name>': <msg>" at `at`, or at the block when `at` is absent.
  void error(const YAML::Node& at, const std::string& msg) const;
  // The scalar as the file has it (never an expanded secret), or fallback.
  std::string written(const YAML::Node& n, const std::string& fallback) const;

  // objects: each a name from `known`, once; absent means all of `known`. Unknown names
  // are reported as "unknown <noun> '<x>' (known: a, b<hint>)".
  std::vector<std::string> objects(const std::vector<std::string>& known, std::string_view noun,
                                   std::string_view hint = {}) const;
  // fields: record field → CRM name, for the record fields in `mappable` whose CRM name
  // passes `valid`. `fixed` names what cannot be remapped; `what` is "a column name",
  // `example` e.g. "e.g. Tax_ID".
  std::vector<std::pair<std::string, std::string>> fields(const std::vector<std::string>& mappable,
                                                          std::string_view fixed, FieldNameCheck valid,
                                                          std::string_view what, std::string_view example) const;
  // extra_fields: the names that pass `valid`, each once, in order.
  std::vector<std::string> extra_fields(FieldNameCheck valid, std::string_view what) const;
  // An own key with two allowed values: the value, or "" when absent or neither.
  std::string choice(const char* key, std::string_view first, std::string_view second) const;
  // A boolean at `n` (an own key, or a key inside one: `path` names it in the message):
  // nullopt when absent, or after reporting "<path>: expected true or false, got 'yes'".
  std::optional<bool> boolean(const YAML::Node& n, std::string_view path) const;
  std::optional<bool> boolean(const char* key) const { return boolean(source_.node[key], key); }
  // web_url, or the default template; a given template must contain {id}.
  std::string web_url(std::string_view default_template, std::string_view placeholders) const;

 private:
  const SourceConfig& source_;
  ConfigErrors* errors_;
};

}  // namespace crm
