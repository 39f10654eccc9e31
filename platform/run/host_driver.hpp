// HostDriver: the host that runs the workload. It issues layer transactions (a 64-byte write
// carrying an IssueExtension) to every core that takes part in a (sequence, layer, phase), in
// sequence order, through the platform's host port; the cores take it from there. It uses only
// standard sockets, so another host model can take its place.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/platform/run/run_state.hpp"

namespace atleus {

class HostDriver : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(HostDriver);
  tlm_utils::simple_initiator_socket<HostDriver> out;  // to the NoC host port
  tlm_utils::simple_target_socket<HostDriver> in;      // from the NoC host port

  HostDriver(sc_core::sc_module_name name, const RunState& state);
  uint64_t issued() const { return issued_; }

 private:
  void run();
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  const RunState& state_;
  uint64_t issued_ = 0;
};

}  // namespace atleus
