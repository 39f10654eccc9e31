#include "atleus/noc/topology.hpp"

#include <algorithm>
#include <stdexcept>

namespace atleus::noc {

const char* to_string(LinkKind kind) {
  switch (kind) {
    case LinkKind::kPlanar:
      return "planar";
    case LinkKind::kVertical:
      return "vertical";
    case LinkKind::kSkip:
      return "skip";
  }
  return "?";
}

SfcCurve parse_sfc_curve(const std::string& name) {
  if (name == "hilbert") return SfcCurve::kHilbert;
  if (name == "snake") return SfcCurve::kSnake;
  throw std::invalid_argument("unknown space-filling curve '" + name + "' (hilbert, snake)");
}

int Topology::add_tier(int w, int h) {
  if (w <= 0 || h <= 0) throw std::invalid_argument("tier grid must be at least 1 x 1");
  const int tier = tiers();
  const int first = static_cast<int>(nodes_.size());
  std::vector<int> order;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      order.push_back(static_cast<int>(nodes_.size()));
      nodes_.push_back({tier, x, y});
      adj_.emplace_back();
    }
  tier_dims_.emplace_back(w, h);
  tier_first_.push_back(first);
  tier_order_.push_back(std::move(order));
  return first;
}

int Topology::node_at(int tier, int x, int y) const {
  if (tier < 0 || tier >= tiers()) return -1;
  const auto [w, h] = tier_dims_[tier];
  if (x < 0 || y < 0 || x >= w || y >= h) return -1;
  return tier_first_[tier] + y * w + x;
}

bool Topology::has_link(int a, int b) const {
  for (const auto& [n, l] : adj_.at(a)) {
    (void)l;
    if (n == b) return true;
  }
  return false;
}

int Topology::add_link(int a, int b, LinkKind kind) {
  const int n = static_cast<int>(nodes_.size());
  if (a < 0 || b < 0 || a >= n || b >= n)
    throw std::invalid_argument("link to a node that does not exist");
  if (a == b) throw std::invalid_argument("link from a node to itself");
  if (has_link(a, b)) throw std::invalid_argument("duplicate link");
  const int id = static_cast<int>(links_.size());
  links_.push_back({a, b, kind, std::abs(nodes_[a].tier - nodes_[b].tier)});
  adj_[a].emplace_back(b, id);
  adj_[b].emplace_back(a, id);
  return id;
}

void add_mesh(Topology& t, int tier) {
  const auto [w, h] = t.tier_dims(tier);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (x + 1 < w)
        t.add_link(t.node_at(tier, x, y), t.node_at(tier, x + 1, y), LinkKind::kPlanar);
      if (y + 1 < h)
        t.add_link(t.node_at(tier, x, y), t.node_at(tier, x, y + 1), LinkKind::kPlanar);
    }
}

void add_torus(Topology& t, int tier) {
  add_mesh(t, tier);
  const auto [w, h] = t.tier_dims(tier);
  // A ring of two is already closed by the mesh link; wrap only longer dimensions.
  if (w > 2)
    for (int y = 0; y < h; ++y)
      t.add_link(t.node_at(tier, w - 1, y), t.node_at(tier, 0, y), LinkKind::kPlanar);
  if (h > 2)
    for (int x = 0; x < w; ++x)
      t.add_link(t.node_at(tier, x, h - 1), t.node_at(tier, x, 0), LinkKind::kPlanar);
}

namespace {

// Hilbert curve index -> (x, y) on an n x n grid, n a power of two (the classic rotate-and-flip
// construction).
std::pair<int, int> hilbert_point(int n, int d) {
  int x = 0, y = 0;
  for (int s = 1; s < n; s *= 2) {
    const int rx = 1 & (d / 2);
    const int ry = 1 & (d ^ rx);
    if (ry == 0) {
      if (rx == 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      std::swap(x, y);
    }
    x += s * rx;
    y += s * ry;
    d /= 4;
  }
  return {x, y};
}

bool power_of_two(int v) {
  return v > 0 && (v & (v - 1)) == 0;
}

}  // namespace

std::vector<std::pair<int, int>> sfc_positions(int w, int h, SfcCurve curve) {
  std::vector<std::pair<int, int>> pos;
  if (curve == SfcCurve::kHilbert) {
    if (w != h || !power_of_two(w))
      throw std::invalid_argument("a Hilbert curve needs a square grid with a power-of-two side");
    for (int d = 0; d < w * h; ++d) pos.push_back(hilbert_point(w, d));
    return pos;
  }
  for (int y = 0; y < h; ++y)
    for (int i = 0; i < w; ++i) pos.emplace_back(y % 2 == 0 ? i : w - 1 - i, y);
  return pos;
}

void add_sfc_path(Topology& t, int tier, SfcCurve curve, bool reverse) {
  const auto [w, h] = t.tier_dims(tier);
  auto pos = sfc_positions(w, h, curve);
  if (reverse) std::reverse(pos.begin(), pos.end());
  std::vector<int> order;
  for (const auto& [x, y] : pos) order.push_back(t.node_at(tier, x, y));
  for (std::size_t i = 0; i + 1 < order.size(); ++i)
    t.add_link(order[i], order[i + 1], LinkKind::kPlanar);
  t.set_tier_order(tier, std::move(order));
}

namespace {

void join_columns(Topology& t, int lower, int upper, LinkKind kind) {
  const auto [w, h] = t.tier_dims(lower);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int a = t.node_at(lower, x, y), b = t.node_at(upper, x, y);
      if (a >= 0 && b >= 0) t.add_link(a, b, kind);
    }
}

}  // namespace

void add_vertical_adjacent(Topology& t) {
  for (int tier = 0; tier + 1 < t.tiers(); ++tier)
    join_columns(t, tier, tier + 1, LinkKind::kVertical);
}

void add_skip_links(Topology& t, int tier_a, int tier_b) {
  if (tier_a < 0 || tier_b < 0 || tier_a >= t.tiers() || tier_b >= t.tiers())
    throw std::invalid_argument("skip link to a tier that does not exist");
  if (std::abs(tier_a - tier_b) < 2)
    throw std::invalid_argument("skip links join tiers at least two apart");
  join_columns(t, std::min(tier_a, tier_b), std::max(tier_a, tier_b), LinkKind::kSkip);
}

void add_vertical_wrap(Topology& t) {
  if (t.tiers() > 2) join_columns(t, 0, t.tiers() - 1, LinkKind::kVertical);
}

}  // namespace atleus::noc
