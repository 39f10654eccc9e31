// Router: a NoC switch with one socket pair per port (ports to neighbouring routers through
// Channels, and local ports to its endpoints). It decodes a packet's address with the shared
// AddressMap, looks the target up in its routing-table row (computed at elaboration) and
// forwards through the output port after its pipeline latency. Contention for an output port
// is modelled by the Channel behind that port. Read responses cross the router again on the
// way back. Energy per bit switched, area and leakage follow from its ports, flit width,
// buffer depth and virtual channels (noc/link_physics.hpp router_components()). Does not model
// virtual channels, allocation or credit flow control in its timing.
// Debug transport and DMI requests are routed like packets, untimed (addresses are global, so
// no translation is needed); a DMI invalidation from any output goes back out of every input.
// Timing style: loosely timed; b_transport adds latency to `delay`, never waits.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/noc/address_map.hpp"
#include "atleus/noc/noc_params.hpp"

namespace atleus::noc {

struct RouterStats {
  uint64_t packets = 0;  // requests forwarded
  uint64_t flits = 0;    // request and response flits switched
  uint64_t bytes = 0;
  uint64_t address_errors = 0;
  double energy_j = 0.0;
};

class Router : public sc_core::sc_module {
 public:
  sc_core::sc_vector<tlm_utils::simple_target_socket_tagged<Router>> in;
  sc_core::sc_vector<tlm_utils::simple_initiator_socket_tagged<Router>> out;

  // `route[target]` is the output port towards each target (-1: not reachable from here).
  Router(sc_core::sc_module_name name, const RouterParams& params, int ports, const AddressMap& map,
         std::vector<int> route);

  int ports() const { return static_cast<int>(out.size()); }
  const RouterParams& params() const { return params_; }
  const RouterStats& stats() const { return stats_; }
  // A whole message of `bytes` switched under the flow model (platform/flow_fabric.hpp): a
  // request counts as a packet forwarded, read data returning does not.
  void record_message(uint64_t bytes, bool request) {
    if (request) stats_.packets++;
    count(bytes);
  }

 private:
  void b_transport(int port, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned int transport_dbg(int port, tlm::tlm_generic_payload& tx);
  bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);
  int output_for(uint64_t address) const;  // -1: no route
  void count(uint64_t bytes);

  RouterParams params_;
  const AddressMap& map_;
  std::vector<int> route_;
  sc_core::sc_time latency_;
  double energy_pj_per_bit_ = 0.0;  // router_energy_pj_per_bit() at this router's port count
  RouterStats stats_;
};

}  // namespace atleus::noc
