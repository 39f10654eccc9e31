// Transformer model descriptions: the shape numbers the operation graph needs (layers, widths,
// heads, sequence limit, vocabulary), built-in presets for the paper's models (Atleus section 7)
// and a reader for HuggingFace config.json files. Pure C++ (no SystemC).
//
// Stacks of identical blocks with one attention and one feed-forward per layer are described:
// the classic families (BERT, RoBERTa, GPT-2, BLOOM, ViT: layer norm, GELU, two-matrix
// feed-forward, one K/V head per query head) and the Llama-style decoders (Llama, Qwen2,
// Mistral, Phi-3: RMSNorm, rotary positions, SwiGLU feed-forward with three matrices,
// grouped-query attention with kv_heads <= heads, an explicit head_dim when the config gives one,
// and an output head that may share the token embedding). Embeddings are not part of a layer.
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
  std::string family;  // bert | roberta | gpt2 | bloom | vit | llama | qwen2 | mistral | phi3
  unsigned layers = 0;
  unsigned d_model = 0;
  unsigned heads = 0;
  unsigned d_ff = 0;
  unsigned max_seq_len = 0;          // tokens one sequence may hold (ViT: patches + CLS)
  unsigned vocab_size = 0;           // ViT: number of classes of the classification head
  bool causal = false;               // decoder (causal attention mask)
  std::string norm = "layernorm";    // layernorm | rmsnorm
  std::string activation = "gelu";   // gelu | silu
  std::string position = "learned";  // learned | alibi | patch | rope
  // Grouped-query attention: K/V heads (0 = heads, plain multi-head attention). Each K/V head
  // serves heads / kv_heads query heads; the K and V projections and the KV cache shrink by
  // that factor.
  unsigned kv_heads = 0;
  unsigned head_size = 0;  // width of one head; 0 = d_model / heads
  // SwiGLU feed-forward: gate and up projections (d x f each, held as one d x 2f matrix "ff1")
  // and the down projection (f x d); the activation is silu(gate) * up.
  bool gated_ffn = false;
  // The output head reuses the token embedding matrix (one vocab x d matrix stored, not two).
  bool tie_word_embeddings = false;

  unsigned head_dim() const {
    return head_size != 0 ? head_size : heads == 0 ? 0 : d_model / heads;
  }
  unsigned kv_head_count() const { return kv_heads == 0 ? heads : kv_heads; }
  uint64_t q_dim() const { return uint64_t(heads) * head_dim(); }             // Q and O width
  uint64_t kv_dim() const { return uint64_t(kv_head_count()) * head_dim(); }  // K (or V) width
  // Shapes (rows = d_in, cols = d_out) of the frozen matrices of a layer: "qkv" (Wq|Wk|Wv),
  // "o", "ff1" (W1, or gate|up with gated_ffn) and "ff2". Throws std::invalid_argument.
  uint64_t matrix_rows(const std::string& weight) const;
  uint64_t matrix_cols(const std::string& weight) const;
  // Weights of one layer's projections (Q, K, V, O) and feed-forward matrices (2 d f, or 3 d f
  // gated). Biases and norm parameters are left out: they are not crossbar-resident matrices.
  uint64_t params_per_layer() const;
  // Bytes one token adds to the KV cache over all layers: 2 (K and V) x layers x kv_dim x bytes.
  uint64_t kv_bytes_per_token(unsigned bits) const;
  // Throws WorkloadError whose key() is the offending member name.
  void validate() const;
};

// Presets: roberta-base, bert-base, bert-large, gpt2-medium, bloom-560m, vit-base. The
// HuggingFace repository names (e.g. "FacebookAI/roberta-base", "bert-large-uncased",
// "bigscience/bloom-560m", "google/vit-base-patch16-224") are accepted as aliases.
ModelSpec model_preset(const std::string& name);
std::vector<std::string> model_preset_names();
bool is_model_preset(const std::string& name);

// What each field of a config.json did: the key, its value as written, and its effect on the
// model description and the operation graph ("ignored: ..." for fields the simulator does not
// use).
struct ConfigFieldEffect {
  std::string key, value, effect;
};

// Reads a HuggingFace config.json (see model_spec.cpp for the field names per family). With
// `explain`, every top-level field of the file is listed there, in the file's order.
ModelSpec load_hf_config(const std::string& path,
                         std::vector<ConfigFieldEffect>* explain = nullptr);

// Model presets held as published config.json files (workloads/models/<name>/config.json):
// qwen2.5-0.5b, llama-3.2-1b, tinyllama-1.1b, smollm2-360m. Their folder: ATLEUS_MODEL_DIR,
// else the installed share/atleus-vp/models, else the source tree. Empty when not found.
std::vector<std::string> hf_model_preset_names();
std::string hf_model_preset_path(const std::string& name);

// A preset name, or a path to a config.json (or a folder holding one).
ModelSpec resolve_model(const std::string& name_or_path,
                        std::vector<ConfigFieldEffect>* explain = nullptr);

}  // namespace atleus
