// Parsers for the scalar forms of the configuration contract (design.md):
// durations "250ms", "30s", "5m", "2h", "1d" and combinations such as "1h30m";
// ratios "10%" (0..100%) or a plain number 0..1; rates "10/s", "600/m", "1000/h";
// integers; sizes "256MiB", "64KB", "1048576"; and the booleans true/false.
// Pure functions: they return nullopt on anything they do not accept and never
// throw; the caller turns that into a positioned ConfigError. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/time.h"

namespace crm {

// Integer followed by a unit (ms, s, m, h, d), repeated in decreasing unit order
// ("1h30m", "1m30s"). A bare "0" is accepted as zero. Overflow → nullopt.
std::optional<Millis> parse_duration(std::string_view text);
// The shortest form parse_duration reads back: 300000ms → "5m", 5400000ms → "1h30m".
std::string format_duration(Millis d);

// "10%" → 0.10, "12.5%" → 0.125, "0.25" → 0.25; nullopt outside 0..1 (0..100%).
std::optional<double> parse_ratio(std::string_view text);

// "10/s", "600/m", "1000/h", "0.5/s" → events per second (> 0). `text` keeps the input.
std::optional<RateLimit> parse_rate(std::string_view text);

// Optional sign and decimal digits only ("12", "-3"); no "1e3", no "0x10", no spaces.
std::optional<long long> parse_integer(std::string_view text);

// Bytes: a whole number with an optional unit, binary (KiB, MiB, GiB, TiB) or decimal
// (B, KB, MB, GB, TB): "256MiB" → 268435456, "1GB" → 10^9, "4096" → 4096. At most 2^50;
// overflow, fractions, spaces and other units → nullopt.
std::optional<int64_t> parse_size(std::string_view text);

// "true"/"false" (also "True"/"TRUE"/"False"/"FALSE", the YAML 1.2 core schema).
// YAML 1.1's yes/no/on/off are refused on purpose: `country: NO` should not be a bool.
std::optional<bool> parse_bool(std::string_view text);

// What a node holds, for "got …" messages, never quoting its text (it may be a
// credential): "nothing", "a list", "a mapping", "a string". Used by the config loader
// and the connectors' options parsers alike.
std::string describe_shape(const YAML::Node& node);

}  // namespace crm
