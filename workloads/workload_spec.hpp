// A workload: the model, the task, inference or fine-tuning, the weight quantization (MnFm,
// Atleus section 6), the LoRA adapters (section 5) and how the backward pass is accounted.
// Read from a workload YAML (keys below) or built in code. Pure C++ (no SystemC).
//
// Workload YAML (every key optional but model and task):
//   model: roberta-base          # a preset, or a config.json path relative to this file
//   task: squad                  # a preset, or {seq_len, batch, sequences[, head_outputs]}
//   mode: finetune               # inference | finetune
//   backward: full               # full | lora-only (the paper's Eq. 3 accounting)
//   quant: M8F8                  # or {mha_bits, ff_bits, act_bits, lora_bits}
//   lora: {rank: 32, targets: [q, v]}
//   transpose_on: reram          # reram | systolic: where dX = dY W^T runs
//   causal_skip: true            # skip fully masked attention tiles of decoders
//   attention_tile: 128
//   seq_len: 256                 # overrides the task's
//   batch: 8                     # overrides the task's
//   duplication: auto            # auto | N: copies of each frozen matrix in ReRAM
#pragma once

#include <string>
#include <vector>

#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

namespace atleus {

struct QuantSpec {
  unsigned mha_bits = 8;  // Q, K, V, O weights (paper's M8F8 baseline, section 6)
  unsigned ff_bits = 8;   // FF-1 and FF-2 weights
  // [default] 8-bit activations: ISAAC's 8-bit inputs (bit-serial, one slice per read cycle).
  unsigned act_bits = 8;
  unsigned lora_bits = 16;  // LoRA adapters and gradients stay 16-bit (section 6)

  // "MnFm" (e.g. "M8F4"): n-bit MHA weights, m-bit FF weights; bits in 1..16. Case-insensitive.
  static QuantSpec parse(const std::string& text);
  std::string name() const;  // "M8F4"
  void validate() const;     // every width in 1..16
};

struct LoraSpec {
  unsigned rank = 32;                             // paper section 5: r = 32
  std::vector<std::string> targets = {"q", "v"};  // on Wq and Wv (section 5)

  // Subset of q, k, v, o, ff1, ff2; no duplicates; rank in 1..d_model.
  void validate(const ModelSpec& model) const;
};

// All adapter targets in forward order.
const std::vector<std::string>& lora_target_names();

// kGenerate: token-by-token decoding. A prefill of the prompt (the inference pass over
// prompt_len tokens, ending in the LM head on the last position and sampling: the first output
// token), then gen_len - 1 decode steps, each producing one more token per request with the
// KV cache of every earlier token (see op_graph.hpp build_decode_step).
enum class Mode { kInference, kFinetune, kGenerate };
enum class BackwardMode { kFull, kLoraOnly };
enum class TransposeUnit { kReram, kSystolic };

Mode parse_mode(const std::string& text);                     // inference | finetune | generate
BackwardMode parse_backward_mode(const std::string& text);    // full | lora-only
TransposeUnit parse_transpose_unit(const std::string& text);  // reram | systolic
const char* to_string(Mode mode);
const char* to_string(BackwardMode mode);
const char* to_string(TransposeUnit unit);

// Weight duplication: "auto" (0, the most copies that fit; see workloads/mapping.hpp) or a
// positive number of copies. Throws WorkloadError with key "duplication".
unsigned parse_duplication(const std::string& text);
std::string duplication_name(unsigned duplication);  // "auto" or the number

// Generation (Mode::kGenerate).
struct GenerateSpec {
  unsigned prompt_len = 0;  // tokens of each request's prompt (the prefill's seq_len)
  unsigned gen_len = 0;     // tokens generated per request (the first by the prefill)
  // [default] 16-bit K and V: HuggingFace generate keeps the cache in the model's dtype
  // (bfloat16 for the presets, config.json torch_dtype).
  unsigned kv_bits = 16;
  // [default] 16-bit LM head: weight-only quantisers (GPTQ, AWQ, bitsandbytes) leave the
  // output head (tied to the embedding or not) unquantised.
  unsigned head_bits = 16;
  // The KV cache in the systolic cores' SRAM instead of HBM (platform key kv_cache: sram): no
  // HBM traffic for it.
  bool kv_in_sram = false;
  // Cache length of the last decode step's attention: prompt + generated - 1.
  unsigned max_context() const { return prompt_len + gen_len; }
  void validate(const ModelSpec& model) const;
};

struct WorkloadSpec {
  ModelSpec model;
  TaskSpec task;
  Mode mode = Mode::kFinetune;
  bool mode_given = false;  // load_workload_yaml: the file has a `mode:` key
  BackwardMode backward = BackwardMode::kFull;
  QuantSpec quant;
  LoraSpec lora;
  TransposeUnit transpose_on = TransposeUnit::kReram;
  bool causal_skip = true;
  // [default] 128: FlashAttention-2's block size along both sequence dimensions
  // (Dao 2023, block sizes 64-128).
  unsigned attention_tile = 128;
  // Copies of each frozen matrix in ReRAM; 0 = auto. [default] auto: spare crossbars hold
  // copies (Atleus section 6: fewer bits per weight free crossbars for weight duplication).
  unsigned duplication = 0;
  GenerateSpec generate;  // Mode::kGenerate only

  // Throws WorkloadError whose key() names the member (e.g. "seq_len", "lora.targets").
  void validate() const;
};

// Loads a workload YAML. Errors are WorkloadError with file, line, column and key.
WorkloadSpec load_workload_yaml(const std::string& path);

}  // namespace atleus
