// Routing tables computed at elaboration: deterministic shortest paths (in hops) over the link
// graph. Among equally short next hops the order is x, then y, then vertical, then skip, then
// the lowest neighbour id, which on a mesh or torus is dimension-order (XYZ) routing.
// A destination ("target") may be reachable at several routers (an HBM with several
// attachment points): packets go to the nearest one. Pure C++, no SystemC.
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
  int next_link(int router, int target) const { return next_[index(router, target)]; }
  int hops(int router, int target) const { return dist_[index(router, target)]; }  // -1 unreachable
  // Routers visited from `router` to the target's router (both included).
  std::vector<int> path(int router, int target) const;
  // Router at which a packet from `router` is delivered to `target`.
  int delivery_router(int router, int target) const;

 private:
  std::size_t index(int router, int target) const {
    return static_cast<std::size_t>(target) * routers_ + static_cast<std::size_t>(router);
  }
  const Topology& topo_;
  std::vector<std::vector<int>> targets_;
  std::size_t routers_;
  std::vector<int> next_;  // [target][router]
  std::vector<int> dist_;  // [target][router]
};

}  // namespace atleus::noc
