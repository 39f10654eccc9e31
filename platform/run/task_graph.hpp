// TaskGraph: the whole run as tasks on cores. Each kernel of the workload's operation graph,
// for each sequence and layer, becomes one task per core it runs on (a ReRAM matrix split
// across cores gives one task per part). Dependencies are task ids; a task's result is sent to
// its consumers through the NoC. Built from the workload graph and the mapping; no SystemC.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "atleus/models/compute_op.hpp"
#include "atleus/workloads/mapping.hpp"
#include "atleus/workloads/op_graph.hpp"

namespace atleus {

// The paper's 4-stage layer pipeline, and the task head (a language model's vocabulary
// projection, a classifier, the loss) after the last layer as a stage of its own.
enum class Stage { kMha, kAttention, kFf1, kFf2, kHead };
const char* to_string(Stage s);

struct Task {
  int id = 0;
  int site = 0;
  int sequence = -1;  // -1: per-batch work (optimizer step)
  int layer = -1;     // -1: task head / update
  const Kernel* kernel = nullptr;
  Stage stage = Stage::kAttention;
  ComputeOp op;  // one instance; `instances` identical ops are issued back to back
  uint64_t instances = 1;
  uint64_t macs = 0;       // all instances
  uint64_t out_bytes = 0;  // sent to each consumer
  uint64_t hbm_read_bytes = 0, hbm_write_bytes = 0;
  uint64_t program_cells = 0;  // ReRAM cells to write first (weight reloading)
  // Frozen weights the task reads from a memory (not crossbar-resident): streamed from HBM or
  // resident in a roofline core's own memory; the LM head's share of its matrix.
  uint64_t weight_read_bytes = 0;
  bool weights_local = false;  // weight_read_bytes come from the core's own memory, not over HBM
  std::vector<int> deps;
  std::vector<int> consumers;
  int batch_index = 0;  // which issue transaction (host -> core) announces it
};

struct TaskGraph {
  std::vector<Task> tasks;
  int sequences = 0;
  // Host issue groups: tasks announced together by one layer transaction to one core.
  struct IssueGroup {
    int site = 0;
    int sequence = -1, layer = -1;
    Phase phase = Phase::kForward;
    std::vector<int> tasks;
  };
  std::vector<IssueGroup> issue;
};

// Where a kernel class runs, when the platform says (platform YAML `placement:`).
struct ClassPlacement {
  std::vector<int> sites;  // layer l runs on sites[l % size]; the head and update on the last's
  // Frozen matrices only: the weights live in the core's own memory (a roofline core), so the
  // product is an MVM against resident weights; otherwise they are streamed from HBM.
  bool weights_resident = false;
};

struct TaskGraphInputs {
  const WorkloadGraph* graph = nullptr;
  const Mapping* mapping = nullptr;
  int sequences = 1;
  // ReRAM placement geometry, for the rows of each resident matrix.
  uint64_t d_model = 0, d_ff = 0;
  // Cells to program for `cols` columns of a matrix of `rows` rows at `bits` (reloading).
  uint64_t cells_per_weight_8bit = 4;
  unsigned cells_bits_per_cell = 2;
  // Kernel class (kernel_class()) -> placement; classes not listed follow the mapping.
  std::map<std::string, ClassPlacement> placement;
  // Frozen matrices streamed to systolic cores in k-bit form are dequantised into a 16-bit
  // copy in HBM first (platform_config.hpp CoreType::dequant_materialize).
  bool dequant_materialize = false;
};

TaskGraph build_task_graph(const TaskGraphInputs& in);

// Rows (d_in) of a resident matrix.
uint64_t matrix_rows(const std::string& weight, uint64_t d_model, uint64_t d_ff);
uint64_t matrix_cols(const std::string& weight, uint64_t d_model, uint64_t d_ff);

}  // namespace atleus
