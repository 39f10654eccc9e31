// Fine-tuning / serving tasks: how long each sequence is, how many sequences a batch and an
// epoch hold, and how wide the task head is. Presets for the paper's tasks (Atleus section 7:
// SQuAD, SWAG, WikiText) and custom tasks. Pure C++ (no SystemC).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atleus/workloads/model_spec.hpp"

namespace atleus {

struct TaskSpec {
  std::string name;
  unsigned seq_len = 0;                // tokens per sequence
  unsigned batch = 16;                 // sequences per optimizer step (see task_spec.cpp)
  uint64_t training_examples = 0;      // examples in one epoch of the training split
  unsigned sequences_per_example = 1;  // e.g. 4 for SWAG: one sequence per choice
  unsigned head_outputs = 1;           // outputs per token of the task head

  uint64_t sequences_per_epoch() const { return training_examples * sequences_per_example; }
  // Throws WorkloadError whose key() is the offending member name.
  void validate() const;
  // validate() and seq_len <= model.max_seq_len (key "seq_len").
  void validate_for(const ModelSpec& model) const;
};

// "squad", "swag", "wikitext". Sequence length and head width may depend on the model
// (WikiText: min(1024, model max); its head is the model's vocabulary). Throws WorkloadError for
// an unknown name or a sequence length above the model's maximum.
TaskSpec task_preset(const std::string& name, const ModelSpec& model);
std::vector<std::string> task_preset_names();

// A custom task of `sequences` sequences per epoch (one sequence per example, a one-output
// head).
TaskSpec custom_task(unsigned seq_len, unsigned batch, uint64_t sequences);

}  // namespace atleus
