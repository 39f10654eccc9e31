// The flit model inside an elaborated platform (noc.model: flit, the fabric `run` uses): one
// write alone on an idle NoC, a read, and the statistics kept in the netlist's channels and
// routers.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/flit_fabric.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/port_fillers.hpp"
#include "sim_support.hpp"

using namespace atleus;

namespace {

using sim_support::data;
using sim_support::Driver;
using sim_support::sink;

// One transaction of `bytes` from `site` to `address`; returns the time it took (the call's
// return time plus the delay it annotated, from its start).
uint64_t transfer(Netlist& net, int site, uint64_t address, unsigned bytes, tlm::tlm_command cmd) {
  std::vector<unsigned char> buf(bytes);
  tlm::tlm_generic_payload tx;
  tx.set_command(cmd);
  tx.set_address(address);
  tx.set_data_ptr(buf.data());
  tx.set_data_length(bytes);
  tx.set_streaming_width(bytes);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  const uint64_t t0 = now_ps();
  net.endpoint(site).noc_out->b_transport(tx, delay);
  REQUIRE(tx.is_response_ok());
  return now_ps() + to_ps(delay) - t0;
}

// line3.yaml: cores A - B - C in a row, 1 GHz NoC, 1-cycle links, 256-bit (32-byte) flits and
// links. The flit router's defaults (noc/noc_params.hpp FlitParams): route computation, VC
// allocation, switch allocation and traversal one cycle each, terminal channels one cycle,
// 4 VCs of 8 flits. Packets of 4096 bytes (NetlistOptions::packet_bytes' default, as `run`).
constexpr uint64_t kCycle = 1000;
constexpr uint64_t kPipeline = 4, kLink = 1, kTerminal = 1;

// The flit model's zero-load latency (noc/flit_network.hpp), in cycles, of a packet of `flits`
// over `hops` router-to-router links of one cycle: injection, H + 1 router pipelines, the links,
// ejection, and the body behind the head.
uint64_t zero_load(uint64_t hops, uint64_t flits) {
  return kTerminal + (hops + 1) * kPipeline + hops * kLink + kTerminal + (flits - 1);
}

NetlistOptions flit_sink() {
  NetlistOptions o;
  o.make_endpoint = sink;
  return o;
}

}  // namespace

TEST_CASE("flit run: one write alone takes its packets' serialisation plus the last one's latency",
          "[noc][sim][flit]") {
  const PlatformConfig cfg = load_platform(data("line3.yaml"), {"noc.model=flit"});
  Netlist net("net", cfg, flit_sink());
  REQUIRE(net.flit_fabric() != nullptr);
  REQUIRE(net.flow_fabric() == nullptr);
  const unsigned bytes = 10000;
  uint64_t write = 0, read = 0;
  Driver d("driver", [&] {
    write = transfer(net, 0, core_base(2), bytes, tlm::TLM_WRITE_COMMAND);
    // Far apart: the NoC is idle again before the read.
    sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
    read = transfer(net, 2, kHbmBase + (1u << 20), 4096, tlm::TLM_READ_COMMAND);
  });
  sc_core::sc_start();
  // A -> C, two hops, as packets of 4096, 4096 and 1808 bytes: 128, 128 and 57 flits (1808 / 32
  // = 56.5). They leave the source queue back to back, one flit per cycle, and each later packet
  // finds the path clear (a head needs two cycles more per router than a body flit, so the gap
  // behind the packet ahead only grows): the last packet's head enters the network after
  // 128 + 128 cycles and its tail arrives its zero-load latency later.
  CHECK(write == (128 + 128 + zero_load(2, 57)) * kCycle);
  // C reads 4096 bytes from the HBM at A: a one-flit request over two hops, then one packet of
  // 128 flits back. The HBM sees the request once the cycle its tail arrived has been simulated,
  // so the reply enters A's source queue one cycle later, as a packet a terminal creates in
  // answer to one it received. The HBM's own time for 4096 bytes is under the data's 143 cycles
  // on the NoC (the flow model's read test shows it within 141 ns), so the data's arrival ends
  // the call.
  CHECK(read == (zero_load(2, 1) + 1 + zero_load(2, 128)) * kCycle);

  const auto* fabric = net.flit_fabric();
  CHECK(fabric->messages() == 2);
  const auto& fs = fabric->flit_stats();
  CHECK(fs.packets_delivered == 3 + 1 + 1);
  CHECK(fs.flits_delivered == 128 + 128 + 57 + 1 + 128);
  // Two routers' links per packet: A -> B and B -> C.
  CHECK(fs.link_traversals == 2 * (128 + 128 + 57 + 1 + 128));
  // Statistics as under packet: each packet's bytes on every channel of its path, busy for
  // its serialisation, energy per bit.
  const auto& ab = net.link_channels()[0]->stats();  // A -> B: the write and the read data
  CHECK(ab.bytes == bytes + 4096);
  CHECK(ab.packets == 3 + 1);
  CHECK(ab.busy_ps == (128 + 128 + 57 + 128) * kCycle);
  CHECK(ab.energy_j ==
        Approx((bytes + 4096) * 8.0 * net.link_channels()[0]->physics().energy_j_per_bit));
  CHECK(net.link_channels()[3]->stats().bytes == 32);  // C -> B: the read request
  CHECK(net.link_channels()[1]->stats().bytes == 32);  // B -> A
  for (const auto& r : net.routers()) {
    CHECK(r->stats().bytes == bytes + 32 + 4096);
    CHECK(r->stats().packets == 3 + 1);  // read data is not a packet forwarded
  }
  CHECK(net.hbm().stats().bytes_read == 4096);
}
