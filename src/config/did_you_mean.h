// "Did you mean ...?" suggestions for misspelt keys and enumeration values.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crm {

// Optimal-string-alignment distance (Levenshtein plus adjacent transposition, so that
// "intevral" is one edit from "interval"), compared case-insensitively.
int edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a distance of 2 (1 for words of up to 4 characters,
// where 2 edits would turn almost anything into anything); ties go to the first one.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// " (did you mean 'interval'?)", or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c": for "expected one of ..." messages.
std::string join_names(const std::vector<std::string>& names);

}  // namespace crm
