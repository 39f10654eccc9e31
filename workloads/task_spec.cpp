#include "atleus/workloads/task_spec.hpp"

#include <algorithm>

namespace atleus {

namespace {

// [default] 16 sequences per step: the per-device training batch of HuggingFace's SWAG example
// (examples/pytorch/multiple-choice README); the paper does not state its batch size.
constexpr unsigned kDefaultBatch = 16;

}  // namespace

void TaskSpec::validate() const {
  auto fail = [](const char* key, const std::string& message) {
    throw WorkloadError("", 0, 0, key, message);
  };
  if (seq_len == 0) fail("seq_len", "must be > 0");
  if (seq_len > kMaxSeqLen) {
    fail("seq_len", "must be at most " + std::to_string(kMaxSeqLen) + " tokens (got " +
                        std::to_string(seq_len) + ")");
  }
  if (batch == 0) fail("batch", "must be > 0");
  if (training_examples == 0) fail("training_examples", "must be > 0");
  if (sequences_per_example == 0) fail("sequences_per_example", "must be > 0");
  if (head_outputs == 0) fail("head_outputs", "must be > 0");
}

void TaskSpec::validate_for(const ModelSpec& model) const {
  validate();
  if (seq_len > model.max_seq_len) {
    throw WorkloadError("", 0, 0, "seq_len",
                        std::to_string(seq_len) + " tokens exceed the maximum of " + model.name +
                            " (" + std::to_string(model.max_seq_len) + ")");
  }
}

std::vector<std::string> task_preset_names() {
  return {"squad", "swag", "wikitext"};
}

TaskSpec task_preset(const std::string& name, const ModelSpec& model) {
  TaskSpec t;
  t.name = name;
  t.batch = kDefaultBatch;
  if (name == "squad") {
    // SQuAD v1.1 question answering: 130,319 training examples (Atleus section 7).
    t.training_examples = 130319;
    // [default] 384 tokens: max_seq_length default of HuggingFace's run_qa.py.
    t.seq_len = 384;
    t.sequences_per_example = 1;
    t.head_outputs = 2;  // start and end logits per token
  } else if (name == "swag") {
    // SWAG multiple choice: 73,546 training examples (Atleus section 7).
    t.training_examples = 73546;
    // [default] 128 tokens: a common max_seq_length for SWAG fine-tuning. HuggingFace's
    // run_swag.py itself defaults to the tokenizer's limit and its README example uses 80;
    // a context plus one ending rarely exceeds either.
    t.seq_len = 128;
    t.sequences_per_example = 4;  // one sequence per candidate ending
    t.head_outputs = 1;           // one score per choice
  } else if (name == "wikitext") {
    // WikiText-2 language modelling: 36,718 training rows (Atleus section 7).
    t.training_examples = 36718;
    // [default] min(1024, model max): block_size default of HuggingFace's run_clm.py
    // (GPT-2's context).
    t.seq_len = std::min(1024u, model.max_seq_len);
    t.sequences_per_example = 1;
    t.head_outputs = model.vocab_size;  // language-modelling head over the vocabulary
  } else {
    std::string list;
    for (const std::string& n : task_preset_names()) list += (list.empty() ? "" : ", ") + n;
    throw WorkloadError("unknown task preset '" + name + "' (presets: " + list + ")");
  }
  t.validate_for(model);
  return t;
}

TaskSpec custom_task(unsigned seq_len, unsigned batch, uint64_t sequences) {
  TaskSpec t;
  t.name = "custom";
  t.seq_len = seq_len;
  t.batch = batch;
  t.training_examples = sequences;
  t.sequences_per_example = 1;
  // [default] a one-output head (one score per token): the smallest task head.
  t.head_outputs = 1;
  t.validate();
  return t;
}

}  // namespace atleus
