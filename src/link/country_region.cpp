#include "link/country_region.h"

#include <string>
#include <unordered_map>

#include "core/text_fold.h"
#include "link/country_table.h"

namespace crm {
namespace {

const std::unordered_map<std::string, std::string_view>& table() {
  static const auto* t = [] {
    auto* m = new std::unordered_map<std::string, std::string_view>();
    for (const auto& c : country_table::kCountries) {
      std::string_view region = c.alpha2;
      m->emplace(fold_text(c.alpha2), region);
      m->emplace(fold_text(c.alpha3), region);
      std::string_view names = c.names;
      while (!names.empty()) {
        auto bar = names.find('|');
        m->emplace(fold_text(names.substr(0, bar)), region);
        names = bar == std::string_view::npos ? std::string_view() : names.substr(bar + 1);
      }
    }
    return m;
  }();
  return *t;
}

}  // namespace

std::string_view region_of_country(std::string_view country) {
  if (country.empty()) return {};
  thread_local std::string folded;
  folded.clear();
  fold_text_into(country, folded);
  const auto& t = table();
  auto it = t.find(folded);
  return it == t.end() ? std::string_view() : it->second;
}

}  // namespace crm
