// Synthetic traffic over a platform's NoC, the way BookSim2 and Noxim are used: a traffic node
// replaces the core on every core site, injects packets as a Bernoulli process at the offered
// rate (flits per node per NoC cycle) towards destinations drawn from the pattern, and sinks
// what it receives. Latency runs from a packet's creation (so waiting at a busy injection port
// counts) to the arrival of its tail. With `noc.model: flit` the same packets (same streams,
// same order) cross the cycle-level FlitNetwork instead, without SystemC (so that model may run
// many times per process).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>

#include "atleus/platform/netlist.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/protocol_checker.hpp"
#include "atleus/workloads/traffic_pattern.hpp"

namespace atleus {

struct TrafficOptions {
  TrafficParams traffic;  // pattern, rate, packet size, seed
  uint64_t packets_per_node = 2000;
  double warmup_fraction = 0.1;  // share of the injection period left out as warm-up
  // Packet model: a ProtocolChecker on every socket binding (TrafficResult::protocol).
  bool check_protocol = false;
  // TrafficPlatform only: call sc_stop() when every node has injected its last packet.
  bool stop_when_done = false;
};

struct TrafficResult {
  noc::NocModel model = noc::NocModel::kPacket;
  bool protocol_checked = false;
  ProtocolCheckStats protocol;
  int nodes = 0;
  uint64_t packets_sent = 0;     // packets created in the measurement window
  uint64_t flits_delivered = 0;  // all packets of the run
  double offered_rate = 0.0;     // flits injected / node / cycle in the window
  double accepted_rate = 0.0;    // flits delivered / node / cycle in the window
  double avg_latency_ns = 0.0;
  double p50_latency_ns = 0.0;
  double p99_latency_ns = 0.0;
  double max_latency_ns = 0.0;
  double avg_hops = 0.0;
  double avg_queue_ns = 0.0;  // packet: waits for busy channels; flit: latency - zero-load
  double energy_j = 0.0;      // routers + links + TSVs, dynamic
  double energy_per_bit_j = 0.0;
  double simulated_s = 0.0;
  double noc_clock_mhz = 0.0;
  uint64_t router_traversals = 0;  // flit model: flits through a router's switch
};

// The platform's NoC (packet model) with a traffic node on every core site, as a module in the
// user's own simulation: elaborate, sc_start as the user likes (done_event() fires when every
// node has injected its last packet; TrafficOptions::stop_when_done calls sc_stop then), collect.
class TrafficPlatform : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TrafficPlatform);
  TrafficPlatform(sc_core::sc_module_name name, const PlatformConfig& cfg,
                  const TrafficOptions& opt);
  ~TrafficPlatform() override;
  Netlist& netlist();
  bool done() const;
  const sc_core::sc_event& done_event() const;
  TrafficResult collect() const;  // throws std::logic_error before done()
  struct Impl;

 private:
  void on_done();
  std::unique_ptr<Impl> impl_;
};

// Elaborates the platform with traffic nodes and simulates (the flit model: its own cycle
// loop). Call once per process.
TrafficResult run_traffic(const PlatformConfig& cfg, const TrafficOptions& opt);

}  // namespace atleus
