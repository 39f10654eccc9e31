// RunState: what the execution engine knows about every task while the simulation runs, and
// the extension the host uses to announce tasks to a core (a "layer transaction").
#pragma once

#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/platform/run/task_graph.hpp"

namespace atleus {

class ComputeNode;

struct TaskState {
  int remaining = 0;  // dependencies not yet satisfied, plus the host's announcement
  uint64_t ready_ps = 0, start_ps = 0, finish_ps = 0, queue_ps = 0;
  uint64_t loaded_ps = 0;  // operands in place: the task waits for its unit from here
  uint64_t comm_ps = 0;    // from finishing until the result reached its last remote consumer
  double energy_j = 0.0;
  std::vector<std::pair<uint64_t, uint64_t>> slices;  // when each instance ran on its unit
  bool done = false;
};

struct RunState {
  const TaskGraph* graph = nullptr;
  std::vector<TaskState> tasks;
  std::vector<ComputeNode*> node_of_site;
  uint64_t done = 0;
  uint64_t last_finish_ps = 0;
  // Packets the compute nodes sent and their summed latency (injection to tail arrival,
  // queueing included); under noc.model: flow a packet is a whole message.
  uint64_t noc_packets_timed = 0;
  uint64_t noc_packet_latency_ps = 0;
  // The data of whole-message transactions (noc.model: flow). A timing run's payload bytes
  // carry nothing, so every node's messages share one buffer of the largest message.
  std::vector<unsigned char> message_buffer;
  // Weight reloading.
  uint64_t cells_written = 0;
  double write_energy_j = 0.0;
  uint64_t write_ps = 0;
  std::function<void(uint64_t done, uint64_t total)> progress;  // called as tasks finish
  std::function<void(const Task&)> on_finish;  // functional runs compute the kernel here
  std::function<void()> on_task_done;          // after `done` and `last_finish_ps` moved
};

// Layer transaction: the host tells a core which tasks of a (sequence, layer, phase) it runs.
// Ignorable: a foreign target sees a 64-byte write.
class IssueExtension : public tlm::tlm_extension<IssueExtension> {
 public:
  int group = 0;
  tlm::tlm_extension_base* clone() const override { return new IssueExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& o) override {
    group = static_cast<const IssueExtension&>(o).group;
  }
};

}  // namespace atleus
