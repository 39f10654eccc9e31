#include "atleus/noc/routing.hpp"

#include <deque>
#include <stdexcept>
#include <tuple>

namespace atleus::noc {

namespace {

// Rank of a hop for the dimension-order tie break: x moves, y moves, vertical, skip.
int dimension_rank(const Topology& t, int from, int to, LinkKind kind) {
  if (kind == LinkKind::kSkip) return 3;
  if (kind == LinkKind::kVertical) return 2;
  return t.nodes()[from].x != t.nodes()[to].x ? 0 : 1;
}

}  // namespace

RoutingTable::RoutingTable(const Topology& topo, std::vector<std::vector<int>> targets)
    : topo_(topo),
      targets_(std::move(targets)),
      routers_(topo.nodes().size()),
      columns_(targets_.size()) {
  for (const auto& attached : targets_)
    for (int r : attached)
      if (r < 0 || static_cast<std::size_t>(r) >= routers_)
        throw std::invalid_argument("target attached to a router that does not exist");
}

const RoutingTable::Column& RoutingTable::build(int tg) const {
  Column& c = columns_[static_cast<std::size_t>(tg)];
  c.next.assign(routers_, kUnreachable);
  c.dist.assign(routers_, -1);
  // Breadth-first search outwards from every attachment router of the target at once.
  std::deque<int> frontier;
  for (int r : targets_[tg]) {
    if (c.dist[r] == 0) continue;
    c.dist[r] = 0;
    c.next[r] = kDeliver;
    frontier.push_back(r);
  }
  while (!frontier.empty()) {
    const int r = frontier.front();
    frontier.pop_front();
    for (const auto& [nb, link] : topo_.neighbours(r)) {
      (void)link;
      if (c.dist[nb] >= 0) continue;
      c.dist[nb] = c.dist[r] + 1;
      frontier.push_back(nb);
    }
  }
  // Next hop: the neighbour one step closer, chosen by dimension order then lowest id.
  for (int r = 0; r < static_cast<int>(routers_); ++r) {
    const int d = c.dist[r];
    if (d <= 0) continue;
    std::tuple<int, int> best{1 << 30, 1 << 30};
    for (const auto& [nb, link] : topo_.neighbours(r)) {
      if (c.dist[nb] != d - 1) continue;
      const std::tuple<int, int> key{dimension_rank(topo_, r, nb, topo_.links()[link].kind), nb};
      if (key < best) {
        best = key;
        c.next[r] = link;
      }
    }
  }
  return c;
}

int RoutingTable::delivery_router(int router, int target) const {
  const auto p = path(router, target);
  return p.empty() ? -1 : p.back();
}

std::vector<int> RoutingTable::path(int router, int target) const {
  std::vector<int> p;
  if (hops(router, target) < 0) return p;
  int r = router;
  p.push_back(r);
  while (next_link(r, target) != kDeliver) {
    const Link& l = topo_.links()[next_link(r, target)];
    r = (l.a == r) ? l.b : l.a;
    p.push_back(r);
  }
  return p;
}

}  // namespace atleus::noc
