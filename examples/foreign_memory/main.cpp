// Example 2: a user's memory model replaces the platform's HBM for a whole run. The memory is a
// plain TLM-2.0 target (any standard target socket works); the platform hands it window offsets
// (0 .. capacity), so it needs to know nothing of the platform's address map. It implements
// atleus::MemoryEnergy, so the run's energy includes it; its timing is its own.
//   example_foreign_memory [MODEL] [BATCH] [OUT.json]
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <systemc>
#include <tlm>

#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/run/workload_platform.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

// The user's memory: one channel of a fixed bandwidth, a fixed access latency and an energy
// per bit. The figures are this example's own (an LPDDR5-class part: 51.2 GB/s per x64
// package, ~5 pJ/bit); a real model would bring its own.
class UserMemory : public sc_core::sc_module, public atleus::MemoryEnergy {
 public:
  tlm_utils::simple_target_socket<UserMemory> socket;
  uint64_t accesses = 0, bytes = 0, highest_offset = 0;

  explicit UserMemory(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_b_transport(this, &UserMemory::b_transport);
  }

  double dynamic_energy_j() const override {
    return static_cast<double>(bytes) * 8 * kPjPerBit * 1e-12;
  }
  double static_energy_j(uint64_t elapsed_ps) const override {
    return kBackgroundW * static_cast<double>(elapsed_ps) * 1e-12;
  }

 private:
  static constexpr double kGBps = 51.2;        // bytes per ns
  static constexpr double kLatencyNs = 60.0;   // access latency
  static constexpr double kPjPerBit = 5.0;     // read/write energy
  static constexpr double kBackgroundW = 0.1;  // background power

  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
    const tlm::tlm_command cmd = tx.get_command();
    if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) {
      tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    // Requests arrive in simulated-time order: one channel, busy until busy_until_.
    const sc_core::sc_time arrival = sc_core::sc_time_stamp() + delay;
    const sc_core::sc_time start = std::max(arrival, busy_until_);
    const sc_core::sc_time transfer(tx.get_data_length() / kGBps, sc_core::SC_NS);
    busy_until_ = start + transfer;
    delay = busy_until_ + sc_core::sc_time(kLatencyNs, sc_core::SC_NS) - sc_core::sc_time_stamp();
    ++accesses;
    bytes += tx.get_data_length();
    highest_offset = std::max<uint64_t>(highest_offset, tx.get_address() + tx.get_data_length());
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  sc_core::sc_time busy_until_ = sc_core::SC_ZERO_TIME;
};

int sc_main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : "roberta-base";
  const unsigned batch = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 4;
  const std::string out = argc > 3 ? argv[3] : "";

  const atleus::PlatformConfig cfg = atleus::load_platform("atleus", {"memory.kind=external"});
  atleus::WorkloadSpec spec;
  spec.model = atleus::resolve_model(model);
  spec.task = atleus::task_preset("squad", spec.model);
  spec.task.batch = batch;
  spec.mode = atleus::Mode::kFinetune;
  spec.validate();

  UserMemory memory("user_memory");
  atleus::RunOptions opt;
  opt.memory.target = &memory.socket;
  opt.memory.energy = &memory;
  atleus::WorkloadPlatform accelerator("accelerator", cfg, spec, opt);
  sc_core::sc_start();

  const atleus::RunResult r = accelerator.collect();
  std::printf(
      "%s fine-tuning, batch %u, on the user's memory: %.6g s simulated, %.6g J\n"
      "memory: %llu accesses, %llu bytes, highest offset %llu, %.9g J dynamic\n",
      model.c_str(), batch, r.simulated_time_s, r.energy_j,
      static_cast<unsigned long long>(memory.accesses),
      static_cast<unsigned long long>(memory.bytes),
      static_cast<unsigned long long>(memory.highest_offset), memory.dynamic_energy_j());
  if (!out.empty()) std::ofstream(out) << atleus::to_json(r, spec).dump(2);
  return 0;
}
