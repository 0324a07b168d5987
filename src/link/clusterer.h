// cluster(): customers as the connected components of link edges, with "keep apart"
// constraints (design.md "Linking", README.md here "How conflicts resolve").
//
// Edges are applied strongest first: manual links (oldest mark first), merges made by a
// CRM, then national id, email, phone; ties by the smaller record ids. An edge that would
// put two records of an unlink mark into one customer is refused, so an unlink always
// wins over rules, and over links that would reach its pair through other records. The
// customer id is the smallest record id of the component (its oldest member): it moves
// only when that member leaves. Pure; no I/O.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace crm {

enum class EdgeStrength : int { manual = 0, merged = 1, national_id = 2, email = 3, phone = 4 };

// Compact on purpose: a full relink of a million records may hold a million edges. The
// value a person reads (the email, the mark's note) is looked up for joining edges only.
struct LinkEdge {
  int64_t a = 0, b = 0;  // record ids
  EdgeStrength strength = EdgeStrength::email;
  // Ties within a strength: manual, the mark's time (older first); rules, the key hash;
  // so that a full relink and an incremental one refuse the same edges.
  uint64_t order = 0;
  int64_t ref = 0;  // manual: the mark id; rules: the key hash's bits; merged: 0
};

struct ClusterInput {
  std::vector<int64_t> members;  // records that belong to some customer
  std::vector<LinkEdge> edges;   // endpoints outside `members` are ignored
  std::vector<std::pair<int64_t, int64_t>> apart;  // unlink marks
};

struct ClusterResult {
  std::unordered_map<int64_t, int64_t> customer_of;  // every member -> customer id
  std::vector<std::pair<int64_t, LinkEdge>> reasons;  // (customer id, edge that joined it)
  std::vector<LinkEdge> refused;                      // edges an unlink kept out
};

ClusterResult cluster(ClusterInput input);

}  // namespace crm
