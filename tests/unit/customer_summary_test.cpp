// summarize_customer: the one view of a customer that the API and the page show.
#include <doctest/doctest.h>

#include "link/customer_summary.h"

using namespace crm;

namespace {

RecordRow member(int64_t row, std::string source, std::string name, std::string email, std::string phone,
                 std::string company, int64_t remote_ms) {
  RecordRow m;
  m.row_id = row;
  m.record.source = std::move(source);
  m.record.record.external_id = std::to_string(row);
  m.record.record.name = std::move(name);
  m.record.record.email = std::move(email);
  m.record.record.phone = std::move(phone);
  m.record.record.company = std::move(company);
  m.record.record.remote_updated_at = from_ms(remote_ms);
  m.record.changed_at = from_ms(remote_ms + 5);
  return m;
}

std::vector<std::string> values(const std::vector<SummaryValue>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.value);
  return out;
}

}  // namespace

TEST_CASE("summary: distinct normalised e-mails, E.164 phones, companies, each with its members") {
  CustomerRow c;
  c.id = 1;
  c.members.push_back(member(1, "hubspot", "Zoë Łukasz", " Zoe@Example.COM ", "+49 30 1234567", "Acme GmbH", 1000));
  c.members.push_back(member(2, "zoho", "Zoe Lukasz", "zoe@example.com", "030 1234567", "ACME GmbH", 3000));
  c.members.back().record.record.country = "DE";  // reads the national number
  c.members.push_back(member(3, "odoo", "Z. Lukasz", "zoe@work.example", "not a number ", "", 2000));
  RecordRow gone = member(4, "sf", "Deleted Dora", "dora@example.com", "+1 617 555 0100", "Gone Inc", 9000);
  gone.record.record.deleted = true;
  c.members.push_back(gone);

  CustomerSummary s = summarize_customer(c, {});
  CHECK(values(s.emails) == std::vector<std::string>{"zoe@example.com", "zoe@work.example"});
  CHECK(s.emails[0].from == std::vector<int64_t>{1, 2});
  CHECK(values(s.phones) == std::vector<std::string>{"+49301234567", "not a number"});
  CHECK(s.phones[0].from == std::vector<int64_t>{1, 2});
  CHECK(values(s.companies) == std::vector<std::string>{"Acme GmbH"});
  CHECK(s.companies[0].from == std::vector<int64_t>{1, 2});
  // most_recent: the member the CRM changed last; the deleted one does not count.
  REQUIRE(s.name);
  CHECK(s.name->value == "Zoe Lukasz");
  CHECK(s.name->from == std::vector<int64_t>{2});
  REQUIRE(s.updated_at);
  CHECK(to_ms(*s.updated_at) == 3000);
  CHECK(s.updated_from == std::vector<int64_t>{2});

  // A priority list: its sources first, in its order; others after, by most recent.
  CHECK(summarize_customer(c, {"odoo", "hubspot"}).name->value == "Z. Lukasz");
  CHECK(summarize_customer(c, {"sf", "hubspot"}).name->value == "Zoë Łukasz");  // sf's member is deleted
  CHECK(summarize_customer(c, {"pipedrive"}).name->value == "Zoe Lukasz");
}

TEST_CASE("summary: what the linker compared wins over the fields as written") {
  CustomerRow c;
  c.id = 7;
  c.members.push_back(member(7, "a", "", "a+news@gmail.com", "0171 1234567", "", 1));
  c.members.back().linked_email = "a@gmail.com";  // strip_email_tags on this source
  c.members.back().linked_phone = "+491711234567";  // read by the source's phone_region
  CustomerSummary s = summarize_customer(c, {});
  CHECK(values(s.emails) == std::vector<std::string>{"a@gmail.com"});
  CHECK(values(s.phones) == std::vector<std::string>{"+491711234567"});
  CHECK_FALSE(s.name);  // nobody has a name
  CHECK(s.companies.empty());
}
