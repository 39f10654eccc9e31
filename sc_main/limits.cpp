// Limits before work: a cheap estimate of what a run or a traffic run will build (tasks,
// routing-table entries, packets), checked before anything is built. Beyond the documented
// limits the command fails with the estimate (exit 2), unless --force.
#include <cstdint>
#include <string>

#include "atleus/platform/yaml_config.hpp"
#include "atleus/workloads/op_graph.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

namespace {

std::string with_commas(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

[[noreturn]] void too_large(const std::string& flag, const std::string& what, uint64_t estimate,
                            uint64_t limit, const std::string& how) {
  throw ConfigError("command line", 0, 0, flag,
                    "would build about " + with_commas(estimate) + " " + what + " (" + how +
                        "), more than the limit of " + with_commas(limit) +
                        "; give --force to run it anyway");
}

}  // namespace

uint64_t platform_cores(const PlatformConfig& cfg) {
  uint64_t cores = 0;
  for (const auto& t : cfg.tiers) cores += static_cast<uint64_t>(t.width) * t.height;
  return cores;
}

void check_routing_size(const PlatformConfig& cfg, bool force) {
  // Every core site (and the HBM) is a target; each target's table has one entry per router.
  const uint64_t cores = platform_cores(cfg);
  const uint64_t entries = (cores + 1) * cores;
  if (!force && entries > kMaxRoutingEntries)
    too_large("--platform", "routing-table entries", entries, kMaxRoutingEntries,
              with_commas(cores) + " core sites, each a target at every router");
}

void check_run_size(const PlatformConfig& cfg, const WorkloadSpec& spec, bool force) {
  if (force) return;
  check_routing_size(cfg, force);
  const WorkloadGraph g = build_graph(spec);
  const uint64_t per_layer = g.forward.kernels.size() + g.backward.kernels.size();
  const uint64_t per_sequence = per_layer * spec.model.layers + g.head.kernels.size();
  const uint64_t tasks = per_sequence * spec.task.batch + g.update.kernels.size();
  if (tasks > kMaxTasks)
    too_large("--batch", "tasks", tasks, kMaxTasks,
              with_commas(spec.task.batch) + " sequences x " + with_commas(per_sequence) +
                  " kernels each");
}

void check_traffic_size(const PlatformConfig& cfg, uint64_t packets_per_node, bool force) {
  if (force) return;
  check_routing_size(cfg, force);
  const uint64_t nodes = platform_cores(cfg);
  const uint64_t packets = nodes * packets_per_node;
  if (packets > kMaxPackets)
    too_large("--packets", "packets", packets, kMaxPackets,
              with_commas(nodes) + " nodes x " + with_commas(packets_per_node) + " packets each");
}

}  // namespace atleus::cli
