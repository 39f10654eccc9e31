#include "atleus/platform/run/run_engine.hpp"

#include <chrono>

#include "atleus/platform/run/workload_platform.hpp"
#include "atleus/platform/sim_errors.hpp"

namespace atleus {

RunResult run_workload(const PlatformConfig& cfg, const WorkloadSpec& spec, const RunOptions& opt) {
  RunOptions own = opt;
  own.external_host = false;
  WorkloadPlatform platform("vp", cfg, spec, own);
  const auto wall0 = std::chrono::steady_clock::now();
  start_simulation();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  RunResult r = platform.collect();
  r.wall_s = wall_s;
  return r;
}

}  // namespace atleus
