// Endpoint: base of every block that sits on a NoC local port (compute cores, traffic nodes).
// It owns the two sockets of the network interface and turns b_transport into one virtual
// transport() call, so a model implements one function. Timing style: loosely timed; a
// target adds its latency to `delay` and never calls wait().
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

namespace atleus {

class Endpoint : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Endpoint> noc_in;      // packets delivered to this block
  tlm_utils::simple_initiator_socket<Endpoint> noc_out;  // packets this block injects

  explicit Endpoint(sc_core::sc_module_name name)
      : sc_core::sc_module(name), noc_in("noc_in"), noc_out("noc_out") {
    noc_in.register_b_transport(this, &Endpoint::b_transport);
  }

 protected:
  virtual void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) = 0;

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) { transport(tx, delay); }
};

}  // namespace atleus
