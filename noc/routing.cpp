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
    : topo_(topo), targets_(std::move(targets)), routers_(topo.nodes().size()) {
  next_.assign(targets_.size() * routers_, kUnreachable);
  dist_.assign(targets_.size() * routers_, -1);
  for (int tg = 0; tg < static_cast<int>(targets_.size()); ++tg) {
    // Breadth-first search outwards from every attachment router of the target at once.
    std::deque<int> frontier;
    for (int r : targets_[tg]) {
      if (r < 0 || static_cast<std::size_t>(r) >= routers_)
        throw std::invalid_argument("target attached to a router that does not exist");
      if (dist_[index(r, tg)] == 0) continue;
      dist_[index(r, tg)] = 0;
      next_[index(r, tg)] = kDeliver;
      frontier.push_back(r);
    }
    while (!frontier.empty()) {
      const int r = frontier.front();
      frontier.pop_front();
      for (const auto& [nb, link] : topo.neighbours(r)) {
        (void)link;
        if (dist_[index(nb, tg)] >= 0) continue;
        dist_[index(nb, tg)] = dist_[index(r, tg)] + 1;
        frontier.push_back(nb);
      }
    }
    // Next hop: the neighbour one step closer, chosen by dimension order then lowest id.
    for (int r = 0; r < static_cast<int>(routers_); ++r) {
      const int d = dist_[index(r, tg)];
      if (d <= 0) continue;
      std::tuple<int, int> best{1 << 30, 1 << 30};
      for (const auto& [nb, link] : topo.neighbours(r)) {
        if (dist_[index(nb, tg)] != d - 1) continue;
        const std::tuple<int, int> key{dimension_rank(topo, r, nb, topo.links()[link].kind), nb};
        if (key < best) {
          best = key;
          next_[index(r, tg)] = link;
        }
      }
    }
  }
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
