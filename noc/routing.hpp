// Routing tables computed at elaboration: deterministic shortest paths (in hops) over the link
// graph. Among equally short next hops the order is x, then y, then vertical, then skip, then
// the lowest neighbour id, which on a mesh or torus is dimension-order (XYZ) routing.
// A destination ("target") may be reachable at several routers (an HBM with several
// attachment points): packets go to the nearest one. Pure C++, no SystemC.
// A target's table (one breadth-first search, linear in the links) is built the first time it is
// asked for, so what only routes to a few targets (describe, the HBM reachability check) costs
// time and memory linear in the platform, not quadratic.
#pragma once

#include <vector>

#include "atleus/noc/topology.hpp"

namespace atleus::noc {

class RoutingTable {
 public:
  // targets[i] lists the routers at which target i can be delivered.
  RoutingTable(const Topology& topo, std::vector<std::vector<int>> targets);

  static constexpr int kDeliver = -1;  // next_link() value at a router where the target is attached
  static constexpr int kUnreachable = -2;

  int targets() const { return static_cast<int>(targets_.size()); }
  const std::vector<int>& attachments(int target) const { return targets_.at(target); }
  // Link to take from `router` towards `target`, or kDeliver / kUnreachable.
  int next_link(int router, int target) const { return column(target).next[router]; }
  int hops(int router, int target) const { return column(target).dist[router]; }  // -1 unreachable
  // Routers visited from `router` to the target's router (both included).
  std::vector<int> path(int router, int target) const;
  // Router at which a packet from `router` is delivered to `target`.
  int delivery_router(int router, int target) const;

 private:
  struct Column {
    std::vector<int> next;  // [router]
    std::vector<int> dist;  // [router]
  };
  const Column& column(int target) const {
    const Column& c = columns_.at(static_cast<std::size_t>(target));
    return c.next.empty() ? build(target) : c;
  }
  const Column& build(int target) const;
  const Topology& topo_;
  std::vector<std::vector<int>> targets_;
  std::size_t routers_;
  mutable std::vector<Column> columns_;  // [target], built on first use
};

}  // namespace atleus::noc
