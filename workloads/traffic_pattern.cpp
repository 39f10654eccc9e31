#include "atleus/workloads/traffic_pattern.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "atleus/models/param_check.hpp"

namespace atleus {

namespace {

// SplitMix64 finaliser: spreads (seed, source) pairs into well-separated engine seeds.
uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool is_power_of_two(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

unsigned log2_exact(uint64_t v) {
  unsigned lg = 0;
  while ((uint64_t{1} << lg) < v) ++lg;
  return lg;
}

}  // namespace

TrafficPattern parse_traffic_pattern(const std::string& name) {
  if (name == "uniform") return TrafficPattern::kUniform;
  if (name == "transpose") return TrafficPattern::kTranspose;
  if (name == "hotspot") return TrafficPattern::kHotspot;
  if (name == "neighbor") return TrafficPattern::kNeighbor;
  if (name == "uniform-all") return TrafficPattern::kUniformAll;
  if (name == "bitcomp") return TrafficPattern::kBitComp;
  if (name == "shuffle") return TrafficPattern::kShuffle;
  if (name == "tornado") return TrafficPattern::kTornado;
  throw std::invalid_argument(
      "unknown traffic pattern '" + name +
      "' (expected uniform, uniform-all, transpose, hotspot, neighbor, bitcomp, shuffle or "
      "tornado)");
}

const char* to_string(TrafficPattern pattern) {
  switch (pattern) {
    case TrafficPattern::kUniform:
      return "uniform";
    case TrafficPattern::kTranspose:
      return "transpose";
    case TrafficPattern::kHotspot:
      return "hotspot";
    case TrafficPattern::kNeighbor:
      return "neighbor";
    case TrafficPattern::kUniformAll:
      return "uniform-all";
    case TrafficPattern::kBitComp:
      return "bitcomp";
    case TrafficPattern::kShuffle:
      return "shuffle";
    case TrafficPattern::kTornado:
      return "tornado";
  }
  return "?";
}

void TrafficParams::validate() const {
  require_range(injection_rate, 0.0, 1.0, "injection_rate");
  require_positive(flits_per_packet, "flits_per_packet");
  require_range(hotspot_fraction, 0.0, 1.0, "hotspot_fraction");
}

uint64_t draw_below(std::mt19937_64& rng, uint64_t n) {
  // Reject the top partial block of 2^64 so every residue is equally likely.
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - (std::numeric_limits<uint64_t>::max() % n + 1) % n;
  uint64_t r;
  do {
    r = rng();
  } while (r > limit);
  return r % n;
}

double draw_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);  // 2^-53
}

TrafficGenerator::TrafficGenerator(const TrafficParams& params, std::vector<NodeCoord> nodes)
    : params_(params), nodes_(std::move(nodes)) {
  params_.validate();
  if (nodes_.empty()) throw std::invalid_argument("traffic generator needs at least one node");
  for (const NodeCoord& n : nodes_) {
    if (n.tier < 0 || n.x < 0 || n.y < 0)
      throw std::invalid_argument("node coordinates must be >= 0");
    w_ = std::max(w_, n.x + 1);
    h_ = std::max(h_, n.y + 1);
    t_ = std::max(t_, n.tier + 1);
  }
  grid_.assign(static_cast<std::size_t>(w_) * h_ * t_, -1);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const NodeCoord& n = nodes_[i];
    int& cell = grid_[(static_cast<std::size_t>(n.tier) * h_ + n.y) * w_ + n.x];
    if (cell >= 0)
      throw std::invalid_argument("two nodes share coordinates (tier " + std::to_string(n.tier) +
                                  ", x " + std::to_string(n.x) + ", y " + std::to_string(n.y) +
                                  ")");
    cell = static_cast<int>(i);
  }

  if (params_.pattern == TrafficPattern::kTranspose && w_ != h_) {
    const uint64_t area = static_cast<uint64_t>(w_) * h_;
    if (!is_power_of_two(area) || log2_exact(area) % 2 != 0)
      throw std::invalid_argument(
          "transpose on a non-square " + std::to_string(w_) + "x" + std::to_string(h_) +
          " tier needs W * H to be an even power of two (bit-transpose of the node index)");
  }

  if (params_.pattern == TrafficPattern::kBitComp || params_.pattern == TrafficPattern::kShuffle) {
    const uint64_t box = static_cast<uint64_t>(w_) * h_ * t_;
    if (!is_power_of_two(box))
      throw std::invalid_argument(std::string(to_string(params_.pattern)) + " on a " +
                                  std::to_string(w_) + "x" + std::to_string(h_) + "x" +
                                  std::to_string(t_) +
                                  " box needs W * H * T to be a power of two (a bit permutation "
                                  "of the node index)");
  }

  hot_ = params_.hotspot_nodes;
  for (int h : hot_) {
    if (h < 0 || h >= node_count())
      throw ParamError("hotspot_nodes", "node index " + std::to_string(h) + " is not in [0, " +
                                            std::to_string(node_count()) + ")");
  }
  if (hot_.empty()) {
    // Nearest to the box centre, in doubled coordinates so the centre is an integer point.
    int64_t best = std::numeric_limits<int64_t>::max();
    int best_index = 0;
    for (int i = 0; i < node_count(); ++i) {
      const int64_t dx = 2 * nodes_[i].x - (w_ - 1);
      const int64_t dy = 2 * nodes_[i].y - (h_ - 1);
      const int64_t dt = 2 * nodes_[i].tier - (t_ - 1);
      const int64_t d = dx * dx + dy * dy + dt * dt;
      if (d < best) {
        best = d;
        best_index = i;
      }
    }
    hot_.push_back(best_index);
  }

  p_packet_ = params_.injection_rate / params_.flits_per_packet;

  streams_.reserve(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const uint64_t base = mix64(params_.seed ^ mix64(i));
    streams_.push_back(Streams{std::mt19937_64(mix64(base ^ 0x64657374ULL)),      // "dest"
                               std::mt19937_64(mix64(base ^ 0x696e6a6563ULL))});  // "inject"
  }
}

int TrafficGenerator::node_at(int tier, int x, int y) const {
  if (tier < 0 || x < 0 || y < 0 || tier >= t_ || x >= w_ || y >= h_) return -1;
  return grid_[(static_cast<std::size_t>(tier) * h_ + y) * w_ + x];
}

TrafficGenerator::Streams& TrafficGenerator::streams(int src) {
  if (src < 0 || src >= node_count())
    throw std::out_of_range("source node " + std::to_string(src) + " is not in [0, " +
                            std::to_string(node_count()) + ")");
  return streams_[static_cast<std::size_t>(src)];
}

int TrafficGenerator::uniform_other(int src, std::mt19937_64& rng) const {
  const int n = node_count();
  if (n < 2) return -1;
  const int r = static_cast<int>(draw_below(rng, static_cast<uint64_t>(n - 1)));
  return r < src ? r : r + 1;  // skip the source
}

int TrafficGenerator::transpose_of(int src) const {
  const NodeCoord& s = nodes_[static_cast<std::size_t>(src)];
  if (w_ == h_) return node_at(s.tier, s.y, s.x);
  // Non-square: swap the low and high halves of the in-tier index's bits (BookSim2).
  const uint64_t area = static_cast<uint64_t>(w_) * h_;
  const unsigned half = log2_exact(area) / 2;
  const uint64_t mask = (uint64_t{1} << half) - 1;
  const uint64_t idx = static_cast<uint64_t>(s.y) * w_ + s.x;
  const uint64_t d = ((idx >> half) & mask) | ((idx & mask) << half);
  return node_at(s.tier, static_cast<int>(d % w_), static_cast<int>(d / w_));
}

int TrafficGenerator::neighbor_of(int src) const {
  const NodeCoord& s = nodes_[static_cast<std::size_t>(src)];
  return node_at((s.tier + 1) % t_, (s.x + 1) % w_, (s.y + 1) % h_);
}

int TrafficGenerator::box_index_pattern(int src) const {
  const NodeCoord& s = nodes_[static_cast<std::size_t>(src)];
  const uint64_t n = static_cast<uint64_t>(w_) * h_ * t_;
  const uint64_t b = (static_cast<uint64_t>(s.tier) * h_ + s.y) * w_ + s.x;
  uint64_t d = 0;
  if (params_.pattern == TrafficPattern::kBitComp) {
    d = ~b & (n - 1);
  } else {  // shuffle: rotate the log2(n) index bits left by one
    const unsigned bits = log2_exact(n);
    d = bits == 0 ? b : (((b << 1) & (n - 1)) | (b >> (bits - 1)));
  }
  return node_at(static_cast<int>(d / (static_cast<uint64_t>(w_) * h_)), static_cast<int>(d % w_),
                 static_cast<int>((d / w_) % h_));
}

int TrafficGenerator::tornado_of(int src) const {
  const NodeCoord& s = nodes_[static_cast<std::size_t>(src)];
  auto step = [](int c, int k) { return (c + (k + 1) / 2 - 1) % k; };
  return node_at(step(s.tier, t_), step(s.x, w_), step(s.y, h_));
}

int TrafficGenerator::destination(int src) {
  Streams& st = streams(src);
  int dst = -1;
  switch (params_.pattern) {
    case TrafficPattern::kUniform:
      return uniform_other(src, st.dest);
    case TrafficPattern::kTranspose:
      dst = transpose_of(src);
      break;
    case TrafficPattern::kNeighbor:
      dst = neighbor_of(src);
      break;
    case TrafficPattern::kUniformAll:
      return static_cast<int>(draw_below(st.dest, static_cast<uint64_t>(node_count())));
    case TrafficPattern::kBitComp:
    case TrafficPattern::kShuffle:
      dst = box_index_pattern(src);
      break;
    case TrafficPattern::kTornado:
      dst = tornado_of(src);
      break;
    case TrafficPattern::kHotspot: {
      if (draw_unit(st.dest) >= params_.hotspot_fraction) return uniform_other(src, st.dest);
      // A hot source sends its hot share to the other hot nodes; if it is the only one, to
      // everyone else.
      const auto others =
          static_cast<uint64_t>(hot_.size()) - std::count(hot_.begin(), hot_.end(), src);
      if (others == 0) return uniform_other(src, st.dest);
      uint64_t k = draw_below(st.dest, others);
      for (int h : hot_) {
        if (h == src) continue;
        if (k-- == 0) return h;
      }
      return -1;  // unreachable
    }
  }
  return dst == src ? -1 : dst;
}

bool TrafficGenerator::inject(int src) {
  return draw_unit(streams(src).inject) < p_packet_;
}

uint64_t TrafficGenerator::next_gap(int src) {
  std::mt19937_64& rng = streams(src).inject;
  if (p_packet_ <= 0.0) return std::numeric_limits<uint64_t>::max();
  if (p_packet_ >= 1.0) return 1;
  // Inverse transform of the geometric law P(G = k) = (1 - p)^(k - 1) p, k >= 1.
  const double u = 1.0 - draw_unit(rng);  // in (0, 1]
  const double g = std::floor(std::log(u) / std::log1p(-p_packet_));
  if (g >= 9.0e18) return std::numeric_limits<uint64_t>::max();
  return 1 + static_cast<uint64_t>(g);
}

}  // namespace atleus
