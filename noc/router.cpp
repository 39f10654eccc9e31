#include "atleus/noc/router.hpp"

#include <algorithm>

#include "atleus/models/sim_time.hpp"

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
  for (int p = 0; p < ports; ++p) in[p].register_b_transport(this, &Router::b_transport, p);
}

void Router::count(uint64_t bytes) {
  stats_.flits += (std::max<uint64_t>(bytes, 1) + params_.flit_bytes - 1) / params_.flit_bytes;
  stats_.bytes += bytes;
  stats_.energy_j += static_cast<double>(bytes) * 8.0 * params_.energy_pj_per_bit * 1e-12;
}

void Router::b_transport(int /*port*/, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const int target = map_.decode(tx.get_address());
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
