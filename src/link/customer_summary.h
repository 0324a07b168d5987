// CustomerSummary: one view of a customer made of its members (platform.md "People act"):
// the distinct normalised e-mails, the distinct E.164 phones, the companies, the name by
// `linking.survivorship.name`, and the latest change, each value with the members it came
// from. Deleted members do not count. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/api_queries.h"

namespace crm {

struct SummaryValue {
  std::string value;
  std::vector<int64_t> from;  // row ids of the members that hold it, oldest first
};

struct CustomerSummary {
  std::optional<SummaryValue> name;
  std::vector<SummaryValue> emails, phones, companies;
  std::optional<TimePoint> updated_at;
  std::vector<int64_t> updated_from;
};

// `name_priority`: linking.survivorship.name (empty: most_recent). A phone the linker
// did not read as E.164 (or an e-mail it did not take) is shown as written, trimmed.
CustomerSummary summarize_customer(const CustomerRow& customer, const std::vector<std::string>& name_priority);

}  // namespace crm
