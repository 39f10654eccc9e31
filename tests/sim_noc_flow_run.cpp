// The flow model inside an elaborated platform (noc.model: flow, the fabric `run` uses): one
// message alone on an idle NoC, two messages sharing a link, a read, and the statistics kept
// in the netlist's channels and routers.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/flow_fabric.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/port_fillers.hpp"
#include "sim_support.hpp"

using namespace atleus;

namespace {

using sim_support::data;
using sim_support::Driver;
using sim_support::sink;

// One write of `bytes` from `site` to core `dst`; returns when it was delivered (the call's
// return time plus the delay it annotated).
uint64_t send(Netlist& net, int site, int dst, unsigned bytes) {
  std::vector<unsigned char> buf(bytes);
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_WRITE_COMMAND);
  tx.set_address(core_base(dst));
  tx.set_data_ptr(buf.data());
  tx.set_data_length(bytes);
  tx.set_streaming_width(bytes);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  net.endpoint(site).noc_out->b_transport(tx, delay);
  REQUIRE(tx.is_response_ok());
  return now_ps() + to_ps(delay);
}

// line3.yaml: cores A - B - C in a row, 1 GHz NoC, 3-cycle routers, 1-cycle links, 256-bit
// (32-byte) links and local ports, so every channel carries 32 bytes per ns. Terminal channels
// take one cycle each here.
const std::vector<std::string> kFlow = {"noc.model=flow", "noc.packet.terminal_latency_cycles=1"};
constexpr uint64_t kCycle = 1000, kRouter = 3 * kCycle, kLink = kCycle, kTerminal = kCycle;
constexpr double kBytesPerPs = 32.0 / 1000.0;

}  // namespace

TEST_CASE("flow run: one message alone takes bytes over the bottleneck plus the path latency",
          "[noc][sim][flow]") {
  const PlatformConfig cfg = load_platform(data("line3.yaml"), kFlow);
  Netlist net("net", cfg, sink);
  REQUIRE(net.flow_fabric() != nullptr);
  const unsigned bytes = 10000;
  uint64_t done = 0;
  Driver d("driver", [&] { done = send(net, 0, 2, bytes); });
  sc_core::sc_start();
  // A -> C: injection, A -> B, B -> C, ejection; the bottleneck is any of them (all 32 B/ns):
  // bytes / bandwidth = 10000 / 0.032 = 312500 ps, plus the head's path: 3 routers, 2 links
  // and 2 terminal channels.
  const uint64_t expect = 312500 + 3 * kRouter + 2 * kLink + 2 * kTerminal;
  CHECK(done == expect);
  CHECK(net.flow_fabric()->messages() == 1);
  // Statistics as under packet: the message's bytes on every channel of its path, busy for its
  // serialisation (10000 B / 32 B per cycle = 312.5, so 313 cycles), energy per bit.
  const auto& ab = net.link_channels()[0]->stats();
  CHECK(ab.bytes == bytes);
  CHECK(ab.packets == 1);
  CHECK(ab.busy_ps == 313 * kCycle);
  CHECK(ab.energy_j == Approx(bytes * 8.0 * net.link_channels()[0]->physics().energy_j_per_bit));
  CHECK(net.link_channels()[1]->stats().bytes == 0);  // B -> A carried nothing
  for (const auto& r : net.routers()) CHECK(r->stats().bytes == bytes);
}

TEST_CASE("flow run: two messages sharing a link each get half of it until one ends",
          "[noc][sim][flow]") {
  const PlatformConfig cfg = load_platform(data("line3.yaml"), kFlow);
  Netlist net("net", cfg, sink);
  const unsigned b = 8000;
  uint64_t done_a = 0, done_b = 0;
  // A -> C (b bytes) and B -> C (2b bytes) start together and share B -> C and C's ejection
  // channel: each gets 16 B/ns until A's message has sent its b bytes at t1 = 2b / 32 B/ns;
  // B's message then has b left at the full 32 B/ns, done at t2 = t1 + b / 32 B/ns.
  Driver da("a", [&] { done_a = send(net, 0, 2, b); });
  Driver db("b", [&] { done_b = send(net, 1, 2, 2 * b); });
  sc_core::sc_start();
  const double t1 = 2.0 * b / kBytesPerPs, t2 = t1 + b / kBytesPerPs;
  const uint64_t head_a = 3 * kRouter + 2 * kLink + 2 * kTerminal;
  const uint64_t head_b = 2 * kRouter + 1 * kLink + 2 * kTerminal;
  CHECK(done_a == static_cast<uint64_t>(t1) + head_a);
  CHECK(done_b == static_cast<uint64_t>(t2) + head_b);
  CHECK(net.link_channels()[2]->stats().bytes == 3 * b);  // B -> C carried both
}

TEST_CASE("flow run: a read returns its data over the reverse path", "[noc][sim][flow]") {
  const PlatformConfig cfg = load_platform(data("line3.yaml"), kFlow);
  Netlist net("net", cfg, sink);
  const unsigned bytes = 4096;
  uint64_t done = 0;
  Driver d("driver", [&] {
    std::vector<unsigned char> buf(bytes);
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_READ_COMMAND);
    tx.set_address(kHbmBase + (1u << 20));
    tx.set_data_ptr(buf.data());
    tx.set_data_length(bytes);
    tx.set_streaming_width(bytes);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const uint64_t t0 = now_ps();
    net.endpoint(2).noc_out->b_transport(tx, delay);
    REQUIRE(tx.is_response_ok());
    done = now_ps() + to_ps(delay) - t0;
  });
  sc_core::sc_start();
  // C reads from the HBM at A: a one-flit request (32 B: 1 ns) with its head latency, then the
  // data back A -> B -> C, 4096 / 32 B/ns = 128 ns plus the head latency back. The HBM streams
  // its part meanwhile (4096 B over its channels plus its access latency, under the 128 ns the
  // NoC takes), so the data's arrival ends the call.
  const uint64_t head = 3 * kRouter + 2 * kLink + 2 * kTerminal;
  CHECK(done == (1 * kCycle + head) + (128 * kCycle + head));
  for (const auto& r : net.routers()) CHECK(r->stats().bytes == 32 + bytes);
  // Request bytes on C -> B -> A, data on A -> B -> C.
  CHECK(net.link_channels()[3]->stats().bytes == 32);     // C -> B
  CHECK(net.link_channels()[2]->stats().bytes == bytes);  // B -> C
  CHECK(net.hbm().stats().bytes_read == bytes);
}
