// Consumer of the installed package: loads a preset found relative to the installation, runs a
// small inference workload through the public API and prints what the test checks.
#include <cstdio>

#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/run/run_engine.hpp"
#include "atleus/platform/version.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

int sc_main(int, char**) {
  std::printf("version: %s\n", atleus::version());
  std::printf("preset: %s\n", atleus::resolve_platform_path("atleus").c_str());
  const atleus::PlatformConfig cfg = atleus::load_platform("atleus");
  atleus::WorkloadSpec spec;
  spec.model = atleus::resolve_model("bert-base");
  spec.task = atleus::task_preset("squad", spec.model);
  spec.task.batch = 1;
  spec.mode = atleus::Mode::kInference;
  const atleus::RunResult r = atleus::run_workload(cfg, spec, {});
  std::printf("tasks: %llu\nsimulated_time_s: %.9g\nenergy_j: %.9g\n",
              static_cast<unsigned long long>(r.tasks), r.simulated_time_s, r.energy_j);
  return r.simulated_time_s > 0 && r.energy_j > 0 ? 0 : 1;
}
