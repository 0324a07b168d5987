#include "link/clusterer.h"

#include <algorithm>
#include <numeric>
#include <optional>

namespace crm {
namespace {

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), apart_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t find(size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void keep_apart(size_t x, size_t y) {
    apart_[x].push_back(y);
    apart_[y].push_back(x);
  }
  // Joins the components of x and y unless a keep-apart pair would end up inside.
  enum class Join { joined, same, refused };
  Join join(size_t x, size_t y) {
    size_t rx = find(x), ry = find(y);
    if (rx == ry) return Join::same;
    if (apart_[rx].size() > apart_[ry].size()) std::swap(rx, ry);
    for (size_t other : apart_[rx])
      if (find(other) == ry) return Join::refused;
    parent_[rx] = ry;
    auto& into = apart_[ry];
    into.insert(into.end(), apart_[rx].begin(), apart_[rx].end());
    apart_[rx].clear();
    apart_[rx].shrink_to_fit();
    return Join::joined;
  }

 private:
  std::vector<size_t> parent_;
  // Per root: the records (any member's) that this component must not be joined to.
  std::vector<std::vector<size_t>> apart_;
};

}  // namespace

ClusterResult cluster(ClusterInput in) {
  std::vector<int64_t>& ids = in.members;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto index_of = [&](int64_t id) -> std::optional<size_t> {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it == ids.end() || *it != id) return std::nullopt;
    return static_cast<size_t>(it - ids.begin());
  };

  UnionFind uf(ids.size());
  for (auto [x, y] : in.apart) {
    auto ix = index_of(x), iy = index_of(y);
    if (ix && iy && *ix != *iy) uf.keep_apart(*ix, *iy);
  }

  std::stable_sort(in.edges.begin(), in.edges.end(), [](const LinkEdge& l, const LinkEdge& r) {
    if (l.strength != r.strength) return l.strength < r.strength;
    if (l.order != r.order) return l.order < r.order;
    auto lk = std::minmax(l.a, l.b), rk = std::minmax(r.a, r.b);
    return lk < rk;
  });

  ClusterResult out;
  std::vector<std::pair<size_t, LinkEdge>> joined;  // (index of a, edge)
  for (auto& e : in.edges) {
    auto ia = index_of(e.a), ib = index_of(e.b);
    if (!ia || !ib) continue;
    switch (uf.join(*ia, *ib)) {
      case UnionFind::Join::joined: joined.emplace_back(*ia, std::move(e)); break;
      case UnionFind::Join::refused: out.refused.push_back(std::move(e)); break;
      case UnionFind::Join::same: break;
    }
  }

  // ids are sorted, so the first member met of each component is its smallest id.
  std::vector<int64_t> customer(ids.size(), 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    size_t root = uf.find(i);
    if (customer[root] == 0) customer[root] = ids[i];
    out.customer_of[ids[i]] = customer[root];
  }
  for (auto& [ia, e] : joined) out.reasons.emplace_back(customer[uf.find(ia)], std::move(e));
  return out;
}

}  // namespace crm
