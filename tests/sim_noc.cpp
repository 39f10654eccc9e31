// NoC timing through the elaborated netlist: zero-load latency over TSV and skip links,
// contention on a shared link, and reachability of every core and the HBM on every preset.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/packet.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/port_fillers.hpp"
#include "sim_support.hpp"

using namespace atleus;
using sim_support::data;
using sim_support::Driver;
using sim_support::sink;

namespace {

struct Sent {
  uint64_t latency_ps = 0;
  unsigned hops = 0;
  bool ok = false;
};

// Sends one packet from `site` to `address` now; returns its latency and hop count.
Sent send(Netlist& net, int site, uint64_t address, tlm::tlm_command cmd, unsigned bytes) {
  std::vector<unsigned char> buf(bytes);
  tlm::tlm_generic_payload tx;
  noc::PacketInfo info;
  tx.set_extension(&info);
  tx.set_command(cmd);
  tx.set_address(address);
  tx.set_data_ptr(buf.data());
  tx.set_data_length(bytes);
  tx.set_streaming_width(bytes);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  net.endpoint(site).noc_out->b_transport(tx, delay);
  tx.clear_extension(&info);
  return {to_ps(delay), info.hops, tx.is_response_ok()};
}

}  // namespace

TEST_CASE("zero-load latency across a TSV, a skip link and a TSV", "[noc][sim]") {
  const PlatformConfig cfg = load_platform(data("tsv-skip-chain.yaml"));
  Netlist net("net", cfg, sink);
  // Sites are numbered tier by tier, row-major: tier t, x -> 2t + x.
  const int src = 2 * 1 + 0, dst = 2 * 2 + 0;
  Sent s;
  Driver d("driver", [&] { s = send(net, src, core_base(dst), tlm::TLM_WRITE_COMMAND, 100); });
  sc_core::sc_start();

  // Independent expectation. NoC clock 20 GHz: 50 ps cycles.
  const double cycle = 50.0;
  const double router = 3 * cycle;
  // Elmore delay of driver (1 kOhm) into the TSV capacitance plus a 5 fF receiver; the TSV's
  // own 20 mOhm is negligible but included. A skip TSV crosses 3 tiers: 3x capacitance, R/3.
  auto tsv_ps = [](double c_ff, double r_ohm) {
    return 0.69 * (1000.0 * (c_ff + 5.0) + r_ohm * (c_ff / 2 + 5.0)) * 1e-3;
  };
  const double tsv = std::max(1.0, std::ceil(tsv_ps(37.0, 0.020) / cycle)) * cycle;  // 1 cycle
  const double skip =
      std::max(1.0, std::ceil(tsv_ps(111.0, 0.020 / 3) / cycle)) * cycle;  // 2 cycles
  REQUIRE(tsv == 50.0);
  REQUIRE(skip == 100.0);
  // 100 bytes on 256-bit (32-byte) channels: 4 flits.
  const double ser = 4 * cycle;
  // The injection and ejection channels take a cycle each (noc.packet.terminal_latency_cycles).
  const double terminal = cycle;
  const double expected = terminal + 4 * router + tsv + skip + tsv + terminal + ser;
  CHECK(s.ok);
  CHECK(s.hops == 3);
  CHECK(s.latency_ps == static_cast<uint64_t>(expected));
}

TEST_CASE("two flows sharing one link: the later one waits one serialisation time", "[noc][sim]") {
  const PlatformConfig cfg = load_platform(data("line3.yaml"));
  Netlist net("net", cfg, sink);
  const double cycle = 1000.0;  // 1 GHz NoC
  const double router = 3 * cycle, link = 1 * cycle, terminal = 1 * cycle;
  const unsigned bytes = 256;  // 8 flits of 32 bytes
  const double ser = 8 * cycle;
  Sent a, b;
  Driver d("driver", [&] {
    // A (site 0) sends to C (site 2) at t = 0; its head reaches link B->C after the router of
    // A, link A->B and the router of B: 2 routers + 1 link.
    a = send(net, 0, core_base(2), tlm::TLM_WRITE_COMMAND, bytes);
    // B (site 1) sends to C when its own head would reach link B->C at the same moment.
    sc_core::wait(sc_core::sc_time(router + link, sc_core::SC_PS));
    b = send(net, 1, core_base(2), tlm::TLM_WRITE_COMMAND, bytes);
  });
  sc_core::sc_start();
  // Both heads also cross an injection and an ejection channel, so they still meet at B->C.
  const double zero_load_a = 2 * terminal + 3 * router + 2 * link + ser;
  const double zero_load_b = 2 * terminal + 2 * router + 1 * link + ser;
  CHECK(a.latency_ps == static_cast<uint64_t>(zero_load_a));
  CHECK(b.latency_ps == static_cast<uint64_t>(zero_load_b + ser));
  // The shared channel counted the wait.
  uint64_t queued = 0;
  for (const auto& ch : net.link_channels()) queued += ch->stats().queue_ps;
  CHECK(queued == static_cast<uint64_t>(ser));
}

namespace {

void check_reachability(const std::string& preset) {
  const PlatformConfig cfg = load_platform(preset);
  Netlist net("net", cfg);
  const auto& plan = net.plan();
  const int n = static_cast<int>(plan.sites.size());
  int failures = 0, wrong_hops = 0, reads = 0;
  Driver d("driver", [&] {
    for (int s = 0; s < n; ++s) {
      for (int t = 0; t < n; ++t) {
        if (t == s) continue;
        const Sent r = send(net, s, core_base(t) + 64, tlm::TLM_WRITE_COMMAND, 64);
        failures += !r.ok;
        wrong_hops += r.hops != static_cast<unsigned>(plan.routing->hops(s, t));
        sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
      }
      const Sent h = send(net, s, net.hbm_base() + 4096ull * s, tlm::TLM_READ_COMMAND, 64);
      failures += !h.ok;
      reads += h.ok;
      wrong_hops += h.hops != static_cast<unsigned>(plan.routing->hops(s, plan.hbm_target));
    }
  });
  sc_core::sc_start();
  CHECK(failures == 0);
  CHECK(wrong_hops == 0);
  CHECK(reads == n);
  CHECK(net.hbm().stats().reads == static_cast<uint64_t>(n));
}

}  // namespace

TEST_CASE("every core reaches every core and the HBM: atleus", "[noc][sim][reach]") {
  check_reachability("atleus");
}
TEST_CASE("every core reaches every core and the HBM: 3d-mesh", "[noc][sim][reach]") {
  check_reachability("3d-mesh");
}
TEST_CASE("every core reaches every core and the HBM: 3d-mesh-skip", "[noc][sim][reach]") {
  check_reachability("3d-mesh-skip");
}
TEST_CASE("every core reaches every core and the HBM: 3d-tpu", "[noc][sim][reach]") {
  check_reachability("3d-tpu");
}
