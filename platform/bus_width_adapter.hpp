// BusWidthAdapter: joins sockets of different BUSWIDTH, e.g. a user's 64-bit initiator to the
// platform's host port (32-bit sockets, as tlm::tlm_target_socket<> declares it). TLM-2.0 ties
// the bus width to the socket type only; the payload's data length and streaming width say
// how many bytes move, so the adapter forwards every interface call unchanged: b_transport,
// nb_transport (both ways, for approximately-timed initiators), transport_dbg, DMI and its
// invalidation. It adds no delay and keeps no state.
//   atleus::BusWidthAdapter<64, 32> host_port("host_port");
//   cpu.socket.bind(host_port.in);  host_port.out.bind(platform.host_in());
#pragma once

#include <systemc>
#include <tlm>

namespace atleus {

template <unsigned int IN_WIDTH, unsigned int OUT_WIDTH>
class BusWidthAdapter : public sc_core::sc_module,
                        public tlm::tlm_fw_transport_if<>,
                        public tlm::tlm_bw_transport_if<> {
 public:
  tlm::tlm_target_socket<IN_WIDTH> in;
  tlm::tlm_initiator_socket<OUT_WIDTH> out;

  explicit BusWidthAdapter(sc_core::sc_module_name name)
      : sc_core::sc_module(name), in("in"), out("out") {
    in.bind(static_cast<tlm::tlm_fw_transport_if<>&>(*this));
    out.bind(static_cast<tlm::tlm_bw_transport_if<>&>(*this));
  }

  // Forward path, from the IN_WIDTH initiator to the OUT_WIDTH target.
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override {
    out->b_transport(tx, delay);
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& tx, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override {
    return out->nb_transport_fw(tx, phase, delay);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& tx) override {
    return out->transport_dbg(tx);
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) override {
    return out->get_direct_mem_ptr(tx, dmi);
  }

  // Backward path.
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& tx, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override {
    return in->nb_transport_bw(tx, phase, delay);
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override {
    in->invalidate_direct_mem_ptr(start, end);
  }
};

}  // namespace atleus
