// The cycle-level flit NoC (noc/flit_network.hpp) against closed forms written here: zero-load
// latency, the head-of-line-blocking limit of an input-queued switch (Karol, Hluchyj and Morgan
// 1987), saturation of a mesh below its bisection bound, and Little's law. Pure C++ (no SystemC),
// so every case runs in the unit-test process.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "atleus/models/param_check.hpp"
#include "atleus/noc/flit_network.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/run/traffic_run.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "atleus/workloads/traffic_pattern.hpp"

using namespace atleus;
using namespace atleus::noc;

namespace {

// A w x h x t box of routers (meshes on every tier, adjacent tiers joined), one terminal per
// router; routing targets = terminals.
struct Mesh {
  Topology topo;
  std::unique_ptr<RoutingTable> routing;
  std::vector<int> terminals;
  std::vector<NodeCoord> coords;
  Mesh(int w, int h, int t = 1) {
    for (int z = 0; z < t; ++z) {
      topo.add_tier(w, h);
      add_mesh(topo, z);
    }
    add_vertical_adjacent(topo);
    std::vector<std::vector<int>> targets;
    for (int n = 0; n < static_cast<int>(topo.nodes().size()); ++n) {
      targets.push_back({n});
      terminals.push_back(n);
      const Node& node = topo.nodes()[n];
      coords.push_back({node.tier, node.x, node.y});
    }
    routing = std::make_unique<RoutingTable>(topo, targets);
  }
  int manhattan(int a, int b) const {
    const Node &p = topo.nodes()[a], &q = topo.nodes()[b];
    return std::abs(p.x - q.x) + std::abs(p.y - q.y) + std::abs(p.tier - q.tier);
  }
};

// Latency of one packet alone in the network, in cycles.
uint64_t lone_packet_latency(FlitNetwork& net, int src, int dst, unsigned flits) {
  const uint32_t id = net.create_packet(src, dst, flits);
  for (int guard = 0; guard < 10000 && !net.packet(id).done; ++guard) net.step();
  REQUIRE(net.packet(id).done);
  // Let credits settle so the next packet finds the network empty.
  for (int i = 0; i < 64; ++i) net.step();
  return net.packet(id).delivered - net.packet(id).created;
}

// A single N x N input-queued switch: one router, N terminals, each a source and a sink.
struct Switch {
  Topology topo;
  std::unique_ptr<RoutingTable> routing;
  std::vector<int> terminals;
  explicit Switch(int n) {
    topo.add_tier(1, 1);
    std::vector<std::vector<int>> targets(n, std::vector<int>{0});
    routing = std::make_unique<RoutingTable>(topo, targets);
    terminals.assign(n, 0);
  }
};

// Saturation throughput (flits per output per cycle) of an N x N switch: every source always
// has packets queued, with destinations uniform over all N outputs.
double saturated_switch_throughput(int n, const FlitParams& fp, uint64_t warmup, uint64_t measure) {
  Switch sw(n);
  NocParams p;
  p.flit = fp;
  FlitNetwork net(sw.topo, *sw.routing, sw.terminals, p);
  TrafficParams tp;
  tp.pattern = TrafficPattern::kUniformAll;
  tp.seed = 11;
  std::vector<NodeCoord> coords;
  for (int i = 0; i < n; ++i) coords.push_back({0, i, 0});
  TrafficGenerator gen(tp, coords);
  uint64_t start = 0;
  for (uint64_t c = 0; c < warmup + measure; ++c) {
    for (int s = 0; s < n; ++s)
      while (net.source_queue_length(s) < 4) net.create_packet(s, gen.destination(s), 1);
    if (c == warmup) start = net.stats().flits_delivered;
    net.step();
  }
  return static_cast<double>(net.stats().flits_delivered - start) /
         (static_cast<double>(n) * static_cast<double>(measure));
}

struct LoadPoint {
  double offered = 0, accepted = 0, latency = 0;  // flits/node/cycle, cycles
  double in_flight = 0;                           // time-average packets in the system
  double packets_per_cycle = 0;                   // delivered in the window
};

// Bernoulli injection at `rate` flits/node/cycle of `flits`-flit packets with `pattern`;
// statistics over the packets delivered in [warmup, warmup + measure).
LoadPoint run_load(const Mesh& m, const NocParams& p, TrafficPattern pattern, double rate,
                   unsigned flits, uint64_t warmup, uint64_t measure) {
  FlitNetwork net(m.topo, *m.routing, m.terminals, p);
  TrafficParams tp;
  tp.pattern = pattern;
  tp.injection_rate = rate;
  tp.flits_per_packet = flits;
  tp.seed = 5;
  TrafficGenerator gen(tp, m.coords);
  const int n = static_cast<int>(m.terminals.size());
  LoadPoint lp;
  uint64_t created = 0, delivered_flits = 0, delivered = 0, latency = 0;
  double in_flight = 0;
  for (uint64_t c = 0; c < warmup + measure; ++c) {
    const bool window = c >= warmup;
    for (int s = 0; s < n; ++s)
      if (gen.inject(s)) {
        const int d = gen.destination(s);
        if (d < 0) continue;
        net.create_packet(s, d, flits);
        if (window) ++created;
      }
    net.step();
    if (!window) continue;
    // Sampled after the step: a packet created at cycle c and delivered in the step of cycle
    // d is counted d - c times, its latency.
    in_flight += static_cast<double>(net.packets_in_flight());
    for (uint32_t id : net.delivered_last_step()) {
      ++delivered;
      delivered_flits += net.packet(id).flits;
      latency += net.packet(id).delivered - net.packet(id).created;
    }
  }
  const double node_cycles = static_cast<double>(n) * static_cast<double>(measure);
  lp.offered = static_cast<double>(created) * flits / node_cycles;
  lp.accepted = static_cast<double>(delivered_flits) / node_cycles;
  lp.latency = delivered ? static_cast<double>(latency) / static_cast<double>(delivered) : 0.0;
  lp.in_flight = in_flight / static_cast<double>(measure);
  lp.packets_per_cycle = static_cast<double>(delivered) / static_cast<double>(measure);
  return lp;
}

}  // namespace

TEST_CASE("flit: parameters are validated and named", "[flit]") {
  FlitParams fp;
  CHECK_NOTHROW(fp.validate());
  fp.vcs = 0;
  CHECK_THROWS_AS(fp.validate(), ParamError);
  fp = FlitParams();
  fp.terminal_latency_cycles = 0;
  CHECK_THROWS_AS(fp.validate(), ParamError);
  CHECK(parse_noc_model("flit") == NocModel::kFlit);
  CHECK(std::string(to_string(parse_allocator("round-robin"))) == "round-robin");
  CHECK(parse_flow_control("vct") == FlowControl::kVirtualCutThrough);
  CHECK(parse_noc_model("flow") == NocModel::kFlow);
  CHECK_THROWS_AS(parse_noc_model("fluid"), std::invalid_argument);
}

TEST_CASE("flit: separable allocators return a matching, iSLIP desynchronises", "[flit]") {
  for (auto kind : {AllocatorKind::kRoundRobin, AllocatorKind::kIslip}) {
    SeparableAllocator a(4, 4, kind, 1);
    std::vector<std::pair<int, int>> g;
    for (int round = 0; round < 8; ++round) {
      g.clear();
      for (int i = 0; i < 4; ++i)
        for (int o = 0; o < 4; ++o) a.request(i, o);
      a.allocate(g);
      std::vector<int> in_used(4, 0), out_used(4, 0);
      for (const auto& [i, o] : g) {
        CHECK(++in_used[i] == 1);
        CHECK(++out_used[o] == 1);
      }
    }
    // Under a full request matrix, iSLIP's pointers settle into a perfect matching
    // (McKeown 1999); so do input-first round-robin pointers that move past every match.
    CHECK(g.size() == 4);
  }
  // Only requested pairs are granted; a second iSLIP iteration adds the pair the first left
  // unmatched: inputs 0 and 1 both request outputs 0 and 1; both outputs grant input 0, which
  // accepts output 0; in the second iteration output 1 grants input 1.
  for (unsigned iters : {1u, 2u}) {
    SeparableAllocator a(2, 3, AllocatorKind::kIslip, iters);
    std::vector<std::pair<int, int>> g;
    for (int i = 0; i < 2; ++i)
      for (int o = 0; o < 2; ++o) a.request(i, o);
    a.allocate(g);
    REQUIRE(g.size() == iters);
    CHECK(g[0] == std::pair{0, 0});
    if (iters == 2) CHECK(g[1] == std::pair{1, 1});
  }
}

TEST_CASE("flit: zero-load latency is the pipeline, links, terminals and serialisation", "[flit]") {
  // 4x4 mesh, planar links forced to 2 cycles, TSVs to 3 (on the 3x3x2 case below).
  NocParams p;
  p.planar.min_latency_cycles = 2;
  p.tsv.min_latency_cycles = 3;
  struct Case {
    unsigned rc, va, sa, st, term;
    bool lookahead;
  };
  for (const Case& c :
       {Case{1, 1, 1, 1, 1, false}, Case{2, 1, 1, 1, 3, false}, Case{1, 0, 1, 0, 2, true}}) {
    p.flit.routing_cycles = c.rc;
    p.flit.vc_alloc_cycles = c.va;
    p.flit.switch_alloc_cycles = c.sa;
    p.flit.switch_traversal_cycles = c.st;
    p.flit.terminal_latency_cycles = c.term;
    p.flit.lookahead_routing = c.lookahead;
    const unsigned per_router = (c.lookahead ? 0 : c.rc) + c.va + c.sa + c.st;
    Mesh m(4, 4);
    FlitNetwork net(m.topo, *m.routing, m.terminals, p);
    for (const auto& [src, dst] : {std::pair{0, 15}, {5, 6}, {12, 3}, {9, 9}, {2, 14}}) {
      for (unsigned flits : {1u, 4u, 9u}) {
        const int hops = m.manhattan(src, dst);
        const uint64_t expect = c.term + (hops + 1) * per_router + hops * 2 + c.term + (flits - 1);
        INFO("src " << src << " dst " << dst << " flits " << flits << " per-router " << per_router
                    << " terminal " << c.term);
        CHECK(lone_packet_latency(net, src, dst, flits) == expect);
      }
    }
  }
  // 3D: planar hops take 2 cycles, vertical (TSV) hops 3.
  p.flit = FlitParams();
  Mesh m3(3, 3, 2);
  FlitNetwork net(m3.topo, *m3.routing, m3.terminals, p);
  const int src = m3.topo.node_at(0, 0, 0), dst = m3.topo.node_at(1, 2, 2);
  const uint64_t expect = 1 + (5 + 1) * 4 + (4 * 2 + 1 * 3) + 1 + (3 - 1);
  CHECK(lone_packet_latency(net, src, dst, 3) == expect);
  CHECK(net.packet(0).hops == 5);
  std::printf("flit zero-load: 3x3x2 mesh, 5 hops (one TSV), 3 flits: %llu cycles\n",
              static_cast<unsigned long long>(expect));
}

TEST_CASE("flit: a link narrower than a flit takes several cycles per flit", "[flit]") {
  NocParams p;
  p.planar.width_bits = 128;  // 256-bit flits: 2 cycles per flit
  Mesh m(3, 1);
  FlitNetwork net(m.topo, *m.routing, m.terminals, p);
  // 3 routers of 4 stages, 2 links of 1 cycle + 1 for the flit's second half. The body
  // leaves each narrow link 2 cycles apart while a head also spends RC + VA at each router, so
  // the tail reaches the last router 2 (F - 1) after the head and leaves it at the later of
  // head + RC + VA + (F - 1) and its arrival, then SA + ST + T_ej.
  const uint64_t head_at_last = 1 + 2 * 4 + 2 * (1 + 1);
  for (unsigned flits : {1u, 2u, 4u, 7u}) {
    const uint64_t tail_leaves =
        head_at_last + std::max<uint64_t>(2 + (flits - 1), 2 * (flits - 1));
    INFO("flits " << flits);
    CHECK(lone_packet_latency(net, 0, 2, flits) == tail_leaves + 2 + 1);
  }
}

TEST_CASE("flit: head-of-line blocking limits an input-queued switch (Karol et al. 1987)",
          "[flit]") {
  // FIFO inputs: one VC, single-cycle pipeline per packet (lookahead routing, VA and SA in the
  // same cycle) so the only limit is the switch. Karol, Hluchyj and Morgan, "Input versus
  // output queueing on a space-division packet switch", IEEE Trans. Commun. 35(12), 1987,
  // Table I: N = 2: 0.75, N = 4: 0.6553, N = 8: 0.6184; N -> infinity: 2 - sqrt(2).
  FlitParams fifo;
  fifo.vcs = 1;
  fifo.buffer_flits = 8;
  fifo.lookahead_routing = true;
  fifo.vc_alloc_cycles = 0;
  fifo.allocator = AllocatorKind::kRoundRobin;
  struct Point {
    int n;
    double expect, tol;
    uint64_t cycles;
  };
  for (const Point& pt :
       {Point{2, 0.75, 0.01, 40000}, Point{4, 0.6553, 0.01, 40000}, Point{8, 0.6184, 0.01, 30000},
        Point{32, 2.0 - std::sqrt(2.0), 0.03, 8000}}) {
    const double thr = saturated_switch_throughput(pt.n, fifo, 1000, pt.cycles);
    std::printf("flit HOL: %2d x %-2d switch, FIFO inputs: throughput %.4f (closed form %.4f)\n",
                pt.n, pt.n, thr, pt.expect);
    CHECK(thr == Approx(pt.expect).epsilon(pt.tol));
  }
  // With several VCs per input (queues that a blocked head does not block) and an iSLIP
  // switch allocator with iterations, throughput rises well above the FIFO limit.
  FlitParams voq = fifo;
  voq.vcs = 8;
  voq.allocator = AllocatorKind::kIslip;
  voq.iterations = 4;
  const double thr = saturated_switch_throughput(16, voq, 1000, 8000);
  std::printf("flit HOL: 16 x 16 switch, 8 VCs per input, iSLIP x4: throughput %.4f\n", thr);
  CHECK(thr > 0.8);
}

TEST_CASE("flit: uniform traffic saturates a mesh below its bisection bound", "[flit]") {
  // 8x8 mesh, uniform-all traffic, dimension-order routing: the middle channels of a
  // dimension carry k * rate / 4, so the bisection bound is rate = 4 / k = 0.5.
  const int k = 8;
  const double bound = 4.0 / k;
  Mesh m(k, k);
  NocParams p;  // defaults: 4 VCs x 8 flits, iSLIP, 4-stage routers, 1-cycle links
  const LoadPoint over = run_load(m, p, TrafficPattern::kUniformAll, 0.7, 1, 1000, 3000);
  const double saturation = over.accepted;
  std::printf("flit mesh 8x8 uniform-all: offered %.3f, accepted %.3f (bisection bound %.3f)\n",
              over.offered, over.accepted, bound);
  CHECK(saturation < bound);
  CHECK(saturation > 0.5 * bound);

  // Zero-load latency: mean hop count of uniform-all on a k x k mesh is 2 (k^2 - 1) / (3 k);
  // T_inj + (H + 1) x 4 + H x 1 + T_ej.
  const double hops = 2.0 * (k * k - 1) / (3.0 * k);
  const double zero_load = 1 + (hops + 1) * 4 + hops * 1 + 1;
  std::vector<double> lat;
  for (double frac : {0.1, 0.5, 0.8, 0.95}) {
    const LoadPoint lp =
        run_load(m, p, TrafficPattern::kUniformAll, frac * saturation, 1, 1000, 4000);
    std::printf(
        "flit mesh 8x8 uniform-all: offered %.3f (%.0f%% of saturation): latency %.2f "
        "cycles (zero-load %.2f)\n",
        lp.offered, frac * 100, lp.latency, zero_load);
    lat.push_back(lp.latency);
  }
  CHECK(lat[0] == Approx(zero_load).epsilon(0.08));
  CHECK(lat[0] >= zero_load * 0.98);
  // Rising, and steeply near saturation: the last 15% of load adds more than the 40% before.
  CHECK(lat[1] > lat[0]);
  CHECK(lat[2] > lat[1]);
  CHECK(lat[3] - lat[2] > lat[2] - lat[1]);
  // Past saturation the source queues grow without bound: latency is far above zero load.
  std::printf("flit mesh 8x8 uniform-all: offered 0.7: latency %.1f cycles\n", over.latency);
  CHECK(over.latency > 5 * zero_load);
}

TEST_CASE("flit: Little's law holds on a run", "[flit]") {
  // Packets in the system (source queues included), averaged over the window, against
  // delivered packets per cycle x their average latency.
  Mesh m(4, 4, 2);
  NocParams p;
  for (unsigned flits : {1u, 4u}) {
    const LoadPoint lp = run_load(m, p, TrafficPattern::kUniform, 0.3, flits, 1000, 6000);
    const double little = lp.packets_per_cycle * lp.latency;
    std::printf("flit Little: %u-flit packets at 0.3: in flight %.3f, rate x latency %.3f\n", flits,
                lp.in_flight, little);
    CHECK(lp.in_flight == Approx(little).epsilon(0.03));
  }
}

TEST_CASE("flit: virtual cut-through and wormhole agree at zero load, VCT needs room", "[flit]") {
  NocParams p;
  p.flit.flow_control = FlowControl::kVirtualCutThrough;
  Mesh m(4, 4);
  FlitNetwork vct(m.topo, *m.routing, m.terminals, p);
  p.flit.flow_control = FlowControl::kWormhole;
  FlitNetwork wh(m.topo, *m.routing, m.terminals, p);
  CHECK(lone_packet_latency(vct, 0, 15, 8) == lone_packet_latency(wh, 0, 15, 8));
  CHECK_THROWS_AS(vct.create_packet(0, 1, 9), std::invalid_argument);  // > buffer_flits
  CHECK_NOTHROW(wh.create_packet(0, 1, 9));
}

TEST_CASE("flit: the same inputs give the same outputs", "[flit]") {
  Mesh m(4, 4);
  NocParams p;
  const LoadPoint a = run_load(m, p, TrafficPattern::kTornado, 0.4, 2, 200, 1500);
  const LoadPoint b = run_load(m, p, TrafficPattern::kTornado, 0.4, 2, 200, 1500);
  CHECK(a.latency == b.latency);
  CHECK(a.accepted == b.accepted);
}

TEST_CASE("flit: traffic runs on a platform YAML with noc.model flit", "[flit][traffic]") {
  const std::string preset = std::string(ATLEUS_SOURCE_DIR) + "/platform/configs/3d-mesh.yaml";
  const PlatformConfig cfg = load_platform(preset, {"noc.model=flit", "noc.flit.vcs=2"});
  CHECK(cfg.noc.model == NocModel::kFlit);
  CHECK(cfg.noc.flit.vcs == 2);
  TrafficOptions opt;
  opt.traffic.pattern = TrafficPattern::kUniform;
  opt.traffic.injection_rate = 0.01;
  opt.traffic.flits_per_packet = 4;
  opt.packets_per_node = 100;
  const TrafficResult r = run_traffic(cfg, opt);
  CHECK(r.model == NocModel::kFlit);
  CHECK(r.nodes == 64);
  CHECK(r.flits_delivered == 64u * 100u * 4u);
  // Near zero load on the 3d-mesh (1 GHz, 1-cycle planar and TSV links): per packet
  // 1 + (H + 1) x 4 + H + 1 + 3 cycles (ns).
  const double zero_load = 1 + (r.avg_hops + 1) * 4 + r.avg_hops + 1 + 3;
  CHECK(r.avg_latency_ns == Approx(zero_load).epsilon(0.03));
  CHECK(r.accepted_rate == Approx(0.01).epsilon(0.15));
  // Every flit crosses at least one router (H + 1 of them); energy is counted.
  CHECK(r.router_traversals >= r.flits_delivered);
  CHECK(static_cast<double>(r.router_traversals) ==
        Approx(r.flits_delivered * (r.avg_hops + 1)).epsilon(0.05));
  CHECK(r.energy_j > 0.0);
}

TEST_CASE("flit: platform YAML errors name the key", "[flit]") {
  const std::string preset = std::string(ATLEUS_SOURCE_DIR) + "/platform/configs/3d-mesh.yaml";
  auto message = [&](const std::string& set) {
    try {
      load_platform(preset, {set});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message("noc.model=fluid").find("noc.model") != std::string::npos);
  CHECK(message("noc.flit.vcs=0").find("noc.flit.vcs") != std::string::npos);
  CHECK(message("noc.flit.allocator=fifo").find("round-robin") != std::string::npos);
  CHECK(message("noc.flit.bogus=1").find("noc.flit.bogus") != std::string::npos);
  CHECK(message("noc.flit.routing=valiant").find("deterministic, adaptive") != std::string::npos);
  CHECK(message("noc.flit.routing=adaptive").empty());
}

TEST_CASE("flit: adaptive routing keeps minimal paths and the zero-load latency", "[flit]") {
  Mesh m(4, 4, 2);
  NocParams det, ada;
  ada.flit.routing = FlitRouting::kAdaptive;
  FlitNetwork nd(m.topo, *m.routing, m.terminals, det);
  FlitNetwork na(m.topo, *m.routing, m.terminals, ada);
  // T_inj + (H + 1) x 4 + H x 1 + T_ej + (F - 1), as for deterministic routing.
  for (const auto& [s, d] : {std::pair{0, 15}, std::pair{3, 28}, std::pair{17, 6}})
    for (unsigned flits : {1u, 4u}) {
      const int h = m.manhattan(s, d);
      const uint64_t expected = 1 + (h + 1) * 4 + h + 1 + (flits - 1);
      CHECK(lone_packet_latency(na, s, d, flits) == expected);
      CHECK(lone_packet_latency(nd, s, d, flits) == expected);
    }
  // Under load every packet still takes a minimal path.
  FlitNetwork net(m.topo, *m.routing, m.terminals, ada);
  TrafficParams tp;
  tp.pattern = TrafficPattern::kUniform;
  tp.injection_rate = 0.4;
  tp.flits_per_packet = 2;
  tp.seed = 9;
  TrafficGenerator gen(tp, m.coords);
  for (int c = 0; c < 2000; ++c) {
    for (int s = 0; s < static_cast<int>(m.terminals.size()); ++s)
      if (gen.inject(s)) {
        const int d = gen.destination(s);
        if (d >= 0) net.create_packet(s, d, 2);
      }
    net.step();
  }
  net.advance_to(net.now() + 20000);
  REQUIRE(net.packets_in_flight() == 0);
  for (const FlitPacket& pk : net.packets())
    CHECK(static_cast<int>(pk.hops) == m.manhattan(pk.src, pk.dst));
}

TEST_CASE("flit: adaptive routing lifts transpose saturation above dimension order", "[flit]") {
  // Transpose concentrates dimension-order routes on few channels (every packet of a row turns
  // at the diagonal); minimal adaptive routing spreads them over the minimal quadrant.
  Mesh m(8, 8);
  NocParams det, ada;
  ada.flit.routing = FlitRouting::kAdaptive;
  const LoadPoint d = run_load(m, det, TrafficPattern::kTranspose, 0.6, 1, 1000, 3000);
  const LoadPoint a = run_load(m, ada, TrafficPattern::kTranspose, 0.6, 1, 1000, 3000);
  std::printf("flit mesh 8x8 transpose at 0.6: accepted %.3f dimension order, %.3f adaptive\n",
              d.accepted, a.accepted);
  CHECK(a.accepted > 1.15 * d.accepted);
  // Past saturation under uniform load the escape channel keeps it moving (no deadlock) and
  // Little's law holds below saturation.
  const LoadPoint over = run_load(m, ada, TrafficPattern::kUniformAll, 0.8, 4, 500, 3000);
  CHECK(over.accepted > 0.2);
  const LoadPoint lp = run_load(m, ada, TrafficPattern::kUniform, 0.25, 1, 1000, 4000);
  CHECK(lp.in_flight == Approx(lp.packets_per_cycle * lp.latency).epsilon(0.03));
}

TEST_CASE("flit: adaptive routing needs an escape virtual channel", "[flit]") {
  FlitParams fp;
  fp.routing = FlitRouting::kAdaptive;
  fp.vcs = 1;
  CHECK_THROWS_WITH(fp.validate(), Catch::Contains("routing") && Catch::Contains("vcs >= 2"));
  CHECK(parse_flit_routing("adaptive") == FlitRouting::kAdaptive);
  CHECK_THROWS_AS(parse_flit_routing("valiant"), std::invalid_argument);
}
