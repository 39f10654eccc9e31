// Roofline compute core: a generic accelerator described only by its peak throughputs, the
// bandwidth of the memory it streams operands from, achievable-utilisation factors, a fixed
// per-op launch overhead and its power. It stands for the paper's baselines (section 8): an
// NVIDIA V100 running HuggingFace PEFT, and the units of HAIMA (host CPU, SRAM compute units,
// HBM with in-bank compute); each gets its own parameters from the platform.
//
// Covers:
// - One op = one kernel. Its time is a roofline: compute and memory overlap within the op,
//     t = launch_overhead_ns + max(macs / (peak_macs_per_ns x matmul_utilisation),
//                                  vector_ops / (peak_vector_ops_per_ns x vector_utilisation),
//                                  bytes / (memory_bytes_per_ns x memory_utilisation))
//   and the largest term names the op's bound (compute, vector or memory).
// - Work per op kind (every kind also moves op.extra_bytes):
//     kGemm: m k n MACs; A, B read and C written at operand_bytes.
//     kMvm: m k n MACs against a frozen k x n weight matrix resident in the core's memory,
//       read once at weight_bits; inputs and outputs at operand_bytes. `transposed` costs the
//       same. Under DequantMode::kMaterialize, weights narrower than the datapath are first
//       dequantised into a full-precision copy (QLoRA / bitsandbytes): a separate kernel that
//       reads the k-bit weights, writes k n x operand_bytes and runs dequant_ops_per_weight
//       vector ops per weight; the matmul then reads the copy at operand_bytes.
//     kSoftmax, kLayerNorm, kGelu (tanh form): m x k elements; vector ops from the SFU's
//       primitive counts (models/sfu.hpp); the tensor read and written at operand_bytes
//       (backward reads two tensors). kAdam: m x k fp32 parameters; params, grads, m, v read
//       and params, m, v written (28 B per parameter).
// - Dynamic energy per op: busy time x active_power_w plus optional per-event energies
//   (per MAC, per byte, per vector op). Static energy: idle_power_w over a span of time.
// - One kernel at a time: one BusyCalendar for the whole core (one stream); an op that arrives
//   while another runs waits for it.
// - A payload without a ComputeExtension (operands arriving over the NoC, or a read) lands in
//   or comes from the core's own memory and is accepted at no cost.
// Does not cover: caches or L2 reuse across ops (every op streams its operands from memory),
// tensor-core tile quantisation (partial tiles cost their exact MACs), several concurrent
// streams, DVFS, thermal throttling, special functions costing more than one vector op each,
// activation quantisation (input_bits is ignored; activations are operand_bytes wide),
// numerical results (timing-only).
// Timing style: loosely timed. transport() books the op on the calendar at arrival
// (now + delay), sets `delay` to finish - now (queueing plus latency added), and never calls
// wait().
#pragma once

#include <cstdint>
#include <string>

#include "atleus/models/block_model.hpp"
#include "atleus/models/busy_calendar.hpp"
#include "atleus/models/compute_op.hpp"

namespace atleus {

// What happens to weights narrower than the datapath before a matmul uses them.
enum class DequantMode : uint8_t {
  kNone,         // the kernel reads the narrow weights directly (fused dequantisation)
  kMaterialize,  // a kernel first writes a full-precision copy (bitsandbytes QLoRA training)
};

const char* to_string(DequantMode mode);                  // "none" | "materialize"
DequantMode parse_dequant_mode(const std::string& text);  // ParamError("dequant") if unknown

struct RooflineCoreParams {
  // Defaults: NVIDIA Tesla V100 SXM2 (NVIDIA Tesla V100 GPU Architecture whitepaper, 2017).
  // Tensor cores: 125 TFLOPS fp16 = 62.5 T MAC/s.
  double peak_macs_per_ns = 62500.0;
  // Elementwise primitives (add, mul, exp, ... each one op). Whitepaper: 15.7 TFLOPS fp32,
  // counting an FMA as two flops, so 7850 lane-ops per ns. fp32 rather than the 31.4 TFLOPS
  // fp16 rate because PyTorch's softmax / layer-norm / GELU kernels compute in fp32 on fp16
  // tensors and Adam updates fp32 master weights.
  double peak_vector_ops_per_ns = 7850.0;
  double memory_bytes_per_ns = 900.0;  // HBM2, 900 GB/s (whitepaper)
  // Achievable fraction of each roof, (0, 1]. [default] 1: the ideal roofline; a platform
  // preset sets measured factors.
  double matmul_utilisation = 1.0;
  double vector_utilisation = 1.0;
  double memory_utilisation = 1.0;
  // Fixed cost per kernel. [default] ~5 us, a common measured CUDA launch-to-completion
  // figure for small kernels in eager-mode PyTorch.
  double launch_overhead_ns = 5000.0;
  // Datapath element size (activations, outputs, dequantised weights). [default] fp16:
  // HuggingFace PEFT mixed precision; LoRA stays 16-bit (paper section 6).
  unsigned operand_bytes = 2;
  // Power while an op runs, over its busy time. [default] V100 SXM2 TDP 300 W (whitepaper),
  // i.e. the whole board at full load.
  double active_power_w = 300.0;
  // Power over the whole run (static), charged by the platform. [default] 0: active_power_w
  // already is the whole board's power; when this is set, active_power_w should be the rise
  // above it.
  double idle_power_w = 0.0;
  // Optional per-event dynamic energies. [default] 0: energy comes from board power alone.
  double e_mac_pj = 0.0;
  double e_byte_pj = 0.0;
  double e_vector_op_pj = 0.0;
  // [default] materialize: bitsandbytes dequantises k-bit QLoRA weights to fp16 before the
  // matmul; the paper (section 6) notes GPU energy goes up with quantisation for this reason.
  DequantMode dequant = DequantMode::kMaterialize;
  // Vector ops to dequantise one weight. [default] 2: NF4 (Dettmers et al., QLoRA 2023) is a
  // code-book lookup and a multiply by the block's absmax.
  double dequant_ops_per_weight = 2.0;
  // Input vectors that share one read of the resident weights in an MVM. 0: the whole op
  // (a GPU tiles the GEMM, so each weight is read once). In-memory GEMV engines hold only a
  // few input vectors in their registers and re-read the weight rows for every group
  // (Samsung HBM-PIM: 8 GRF_A registers per unit), so their weight traffic grows with m.
  unsigned weight_reuse_vectors = 0;
  double area_mm2 = 815.0;  // GV100 die (whitepaper); informative
  // Bytes of frozen weights the core's own memory can hold (a core type with local_memory:
  // true; the platform layer enforces it). 0: no limit given.
  double weight_capacity_bytes = 0.0;

  void validate() const;
};

enum class RooflineBound : uint8_t { kCompute, kVector, kMemory };
const char* to_string(RooflineBound bound);  // "compute" | "vector" | "memory"

// Cost of one op. bytes and vector_ops are totals over the op, dequantisation included;
// dequant_bytes and dequant_ops are the dequantisation kernel's share of them.
struct RooflineCost {
  uint64_t latency_ps = 0;          // dequant kernel (if any) + the op's kernel
  uint64_t dequant_latency_ps = 0;  // the dequant kernel alone
  uint64_t macs = 0;
  uint64_t vector_ops = 0;
  uint64_t bytes = 0;
  uint64_t dequant_bytes = 0;
  uint64_t dequant_ops = 0;
  double energy_j = 0.0;  // dynamic: latency x active power + per-event energies
  RooflineBound bound = RooflineBound::kCompute;  // the op's own kernel (ties: compute first)
};

// An op with a zero dimension runs no kernel and costs nothing, unless it has extra_bytes
// (then one kernel moves them). A weight_bits of 0 means weights as wide as the datapath.
RooflineCost roofline_cost(const RooflineCoreParams& p, const ComputeOp& op);

struct RooflineCoreStats {
  uint64_t ops = 0;  // compute ops run
  uint64_t macs = 0;
  uint64_t vector_ops = 0;
  uint64_t bytes = 0;
  uint64_t dequant_bytes = 0;
  uint64_t dequant_ops = 0;
  uint64_t busy_ps = 0;
  uint64_t queue_ps = 0;  // sum over ops of start - arrival
  double energy_j = 0.0;  // dynamic
  uint64_t compute_bound_ops = 0;
  uint64_t vector_bound_ops = 0;
  uint64_t memory_bound_ops = 0;
  uint64_t plain_transactions = 0;  // payloads without a ComputeExtension (free)
  uint64_t plain_bytes = 0;
};

class RooflineCore : public BlockModel {
 public:
  RooflineCore(sc_core::sc_module_name name, const RooflineCoreParams& params);

  const RooflineCoreParams& params() const { return params_; }
  const RooflineCoreStats& stats() const { return stats_; }
  // Static energy over a span of simulated time: idle_power_w x elapsed.
  double static_energy_j(uint64_t elapsed_ps) const override;
  // BlockModel: active power over busy time plus per-event energies ("roofline").
  std::vector<std::pair<std::string, double>> dynamic_energy_j() const override {
    return {{"roofline", stats_.energy_j}};
  }

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override;

 private:
  void run(ComputeExtension& ext, uint64_t arrival_ps);

  RooflineCoreParams params_;
  RooflineCoreStats stats_;
  BusyCalendar stream_;  // the one kernel stream
};

}  // namespace atleus
