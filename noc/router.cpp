#include "atleus/noc/router.hpp"

#include <algorithm>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/link_physics.hpp"
#include "atleus/noc/packet.hpp"

namespace atleus::noc {

Router::Router(sc_core::sc_module_name name, const RouterParams& params, int ports,
               const AddressMap& map, std::vector<int> route)
    : sc_core::sc_module(name),
      in("in", ports),
      out("out", ports),
      params_(params),
      map_(map),
      route_(std::move(route)),
      latency_(from_ps(params.latency_cycles * period_ps(params.clock_mhz))) {
  params_.validate();
  energy_pj_per_bit_ = router_energy_pj_per_bit(params_, ports);
  for (int p = 0; p < ports; ++p) {
    in[p].register_b_transport(this, &Router::b_transport, p);
    in[p].register_transport_dbg(this, &Router::transport_dbg, p);
    in[p].register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr, p);
    out[p].register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr, p);
  }
}

int Router::output_for(uint64_t address) const {
  const int target = map_.decode(address);
  return target >= 0 && target < static_cast<int>(route_.size()) ? route_[target] : -1;
}

unsigned int Router::transport_dbg(int /*port*/, tlm::tlm_generic_payload& tx) {
  const int port = output_for(tx.get_address());
  return port < 0 ? 0 : out[port]->transport_dbg(tx);
}

bool Router::get_direct_mem_ptr(int /*port*/, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
  const int port = output_for(tx.get_address());
  return port >= 0 && out[port]->get_direct_mem_ptr(tx, dmi);
}

void Router::invalidate_direct_mem_ptr(int /*port*/, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (auto& socket : in) socket->invalidate_direct_mem_ptr(start, end);
}

void Router::count(uint64_t bytes) {
  stats_.flits += (std::max<uint64_t>(bytes, 1) + params_.flit_bytes - 1) / params_.flit_bytes;
  stats_.bytes += bytes;
  stats_.energy_j += static_cast<double>(bytes) * 8.0 * energy_pj_per_bit_ * 1e-12;
}

void Router::b_transport(int /*port*/, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  // The first router decodes the address; the packet carries the target on to the others.
  PacketInfo* info = nullptr;
  tx.get_extension(info);
  const uint64_t address = tx.get_address();
  int target;
  if (info != nullptr && info->target >= 0 && info->decoded_address == address) {
    target = info->target;
  } else {
    target = map_.decode(address);
    if (info != nullptr) {
      info->decoded_address = address;
      info->target = target;
    }
  }
  const int port = target >= 0 && target < static_cast<int>(route_.size()) ? route_[target] : -1;
  if (port < 0) {
    stats_.address_errors++;
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const bool is_read = tx.get_command() == tlm::TLM_READ_COMMAND;
  stats_.packets++;
  count(is_read ? params_.flit_bytes : tx.get_data_length());
  delay += latency_;
  out[port]->b_transport(tx, delay);
  if (is_read && tx.is_response_ok()) {
    count(tx.get_data_length());
    delay += latency_;
  }
}

}  // namespace atleus::noc
