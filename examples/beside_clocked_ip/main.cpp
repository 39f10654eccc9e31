// Example 3: the platform beside unrelated clocked SystemC IP in one sc_main. A free-running
// sc_clock drives a counter, so the simulation never runs out of events on its own; the
// platform stops it when its run is done (RunOptions::stop_when_done), and the results equal
// those of `atleus-vp run` with the same workload.
//   example_beside_clocked_ip [MODEL] [BATCH] [OUT.json]
#include <cstdio>
#include <fstream>
#include <string>
#include <systemc>

#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/run/workload_platform.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

// Someone else's IP: a counter on a 100 MHz clock.
struct Counter : sc_core::sc_module {
  SC_HAS_PROCESS(Counter);
  sc_core::sc_in<bool> clk;
  unsigned long long ticks = 0;
  explicit Counter(sc_core::sc_module_name n) : sc_module(n), clk("clk") {
    SC_METHOD(tick);
    sensitive << clk.pos();
    dont_initialize();
  }
  void tick() { ++ticks; }
};

int sc_main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : "roberta-base";
  const unsigned batch = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 4;
  const std::string out = argc > 3 ? argv[3] : "";

  sc_core::sc_clock clock("clock", 10, sc_core::SC_NS);
  Counter counter("counter");
  counter.clk(clock);

  const atleus::PlatformConfig cfg = atleus::load_platform("atleus");
  atleus::WorkloadSpec spec;
  spec.model = atleus::resolve_model(model);
  spec.task = atleus::task_preset("squad", spec.model);
  spec.task.batch = batch;
  spec.mode = atleus::Mode::kFinetune;
  spec.validate();
  atleus::RunOptions opt;
  opt.stop_when_done = true;
  atleus::WorkloadPlatform accelerator("accelerator", cfg, spec, opt);

  sc_core::sc_start();  // returns when the platform's run is done

  const atleus::RunResult r = accelerator.collect();
  std::printf(
      "%s fine-tuning, batch %u: %.6g s simulated, %.6g J; the counter beside it "
      "counted %llu cycles of 10 ns\n",
      model.c_str(), batch, r.simulated_time_s, r.energy_j, counter.ticks);
  if (!out.empty()) std::ofstream(out) << atleus::to_json(r, spec).dump(2);
  return 0;
}
