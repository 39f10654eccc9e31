// Topology builders, routing tables and the busy calendar, against hand-derived expectations.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>

#include "atleus/models/busy_calendar.hpp"
#include "atleus/noc/routing.hpp"
#include "atleus/noc/topology.hpp"

using namespace atleus;
using namespace atleus::noc;

TEST_CASE("mesh, torus and SFC link counts", "[noc][topology]") {
  Topology t;
  t.add_tier(4, 4);
  add_mesh(t, 0);
  CHECK(t.links().size() == 2 * 4 * 3);  // 2 * w * (h - 1) for a square
  Topology u;
  u.add_tier(4, 3);
  add_torus(u, 0);
  CHECK(u.links().size() == 4 * 3 * 2);  // every node has 4 neighbours: 2 links per node
  Topology s;
  s.add_tier(4, 4);
  add_sfc_path(s, 0, SfcCurve::kHilbert, false);
  CHECK(s.links().size() == 15);
}

TEST_CASE("Hilbert and snake curves visit every cell once, in unit steps", "[noc][topology]") {
  for (auto curve : {SfcCurve::kHilbert, SfcCurve::kSnake}) {
    const int n = 8;
    const auto pos = sfc_positions(n, n, curve);
    REQUIRE(pos.size() == 64);
    std::set<std::pair<int, int>> seen(pos.begin(), pos.end());
    CHECK(seen.size() == 64);
    for (std::size_t i = 1; i < pos.size(); ++i)
      CHECK(std::abs(pos[i].first - pos[i - 1].first) +
                std::abs(pos[i].second - pos[i - 1].second) ==
            1);
  }
  CHECK_THROWS_AS(sfc_positions(3, 3, SfcCurve::kHilbert), std::invalid_argument);
  // The 4x4 Hilbert curve starts and ends on the same edge, so tiers can be chained.
  const auto h = sfc_positions(4, 4, SfcCurve::kHilbert);
  CHECK(h.front() == std::make_pair(0, 0));
  CHECK(h.back() == std::make_pair(3, 0));
}

TEST_CASE("vertical, skip and wrap links", "[noc][topology]") {
  Topology t;
  for (int i = 0; i < 4; ++i) t.add_tier(4, 4);
  add_vertical_adjacent(t);
  CHECK(t.links().size() == 48);
  add_skip_links(t, 0, 3);
  CHECK(t.links().size() == 64);
  CHECK(t.links().back().kind == LinkKind::kSkip);
  CHECK(t.links().back().tier_span == 3);
  CHECK_THROWS_AS(add_skip_links(t, 0, 1), std::invalid_argument);
  CHECK_THROWS_AS(add_skip_links(t, 0, 3), std::invalid_argument);  // duplicates
  CHECK_THROWS_AS(t.add_link(0, 0, LinkKind::kPlanar), std::invalid_argument);
  CHECK_THROWS_AS(t.add_link(0, 999, LinkKind::kPlanar), std::invalid_argument);
}

TEST_CASE("mesh routing is dimension order and minimal", "[noc][routing]") {
  Topology t;
  for (int i = 0; i < 2; ++i) t.add_tier(4, 4);
  add_mesh(t, 0);
  add_mesh(t, 1);
  add_vertical_adjacent(t);
  std::vector<std::vector<int>> targets;
  for (int n = 0; n < 32; ++n) targets.push_back({n});
  RoutingTable rt(t, targets);
  for (int a = 0; a < 32; ++a)
    for (int b = 0; b < 32; ++b) {
      const auto& na = t.nodes()[a];
      const auto& nb = t.nodes()[b];
      const int manhattan =
          std::abs(na.x - nb.x) + std::abs(na.y - nb.y) + std::abs(na.tier - nb.tier);
      REQUIRE(rt.hops(a, b) == manhattan);
      // X first, then Y, then Z: along the path the x coordinate settles before y moves, and
      // the tier changes last.
      const auto p = rt.path(a, b);
      bool y_moved = false, z_moved = false;
      for (std::size_t i = 1; i < p.size(); ++i) {
        const auto& u = t.nodes()[p[i - 1]];
        const auto& v = t.nodes()[p[i]];
        if (u.x != v.x) CHECK_FALSE((y_moved || z_moved));
        if (u.y != v.y) {
          CHECK_FALSE(z_moved);
          y_moved = true;
        }
        if (u.tier != v.tier) z_moved = true;
      }
    }
}

TEST_CASE("a target with several attachment points is reached at the nearest", "[noc][routing]") {
  Topology t;
  t.add_tier(5, 1);
  add_mesh(t, 0);
  RoutingTable rt(t, {{0, 4}});
  CHECK(rt.hops(1, 0) == 1);
  CHECK(rt.delivery_router(1, 0) == 0);
  CHECK(rt.hops(3, 0) == 1);
  CHECK(rt.delivery_router(3, 0) == 4);
  CHECK(rt.next_link(0, 0) == RoutingTable::kDeliver);
}

TEST_CASE("unreachable targets are reported", "[noc][routing]") {
  Topology t;
  t.add_tier(2, 1);  // no links
  RoutingTable rt(t, {{0}, {1}});
  CHECK(rt.hops(0, 1) == -1);
  CHECK(rt.next_link(0, 1) == RoutingTable::kUnreachable);
  CHECK(rt.path(0, 1).empty());
}

TEST_CASE("busy calendar: waits, gaps and merging", "[calendar]") {
  BusyCalendar c;
  CHECK(c.reserve(100, 50) == 100);  // [100, 150)
  CHECK(c.reserve(120, 10) == 150);  // busy: waits until 150 -> [150, 160)
  CHECK(c.reserve(0, 100) == 0);     // the gap before 100 fits exactly
  CHECK(c.reserve(10, 20) == 160);   // nothing free before 160 any more
  CHECK(c.open_intervals() == 1);    // [0, 180) merged into one
  CHECK(c.reserve(300, 10) == 300);
  CHECK(c.reserve(175, 100) == 180);  // fits between 180 and 300
  CHECK(c.reserve(185, 30) == 310);   // the gap 280-300 is too small for 30
  CHECK(c.busy_ps() == 50 + 10 + 100 + 20 + 10 + 100 + 30);
  c.forget_before(290);
  CHECK(c.open_intervals() == 1);  // only [300, 340) is left
  CHECK(c.earliest_start(290, 10) == 290);
}
