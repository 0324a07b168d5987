// classify_group(): what the records that share one link key make of it, the one
// statement of the link/suggest rules that the full and the incremental relink both apply
// (README.md here, "Rules"). Pure.
#pragma once

#include <vector>

#include "link/link_rules.h"
#include "store/key_holder.h"

namespace crm {

enum class GroupVerdict {
  none,              // nothing: too few, too common, or a key that is not a rule
  link,              // one customer, by an edge between each pair
  suggest,           // a suggestion between each pair from different CRMs
  suggest_unlinked,  // the same, only for pairs that end up in different customers
};

// `holders` may be cut short past kMaxKeyMembers + 1: a longer list decides nothing more.
GroupVerdict classify_group(LinkRule rule, const std::vector<KeyHolder>& holders);

// True when one CRM gives the key to two of the holders (a shared mailbox, a household).
bool source_repeats(const std::vector<KeyHolder>& holders);

}  // namespace crm
