#include "atleus/platform/run/host_driver.hpp"

#include "atleus/models/sim_time.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/sim_errors.hpp"

namespace atleus {

HostDriver::HostDriver(sc_core::sc_module_name name, const RunState& state)
    : sc_core::sc_module(name), out("out"), in("in"), state_(state) {
  in.register_b_transport(this, &HostDriver::b_transport);
  SC_THREAD(run);
}

void HostDriver::run() {
  guard_process([&] {
    unsigned char descriptor[64] = {};
    IssueExtension ext;
    tlm::tlm_generic_payload tx;
    tx.set_extension(&ext);
    const auto& groups = state_.graph->issue;
    for (int g = 0; g < static_cast<int>(groups.size()); ++g) {
      ext.group = g;
      tx.set_command(tlm::TLM_WRITE_COMMAND);
      tx.set_address(core_base(groups[g].site));
      tx.set_data_ptr(descriptor);
      tx.set_data_length(sizeof descriptor);
      tx.set_streaming_width(sizeof descriptor);
      tx.set_byte_enable_ptr(nullptr);
      tx.set_dmi_allowed(false);
      tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      out->b_transport(tx, delay);
      if (!tx.is_response_ok()) SC_REPORT_ERROR(name(), "a layer transaction was not accepted");
      ++issued_;
    }
    tx.clear_extension(&ext);
  });
}

}  // namespace atleus
