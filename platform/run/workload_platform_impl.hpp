// What a WorkloadPlatform holds between elaboration and collection (shared by the files that
// elaborate it and collect its results; not part of the public interface).
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "atleus/platform/protocol_checker.hpp"
#include "atleus/platform/run/compute_node.hpp"
#include "atleus/platform/run/functional_run.hpp"
#include "atleus/platform/run/host_driver.hpp"
#include "atleus/platform/run/run_state.hpp"
#include "atleus/platform/run/workload_platform.hpp"
#include "atleus/workloads/mapping.hpp"

namespace atleus {

struct WorkloadPlatform::Impl {
  PlatformConfig cfg;
  WorkloadSpec spec;
  RunOptions opt;
  WorkloadGraph graph;
  NetworkPlan plan;
  Mapping mapping;
  TaskGraph tasks;
  RunState state;
  std::unique_ptr<FunctionalRun> functional;
  std::vector<std::pair<int, ComputeNode*>> nodes;  // (site, node)
  ProtocolCheckers checkers;
  BindHook bind_hook;  // the protocol checker and/or the user's hook
  std::unique_ptr<Netlist> net;
  std::unique_ptr<HostDriver> host;
  sc_core::sc_event done;
};

// Collection, from the state a finished simulation left (run_collect.cpp).
RunResult collect_run(const WorkloadPlatform::Impl& p);

}  // namespace atleus
