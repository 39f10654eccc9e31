// ProtocolChecker: a pass-through placed on one socket binding (initiator -> checker -> target)
// that checks the TLM-2.0 base-protocol rules the platform relies on, for every call that
// crosses it, and forwards the call unchanged:
//  - payload attributes on a request: command READ, WRITE or IGNORE; data length > 0 with a
//    data pointer; streaming width > 0; a byte-enable pointer only with a byte-enable length
//    > 0; the response status INCOMPLETE when the request starts;
//  - on the way back: the response status set (not INCOMPLETE); command, data pointer, data
//    length and address as the initiator left them (an interconnect restores what it changed);
//  - b_transport: the annotated delay never decreases; a payload is not sent again while it is
//    still in flight through this binding;
//  - nb_transport: phases in order per payload (BEGIN_REQ, END_REQ, BEGIN_RESP, END_RESP; END_REQ
//    may be implied by BEGIN_RESP; TLM_COMPLETED ends the transaction at any step).
// Debug transport, DMI and DMI invalidation pass through unchecked. Violations are counted with
// a description of the first few; the checker never changes the traffic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/platform/bind_hook.hpp"

namespace atleus {

// Totals over every checker of a run.
struct ProtocolCheckStats {
  uint64_t bindings = 0;      // checkers placed
  uint64_t transactions = 0;  // b_transport calls and nb_transport transactions checked
  uint64_t violations = 0;
  std::vector<std::string> first_violations;  // at most kKeep, "binding: rule"
  static constexpr std::size_t kKeep = 20;
};

class ProtocolChecker : public sc_core::sc_module,
                        public tlm::tlm_fw_transport_if<>,
                        public tlm::tlm_bw_transport_if<> {
 public:
  tlm::tlm_target_socket<> in;
  tlm::tlm_initiator_socket<> out;

  // `totals` (shared by the run's checkers) receives the counts; `binding` names the binding.
  ProtocolChecker(sc_core::sc_module_name name, std::string binding, ProtocolCheckStats& totals);

  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override;
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& tx, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override;
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& tx, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override;
  unsigned int transport_dbg(tlm::tlm_generic_payload& tx) override;
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) override;
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;

 private:
  enum class NbState : uint8_t { kRequest, kRequestAccepted, kResponse };
  struct Snapshot {
    tlm::tlm_command command;
    unsigned char* data;
    unsigned int length;
    uint64_t address;
  };
  void violation(const std::string& rule);
  void check_request(const tlm::tlm_generic_payload& tx);
  void check_returned(const tlm::tlm_generic_payload& tx, const Snapshot& before);
  // Moves `tx` along its nb phase sequence; `forward` says which path carried the phase.
  void nb_step(tlm::tlm_generic_payload& tx, const tlm::tlm_phase& phase, bool forward);
  void nb_result(tlm::tlm_generic_payload& tx, tlm::tlm_sync_enum status,
                 const tlm::tlm_phase& phase, bool forward);

  std::string binding_;
  ProtocolCheckStats& totals_;
  std::set<const tlm::tlm_generic_payload*> in_flight_;
  std::map<const tlm::tlm_generic_payload*, NbState> nb_;
};

// The checkers of one run and their totals: hook() puts a checker on every binding it is given
// and passes the checker's output side on to `next` (a user's hook), or binds it directly.
class ProtocolCheckers {
 public:
  BindHook hook(BindHook next = nullptr);
  const ProtocolCheckStats& stats() const { return stats_; }

 private:
  ProtocolCheckStats stats_;
  std::vector<std::unique_ptr<ProtocolChecker>> checkers_;
};

}  // namespace atleus
