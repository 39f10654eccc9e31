// Synthetic NoC traffic in the manner of BookSim2 and Noxim: a destination function per
// pattern and Bernoulli packet injection. Pure C++ (no SystemC) and deterministic: every source
// owns its random streams, seeded from (seed, source), and uniform draws come from the raw
// 64-bit output of std::mt19937_64 (whose sequence the C++ standard fixes), so results are the
// same with every standard library.
//
// Nodes are given as a list of (tier, x, y) coordinates inside a W x H x T box, where W, H
// and T are one more than the largest x, y and tier in the list. Patterns:
//  - uniform:   any node but the source, with equal probability.
//  - uniform-all: any node, the source included, with equal probability (BookSim2's uniform;
//               a packet to itself crosses its router's injection and ejection channels only).
//  - transpose: (x, y) -> (y, x) on the same tier when W == H. On a non-square tier whose
//               W * H is an even power of two, BookSim2's bit-transpose of the in-tier index
//               y * W + x (its low and high halves swap). Other shapes are rejected.
//  - neighbor:  BookSim2's "neighbor" digit pattern: every coordinate steps by one, wrapping:
//               (x + 1 mod W, y + 1 mod H, tier + 1 mod T). With one tier this is the planar
//               (x + 1, y + 1) pattern.
//  - hotspot:   with probability hotspot_fraction to one of the hot nodes (uniformly), else
//               uniform. By default the single node nearest the box centre is hot.
//  - bitcomp:   BookSim2's bit complement of the box index b = (tier * H + y) * W + x:
//               ~b & (N - 1) with N = W * H * T a power of two (then every coordinate is
//               mirrored: (W-1-x, H-1-y, T-1-tier)). Other box sizes are rejected.
//  - shuffle:   BookSim2's perfect shuffle: b rotated left by one bit (N a power of two).
//  - tornado:   BookSim2's tornado digit pattern: every coordinate c of a dimension of size k
//               moves to (c + ceil(k / 2) - 1) mod k, just under half-way round.
// A deterministic pattern whose destination is the source itself, or a coordinate missing from
// the node list, sends nothing: destination() returns -1.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace atleus {

enum class TrafficPattern {
  kUniform,
  kTranspose,
  kHotspot,
  kNeighbor,
  kUniformAll,
  kBitComp,
  kShuffle,
  kTornado
};

// "uniform", "transpose", "hotspot", "neighbor", "uniform-all", "bitcomp", "shuffle",
// "tornado"; parse throws std::invalid_argument.
TrafficPattern parse_traffic_pattern(const std::string& name);
const char* to_string(TrafficPattern pattern);

struct NodeCoord {
  int tier = 0;
  int x = 0;
  int y = 0;
};

struct TrafficParams {
  TrafficPattern pattern = TrafficPattern::kUniform;
  // [default] 1: any fixed value; runs are reproducible for a given seed.
  uint64_t seed = 1;
  // Offered load in flits per node per cycle (BookSim2's injection_rate).
  // [default] 0.1: a low load well under saturation of a 4x4 mesh under uniform traffic.
  double injection_rate = 0.1;
  // [default] 1 flit per packet (BookSim2's default packet_size).
  unsigned flits_per_packet = 1;
  // Indices into the node list; empty means "the node nearest the box centre".
  std::vector<int> hotspot_nodes;
  // [default] 0.1: one packet in ten goes to the hotspot; a chosen mild setting (the paper
  // gives no synthetic traffic).
  double hotspot_fraction = 0.1;

  void validate() const;  // throws ParamError naming the field
};

class TrafficGenerator {
 public:
  // Throws ParamError for bad parameters and std::invalid_argument for a node list the pattern
  // cannot use (duplicates, negative coordinates, a transpose-incompatible tier shape).
  TrafficGenerator(const TrafficParams& params, std::vector<NodeCoord> nodes);

  // Destination node index for a packet from `src`, or -1 if `src` sends nothing.
  int destination(int src);
  // Bernoulli decision for one cycle: a packet starts with probability packet_probability().
  bool inject(int src);
  // Cycles from now to the next injection (>= 1): geometric with mean 1 / packet_probability();
  // equivalent to calling inject() each cycle, without the loop. UINT64_MAX when p == 0.
  uint64_t next_gap(int src);

  double packet_probability() const { return p_packet_; }
  const std::vector<int>& hotspot_nodes() const { return hot_; }
  int node_count() const { return static_cast<int>(nodes_.size()); }
  int width() const { return w_; }
  int height() const { return h_; }
  int tiers() const { return t_; }
  // Index of the node at these coordinates, or -1.
  int node_at(int tier, int x, int y) const;

 private:
  struct Streams {
    std::mt19937_64 dest;    // destination choices
    std::mt19937_64 inject;  // injection decisions and gaps (kept apart: load does not
                             // change the destination sequence)
  };

  int uniform_other(int src, std::mt19937_64& rng) const;
  int transpose_of(int src) const;
  int neighbor_of(int src) const;
  int box_index_pattern(int src) const;  // bitcomp, shuffle
  int tornado_of(int src) const;
  Streams& streams(int src);

  TrafficParams params_;
  std::vector<NodeCoord> nodes_;
  int w_ = 0, h_ = 0, t_ = 0;
  std::vector<int> grid_;  // (tier * H + y) * W + x -> node index or -1
  std::vector<int> hot_;
  double p_packet_ = 0.0;
  std::vector<Streams> streams_;
};

// Unbiased integer in [0, n) from raw 64-bit engine output (n > 0), by rejection.
uint64_t draw_below(std::mt19937_64& rng, uint64_t n);
// Double in [0, 1) with 53 random bits.
double draw_unit(std::mt19937_64& rng);

}  // namespace atleus
