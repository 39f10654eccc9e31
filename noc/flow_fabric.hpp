// FlowFabric: the NoC of an end-to-end run under noc.model: flow. One transaction is one
// message (a whole tensor between two endpoints, not a packet) and one flow of FlowNetwork over
// the path the routing tables give it: the source's injection channel, the router-to-router
// channels, the target's ejection channel. Concurrent flows share every channel max-min fairly;
// the shares are recomputed whenever a flow starts or ends (FlowNetwork's online calls), driven
// by one SystemC event at the next instant a flow runs dry.
// A write: the flow starts at the caller's time; the target sees the transaction when the head
// arrives (zero-load head latency: routers and channels of the path) while the data streams in,
// and the call returns when both the tail has arrived and the target is done. A read: a
// one-flit request flow; at its arrival the target is called, and its data flows back over the
// reverse channels while the target streams it out; the call returns when both are done.
// Statistics go to the netlist's own Channel and Router objects (bytes, busy time at full rate,
// energy per bit over the path's routers, links and TSVs), so reports read them as under the
// packet model; a message counts as one packet and no queueing time is recorded.
// Does not model packets, buffers, head-of-line blocking or allocation (see flow_network.hpp).
// Timing style: approximately timed at message level; b_transport synchronises (an annotated
// delay is waited first) and waits for the message, so callers must be threads.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <map>
#include <memory>
#include <systemc>
#include <tlm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "atleus/noc/address_map.hpp"
#include "atleus/noc/channel.hpp"
#include "atleus/noc/fabric.hpp"
#include "atleus/noc/flow_network.hpp"
#include "atleus/noc/router.hpp"
#include "atleus/noc/routing.hpp"
#include "atleus/noc/topology.hpp"

namespace atleus::noc {

class FlowFabric : public Fabric {
 public:
  SC_HAS_PROCESS(FlowFabric);

  FlowFabric(sc_core::sc_module_name name, const Topology& topology, const RoutingTable& routing,
             const AddressMap& map, const RouterParams& router, Wiring wiring);

  uint64_t messages() const { return messages_; }
  const FlowStats& flow_stats() const { return net_.stats(); }

 private:
  struct Route {
    std::vector<int> fwd, back;  // fabric channel indices, source to target and back
    std::vector<Router*> routers;
    uint64_t head_fwd_ps = 0, head_back_ps = 0;  // zero-load head latency each way
  };
  // One message in flight, on its caller's stack.
  struct Waiter {
    sc_core::sc_event done_ev;
    bool done = false;
    uint64_t finish_ps = 0;  // the tail's arrival
    uint64_t start_ps = 0;
    const std::vector<int>* path = nullptr;
  };

  void transport(int source, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override;

  int channel_index(Channel* ch);
  const Route* route(int source, int target);  // nullptr: unreachable
  void start(const std::vector<int>& path, uint64_t bytes, uint64_t head_ps, Waiter& w);
  void wait_for(Waiter& w);
  void settle();      // tells the waiters of flows that finished
  void reschedule();  // the drain event at the next instant a flow runs dry
  void on_drain();

  const Topology& topo_;
  const RoutingTable& routing_;
  unsigned flit_bytes_;
  uint64_t router_ps_;
  std::vector<Channel*> channels_;  // by fabric index
  std::unordered_map<const Channel*, int> index_of_;
  std::vector<std::vector<std::unique_ptr<Route>>> routes_;  // [source][target], built lazily
  std::vector<std::vector<bool>> routed_;
  FlowNetwork net_;
  std::unordered_map<int, Waiter*> waiting_;  // flow -> its caller
  std::vector<int> finished_;
  sc_core::sc_event drain_ev_;
  uint64_t messages_ = 0;
};

}  // namespace atleus::noc
