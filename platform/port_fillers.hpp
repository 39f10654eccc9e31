// Small blocks that complete a netlist: a stub host that accepts what is sent to the host port
// when no host model is attached, and an idle initiator for a router input nobody drives (the
// HBM's attachment ports only receive).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "atleus/models/endpoint.hpp"

namespace atleus {

class HostStub : public Endpoint {
 public:
  using Endpoint::Endpoint;
  uint64_t received = 0;

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) override {
    received++;
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// Ends a path nothing is addressed through (the eject side of an initiator port): whatever
// arrives is answered with an address error.
class NullTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<NullTarget> in;
  explicit NullTarget(sc_core::sc_module_name name) : sc_core::sc_module(name), in("in") {
    in.register_b_transport(this, &NullTarget::b_transport);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
};

class IdleInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<IdleInitiator> out;
  explicit IdleInitiator(sc_core::sc_module_name name) : sc_core::sc_module(name), out("out") {}
};

}  // namespace atleus
