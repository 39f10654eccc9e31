// Example 1: the user's own host drives a fine-tuning run through the platform's host port.
// The platform is elaborated without its built-in host; a plain loosely-timed initiator of the
// user's issues the workload's layer transactions (64-byte writes carrying the ignorable
// atleus::IssueExtension), and the results are read back through the same API the command
// line uses.
//   example_external_host [MODEL] [BATCH] [OUT.json]
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <systemc>
#include <tlm>

#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/run/run_state.hpp"
#include "atleus/platform/run/workload_platform.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

// The user's host: a CPU model would sit here. It sends every layer transaction at once, as
// the built-in host does, and accepts whatever the platform sends back to the host window.
struct UserHost : sc_core::sc_module {
  SC_HAS_PROCESS(UserHost);
  tlm_utils::simple_initiator_socket<UserHost> to_accelerator;
  tlm_utils::simple_target_socket<UserHost> from_accelerator;
  std::vector<atleus::LayerTransaction> work;
  unsigned rejected = 0;

  explicit UserHost(sc_core::sc_module_name n)
      : sc_module(n), to_accelerator("to_accelerator"), from_accelerator("from_accelerator") {
    from_accelerator.register_b_transport(this, &UserHost::answer);
    SC_THREAD(issue);
  }

  void issue() {
    unsigned char descriptor[64] = {};
    atleus::IssueExtension ext;
    tlm::tlm_generic_payload tx;
    tx.set_extension(&ext);
    for (const auto& lt : work) {
      ext.group = lt.group;
      tx.set_command(tlm::TLM_WRITE_COMMAND);
      tx.set_address(lt.address);
      tx.set_data_ptr(descriptor);
      tx.set_data_length(sizeof descriptor);
      tx.set_streaming_width(sizeof descriptor);
      tx.set_byte_enable_ptr(nullptr);
      tx.set_dmi_allowed(false);
      tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      to_accelerator->b_transport(tx, delay);
      if (!tx.is_response_ok()) ++rejected;
    }
    tx.clear_extension(&ext);
  }

  void answer(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

int sc_main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : "roberta-base";
  const unsigned batch = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 4;
  const std::string out = argc > 3 ? argv[3] : "";

  const atleus::PlatformConfig cfg = atleus::load_platform("atleus");
  atleus::WorkloadSpec spec;
  spec.model = atleus::resolve_model(model);
  spec.task = atleus::task_preset("squad", spec.model);
  spec.task.batch = batch;
  spec.mode = atleus::Mode::kFinetune;
  spec.validate();

  atleus::RunOptions opt;
  opt.external_host = true;
  atleus::WorkloadPlatform accelerator("accelerator", cfg, spec, opt);
  UserHost host("host");
  host.work = accelerator.layer_transactions();
  host.to_accelerator.bind(accelerator.host_in());
  accelerator.host_out().bind(host.from_accelerator);

  sc_core::sc_start();

  if (host.rejected != 0 || !accelerator.done()) {
    std::fprintf(stderr, "run incomplete: %u transactions rejected, %llu of %zu tasks done\n",
                 host.rejected, static_cast<unsigned long long>(accelerator.tasks_done()),
                 accelerator.task_graph().tasks.size());
    return 1;
  }
  const atleus::RunResult r = accelerator.collect();
  std::printf(
      "%s fine-tuning, batch %u, through the user's host: %zu layer transactions,\n"
      "  %.6g s simulated, %.6g J, %.6g sequences/s\n",
      model.c_str(), batch, host.work.size(), r.simulated_time_s, r.energy_j,
      r.throughput_sequences_per_s);
  if (!out.empty()) std::ofstream(out) << atleus::to_json(r, spec).dump(2);
  return 0;
}
