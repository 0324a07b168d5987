#include <doctest/doctest.h>

#include "link/clusterer.h"

using namespace crm;

namespace {

LinkEdge edge(int64_t a, int64_t b, EdgeStrength s = EdgeStrength::email, uint64_t order = 0) {
  return LinkEdge{a, b, s, order, 0};
}

}  // namespace

TEST_CASE("links are transitive; the customer id is the oldest member's") {
  ClusterInput in;
  in.members = {5, 3, 9, 12, 20};
  in.edges = {edge(5, 9), edge(9, 3, EdgeStrength::phone), edge(12, 20)};
  auto r = cluster(in);
  CHECK(r.customer_of[5] == 3);
  CHECK(r.customer_of[9] == 3);
  CHECK(r.customer_of[3] == 3);
  CHECK(r.customer_of[12] == 12);
  CHECK(r.customer_of[20] == 12);
  CHECK(r.reasons.size() == 3);
  CHECK(r.refused.empty());
}

TEST_CASE("an unlink splits a cluster that rules join, and wins over transitive paths") {
  // 1-2 by email, 2-3 by phone; unlink 1-3: the weaker edge (phone) is refused.
  ClusterInput in;
  in.members = {1, 2, 3};
  in.edges = {edge(1, 2, EdgeStrength::email), edge(2, 3, EdgeStrength::phone)};
  in.apart = {{1, 3}};
  auto r = cluster(in);
  CHECK(r.customer_of[1] == 1);
  CHECK(r.customer_of[2] == 1);
  CHECK(r.customer_of[3] == 3);
  REQUIRE(r.refused.size() == 1);
  CHECK(r.refused[0].a == 2);
  CHECK(r.refused[0].b == 3);
}

TEST_CASE("an unlink between two records of one identifier keeps them apart") {
  ClusterInput in;
  in.members = {1, 2};
  in.edges = {edge(1, 2)};
  in.apart = {{2, 1}};
  auto r = cluster(in);
  CHECK(r.customer_of[1] == 1);
  CHECK(r.customer_of[2] == 2);
  CHECK(r.reasons.empty());
}

TEST_CASE("conflicting marks: the older manual link wins, the later one is refused") {
  // link(1,2) at t=10, link(2,3) at t=20, unlink(1,3): joining 3 would put 1 and 3 together.
  ClusterInput in;
  in.members = {1, 2, 3};
  in.edges = {edge(2, 3, EdgeStrength::manual, 20), edge(1, 2, EdgeStrength::manual, 10)};
  in.apart = {{1, 3}};
  auto r = cluster(in);
  CHECK(r.customer_of[2] == 1);
  CHECK(r.customer_of[3] == 3);
  REQUIRE(r.refused.size() == 1);
  CHECK(r.refused[0].b == 3);
}

TEST_CASE("manual links go before rules, so a rule cannot take their place") {
  // rule edge 1-3 (email) and manual 2-3; unlink 1-2. The manual link is applied first,
  // so the rule edge that would reach 1 is refused.
  ClusterInput in;
  in.members = {1, 2, 3};
  in.edges = {edge(1, 3, EdgeStrength::email), edge(2, 3, EdgeStrength::manual, 5)};
  in.apart = {{1, 2}};
  auto r = cluster(in);
  CHECK(r.customer_of[3] == 2);
  CHECK(r.customer_of[1] == 1);
}

TEST_CASE("customer ids are stable: an unrelated record does not renumber anyone") {
  ClusterInput a;
  a.members = {10, 11, 30};
  a.edges = {edge(10, 11)};
  auto before = cluster(a);
  ClusterInput b = a;
  b.members.push_back(5);  // an older, unrelated record
  b.members.push_back(31);
  b.edges.push_back(edge(30, 31));
  auto after = cluster(b);
  CHECK(before.customer_of[11] == after.customer_of[11]);
  CHECK(after.customer_of[11] == 10);
  CHECK(after.customer_of[5] == 5);
  CHECK(after.customer_of[31] == 30);
}

TEST_CASE("edges to records that are not members are ignored") {
  ClusterInput in;
  in.members = {1};
  in.edges = {edge(1, 99)};
  auto r = cluster(in);
  CHECK(r.customer_of.size() == 1);
  CHECK(r.customer_of[1] == 1);
  CHECK(r.reasons.empty());
}
