#include "atleus/noc/fabric.hpp"

namespace atleus::noc {

Fabric::Fabric(sc_core::sc_module_name name, const RoutingTable& routing, const AddressMap& map,
               Wiring wiring)
    : sc_core::sc_module(name),
      in("in", wiring.sources.size()),
      out("out", static_cast<std::size_t>(routing.targets())),
      map_(map),
      wiring_(std::move(wiring)) {
  for (std::size_t s = 0; s < in.size(); ++s) {
    in[s].register_b_transport(this, &Fabric::b_transport, static_cast<int>(s));
    in[s].register_transport_dbg(this, &Fabric::transport_dbg, static_cast<int>(s));
    in[s].register_get_direct_mem_ptr(this, &Fabric::get_direct_mem_ptr, static_cast<int>(s));
  }
  for (std::size_t t = 0; t < out.size(); ++t)
    out[t].register_invalidate_direct_mem_ptr(this, &Fabric::invalidate_direct_mem_ptr,
                                              static_cast<int>(t));
}

unsigned int Fabric::transport_dbg(int /*source*/, tlm::tlm_generic_payload& tx) {
  const int target = target_of(tx);
  return target < 0 ? 0 : out[target]->transport_dbg(tx);
}

bool Fabric::get_direct_mem_ptr(int /*source*/, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
  const int target = target_of(tx);
  return target >= 0 && out[target]->get_direct_mem_ptr(tx, dmi);
}

void Fabric::invalidate_direct_mem_ptr(int /*target*/, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (auto& socket : in) socket->invalidate_direct_mem_ptr(start, end);
}

}  // namespace atleus::noc
