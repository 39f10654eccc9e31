#include "atleus/platform/protocol_checker.hpp"

namespace atleus {

ProtocolChecker::ProtocolChecker(sc_core::sc_module_name name, std::string binding,
                                 ProtocolCheckStats& totals)
    : sc_core::sc_module(name),
      in("in"),
      out("out"),
      binding_(std::move(binding)),
      totals_(totals) {
  in.bind(static_cast<tlm::tlm_fw_transport_if<>&>(*this));
  out.bind(static_cast<tlm::tlm_bw_transport_if<>&>(*this));
  ++totals_.bindings;
}

void ProtocolChecker::violation(const std::string& rule) {
  ++totals_.violations;
  if (totals_.first_violations.size() < ProtocolCheckStats::kKeep)
    totals_.first_violations.push_back(binding_ + " at " + sc_core::sc_time_stamp().to_string() +
                                       ": " + rule);
}

void ProtocolChecker::check_request(const tlm::tlm_generic_payload& tx) {
  const tlm::tlm_command cmd = tx.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND &&
      cmd != tlm::TLM_IGNORE_COMMAND)
    violation("command is not READ, WRITE or IGNORE");
  if (tx.get_data_length() == 0) violation("data length 0");
  if (tx.get_data_length() > 0 && tx.get_data_ptr() == nullptr && cmd != tlm::TLM_IGNORE_COMMAND)
    violation("no data pointer for a data length of " + std::to_string(tx.get_data_length()));
  if (tx.get_streaming_width() == 0) violation("streaming width 0");
  if (tx.get_byte_enable_ptr() != nullptr && tx.get_byte_enable_length() == 0)
    violation("byte-enable pointer with byte-enable length 0");
  if (tx.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
    violation("request sent with a response status already set");
}

void ProtocolChecker::check_returned(const tlm::tlm_generic_payload& tx, const Snapshot& before) {
  if (tx.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
    violation("the target returned without setting the response status");
  if (tx.get_command() != before.command) violation("the command changed on the way back");
  if (tx.get_data_ptr() != before.data) violation("the data pointer changed on the way back");
  if (tx.get_data_length() != before.length) violation("the data length changed on the way back");
  if (tx.get_address() != before.address) violation("the address was not restored on the way back");
}

void ProtocolChecker::b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  ++totals_.transactions;
  check_request(tx);
  if (!in_flight_.insert(&tx).second) violation("b_transport of a payload already in flight");
  const Snapshot before{tx.get_command(), tx.get_data_ptr(), tx.get_data_length(),
                        tx.get_address()};
  const sc_core::sc_time sent = delay;
  out->b_transport(tx, delay);
  if (delay < sent) violation("the annotated delay decreased");
  check_returned(tx, before);
  in_flight_.erase(&tx);
}

void ProtocolChecker::nb_step(tlm::tlm_generic_payload& tx, const tlm::tlm_phase& phase,
                              bool forward) {
  const auto it = nb_.find(&tx);
  const bool known = it != nb_.end();
  if (forward && phase == tlm::BEGIN_REQ) {
    ++totals_.transactions;
    check_request(tx);
    if (known || in_flight_.count(&tx) != 0) violation("BEGIN_REQ for a payload in flight");
    nb_[&tx] = NbState::kRequest;
  } else if (!forward && phase == tlm::END_REQ) {
    if (!known || it->second != NbState::kRequest)
      violation("END_REQ without an outstanding BEGIN_REQ");
    else
      it->second = NbState::kRequestAccepted;
  } else if (!forward && phase == tlm::BEGIN_RESP) {
    if (!known || it->second == NbState::kResponse)
      violation("BEGIN_RESP without an outstanding request");
    else
      it->second = NbState::kResponse;
    if (tx.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
      violation("BEGIN_RESP with the response status not set");
  } else if (forward && phase == tlm::END_RESP) {
    if (!known || it->second != NbState::kResponse) violation("END_RESP without a BEGIN_RESP");
    nb_.erase(&tx);
  } else {
    violation(std::string("phase ") + phase.get_name() + " on the " +
              (forward ? "forward" : "backward") + " path");
  }
}

void ProtocolChecker::nb_result(tlm::tlm_generic_payload& tx, tlm::tlm_sync_enum status,
                                const tlm::tlm_phase& phase, bool forward) {
  if (status == tlm::TLM_ACCEPTED) return;
  if (status == tlm::TLM_COMPLETED) {
    if (tx.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
      violation("TLM_COMPLETED with the response status not set");
    nb_.erase(&tx);
    return;
  }
  // TLM_UPDATED: the callee moved the phase along the other path.
  nb_step(tx, phase, !forward);
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_fw(tlm::tlm_generic_payload& tx,
                                                    tlm::tlm_phase& phase,
                                                    sc_core::sc_time& delay) {
  nb_step(tx, phase, true);
  const tlm::tlm_sync_enum status = out->nb_transport_fw(tx, phase, delay);
  nb_result(tx, status, phase, true);
  return status;
}

tlm::tlm_sync_enum ProtocolChecker::nb_transport_bw(tlm::tlm_generic_payload& tx,
                                                    tlm::tlm_phase& phase,
                                                    sc_core::sc_time& delay) {
  nb_step(tx, phase, false);
  const tlm::tlm_sync_enum status = in->nb_transport_bw(tx, phase, delay);
  nb_result(tx, status, phase, false);
  return status;
}

unsigned int ProtocolChecker::transport_dbg(tlm::tlm_generic_payload& tx) {
  return out->transport_dbg(tx);
}

bool ProtocolChecker::get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
  return out->get_direct_mem_ptr(tx, dmi);
}

void ProtocolChecker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  in->invalidate_direct_mem_ptr(start, end);
}

BindHook ProtocolCheckers::hook(BindHook next) {
  return
      [this, next = std::move(next)](const std::string& binding, tlm::tlm_initiator_socket<>& from,
                                     tlm::tlm_base_target_socket_b<>& to) {
        const std::string name = "protocol_check_" + std::to_string(checkers_.size());
        checkers_.push_back(std::make_unique<ProtocolChecker>(name.c_str(), binding, stats_));
        from.bind(checkers_.back()->in);
        bind_through(next, checkers_.back()->out, to);
        return true;
      };
}

}  // namespace atleus
