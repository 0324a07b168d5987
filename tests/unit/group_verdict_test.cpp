// classify_group: the link/suggest rules as one table (src/link/group_verdict.h).
#include <doctest/doctest.h>

#include "link/group_verdict.h"

using namespace crm;

namespace {

// n holders, each from its own source unless `repeat` gives two of them one source.
std::vector<KeyHolder> holders(int n, bool repeat = false) {
  std::vector<KeyHolder> out;
  for (int i = 0; i < n; ++i) out.push_back({100 + i, repeat && i == 1 ? 1 : i + 1});
  return out;
}

struct Case {
  LinkRule rule;
  int n;
  bool repeat;
  GroupVerdict want;
};

}  // namespace

TEST_CASE("classify_group: which groups link, which suggest, which do nothing") {
  const Case cases[] = {
      // Linking identifiers link across CRMs, up to kMaxKeyMembers holders.
      {LinkRule::email, 2, false, GroupVerdict::link},
      {LinkRule::national_id, 3, false, GroupVerdict::link},
      {LinkRule::phone, 2, false, GroupVerdict::link},
      {LinkRule::email, kMaxKeyMembers, false, GroupVerdict::link},
      {LinkRule::email, kMaxKeyMembers + 1, false, GroupVerdict::none},
      // One CRM giving the identifier to two records: only a suggestion, and only while few.
      {LinkRule::email, 2, true, GroupVerdict::suggest},
      {LinkRule::email, kMaxSuggestionMembers, true, GroupVerdict::suggest},
      {LinkRule::email, kMaxSuggestionMembers + 1, true, GroupVerdict::none},
      // Weak rules only suggest.
      {LinkRule::name_company, 2, false, GroupVerdict::suggest},
      {LinkRule::name_phone_country, 2, true, GroupVerdict::suggest},
      {LinkRule::name_company, kMaxSuggestionMembers + 1, false, GroupVerdict::none},
      // The same number under other names: suggestions for what the phone did not link.
      {LinkRule::phone_other_name, 2, false, GroupVerdict::suggest_unlinked},
      {LinkRule::phone_other_name, kMaxSuggestionMembers, true, GroupVerdict::suggest_unlinked},
      {LinkRule::phone_other_name, kMaxSuggestionMembers + 1, false, GroupVerdict::none},
      // Not a rule, and groups of one.
      {LinkRule::phone_national, 2, false, GroupVerdict::none},
      {LinkRule::email, 1, false, GroupVerdict::none},
      {LinkRule::name_company, 0, false, GroupVerdict::none},
  };
  for (const auto& c : cases) {
    CAPTURE(rule_name(c.rule));
    CAPTURE(c.n);
    CAPTURE(c.repeat);
    CHECK(classify_group(c.rule, holders(c.n, c.repeat)) == c.want);
  }
}

TEST_CASE("source_repeats") {
  CHECK_FALSE(source_repeats({}));
  CHECK_FALSE(source_repeats(holders(5)));
  CHECK(source_repeats(holders(3, true)));
}
