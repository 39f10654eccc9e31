// Transformer model descriptions: the shape numbers the operation graph needs (layers, widths,
// heads, sequence limit, vocabulary), built-in presets for the paper's models (Atleus section 7)
// and a reader for HuggingFace config.json files. Pure C++ (no SystemC).
//
// Only encoder/decoder stacks of identical post-norm or pre-norm blocks with one attention and
// one two-matrix feed-forward per layer are described; embeddings are not part of a layer.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace atleus {

// Every error of the workload description: a bad preset name, a bad config.json, a bad
// workload YAML, an impossible combination. what() is one line:
//   "FILE:LINE:COL: key: message"; parts that are unknown are left out
//   ("FILE: message", "key: message", "message").
class WorkloadError : public std::runtime_error {
 public:
  explicit WorkloadError(const std::string& message);
  WorkloadError(std::string file, int line, int column, std::string key,
                const std::string& message);

  const std::string& file() const { return file_; }
  int line() const { return line_; }      // 1-based; 0 if unknown
  int column() const { return column_; }  // 1-based; 0 if unknown
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_ = 0;
  int column_ = 0;
  std::string key_;
  std::string message_;
};

// Largest shapes validate() accepts (what the operation graph represents exactly).
constexpr unsigned kMaxLayers = 1024;
constexpr unsigned kMaxWidth = 65536;      // d_model; d_ff up to 4x
constexpr unsigned kMaxVocab = 1u << 24;   // vocabulary or classes
constexpr unsigned kMaxSeqLen = 1u << 20;  // tokens of one sequence (and ViT patches + 1)

struct ModelSpec {
  std::string name;
  std::string family;  // bert | roberta | gpt2 | bloom | vit
  unsigned layers = 0;
  unsigned d_model = 0;
  unsigned heads = 0;
  unsigned d_ff = 0;
  unsigned max_seq_len = 0;  // tokens one sequence may hold (ViT: patches + CLS)
  unsigned vocab_size = 0;   // ViT: number of classes of the classification head
  bool causal = false;       // decoder (causal attention mask)
  std::string norm = "layernorm";
  std::string activation = "gelu";
  std::string position = "learned";  // learned | alibi | patch

  unsigned head_dim() const { return heads == 0 ? 0 : d_model / heads; }
  // Weights of one layer's four projections (Q, K, V, O: 4 d^2) and feed-forward (2 d f).
  // Biases and norm parameters are left out: they are not crossbar-resident matrices.
  uint64_t params_per_layer() const;
  // Throws WorkloadError whose key() is the offending member name.
  void validate() const;
};

// Presets: roberta-base, bert-base, bert-large, gpt2-medium, bloom-560m, vit-base. The
// HuggingFace repository names (e.g. "FacebookAI/roberta-base", "bert-large-uncased",
// "bigscience/bloom-560m", "google/vit-base-patch16-224") are accepted as aliases.
ModelSpec model_preset(const std::string& name);
std::vector<std::string> model_preset_names();
bool is_model_preset(const std::string& name);

// Reads a HuggingFace config.json (see model_spec.cpp for the field names per family).
ModelSpec load_hf_config(const std::string& path);

// A preset name, or a path to a config.json.
ModelSpec resolve_model(const std::string& name_or_path);

}  // namespace atleus
