// Topology: the NoC as a graph of routers (one per core site) and bidirectional links, with
// builders for the planar and vertical structures of a 3D stack. Pure C++ (no SystemC): the
// netlist turns it into Router and Link modules. A node is a router position (tier, x, y).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace atleus::noc {

enum class LinkKind { kPlanar, kVertical, kSkip };
const char* to_string(LinkKind kind);

enum class SfcCurve { kHilbert, kSnake };
SfcCurve parse_sfc_curve(const std::string& name);  // "hilbert" | "snake"; throws invalid_argument

struct Node {
  int tier = 0, x = 0, y = 0;
};

struct Link {
  int a = 0, b = 0;  // node ids; the link carries traffic both ways (one channel each way)
  LinkKind kind = LinkKind::kPlanar;
  int tier_span = 1;  // tiers crossed by a vertical or skip link
};

class Topology {
 public:
  // Adds a tier of w x h nodes; returns the id of its first node. Tiers are added bottom-up.
  int add_tier(int w, int h);
  int tiers() const { return static_cast<int>(tier_dims_.size()); }
  std::pair<int, int> tier_dims(int tier) const { return tier_dims_.at(tier); }
  int node_at(int tier, int x, int y) const;  // -1 if there is none
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Link>& links() const { return links_; }

  // Adds a link; throws std::invalid_argument for a self link, unknown node or duplicate.
  int add_link(int a, int b, LinkKind kind);
  bool has_link(int a, int b) const;

  // (neighbour node, link id) pairs of a node, in the order the links were added.
  const std::vector<std::pair<int, int>>& neighbours(int node) const { return adj_.at(node); }
  int radix(int node) const { return static_cast<int>(adj_.at(node).size()); }

  // The order in which a tier's nodes are meant to be used for consecutive layers (the SFC
  // order on SFC tiers, row-major elsewhere). Set by the builders.
  const std::vector<int>& tier_order(int tier) const { return tier_order_.at(tier); }
  void set_tier_order(int tier, std::vector<int> order) { tier_order_.at(tier) = std::move(order); }

 private:
  std::vector<Node> nodes_;
  std::vector<Link> links_;
  std::vector<std::vector<std::pair<int, int>>> adj_;
  std::vector<std::pair<int, int>> tier_dims_;
  std::vector<int> tier_first_;
  std::vector<std::vector<int>> tier_order_;
};

// Planar builders (on one tier).
void add_mesh(Topology& t, int tier);
void add_torus(Topology& t, int tier);  // mesh plus wrap-around links (on dimensions > 2 long)
// A path through every node of the tier along a space-filling curve; `reverse` walks it from
// the other end (so consecutive SFC tiers can join end to start through a vertical link).
void add_sfc_path(Topology& t, int tier, SfcCurve curve, bool reverse);
// (x, y) positions visited by the curve on a w x h grid, in order. Hilbert needs a square grid
// whose side is a power of two; the snake (boustrophedon) works on any grid.
std::vector<std::pair<int, int>> sfc_positions(int w, int h, SfcCurve curve);

// Vertical builders. Links join nodes at the same (x, y) where both tiers have one.
void add_vertical_adjacent(Topology& t);                   // every adjacent tier pair
void add_skip_links(Topology& t, int tier_a, int tier_b);  // tiers need not be adjacent
void add_vertical_wrap(Topology& t);                       // top to bottom tier (3D torus)

}  // namespace atleus::noc
