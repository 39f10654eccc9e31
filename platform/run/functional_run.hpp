// FunctionalRun: real numbers in an end-to-end run. Every layer of the model gets seeded
// random frozen weights programmed into functional crossbars and seeded LoRA adapters; every
// (sequence, layer) gets its tensors. When a compute node finishes the last part of a kernel,
// the kernel is computed on those tensors with the hardware's numerics (platform/
// functional_layer.hpp), and once more in plain float, so the run reports what quantization,
// ADC resolution and device noise do to each layer. It never changes timing or energy.
// Covers the layers' kernels (encoder layer, LoRA on Wq and Wv); the task head, loss and the
// optimizer step are timed but not computed. Gradients start from dL/dy = y at the last layer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "atleus/models/functional_layer.hpp"
#include "atleus/platform/run/task_graph.hpp"
#include "atleus/workloads/workload_spec.hpp"

namespace atleus {

// The crossbar numerics come from the platform's ReRAM core type (run_workload() fills them
// from ReramCoreParams: one source of truth for the timing and the functional model).
struct FunctionalOptions {
  unsigned adc_bits = 8;         // Atleus section 2 / ISAAC
  unsigned crossbar_rows = 128;  // Atleus section 2 / ISAAC
  unsigned crossbar_cols = 128;  // Atleus section 2 / ISAAC
  unsigned bits_per_cell = 2;    // Atleus section 2 / ISAAC
  unsigned dac_bits = 1;         // Atleus section 2 / ISAAC
  bool isaac_encoding = true;    // ISAAC's flipped columns
  double noise_sigma = 0.0;      // device weight noise / max|w| per crossbar
  uint64_t seed = 1;
};

class FunctionalRun {
 public:
  FunctionalRun(const WorkloadSpec& spec, const TaskGraph& graph, const FunctionalOptions& opt);
  ~FunctionalRun();

  // Called as each task finishes; computes the kernel once all its parts have finished.
  void task_finished(const Task& t);

  nlohmann::ordered_json report() const;  // per layer errors vs float, kernels computed

 private:
  struct Instance;  // one (sequence, layer): hardware and float states
  Instance& instance(int sequence, int layer);
  void run(const std::string& kernel, int sequence, int layer);

  WorkloadSpec spec_;
  FunctionalOptions opt_;
  LayerShape shape_;
  std::vector<std::unique_ptr<FunctionalLayer>> hw_, fp_;
  std::vector<LoraAdapters> lora_;
  std::map<std::tuple<int, int, std::string>, int> parts_left_;
  std::map<std::pair<int, int>, std::unique_ptr<Instance>> live_;
  std::map<std::pair<int, int>, int> kernels_left_;
  // Per layer: summed relative errors of the output (forward) and input gradient (backward).
  std::vector<double> fwd_err_, bwd_err_;
  std::vector<int> fwd_n_, bwd_n_;
  uint64_t computed_ = 0, skipped_ = 0;
};

}  // namespace atleus
