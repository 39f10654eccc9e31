// The packet model's terminal channels and finite input buffering: zero-load latency with the
// injection and ejection channels, head-of-line blocking in a router's input FIFO, and
// saturation under uniform load against the flit model.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/packet.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/packet_probe.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/port_fillers.hpp"
#include "atleus/platform/run/traffic_run.hpp"
#include "sim_support.hpp"

using namespace atleus;
using sim_support::data;
using sim_support::Driver;
using sim_support::sink;

namespace {

// Sends one write of `bytes` from `site` to core `dst`, `offset_ps` after now (a loosely-timed
// initiator's local offset); returns its latency from that moment.
uint64_t send(Netlist& net, int site, int dst, unsigned bytes, uint64_t offset_ps = 0) {
  std::vector<unsigned char> buf(bytes);
  tlm::tlm_generic_payload tx;
  noc::PacketInfo info;
  tx.set_extension(&info);
  tx.set_command(tlm::TLM_WRITE_COMMAND);
  tx.set_address(core_base(dst));
  tx.set_data_ptr(buf.data());
  tx.set_data_length(bytes);
  tx.set_streaming_width(bytes);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = from_ps(offset_ps);
  net.endpoint(site).noc_out->b_transport(tx, delay);
  tx.clear_extension(&info);
  REQUIRE(tx.is_response_ok());
  return to_ps(delay) - offset_ps;
}

}  // namespace

TEST_CASE("packet: zero-load latency includes one cycle per terminal channel", "[noc][sim]") {
  const PlatformConfig cfg =
      load_platform(data("line3.yaml"), {"noc.packet.terminal_latency_cycles=1"});
  Netlist net("net", cfg, sink);
  uint64_t one_flit = 0, eight_flits = 0;
  Driver d("driver", [&] {
    one_flit = send(net, 0, 2, 32);
    sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
    eight_flits = send(net, 0, 2, 256);
  });
  sc_core::sc_start();
  // 1 GHz NoC: A -> C crosses 3 routers (3 cycles each), 2 links (1 cycle each), the injection
  // and the ejection channel (1 cycle each), then the tail follows the head by the packet's
  // serialisation, one 32-byte flit per cycle.
  const uint64_t cycle = 1000, router = 3 * cycle, link = cycle, terminal = cycle;
  CHECK(one_flit == 3 * router + 2 * link + 2 * terminal + 1 * cycle);
  CHECK(eight_flits == 3 * router + 2 * link + 2 * terminal + 8 * cycle);
}

TEST_CASE("packet: without terminal latency the terminal channels cost only serialisation",
          "[noc][sim]") {
  const PlatformConfig cfg =
      load_platform(data("line3.yaml"), {"noc.packet.terminal_latency_cycles=0"});
  Netlist net("net", cfg, sink);
  uint64_t lat = 0;
  Driver d("driver", [&] { lat = send(net, 0, 2, 32); });
  sc_core::sc_start();
  CHECK(lat == 3 * 3000 + 2 * 1000 + 1000);
}

namespace {

// Line A - B - C, 1 GHz, routers of 3 cycles, links of 1, no terminal latency. B keeps link
// B->C busy with a long packet L; A then sends P to C, which waits at B's input from A for link
// B->C; A then sends Q to B itself, whose ejection port is free. With one FIFO per input Q
// cannot overtake P (head-of-line blocking); with unbounded buffers it does not wait at all.
void head_of_line(bool fifo) {
  std::vector<std::string> set = {"noc.router.virtual_channels=1",
                                  "noc.router.buffer_depth_flits=8",
                                  "noc.packet.terminal_latency_cycles=0"};
  if (fifo) set.push_back("noc.packet.back_pressure=true");
  const PlatformConfig cfg = load_platform(data("line3.yaml"), set);
  Netlist net("net", cfg, sink);
  const uint64_t cycle = 1000, router = 3 * cycle, link = cycle;
  // A FIFO serves one packet at a time: every router stage but the traversal again per packet.
  const uint64_t turnaround = router - cycle;
  const unsigned long_bytes = 64 * 32, p_bytes = 2 * 32, q_bytes = 32;
  uint64_t p_lat = 0, q_lat = 0;
  Driver d("driver", [&] {
    // L leaves B's router onto B->C at 1 router = 3 cycles and holds it for 64 cycles.
    send(net, 1, 2, long_bytes);
    // P from A: reaches B->C at router + link + router = 7 cycles; starts there at 67.
    p_lat = send(net, 0, 2, p_bytes);
    // Q from A, two cycles later, so that it follows P on link A->B.
    q_lat = send(net, 0, 1, q_bytes, 2 * cycle);
  });
  sc_core::sc_start();
  const uint64_t l_end = router + 64 * cycle;  // L's tail leaves B onto B->C
  // L's tail leaves C's input FIFO when it has been ejected: C's router at 3 + 1 + 3 cycles,
  // then 64 cycles of ejection.
  const uint64_t l_left_c = router + link + router + 64 * cycle;
  const uint64_t q_inject = 2 * cycle;
  if (!fifo) {
    // P: its head waits for L, then crosses B->C and C's router; 2 flits stream into C.
    CHECK(p_lat == l_end + link + router + 2 * cycle);
    CHECK(q_lat == 2 * router + link + 1 * cycle);  // Q overtakes P in B's input buffer
  } else {
    // P also leaves C's input FIFO only a turnaround after L has.
    CHECK(p_lat == std::max(l_end + link + router, l_left_c + turnaround) + 2 * cycle);
    // Q leaves B's input FIFO a turnaround after P's tail has left it (P starts on B->C at
    // l_end and takes 2 cycles), then is ejected: one flit.
    CHECK(q_lat == l_end + 2 * cycle + turnaround + 1 * cycle - q_inject);
  }
}

}  // namespace

TEST_CASE("packet: a packet waits behind the one ahead of it in a router's input FIFO",
          "[noc][sim]") {
  head_of_line(true);
}

TEST_CASE("packet: with unbounded buffers a packet overtakes a blocked one", "[noc][sim]") {
  head_of_line(false);
}

TEST_CASE(
    "packet: uniform saturation of a 4x4 mesh with input FIFOs is within 10% of the flit "
    "model's",
    "[noc][sim][saturation]") {
  // Saturation throughput: the accepted rate when the offered load is well past saturation
  // (every source always has a packet), BookSim's measure. Both models get the same router:
  // 4 virtual channels of 8 flits (the flit model's defaults), 1-flit packets, uniform-all.
  const std::vector<std::string> set = {
      "noc.router.virtual_channels=4", "noc.router.buffer_depth_flits=8", "noc.flit.vcs=4",
      "noc.flit.buffer_flits=8", "noc.packet.terminal_latency_cycles=1"};
  TrafficOptions opt;
  opt.traffic.pattern = TrafficPattern::kUniformAll;
  opt.traffic.injection_rate = 0.9;
  opt.traffic.flits_per_packet = 1;
  opt.packets_per_node = 3000;

  auto flit_cfg = load_platform(data("mesh4x4.yaml"), set);
  flit_cfg.noc.model = noc::NocModel::kFlit;
  const TrafficResult flit = run_traffic(flit_cfg, opt);

  std::vector<std::string> with_bp = set;
  with_bp.push_back("noc.packet.back_pressure=true");
  const auto bp_cfg = load_platform(data("mesh4x4.yaml"), with_bp);
  const auto free_cfg = load_platform(data("mesh4x4.yaml"), set);
  TrafficPlatform bounded("bounded", bp_cfg, opt);
  TrafficPlatform unbounded("unbounded", free_cfg, opt);
  sc_core::sc_start();
  const TrafficResult packet = bounded.collect();
  const TrafficResult ideal = unbounded.collect();

  // A k x k mesh under uniform traffic: the bisection carries half of all traffic over k
  // channels each way, so the bound is 4 * k / (k * k) = 1 flit/node/cycle for k = 4 (with
  // uniform-all a sixteenth of the packets stay home: 16/15 of that).
  const double bisection_bound = 4.0 * 4 / 16 * 16.0 / 15.0;
  WARN("saturation (flits/node/cycle): flit "
       << flit.accepted_rate << ", packet with FIFOs " << packet.accepted_rate
       << ", packet unbounded " << ideal.accepted_rate << ", bisection bound " << bisection_bound);
  CHECK(flit.accepted_rate < bisection_bound);
  CHECK(packet.accepted_rate == Approx(flit.accepted_rate).epsilon(0.10));
  // The input FIFOs are what brings it there: unbounded buffering accepts more.
  CHECK(ideal.accepted_rate > packet.accepted_rate);
}

TEST_CASE("flow: at low load its latency and energy agree with the packet model's",
          "[noc][sim][flow]") {
  // Both models charge the same routers, links and terminal channels at zero load, and the
  // same bytes on the same channels: at 2% load they differ only by the rare contention.
  TrafficOptions opt;
  opt.traffic.pattern = TrafficPattern::kUniform;
  opt.traffic.injection_rate = 0.02;
  opt.traffic.flits_per_packet = 4;
  opt.packets_per_node = 300;
  auto flow_cfg = load_platform(data("mesh4x4.yaml"));
  flow_cfg.noc.model = noc::NocModel::kFlow;
  const TrafficResult flow = run_traffic(flow_cfg, opt);
  TrafficPlatform packet_platform("packet", load_platform(data("mesh4x4.yaml")), opt);
  sc_core::sc_start();
  const TrafficResult packet = packet_platform.collect();
  CHECK(flow.packets_sent == packet.packets_sent);
  CHECK(flow.avg_hops == Approx(packet.avg_hops).epsilon(1e-12));
  CHECK(flow.avg_latency_ns == Approx(packet.avg_latency_ns).epsilon(0.03));
  CHECK(flow.energy_j == Approx(packet.energy_j).epsilon(1e-9));
}

namespace {

double noc_energy_j(const Netlist& net) {
  double e = 0;
  for (const auto& r : net.routers()) e += r->stats().energy_j;
  for (const auto& c : net.link_channels()) e += c->stats().energy_j;
  for (const auto& c : net.local_channels()) e += c->stats().energy_j;
  return e;
}

}  // namespace

TEST_CASE("probe packet: its zero-load figures are what the simulated packet model measures",
          "[noc][sim]") {
  // Three pairs of tsv-skip-chain (sites tier by tier, row-major: tier t, x -> 2t + x), one
  // within a tier and two across tiers, each message sent alone (1 us apart).
  const PlatformConfig cfg = load_platform(data("tsv-skip-chain.yaml"));
  const NetworkPlan plan = plan_network(cfg);
  struct Pair {
    int src, dst;
    unsigned bytes;
  };
  const std::vector<Pair> pairs = {{2, 4, 100}, {0, 1, 1000}, {3, 5, 64}};
  Netlist net("net", cfg, sink);
  std::vector<uint64_t> latency;
  std::vector<double> energy;
  Driver d("driver", [&] {
    for (const auto& p : pairs) {
      const double before = noc_energy_j(net);
      latency.push_back(send(net, p.src, p.dst, p.bytes));
      energy.push_back(noc_energy_j(net) - before);
      sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
    }
  });
  sc_core::sc_start();
  REQUIRE(latency.size() == pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const PacketProbe p = probe_packet(cfg, plan, pairs[i].src, pairs[i].dst, pairs[i].bytes);
    INFO("pair " << i);
    CHECK(latency[i] == p.latency_ps);
    CHECK(energy[i] == Approx(p.energy_j()).epsilon(1e-12));
  }
}
