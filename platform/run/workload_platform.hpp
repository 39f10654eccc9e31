// WorkloadPlatform: the platform elaborated for one workload, as a SystemC module that a user
// places in their own simulation beside their own modules. The user owns the kernel:
//   1. elaborate: the constructor maps the workload onto the cores, builds the task graph, the
//      netlist with a compute node on every core site and, unless RunOptions::external_host,
//      the built-in host driver on the NoC host port;
//   2. simulate: the user calls sc_start (as often and as long as they like); done_event()
//      fires at the finish of the last task, and RunOptions::stop_when_done calls sc_stop then
//      (for simulations that never run out of events, e.g. with a free-running sc_clock);
//   3. collect: collect() returns the same RunResult the command line prints.
// With an external host, the user's initiator binds to host_in() (and host_out() to a target of
// theirs) and issues layer_transactions() in order: 64-byte writes carrying an IssueExtension.
// run_workload() is this sequence with the built-in host and one sc_start().
#pragma once

#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/platform/netlist.hpp"
#include "atleus/platform/run/run_engine.hpp"
#include "atleus/platform/run/task_graph.hpp"

namespace atleus {

// One layer transaction of the workload: which core it goes to and the task group it announces.
struct LayerTransaction {
  uint64_t address = 0;  // the core's window (core_base(site))
  int site = 0;
  int group = 0;  // IssueExtension::group
};

class WorkloadPlatform : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(WorkloadPlatform);
  // Throws std::invalid_argument for a workload that does not fit the platform.
  WorkloadPlatform(sc_core::sc_module_name name, const PlatformConfig& cfg,
                   const WorkloadSpec& spec, const RunOptions& opt = {});
  ~WorkloadPlatform() override;

  Netlist& netlist();
  const TaskGraph& task_graph() const;
  // The transactions the host issues, in order (with the built-in host: what it sends).
  std::vector<LayerTransaction> layer_transactions() const;
  // The NoC host port for a user's host (RunOptions::external_host only).
  tlm::tlm_target_socket<>& host_in();
  tlm::tlm_initiator_socket<>& host_out();

  bool done() const;
  uint64_t tasks_done() const;
  const sc_core::sc_event& done_event() const;
  // The run's results; throws std::logic_error before done().
  RunResult collect() const;

  struct Impl;  // opaque: what elaboration built (workload_platform_impl.hpp)

 private:
  void on_done();
  std::unique_ptr<Impl> impl_;
};

}  // namespace atleus
