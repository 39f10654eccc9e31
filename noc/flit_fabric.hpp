// FlitFabric: the NoC of an end-to-end run under noc.model: flit. Every message crosses the
// cycle-level FlitNetwork (noc/flit_network.hpp): a write is cut into packets of `packet_bytes`
// (the packet model's packet, `run --packet-bytes`), each of ceil(bytes / flit) flits, queued
// at the source's terminal; a read is a one-flit request to the target, then its data as
// packets from the target's terminal back to the source. Every endpoint attachment is its own
// terminal: a core, the host, each port, and each router the memory attaches to. A message to a
// target attached at several routers goes to the attachment the packet model's routing table
// delivers it at; terminals get a routing table of one attachment each, whose routes to that
// attachment are the shared table's (both pick the neighbour one hop closer by dimension order,
// and every hop of the shared route is one hop closer to that attachment), so packets follow the
// packet model's routers and links. Read data takes the table's route back, which is not the
// request's path reversed (dimension order runs the other way).
// Time: one thread steps the network one NoC cycle at a time while packets or credits are in
// flight (ahead of simulated time up to the kernel's next pending activity, before which no
// packet can be created) and sleeps otherwise; a packet created at simulated time t enters the network at the
// first cycle boundary at or after t (idle cycles are jumped with advance_to()). b_transport
// synchronises (an annotated delay is waited first) and waits until the tail of the message's
// last packet has arrived (writes: the target is called when the first packet has arrived, so it
// works while the rest streams in) or of the read data's last packet; callers must be threads.
// A target sees a packet after the cycle its tail arrived in has been simulated, so a reply
// enters the network one cycle after the request's tail arrived.
// Statistics go to the netlist's own Channel and Router objects along each packet's path (bytes,
// busy time at full rate, energy per bit, as the packet model counts them; with payloads a whole
// number of flits that is the flit model's per-flit energy), so reports read them unchanged;
// queueing time is not recorded per channel. Routing must be deterministic: under adaptive
// routing a packet's links are not known to the fabric, so the netlist refuses it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "atleus/noc/fabric.hpp"
#include "atleus/noc/flit_network.hpp"
#include "atleus/noc/noc_params.hpp"
#include "atleus/noc/topology.hpp"

namespace atleus::noc {

class FlitFabric : public Fabric {
 public:
  SC_HAS_PROCESS(FlitFabric);

  // Throws std::invalid_argument for adaptive routing or a packet size of 0.
  FlitFabric(sc_core::sc_module_name name, const Topology& topology, const RoutingTable& routing,
             const AddressMap& map, const NocParams& params, uint64_t packet_bytes, Wiring wiring);
  ~FlitFabric() override;

  uint64_t messages() const { return messages_; }
  const FlitStats& flit_stats() const { return net_->stats(); }
  const FlitNetwork& network() const { return *net_; }
  // The terminal of source `source`, and of target `target` as delivered from `source`.
  int source_terminal(int source) const { return source_term_.at(source); }
  int target_terminal(int source, int target) const;

 private:
  // A message in flight, on its caller's stack.
  struct Waiter {
    sc_core::sc_event first_ev, done_ev;
    uint64_t remaining = 0;  // packets not yet delivered
    uint64_t first_ps = 0;   // the first packet's tail arrival
    uint64_t finish_ps = 0;  // the last packet's tail arrival
    bool first = false;
  };
  // Channels and routers a packet between two terminals crosses (the tables' route).
  struct Path {
    std::vector<Channel*> channels;
    std::vector<Router*> routers;
  };

  void transport(int source, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override;
  const Path& path(int from, int to);
  // Sends `bytes` from terminal `from` to `to` as packets of up to `packet` bytes; `request`:
  // the routers count each as a packet forwarded (not read data).
  void send(int from, int to, uint64_t bytes, uint64_t packet, bool request, Waiter& w);
  void wait_all(Waiter& w);
  // Simulates every cycle before `cycle` (stepping while packets are in flight).
  void catch_up(uint64_t cycle);
  void collect();  // tells the waiters of the packets the last step delivered
  void run_network();

  unsigned flit_bytes_;
  uint64_t packet_bytes_;
  uint64_t period_;
  std::vector<int> source_term_;                    // per source
  std::map<std::pair<int, int>, int> target_term_;  // (target, router) -> terminal
  std::vector<Channel*> term_inject_, term_eject_;  // per terminal
  std::vector<int> term_router_;
  const Topology& topo_;
  const RoutingTable& routing_;                 // the netlist's, by routing target
  std::unique_ptr<RoutingTable> term_routing_;  // by terminal
  std::unique_ptr<FlitNetwork> net_;
  std::vector<std::unique_ptr<Path>> paths_;  // [from * terminals + to], built lazily
  std::vector<Waiter*> waiter_of_;            // by packet id
  sc_core::sc_event kick_ev_;
  uint64_t messages_ = 0;
};

}  // namespace atleus::noc
