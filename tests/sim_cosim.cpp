// Co-simulation interfaces of the netlist: debug transport and DMI through routers and links
// to the HBM, a 64-bit initiator on the 32-bit host port, and time resolutions other than 1 ps.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/packet.hpp"
#include "atleus/platform/bus_width_adapter.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/port_fillers.hpp"
#include "atleus/platform/run/traffic_run.hpp"

using namespace atleus;

namespace {

std::unique_ptr<Endpoint> sink(const Site& site) {
  return std::make_unique<HostStub>(("sink_" + site.name).c_str());
}

// A user's 64-bit host: a thread that runs `body`, and a target for what the platform sends.
struct Host64 : sc_core::sc_module {
  SC_HAS_PROCESS(Host64);
  tlm_utils::simple_initiator_socket<Host64, 64> out;
  tlm_utils::simple_target_socket<Host64, 32> in;
  std::function<void()> body;
  Host64(sc_core::sc_module_name n, std::function<void()> b)
      : sc_module(n), out("out"), in("in"), body(std::move(b)) {
    in.register_b_transport(this, &Host64::answer);
    SC_THREAD(run);
  }
  void run() { body(); }
  void answer(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

void prepare(tlm::tlm_generic_payload& tx, tlm::tlm_command cmd, uint64_t addr,
             std::vector<unsigned char>& buf) {
  tx.set_command(cmd);
  tx.set_address(addr);
  tx.set_data_ptr(buf.data());
  tx.set_data_length(static_cast<unsigned>(buf.size()));
  tx.set_streaming_width(static_cast<unsigned>(buf.size()));
  tx.set_byte_enable_ptr(nullptr);
  tx.set_dmi_allowed(false);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace

TEST_CASE("debug transport and DMI reach the HBM through the NoC from a 64-bit host") {
  const PlatformConfig cfg = load_platform("atleus", {"memory.hbm.store_data=true"});
  Netlist net("net", cfg, sink, /*host_stub=*/false);
  BusWidthAdapter<64, 32> port("host_port");
  const uint64_t addr = kHbmBase + 0x12345;  // inside a page, not at its start
  std::vector<unsigned char> written(24), via_dbg(24), via_dmi(24), read_back(24);
  for (std::size_t i = 0; i < written.size(); ++i)
    written[i] = static_cast<unsigned char>(7 * i + 1);
  unsigned dbg_bytes = 0, dbg_write_bytes = 0;
  bool write_ok = false, read_ok = false, dmi_ok = false, dmi_covers = false;
  uint64_t write_delay_ps = 0;
  Host64 host("host", [&] {
    tlm::tlm_generic_payload tx;
    noc::PacketInfo info;
    tx.set_extension(&info);
    // A timed write through the 64-bit adapter, the host port and the NoC.
    prepare(tx, tlm::TLM_WRITE_COMMAND, addr, written);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    host.out->b_transport(tx, delay);
    write_ok = tx.is_response_ok();
    write_delay_ps = to_ps(delay);
    // Debug read of the same bytes: untimed, through the same routers and links.
    prepare(tx, tlm::TLM_READ_COMMAND, addr, via_dbg);
    dbg_bytes = host.out->transport_dbg(tx);
    // DMI: a pointer to the page that holds the data.
    tlm::tlm_dmi dmi;
    prepare(tx, tlm::TLM_READ_COMMAND, addr, via_dmi);
    dmi_ok = host.out->get_direct_mem_ptr(tx, dmi);
    if (dmi_ok) {
      dmi_covers = dmi.get_start_address() <= addr && addr + 23 <= dmi.get_end_address() &&
                   dmi.is_read_write_allowed();
      if (dmi_covers) {
        unsigned char* p = dmi.get_dmi_ptr() + (addr - dmi.get_start_address());
        std::memcpy(via_dmi.data(), p, via_dmi.size());
        p[0] = 0xAB;  // a DMI write that a debug read must see
      }
    }
    std::vector<unsigned char> one(1);
    prepare(tx, tlm::TLM_WRITE_COMMAND, addr + 100, one);
    one[0] = 0x5A;
    dbg_write_bytes = host.out->transport_dbg(tx);
    // A timed read returns what DMI and the debug write left.
    prepare(tx, tlm::TLM_READ_COMMAND, addr, read_back);
    delay = sc_core::SC_ZERO_TIME;
    host.out->b_transport(tx, delay);
    read_ok = tx.is_response_ok();
    tx.clear_extension(&info);
  });
  host.out.bind(port.in);
  port.out.bind(net.host_in());
  net.host_out().bind(host.in);
  sc_core::sc_start();

  CHECK(write_ok);
  CHECK(write_delay_ps > 0);
  CHECK(dbg_bytes == written.size());
  CHECK(via_dbg == written);
  REQUIRE(dmi_ok);
  REQUIRE(dmi_covers);
  CHECK(via_dmi == written);
  CHECK(dbg_write_bytes == 1);
  CHECK(read_ok);
  std::vector<unsigned char> expected = written;
  expected[0] = 0xAB;
  CHECK(read_back == expected);
  CHECK(net.hbm().stats().writes == 1);  // debug and DMI accesses are not timed traffic
  CHECK(net.hbm().stats().reads == 1);
}

TEST_CASE("without stored data the HBM refuses DMI and debug access, unrouted addresses too") {
  const PlatformConfig cfg = load_platform("atleus");
  Netlist net("net", cfg, sink, /*host_stub=*/false);
  bool dmi = true, dmi_unrouted = true;
  unsigned dbg = 1, dbg_unrouted = 1;
  Host64 host("host", [&] {
    tlm::tlm_generic_payload tx;
    std::vector<unsigned char> buf(8);
    tlm::tlm_dmi d;
    prepare(tx, tlm::TLM_READ_COMMAND, kHbmBase, buf);
    dmi = host.out->get_direct_mem_ptr(tx, d);
    dbg = host.out->transport_dbg(tx);
    prepare(tx, tlm::TLM_READ_COMMAND, 0x10, buf);  // below every window
    dmi_unrouted = host.out->get_direct_mem_ptr(tx, d);
    dbg_unrouted = host.out->transport_dbg(tx);
  });
  BusWidthAdapter<64, 32> port("host_port");
  host.out.bind(port.in);
  port.out.bind(net.host_in());
  net.host_out().bind(host.in);
  sc_core::sc_start();
  CHECK_FALSE(dmi);
  CHECK(dbg == 0);
  CHECK_FALSE(dmi_unrouted);
  CHECK(dbg_unrouted == 0);
}

TEST_CASE("a 1 fs time resolution gives the same picosecond latencies") {
  sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
  const PlatformConfig cfg =
      load_platform(std::string(ATLEUS_SOURCE_DIR) + "/tests/data/platforms/line3.yaml");
  Netlist net("net", cfg, sink, /*host_stub=*/false);
  uint64_t latency_ps = 0;
  Host64 host("host", [&] {
    std::vector<unsigned char> buf(256);
    tlm::tlm_generic_payload tx;
    noc::PacketInfo info;
    tx.set_extension(&info);
    prepare(tx, tlm::TLM_WRITE_COMMAND, core_base(2), buf);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    net.endpoint(0).noc_out->b_transport(tx, delay);
    latency_ps = to_ps(delay);
    tx.clear_extension(&info);
  });
  BusWidthAdapter<64, 32> port("host_port");
  host.out.bind(port.in);
  port.out.bind(net.host_in());
  net.host_out().bind(host.in);
  sc_core::sc_start();
  // line3: 1 GHz NoC, 3-cycle routers, 1-cycle links, 32-byte flits; 0 -> 2 crosses an
  // injection channel, 3 routers, 2 links and an ejection channel (1 cycle each), then 8 flits
  // serialise (as in sim_noc's zero-load case).
  const uint64_t cycle = 1000;
  CHECK(latency_ps == 2 * cycle + 3 * 3 * cycle + 2 * cycle + 8 * cycle);
  CHECK(sc_core::sc_get_time_resolution() == sc_core::sc_time(1, sc_core::SC_FS));
}

TEST_CASE("a time resolution coarser than 1 ps is an error naming the finest needed") {
  sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
  const PlatformConfig cfg = load_platform("atleus");
  try {
    Netlist net("net", cfg, sink);
    FAIL("elaboration accepted a 1 ns resolution");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("1 ps or finer") != std::string::npos);
  }
}

TEST_CASE(
    "a user's target and initiator on routers of their own: zero-load latency, global address") {
  const PlatformConfig cfg =
      load_platform(std::string(ATLEUS_SOURCE_DIR) + "/tests/data/platforms/line3-ports.yaml");
  REQUIRE(cfg.ports.size() == 2);
  Netlist net("net", cfg, sink);
  struct UserTarget : sc_core::sc_module {
    tlm_utils::simple_target_socket<UserTarget> socket;
    uint64_t last_address = 0;
    unsigned received = 0;
    explicit UserTarget(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
      socket.register_b_transport(this, &UserTarget::b);
    }
    void b(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
      last_address = tx.get_address();
      ++received;
      tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
  } uart("uart");
  uint64_t latency_ps = 0;
  bool ok = false;
  tlm::tlm_response_status unmapped = tlm::TLM_INCOMPLETE_RESPONSE;
  Host64 dma("dma", [&] {
    std::vector<unsigned char> buf(256);
    tlm::tlm_generic_payload tx;
    prepare(tx, tlm::TLM_WRITE_COMMAND, 0x10000010, buf);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    dma.out->b_transport(tx, delay);
    ok = tx.is_response_ok();
    latency_ps = to_ps(delay);
    prepare(tx, tlm::TLM_WRITE_COMMAND, 0x10001000, buf);  // just past the window
    dma.out->b_transport(tx, delay);
    unmapped = tx.get_response_status();
  });
  BusWidthAdapter<64, 32> port("dma_port");
  dma.out.bind(port.in);
  port.out.bind(net.port_initiator("dma"));
  net.port_target("uart").bind(uart.socket);
  CHECK_THROWS_AS(net.port_target("dma"), std::invalid_argument);
  CHECK_THROWS_AS(net.port_initiator("nope"), std::invalid_argument);
  IdleInitiator idle("idle");
  idle.out.bind(dma.in);
  sc_core::sc_start();
  CHECK(ok);
  CHECK(uart.received == 1);
  CHECK(uart.last_address == 0x10000010);
  // As a core-to-core packet from site 0 to site 2 of line3 (sim_noc): 2 terminal channels of 1
  // cycle, 3 routers of 3 cycles, 2 links of 1 cycle, 8 flits of 32 bytes, at 1 GHz.
  const uint64_t cycle = 1000;
  CHECK(latency_ps == 2 * cycle + 3 * 3 * cycle + 2 * cycle + 8 * cycle);
  CHECK(unmapped == tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST_CASE("ports: a window overlapping another is an error naming both") {
  const std::string dir = std::string(ATLEUS_SOURCE_DIR) + "/tests/data/platforms/";
  const std::string p = std::filesystem::temp_directory_path() /
                        ("atleus_ports_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(p)
      << "include: " << dir << "line3.yaml\n"
      << "ports:\n  a: {kind: target, attach: [0, 1, 0], base: 0x100000000, size: 16}\n";
  try {
    Netlist net("net", load_platform(p), sink);
    FAIL("an overlapping window was accepted");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find("port a") != std::string::npos);
  }
  std::filesystem::remove(p);
}

TEST_CASE("synthetic traffic beside a free-running clock stops when every node is done") {
  sc_core::sc_clock clock("clock", 1, sc_core::SC_NS);  // never runs out of events
  const PlatformConfig cfg = load_platform("3d-mesh");
  TrafficOptions opt;
  opt.traffic.injection_rate = 0.05;
  opt.packets_per_node = 200;
  opt.stop_when_done = true;
  TrafficPlatform traffic("traffic", cfg, opt);
  sc_core::sc_start();
  REQUIRE(traffic.done());
  const TrafficResult r = traffic.collect();
  CHECK(r.packets_sent > 0);
  // Stopped at the last injection: nothing ran past it.
  CHECK(r.simulated_s == Approx(sc_core::sc_time_stamp().to_seconds()).epsilon(1e-12));
  // Far below saturation the network accepts what is offered.
  CHECK(r.accepted_rate == Approx(r.offered_rate).epsilon(0.1));
}

TEST_CASE("a binding hook sees every binding and can interpose a tracer on any of them") {
  const PlatformConfig cfg = load_platform("atleus", {"memory.hbm.store_data=true"});
  // A tracer the user puts between the NoC and the HBM: counts what passes.
  struct Tracer : sc_core::sc_module {
    tlm_utils::simple_target_socket<Tracer> in;
    tlm_utils::simple_initiator_socket<Tracer> out;
    unsigned seen = 0;
    explicit Tracer(sc_core::sc_module_name n) : sc_module(n), in("in"), out("out") {
      in.register_b_transport(this, &Tracer::b);
    }
    void b(tlm::tlm_generic_payload& tx, sc_core::sc_time& d) {
      ++seen;
      out->b_transport(tx, d);
    }
  };
  std::vector<std::unique_ptr<Tracer>> tracers;
  std::vector<std::string> names;
  NetlistOptions nopt;
  nopt.make_endpoint = sink;
  nopt.host_stub = false;
  nopt.bind_hook = [&](const std::string& binding, tlm::tlm_initiator_socket<>& from,
                       tlm::tlm_base_target_socket_b<>& to) {
    names.push_back(binding);
    if (binding.find("eject_hbm") == std::string::npos ||
        binding.find(".hbm.") == std::string::npos)
      return false;
    tracers.push_back(
        std::make_unique<Tracer>(("tracer_" + std::to_string(tracers.size())).c_str()));
    from.bind(tracers.back()->in);
    tracers.back()->out.bind(to);
    return true;
  };
  Netlist net("net", cfg, std::move(nopt));
  // Every link has 4 bindings (two channels, each bound at both ends); every core site, HBM
  // attachment and the host port 4 (inject and eject channels, both ends), less the host's two
  // that the user makes.
  const auto& plan = net.plan();
  const std::size_t expected =
      4 * plan.topology.links().size() + 4 * plan.sites.size() + 4 * plan.hbm_routers.size() + 2;
  CHECK(names.size() == expected);
  REQUIRE(tracers.size() == plan.hbm_routers.size());
  bool ok = false;
  Host64 host("host", [&] {
    std::vector<unsigned char> buf(64);
    tlm::tlm_generic_payload tx;
    prepare(tx, tlm::TLM_WRITE_COMMAND, kHbmBase + 64, buf);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    host.out->b_transport(tx, d);
    ok = tx.is_response_ok();
  });
  BusWidthAdapter<64, 32> port("host_port");
  host.out.bind(port.in);
  port.out.bind(net.host_in());
  net.host_out().bind(host.in);
  sc_core::sc_start();
  CHECK(ok);
  unsigned seen = 0;
  for (const auto& t : tracers) seen += t->seen;
  CHECK(seen == 1);
  CHECK(net.hbm().stats().writes == 1);
}
