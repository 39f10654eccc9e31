// The operation graph of one transformer layer (forward, backward), of the task head and of
// the adapter optimizer step: the contract between the workload description and the execution
// engine. Pure C++ (no SystemC).
//
// Every program is per sequence of n = seq_len tokens and in a valid topological order.
// Notation: d = d_model, h = heads, dh = d / h, f = d_ff, r = LoRA rank.
//
// Forward (per layer): qkv_proj [ReRAM, fused Wq|Wk|Wv], LoRA A/B per target [SA],
// attn_scores, attn_softmax, attn_context [SA; FlashAttention-2 style], o_proj [ReRAM],
// ln1 [SFU], ff1 [ReRAM], gelu [SFU], ff2 [ReRAM], ln2 [SFU] (the layer output).
// Backward, full accounting: gradients through every frozen matrix (transposed reads on the
// ReRAM, or on the SA with the matrix streamed from HBM), the FlashAttention-2 backward, the
// norms and GELU, and per target lora_db / lora_dxa / lora_da / lora_dx. Backward, LoRA-only
// accounting (the paper's Eq. 3): lora_db / lora_dxa / lora_da per target only.
//
// Shapes: a GEMM / MVM is m x k times k x n, `count` independent instances (heads). An SFU
// kernel is m rows x k columns per instance. With causal skipping (decoders), attention works in
// tiles of attention_tile along both sequence dimensions and query block i only meets key
// blocks j <= i; m, k, n stay the dense shape and `macs` / `sfu_elements` count the work done.
//
// Residual adds are data dependencies: ln1 also depends on the layer input, ln2 on ln1; in the
// full backward, ln1_bwd also on ln2_bwd and qkv_dx (the layer output) on ln1_bwd.
// attn_scores / attn_softmax / attn_context (and the backward attention kernels) are one fused
// FlashAttention-2 loop: their out_bytes is the n x n tile stream between them, which stays
// inside one systolic core and never reaches HBM (only the softmax statistics do).
//
// HBM traffic (fine-tuning forward saves what backward needs; backward reads it back):
//  - qkv_proj writes the layer input and Q, K, V (full backward); the layer input only for
//    LoRA-only backward when a q, k or v adapter needs it;
//  - attn_softmax writes 2 fp32 statistics (row max, sum) per row and head (full);
//  - attn_context writes the context (full, or when "o" is a target); ln1 its output (full, or
//    "ff1"); ff1 its output (full); gelu its output (when "ff2" is a target);
//  - lora_a_<t> reads both adapters (2 d r at lora_bits) and, fine-tuning, writes X.A (n r);
//  - backward readers: ln2_bwd (this layer's output, saved as the next layer's input; the head
//    saves the last one), gelu_bwd (ff1 output), ln1_bwd (ln1 output), attn_recompute (Q, K, V,
//    the statistics and the context), lora_db (X.A), lora_dxa (B), lora_dx (A), lora_da (the
//    target's input); lora_db and lora_da read and write their gradient accumulators;
//  - transposed products moved to the SA read their matrix (at its weight bits);
//  - the head reads its weights; adam reads parameters, gradients and both moments and
//    writes parameters and moments.
// Result widths: activations act_bits; SA-internal attention tensors, gradients and LoRA
// tensors lora_bits (the SA datapath is 16-bit, paper section 6).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atleus/workloads/workload_spec.hpp"

namespace atleus {

enum class Unit { kReram, kSystolic, kSfu };
enum class Phase { kForward, kBackward, kUpdate };
enum class SfuFunc { kNone, kSoftmax, kLayerNorm, kGelu, kAdam };

const char* to_string(Unit unit);
const char* to_string(Phase phase);
const char* to_string(SfuFunc func);

// deps value meaning "the layer's input" (previous layer's output / incoming gradient).
constexpr int kLayerInput = -1;

struct Kernel {
  std::string name;  // unique within its program
  Phase phase = Phase::kForward;
  Unit unit = Unit::kSystolic;
  SfuFunc func = SfuFunc::kNone;
  bool backward_fn = false;  // SFU: the backward variant of func
  uint64_t m = 0, k = 0, n = 0;
  uint64_t count = 1;         // independent instances (e.g. heads)
  uint64_t macs = 0;          // all instances, after causal skip
  uint64_t sfu_elements = 0;  // SFU: all instances, after causal skip
  std::string weight;         // ReRAM-resident matrix: "qkv", "o", "ff1", "ff2" (or "head")
  bool transposed = false;  // dX = dY W^T (a transposed ReRAM read, or the same product on the SA)
  unsigned input_bits = 8, weight_bits = 8;
  uint64_t out_bytes = 0;        // result bytes sent to consumers
  uint64_t hbm_read_bytes = 0;   // operands loaded from HBM
  uint64_t hbm_write_bytes = 0;  // results stored to HBM
  std::vector<int> deps;         // indices into the same program, or kLayerInput
  bool layer_output = false;     // what the next layer (or the head) consumes
  // A systolic GEMM split by output columns over the systolic cores (the LM head over its
  // vocabulary): one part per core, each reading its share of the weights.
  bool split_columns = false;
};

struct LayerProgram {
  std::vector<Kernel> kernels;

  // Index of the kernel of that name, or -1.
  int index_of(const std::string& name) const;
  const Kernel& at(const std::string& name) const;  // throws std::out_of_range
  bool empty() const { return kernels.empty(); }
};

// One decode step of generation: one new token for each active request.
struct DecodeStep {
  std::vector<uint64_t> cache_len;  // per active request: tokens already in its KV cache
  LayerProgram layer;               // one layer's work (the same for every layer)
  LayerProgram head;                // the LM head for the active requests and sampling
};

struct WorkloadGraph {
  WorkloadSpec spec;
  LayerProgram forward;   // one layer's forward (same for every layer)
  LayerProgram backward;  // one layer's backward (empty for inference)
  LayerProgram head;      // head GEMM (+ loss softmax forward/backward, + dX for full backward)
  LayerProgram update;    // adapter Adam step, once per batch (empty for inference)
  // Mode::kGenerate: `forward` is the prefill of one prompt (it also writes K and V to the
  // cache), `head` the LM head on its last position and the sampling of the first token, and
  // `decode` the gen_len - 1 steps that produce the others, in order (static batching: every
  // request of the batch in every step).
  std::vector<DecodeStep> decode;

  // Per sequence, all layers, head excluded (Phase::kUpdate gives 0).
  uint64_t macs(Phase phase, Unit unit) const;
  // SFU elements per sequence, all layers, head excluded; kUpdate: per batch.
  uint64_t sfu_elements(Phase phase) const;
};

WorkloadGraph build_graph(const WorkloadSpec& spec);

// One decode step for the requests whose caches hold `cache_len` tokens each (one entry per
// active request). Per layer: qkv_proj [ReRAM; B vectors, the crossbars batched across
// requests], per group of requests with the same cache length attn_scores / attn_softmax /
// attn_context over cache_len + 1 keys [SA; GEMMs of the heads / kv_heads query heads that share
// a K/V head, count = requests x kv_heads; reads the cached K and V and appends the new ones],
// o_proj, ln1, ff1 (gate | up), swiglu (or gelu), ff2, ln2. MACs per layer:
//   B (d (q + 2 kv) + q d + (2 or 3) d f) + sum_i 2 h dh (cache_len_i + 1).
// A group's kernels are suffixed "_t<cache_len>" when the step has more than one group.
LayerProgram build_decode_layer(const WorkloadSpec& spec, const std::vector<uint64_t>& cache_len);
// The LM head for `tokens` positions (d_model x vocab at generate.head_bits, from HBM, split
// by vocabulary columns over the systolic cores) and sampling on the SFU (a softmax over the
// vocabulary per token).
LayerProgram build_lm_head(const WorkloadSpec& spec, uint64_t tokens);
// Bytes of every weight one generated token reads: the frozen matrices of every layer at their
// widths and the LM head (vocab x d_model at head_bits).
uint64_t decode_weight_bytes(const WorkloadSpec& spec);

// The class of a kernel, by which a platform places work on its core types (platform YAML
// `placement:`): "frozen" (products with a frozen weight matrix, forward and transposed),
// "attn_scores" (Q.K^T and the backward products that use Q or K: recompute, dQ, dK),
// "attn_context" (P.V and the backward products that use V or P: dP, dV), "softmax" (attention
// softmax, forward and backward), "lora", "norm" (layer norms), "gelu", "head" (task head and
// its loss), "optimizer" (the Adam step) and "transposed" (frozen-matrix transposed products
// moved to the systolic cores with --transpose-on systolic, the matrix streamed from HBM).
const char* kernel_class(const Kernel& k);
// Every class kernel_class() can return, in a fixed order.
const std::vector<std::string>& kernel_classes();

// Query x key pairs computed per head with causal tile skipping: tiles of `tile` along both
// dimensions, query block i meets key blocks j <= i (partial last blocks exact).
uint64_t causal_pairs(uint64_t n, uint64_t tile);

// Checks a program: unique names, deps in range and earlier (topological order), exactly one
// layer_output (none in an empty program). Throws std::logic_error naming the kernel.
void check_program(const LayerProgram& program);

}  // namespace atleus
