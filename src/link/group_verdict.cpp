#include "link/group_verdict.h"

#include <unordered_set>

namespace crm {

bool source_repeats(const std::vector<KeyHolder>& holders) {
  std::unordered_set<int64_t> seen;
  for (const auto& h : holders)
    if (!seen.insert(h.source_id).second) return true;
  return false;
}

GroupVerdict classify_group(LinkRule rule, const std::vector<KeyHolder>& holders) {
  const size_t n = holders.size();
  if (n < 2 || rule == LinkRule::phone_national) return GroupVerdict::none;
  if (rule == LinkRule::phone_other_name)
    return n <= static_cast<size_t>(kMaxSuggestionMembers) ? GroupVerdict::suggest_unlinked : GroupVerdict::none;
  const bool repeats = source_repeats(holders);
  // A linking identifier that one CRM gives to two records is not an identity there: it
  // can only suggest. One held by very many records is not an identity at all.
  if (rule_links(rule) && !repeats)
    return n <= static_cast<size_t>(kMaxKeyMembers) ? GroupVerdict::link : GroupVerdict::none;
  return n <= static_cast<size_t>(kMaxSuggestionMembers) ? GroupVerdict::suggest : GroupVerdict::none;
}

}  // namespace crm
