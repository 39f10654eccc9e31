// Test harness for a compute core model on its own: a driver thread that sends requests to the
// core's noc_in (each filled by a setup function, sent with a delay after an optional wait) and
// records what came back, and a sink for the core's noc_out.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/models/compute_op.hpp"

namespace core_harness {

using atleus::ComputeExtension;
using atleus::ComputeResult;
using Setup = std::function<void(tlm::tlm_generic_payload&)>;

// Sink for the core's noc_out; answers OK.
struct NullTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<NullTarget> in;
  explicit NullTarget(sc_core::sc_module_name n) : sc_core::sc_module(n), in("in") {
    in.register_b_transport(this, &NullTarget::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Outcome {
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  uint64_t sent_at_ps = 0;  // simulated time of the b_transport call
  uint64_t delay_ps = 0;    // annotated delay on return
  ComputeResult result;
};

// One request: how to fill the payload, the delay it is sent with, and how long the driver
// waits (in simulated time) before sending it.
struct Request {
  Setup setup;
  uint64_t delay_ps = 0;
  uint64_t wait_before_ps = 0;
};

struct Driver : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Driver> out;
  std::vector<Request> requests;
  std::vector<Outcome> outcomes;
  std::vector<uint8_t> buffer = std::vector<uint8_t>(4096);

  // Every setup sent at time 0 with zero delay, one after another.
  void send(const std::vector<Setup>& setups) {
    for (const auto& s : setups) requests.push_back({s, 0, 0});
  }

  SC_HAS_PROCESS(Driver);
  explicit Driver(sc_core::sc_module_name n) : sc_core::sc_module(n), out("out") { SC_THREAD(run); }

  void run() {
    for (const Request& r : requests) {
      if (r.wait_before_ps) sc_core::wait(sc_core::sc_time::from_value(r.wait_before_ps));
      tlm::tlm_generic_payload tx;
      tx.set_command(tlm::TLM_WRITE_COMMAND);
      tx.set_address(0);
      tx.set_data_ptr(buffer.data());
      tx.set_data_length(0);
      tx.set_streaming_width(0);
      tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      r.setup(tx);
      Outcome o;
      o.sent_at_ps = sc_core::sc_time_stamp().value();
      sc_core::sc_time delay = sc_core::sc_time::from_value(r.delay_ps);
      out->b_transport(tx, delay);
      o.status = tx.get_response_status();
      o.delay_ps = delay.value();
      if (auto* ext = tx.get_extension<ComputeExtension>()) o.result = ext->result;
      outcomes.push_back(o);
    }
  }
};

// A payload carrying one ComputeOp (the extension is owned and freed by the payload).
inline Setup op(atleus::OpKind kind, uint64_t m, uint64_t k, uint64_t n, unsigned weight_bits = 8) {
  return [=](tlm::tlm_generic_payload& tx) {
    auto* ext = new ComputeExtension;
    ext->op.kind = kind;
    ext->op.m = m;
    ext->op.k = k;
    ext->op.n = n;
    ext->op.weight_bits = weight_bits;
    tx.set_extension(ext);
  };
}

// A payload of `bytes` data bytes and no ComputeExtension (data arriving over the NoC).
inline std::function<void(tlm::tlm_generic_payload&)> write_bytes(unsigned bytes) {
  return [=](tlm::tlm_generic_payload& tx) {
    tx.set_data_length(bytes);
    tx.set_streaming_width(bytes);
  };
}

}  // namespace core_harness
