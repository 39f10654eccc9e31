// AtBridge: lets an approximately-timed (4-phase, non-blocking) initiator keep several requests
// in flight towards a loosely-timed target such as the platform's host port. A plain LT target
// socket accepts nb_transport only one request at a time (END_REQ comes with the response).
// The bridge ends each request at once (TLM_UPDATED, END_REQ), runs it through b_transport at
// its start time from its own thread (so requests overlap in the LT path as their annotated
// delays say), and returns BEGIN_RESP at the time the LT path gave, one response at a time
// (response exclusion: the next BEGIN_RESP waits for END_RESP). b_transport, debug transport and
// DMI pass straight through. Payloads of nb requests need a memory manager (acquire/release).
//   atleus::AtBridge bridge("bridge");
//   my_at_cpu.socket.bind(bridge.in);  bridge.out.bind(platform.host_in());
#pragma once

#include <tlm_utils/peq_with_get.h>

#include <deque>
#include <systemc>
#include <tlm>

#include "atleus/platform/sim_errors.hpp"

namespace atleus {

class AtBridge : public sc_core::sc_module,
                 public tlm::tlm_fw_transport_if<>,
                 public tlm::tlm_bw_transport_if<> {
 public:
  SC_HAS_PROCESS(AtBridge);
  tlm::tlm_target_socket<> in;
  tlm::tlm_initiator_socket<> out;

  explicit AtBridge(sc_core::sc_module_name name)
      : sc_core::sc_module(name),
        in("in"),
        out("out"),
        requests_("requests"),
        responses_("responses") {
    in.bind(static_cast<tlm::tlm_fw_transport_if<>&>(*this));
    out.bind(static_cast<tlm::tlm_bw_transport_if<>&>(*this));
    SC_THREAD(run_requests);
    SC_THREAD(send_responses);
  }

  uint64_t peak_in_flight() const { return peak_; }

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& tx, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override {
    if (phase == tlm::BEGIN_REQ) {
      tx.acquire();
      ++in_flight_;
      if (in_flight_ > peak_) peak_ = in_flight_;
      requests_.notify(tx, delay);
      phase = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    if (phase == tlm::END_RESP) {
      response_ended_.notify(delay);
      return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;  // ignorable phases
  }
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override {
    out->b_transport(tx, delay);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& tx) override {
    return out->transport_dbg(tx);
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) override {
    return out->get_direct_mem_ptr(tx, dmi);
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                     sc_core::sc_time&) override {
    return tlm::TLM_COMPLETED;  // the LT side never calls it
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override {
    in->invalidate_direct_mem_ptr(start, end);
  }

 private:
  // Each request at its start time, through the LT path; its response is due after the delay.
  void run_requests() {
    guard_process([&] {
      for (;;) {
        wait(requests_.get_event());
        while (tlm::tlm_generic_payload* tx = requests_.get_next_transaction()) {
          sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
          out->b_transport(*tx, delay);
          responses_.notify(*tx, delay);
        }
      }
    });
  }
  // One BEGIN_RESP at a time, each at its due time or when the previous one ended.
  void send_responses() {
    guard_process([&] {
      for (;;) {
        wait(responses_.get_event());
        while (tlm::tlm_generic_payload* tx = responses_.get_next_transaction()) {
          tlm::tlm_phase phase = tlm::BEGIN_RESP;
          sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
          const tlm::tlm_sync_enum s = in->nb_transport_bw(*tx, phase, delay);
          if (s == tlm::TLM_ACCEPTED) wait(response_ended_);
          --in_flight_;
          tx->release();
        }
      }
    });
  }

  tlm_utils::peq_with_get<tlm::tlm_generic_payload> requests_, responses_;
  sc_core::sc_event response_ended_;
  uint64_t in_flight_ = 0, peak_ = 0;
};

}  // namespace atleus
