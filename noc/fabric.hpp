// Fabric: what the netlist binds the endpoints, memory, host and ports to when one module carries
// every NoC transaction (noc.model: flow or flit) instead of the per-packet routers and
// channels. One target socket per source, one initiator socket per routing target; debug
// transport and DMI pass through untimed by address, DMI invalidations go back to every source.
// The routers and channels stay elaborated and keep the statistics the fabric records into them
// (Wiring), so reports read them as under the packet model. A derived fabric supplies the timed
// transport; b_transport synchronises first (waits an annotated delay), so callers are threads.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <map>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "atleus/noc/address_map.hpp"
#include "atleus/noc/channel.hpp"
#include "atleus/noc/router.hpp"
#include "atleus/noc/routing.hpp"

namespace atleus::noc {

class Fabric : public sc_core::sc_module {
 public:
  // What a fabric needs of an elaborated network: its channel and router objects (which keep
  // the statistics) and where the endpoints attach.
  struct Wiring {
    std::vector<Channel*> link_channels;  // [2 * link] a -> b, [2 * link + 1] b -> a
    std::vector<Router*> routers;         // by router id
    // Per source (in[i]): its router, and its injection and ejection channels (read data for
    // it returns over the ejection channel); `target` is the routing target the same endpoint
    // answers as at that router (a core, the host), or -1.
    struct Source {
      int router;
      Channel* inject;
      Channel* eject;
      int target = -1;
    };
    std::vector<Source> sources;
    // (target, router) -> the ejection channel into the target there, and the injection channel
    // beside it (read data from the target leaves over it).
    std::map<std::pair<int, int>, std::pair<Channel*, Channel*>> target_ports;
  };

  sc_core::sc_vector<tlm_utils::simple_target_socket_tagged<Fabric>> in;  // per source
  // Per target id of the routing table (cores, memory, host, target ports).
  sc_core::sc_vector<tlm_utils::simple_initiator_socket_tagged<Fabric>> out;

 protected:
  Fabric(sc_core::sc_module_name name, const RoutingTable& routing, const AddressMap& map,
         Wiring wiring);

  // A timed transaction from source `source`, synchronised (its annotated delay already waited,
  // so the message enters the NoC now); the derived fabric's model of the NoC.
  virtual void transport(int source, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) = 0;
  // The routing target of the transaction's address, or -1 when none is bound.
  int target_of(const tlm::tlm_generic_payload& tx) const {
    const int t = map_.decode(tx.get_address());
    return t >= 0 && t < static_cast<int>(out.size()) ? t : -1;
  }

  const AddressMap& map_;
  Wiring wiring_;

 private:
  void b_transport(int source, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
    if (delay != sc_core::SC_ZERO_TIME) {
      sc_core::wait(delay);
      delay = sc_core::SC_ZERO_TIME;
    }
    transport(source, tx, delay);
  }
  unsigned int transport_dbg(int source, tlm::tlm_generic_payload& tx);
  bool get_direct_mem_ptr(int source, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int target, sc_dt::uint64 start, sc_dt::uint64 end);
};

}  // namespace atleus::noc
