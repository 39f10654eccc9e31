// Synthetic traffic: destination maps checked against hand-written coordinates, statistics of
// the random patterns against their closed forms (fixed seeds, so the checks are deterministic).
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "atleus/models/param_check.hpp"
#include "atleus/workloads/traffic_pattern.hpp"

using namespace atleus;

namespace {
// Row-major nodes: index = (tier * h + y) * w + x.
std::vector<NodeCoord> box(int w, int h, int t) {
  std::vector<NodeCoord> nodes;
  for (int tier = 0; tier < t; ++tier)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) nodes.push_back({tier, x, y});
  return nodes;
}

TrafficParams params_for(TrafficPattern pattern, uint64_t seed = 7) {
  TrafficParams p;
  p.pattern = pattern;
  p.seed = seed;
  return p;
}
}  // namespace

TEST_CASE("traffic pattern names round-trip", "[traffic]") {
  for (auto pat : {TrafficPattern::kUniform, TrafficPattern::kTranspose, TrafficPattern::kHotspot,
                   TrafficPattern::kNeighbor, TrafficPattern::kUniformAll, TrafficPattern::kBitComp,
                   TrafficPattern::kShuffle, TrafficPattern::kTornado})
    CHECK(parse_traffic_pattern(to_string(pat)) == pat);
  CHECK(std::string(to_string(TrafficPattern::kNeighbor)) == "neighbor");
  CHECK(std::string(to_string(TrafficPattern::kUniformAll)) == "uniform-all");
  CHECK_THROWS_AS(parse_traffic_pattern("bitrev"), std::invalid_argument);
}

TEST_CASE("transpose swaps x and y on the same tier", "[traffic]") {
  TrafficGenerator gen(params_for(TrafficPattern::kTranspose), box(4, 4, 2));
  // (x=1, y=0) on tier 0 is node 1 -> (x=0, y=1) = node 4.
  CHECK(gen.destination(1) == 4);
  // (x=3, y=1) tier 1 = 16 + 7 = 23 -> (x=1, y=3) tier 1 = 16 + 13 = 29.
  CHECK(gen.destination(23) == 29);
  // The diagonal maps to itself and sends nothing.
  CHECK(gen.destination(0) == -1);
  CHECK(gen.destination(16 + 10) == -1);  // (2, 2) on tier 1
  // On a 4x4 tier (16 = 2^4 nodes) this equals BookSim2's bit-transpose of the index.
  for (int i = 0; i < 16; ++i) {
    const int bit_transpose = ((i >> 2) & 3) | ((i & 3) << 2);
    CHECK(gen.destination(i) == (bit_transpose == i ? -1 : bit_transpose));
  }
}

TEST_CASE("transpose on a non-square tier uses the bit-transpose of the index", "[traffic]") {
  // 8 x 2: 16 nodes, 4 index bits; the two low and two high bits swap.
  TrafficGenerator gen(params_for(TrafficPattern::kTranspose), box(8, 2, 1));
  CHECK(gen.destination(1) == 4);    // 0b0001 -> 0b0100
  CHECK(gen.destination(6) == 9);    // 0b0110 -> 0b1001
  CHECK(gen.destination(14) == 11);  // 0b1110 -> 0b1011
  CHECK(gen.destination(5) == -1);   // 0b0101 maps to itself
  // 3 x 2 has no such permutation.
  CHECK_THROWS_AS(TrafficGenerator(params_for(TrafficPattern::kTranspose), box(3, 2, 1)),
                  std::invalid_argument);
}

TEST_CASE("neighbor steps every coordinate by one with wrap-around", "[traffic]") {
  TrafficGenerator flat(params_for(TrafficPattern::kNeighbor), box(4, 4, 1));
  CHECK(flat.destination(0) == 5);   // (0,0) -> (1,1)
  CHECK(flat.destination(3) == 4);   // (3,0) -> (0,1)
  CHECK(flat.destination(15) == 0);  // (3,3) -> (0,0)
  CHECK(flat.destination(12) == 1);  // (0,3) -> (1,0)

  TrafficGenerator stack(params_for(TrafficPattern::kNeighbor), box(4, 4, 4));
  CHECK(stack.destination(0) == 16 + 5);        // tier 0 (0,0) -> tier 1 (1,1)
  CHECK(stack.destination(48 + 15) == 0);       // tier 3 (3,3) -> tier 0 (0,0)
  CHECK(stack.destination(32 + 6) == 48 + 11);  // tier 2 (2,1) -> tier 3 (3,2)

  // A destination missing from the node list means "send nothing".
  std::vector<NodeCoord> holes = box(3, 3, 1);
  holes.erase(holes.begin() + 4);  // drop (1,1)
  TrafficGenerator sparse(params_for(TrafficPattern::kNeighbor), holes);
  CHECK(sparse.destination(0) == -1);
  CHECK(sparse.destination(1) == sparse.node_at(0, 2, 1));
}

TEST_CASE("uniform never picks the source and is close to uniform", "[traffic]") {
  const int n = 16;
  TrafficGenerator gen(params_for(TrafficPattern::kUniform, 12345), box(4, 4, 1));
  const int src = 5;
  const int draws = 160000;
  std::vector<int> count(n, 0);
  for (int i = 0; i < draws; ++i) {
    const int d = gen.destination(src);
    REQUIRE(d >= 0);
    REQUIRE(d < n);
    ++count[d];
  }
  CHECK(count[src] == 0);
  // Chi-square over the 15 others (14 degrees of freedom): the 99.99% quantile is ~ 41.
  const double expected = static_cast<double>(draws) / (n - 1);
  double chi2 = 0.0;
  for (int d = 0; d < n; ++d) {
    if (d == src) continue;
    chi2 += (count[d] - expected) * (count[d] - expected) / expected;
  }
  CHECK(chi2 < 41.0);
  // Every source gets its own draws: none of them ever hits itself.
  for (int s = 0; s < n; ++s)
    for (int i = 0; i < 200; ++i) CHECK(gen.destination(s) != s);
}

TEST_CASE("hotspot sends about the configured fraction to the hot node", "[traffic]") {
  TrafficParams p = params_for(TrafficPattern::kHotspot, 99);
  p.hotspot_fraction = 0.1;
  TrafficGenerator gen(p, box(4, 4, 1));
  // Default hot node: nearest the centre (1.5, 1.5); four tie, the lowest index (1,1) wins.
  REQUIRE(gen.hotspot_nodes() == std::vector<int>{5});

  const int draws = 100000;
  int hot = 0;
  for (int i = 0; i < draws; ++i) {
    const int d = gen.destination(0);
    REQUIRE(d != 0);
    if (d == 5) ++hot;
  }
  // P(hot) = f + (1 - f) / 15 = 0.1 + 0.06 = 0.16; standard error ~ 0.0012.
  CHECK(static_cast<double>(hot) / draws == Approx(0.16).margin(0.006));

  // Explicit hot nodes; a hot source sends its hot share to the other hot nodes.
  p.hotspot_nodes = {2, 9};
  p.hotspot_fraction = 1.0;
  TrafficGenerator two(p, box(4, 4, 1));
  for (int i = 0; i < 100; ++i) {
    CHECK(two.destination(2) == 9);
    const int d = two.destination(0);
    CHECK((d == 2 || d == 9));
  }
}

TEST_CASE("injection gaps are geometric with mean 1/p", "[traffic]") {
  TrafficParams p = params_for(TrafficPattern::kUniform, 3);
  p.injection_rate = 0.2;  // flits per node per cycle
  p.flits_per_packet = 4;  // -> packet probability 0.05 per cycle
  TrafficGenerator gen(p, box(4, 4, 1));
  REQUIRE(gen.packet_probability() == Approx(0.05));

  const int samples = 200000;
  double sum = 0.0;
  int ones = 0;
  for (int i = 0; i < samples; ++i) {
    const uint64_t g = gen.next_gap(3);
    REQUIRE(g >= 1);
    sum += static_cast<double>(g);
    if (g == 1) ++ones;
  }
  // Mean 1/p = 20, standard deviation sqrt(1-p)/p = 19.5 -> standard error ~ 0.044.
  CHECK(sum / samples == Approx(20.0).margin(0.25));
  // P(G = 1) = p.
  CHECK(static_cast<double>(ones) / samples == Approx(0.05).margin(0.003));

  // Per-cycle Bernoulli decisions hit the same rate.
  int injected = 0;
  for (int i = 0; i < samples; ++i) injected += gen.inject(7) ? 1 : 0;
  CHECK(static_cast<double>(injected) / samples == Approx(0.05).margin(0.003));

  TrafficParams full = p;
  full.injection_rate = 1.0;
  full.flits_per_packet = 1;
  TrafficGenerator always(full, box(2, 2, 1));
  CHECK(always.next_gap(0) == 1);
  CHECK(always.inject(0));
  TrafficParams none = p;
  none.injection_rate = 0.0;
  TrafficGenerator never(none, box(2, 2, 1));
  CHECK_FALSE(never.inject(0));
  CHECK(never.next_gap(0) == UINT64_MAX);
}

TEST_CASE("same seed gives the same sequence and another seed another", "[traffic]") {
  auto run = [](uint64_t seed) {
    TrafficParams p = params_for(TrafficPattern::kHotspot, seed);
    TrafficGenerator gen(p, box(4, 4, 2));
    std::vector<uint64_t> seq;
    for (int i = 0; i < 500; ++i) {
      seq.push_back(static_cast<uint64_t>(gen.destination(i % 32)));
      seq.push_back(gen.next_gap(i % 32));
    }
    return seq;
  };
  CHECK(run(42) == run(42));
  CHECK(run(42) != run(43));

  // Injection draws do not disturb the destination stream.
  TrafficGenerator a(params_for(TrafficPattern::kUniform, 5), box(4, 4, 1));
  TrafficGenerator b(params_for(TrafficPattern::kUniform, 5), box(4, 4, 1));
  for (int i = 0; i < 50; ++i) b.inject(0);
  for (int i = 0; i < 50; ++i) CHECK(a.destination(0) == b.destination(0));
}

TEST_CASE("traffic parameters and node lists are checked", "[traffic]") {
  TrafficParams p;
  p.injection_rate = 1.5;
  try {
    TrafficGenerator gen(p, box(2, 2, 1));
    FAIL("no exception");
  } catch (const ParamError& e) {
    CHECK(e.field() == "injection_rate");
  }
  p = TrafficParams{};
  p.hotspot_nodes = {4};
  try {
    TrafficGenerator gen(p, box(2, 2, 1));
    FAIL("no exception");
  } catch (const ParamError& e) {
    CHECK(e.field() == "hotspot_nodes");
  }
  CHECK_THROWS_AS(TrafficGenerator(TrafficParams{}, {{0, 1, 1}, {0, 1, 1}}), std::invalid_argument);
  CHECK_THROWS_AS(TrafficGenerator(TrafficParams{}, {}), std::invalid_argument);
  TrafficGenerator gen(TrafficParams{}, box(2, 2, 1));
  CHECK_THROWS_AS(gen.destination(4), std::out_of_range);
}

TEST_CASE("uniform-all includes the source, uniform does not", "[traffic]") {
  const int n = 16, draws = 64000;
  TrafficGenerator all(params_for(TrafficPattern::kUniformAll), box(4, 4, 1));
  TrafficGenerator other(params_for(TrafficPattern::kUniform), box(4, 4, 1));
  std::vector<int> count(n, 0);
  int self_other = 0;
  for (int i = 0; i < draws; ++i) {
    count[all.destination(3)]++;
    self_other += other.destination(3) == 3;
  }
  CHECK(self_other == 0);
  // Each destination, the source included, 1/16 of the draws: 4000 +- 4 sigma (sigma ~ 61).
  for (int d = 0; d < n; ++d) CHECK(std::abs(count[d] - draws / n) < 250);
}

TEST_CASE("bitcomp mirrors every coordinate on a power-of-two box", "[traffic]") {
  TrafficGenerator gen(params_for(TrafficPattern::kBitComp), box(4, 4, 4));
  // Index (tier * 4 + y) * 4 + x; complement of 6 bits = (3 - x, 3 - y, 3 - tier).
  CHECK(gen.destination(0) == 63);
  CHECK(gen.destination(16 + 4 + 2) == (2 * 4 + 2) * 4 + 1);  // (2,1,1) -> (1,2,2)
  for (int i = 0; i < 64; ++i) CHECK(gen.destination(i) == 63 - i);
  TrafficGenerator flat(params_for(TrafficPattern::kBitComp), box(8, 2, 1));
  CHECK(flat.destination(1) == 14);  // (1,0) -> (6,1)
  CHECK_THROWS_AS(TrafficGenerator(params_for(TrafficPattern::kBitComp), box(3, 3, 1)),
                  std::invalid_argument);
}

TEST_CASE("shuffle rotates the node index left by one bit", "[traffic]") {
  TrafficGenerator gen(params_for(TrafficPattern::kShuffle), box(4, 4, 1));
  CHECK(gen.destination(1) == 2);    // 0001 -> 0010
  CHECK(gen.destination(9) == 3);    // 1001 -> 0011
  CHECK(gen.destination(12) == 9);   // 1100 -> 1001
  CHECK(gen.destination(0) == -1);   // 0000 maps to itself
  CHECK(gen.destination(15) == -1);  // 1111 too
  CHECK_THROWS_AS(TrafficGenerator(params_for(TrafficPattern::kShuffle), box(3, 2, 1)),
                  std::invalid_argument);
}

TEST_CASE("tornado moves every coordinate just under half-way round", "[traffic]") {
  // k = 8: + ceil(8 / 2) - 1 = +3; k = 5: +2; k = 1: stays.
  TrafficGenerator gen(params_for(TrafficPattern::kTornado), box(8, 5, 1));
  CHECK(gen.destination(0) == 2 * 8 + 3);          // (0,0) -> (3,2)
  CHECK(gen.destination(4 * 8 + 6) == 1 * 8 + 1);  // (6,4) -> (1,1)
  TrafficGenerator stack(params_for(TrafficPattern::kTornado), box(4, 4, 4));
  CHECK(stack.destination(0) == 16 + 4 + 1);  // +1 in every dimension of 4
  // With k = 2 (or 1) in every dimension every node maps to itself: nothing is sent.
  TrafficGenerator tiny(params_for(TrafficPattern::kTornado), box(2, 2, 1));
  for (int i = 0; i < 4; ++i) CHECK(tiny.destination(i) == -1);
}
