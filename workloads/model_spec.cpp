#include "atleus/workloads/model_spec.hpp"

#include <algorithm>
#include <cstdlib>
#include "atleus/workloads/yaml_guard.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <utility>

namespace atleus {

namespace {

std::string compose(const std::string& file, int line, int column, const std::string& key,
                    const std::string& message) {
  std::string out;
  if (!file.empty()) {
    out = file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
  }
  if (!key.empty()) out += key + ": ";
  out += message;
  // what() is one line, whatever the message carried (e.g. a JSON parser's text).
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

WorkloadError::WorkloadError(const std::string& message)
    : std::runtime_error(compose("", 0, 0, "", message)), message_(message) {}

WorkloadError::WorkloadError(std::string file, int line, int column, std::string key,
                             const std::string& message)
    : std::runtime_error(compose(file, line, column, key, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      message_(message) {}

uint64_t ModelSpec::matrix_rows(const std::string& w) const {
  if (w == "qkv" || w == "ff1") return d_model;
  if (w == "o") return q_dim();
  if (w == "ff2") return d_ff;
  throw std::invalid_argument("unknown resident matrix '" + w + "'");
}

uint64_t ModelSpec::matrix_cols(const std::string& w) const {
  if (w == "qkv") return q_dim() + 2 * kv_dim();
  if (w == "o" || w == "ff2") return d_model;
  if (w == "ff1") return (gated_ffn ? 2 : 1) * uint64_t(d_ff);
  throw std::invalid_argument("unknown resident matrix '" + w + "'");
}

uint64_t ModelSpec::params_per_layer() const {
  uint64_t total = 0;
  for (const char* w : {"qkv", "o", "ff1", "ff2"}) total += matrix_rows(w) * matrix_cols(w);
  return total;
}

uint64_t ModelSpec::kv_bytes_per_token(unsigned bits) const {
  return (2 * uint64_t(layers) * kv_dim() * bits + 7) / 8;
}

void ModelSpec::validate() const {
  auto fail = [](const char* key, const std::string& message) {
    throw WorkloadError("", 0, 0, key, message);
  };
  if (family != "bert" && family != "roberta" && family != "gpt2" && family != "bloom" &&
      family != "vit" && family != "llama" && family != "qwen2" && family != "mistral" &&
      family != "phi3") {
    fail("family", "unknown family '" + family +
                       "' (bert, roberta, gpt2, bloom, vit, llama, qwen2, mistral, phi3)");
  }
  // Upper limits: what the operation graph and the mapping can represent (sizes in 64 bits,
  // counts in 32), well above any published transformer.
  auto at_most = [&](const char* key, uint64_t value, uint64_t limit) {
    if (value > limit) {
      fail(key,
           "must be at most " + std::to_string(limit) + " (got " + std::to_string(value) + ")");
    }
  };
  if (layers == 0) fail("layers", "must be > 0");
  at_most("layers", layers, kMaxLayers);
  if (d_model == 0) fail("d_model", "must be > 0");
  at_most("d_model", d_model, kMaxWidth);
  if (heads == 0) fail("heads", "must be > 0");
  if (head_size == 0 && d_model % heads != 0) {
    fail("heads", "d_model " + std::to_string(d_model) + " is not divisible by heads " +
                      std::to_string(heads));
  }
  if (kv_heads != 0 && (kv_heads > heads || heads % kv_heads != 0)) {
    fail("kv_heads", "heads " + std::to_string(heads) + " is not a multiple of kv_heads " +
                         std::to_string(kv_heads));
  }
  if (d_ff == 0) fail("d_ff", "must be > 0");
  at_most("d_ff", d_ff, 4 * kMaxWidth);
  if (max_seq_len == 0) fail("max_seq_len", "must be > 0");
  if (vocab_size == 0) fail("vocab_size", "must be > 0");
  at_most("vocab_size", vocab_size, kMaxVocab);
  // The special-function unit runs norms and element-wise activations; RMSNorm takes the layer
  // norm's pass (one fewer reduction, counted as the same work) and SiLU the GELU's.
  if (norm != "layernorm" && norm != "rmsnorm") {
    fail("norm", "unsupported norm '" + norm + "' (layernorm, rmsnorm)");
  }
  if (activation != "gelu" && activation != "silu") {
    fail("activation", "unsupported activation '" + activation + "' (gelu, silu)");
  }
  if (gated_ffn && activation != "silu") {
    fail("activation", "a gated (SwiGLU) feed-forward needs silu, got '" + activation + "'");
  }
  if (position != "learned" && position != "alibi" && position != "patch" && position != "rope") {
    fail("position", "unknown position encoding '" + position + "' (learned, alibi, patch, rope)");
  }
}

namespace {

ModelSpec make(const std::string& name, const std::string& family, unsigned layers, unsigned d,
               unsigned heads, unsigned f, unsigned seq, unsigned vocab, bool causal,
               const std::string& position) {
  ModelSpec m;
  m.name = name;
  m.family = family;
  m.layers = layers;
  m.d_model = d;
  m.heads = heads;
  m.d_ff = f;
  m.max_seq_len = seq;
  m.vocab_size = vocab;
  m.causal = causal;
  m.position = position;
  return m;
}

// The presets. Numbers are those of each model's HuggingFace config.json (field names in
// brackets); the paper lists the same shapes (Atleus section 7).
std::vector<ModelSpec> presets() {
  return {
      // huggingface.co/FacebookAI/roberta-base config.json: num_hidden_layers 12,
      // hidden_size 768, num_attention_heads 12, intermediate_size 3072,
      // max_position_embeddings 514, vocab_size 50265. RoBERTa numbers positions from
      // pad_token_id + 1 = 2, so 514 positions hold 512 tokens.
      make("roberta-base", "roberta", 12, 768, 12, 3072, 512, 50265, false, "learned"),
      // huggingface.co/google-bert/bert-base-uncased config.json: 12 layers, hidden 768,
      // 12 heads, intermediate 3072, max_position_embeddings 512, vocab_size 30522.
      make("bert-base", "bert", 12, 768, 12, 3072, 512, 30522, false, "learned"),
      // huggingface.co/google-bert/bert-large-uncased config.json: 24 layers, hidden 1024,
      // 16 heads, intermediate 4096, max_position_embeddings 512, vocab_size 30522.
      make("bert-large", "bert", 24, 1024, 16, 4096, 512, 30522, false, "learned"),
      // huggingface.co/openai-community/gpt2-medium config.json: n_layer 24, n_embd 1024,
      // n_head 16, n_inner null (HF default 4 x n_embd = 4096), n_positions 1024,
      // vocab_size 50257. Decoder: causal.
      make("gpt2-medium", "gpt2", 24, 1024, 16, 4096, 1024, 50257, true, "learned"),
      // huggingface.co/bigscience/bloom-560m config.json: n_layer 24, hidden_size 1024,
      // n_head 16, n_inner null (4 x hidden = 4096), vocab_size 250880. ALiBi has no position
      // table; 2048 is the training sequence length of the BLOOM models (model card,
      // "Sequence length: 2048 tokens"). Decoder: causal.
      make("bloom-560m", "bloom", 24, 1024, 16, 4096, 2048, 250880, true, "alibi"),
      // huggingface.co/google/vit-base-patch16-224 config.json: num_hidden_layers 12,
      // hidden_size 768, num_attention_heads 12, intermediate_size 3072, image_size 224,
      // patch_size 16 -> (224 / 16)^2 = 196 patches + 1 CLS token = 197; id2label has 1000
      // ImageNet-1k classes (the "vocabulary" of its classification head).
      make("vit-base", "vit", 12, 768, 12, 3072, 197, 1000, false, "patch"),
  };
}

const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> table = {
      {"FacebookAI/roberta-base", "roberta-base"},
      {"bert-base-uncased", "bert-base"},
      {"google-bert/bert-base-uncased", "bert-base"},
      {"bert-large-uncased", "bert-large"},
      {"google-bert/bert-large-uncased", "bert-large"},
      {"openai-community/gpt2-medium", "gpt2-medium"},
      {"bigscience/bloom-560m", "bloom-560m"},
      {"google/vit-base-patch16-224", "vit-base"},
      {"vit-base-patch16-224", "vit-base"},
  };
  return table;
}

std::string canonical_name(const std::string& name) {
  auto it = aliases().find(name);
  return it == aliases().end() ? name : it->second;
}

}  // namespace

std::vector<std::string> model_preset_names() {
  std::vector<std::string> names;
  for (const ModelSpec& m : presets()) names.push_back(m.name);
  return names;
}

bool is_model_preset(const std::string& name) {
  const std::string canon = canonical_name(name);
  for (const ModelSpec& m : presets()) {
    if (m.name == canon) return true;
  }
  return false;
}

ModelSpec model_preset(const std::string& name) {
  const std::string canon = canonical_name(name);
  for (const ModelSpec& m : presets()) {
    if (m.name == canon) return m;
  }
  std::string list;
  for (const std::string& n : model_preset_names()) list += (list.empty() ? "" : ", ") + n;
  throw WorkloadError("unknown model preset '" + name + "' (presets: " + list + ")");
}

// ---------------------------------------------------------------------------------------------
// HuggingFace config.json

namespace {

using nlohmann::json;

constexpr std::size_t kMaxConfigBytes = std::size_t{8} << 20;

const char* json_type(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_float()) return "a fractional number";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

class HfReader {
 public:
  HfReader(std::string file, const json& doc) : file_(std::move(file)), doc_(doc) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw WorkloadError(file_, 0, 0, "", message);
  }
  [[noreturn]] void fail_key(const std::string& key, const std::string& message) const {
    throw WorkloadError(file_, 0, 0, key, message);
  }

  // The first of `keys` present (a JSON null counts as absent when `null_is_absent`).
  std::optional<std::pair<std::string, unsigned>> find_uint(const std::vector<std::string>& keys,
                                                            bool null_is_absent = false) const {
    for (const std::string& key : keys) {
      auto it = doc_.find(key);
      if (it == doc_.end()) continue;
      if (it->is_null() && null_is_absent) continue;
      if (!it->is_number_integer() || it->is_number_float()) {
        fail_key(key, "must be a positive integer, got " + std::string(json_type(*it)));
      }
      const int64_t v = it->get<int64_t>();
      if (v <= 0 || v > int64_t(0xFFFFFFFFu)) {
        fail_key(key, "must be in [1, 4294967295] (got " + std::to_string(v) + ")");
      }
      found_[keys.front()] = key;
      return std::make_pair(key, static_cast<unsigned>(v));
    }
    return std::nullopt;
  }

  unsigned require_uint(const std::vector<std::string>& keys) const {
    auto found = find_uint(keys);
    if (!found) fail(missing(keys));
    return found->second;
  }

  static std::string missing(const std::vector<std::string>& keys) {
    std::string message = "missing field '" + keys.front() + "'";
    for (size_t i = 1; i < keys.size(); ++i) message += " (or '" + keys[i] + "')";
    return message;
  }

  std::string require_string(const std::string& key) const {
    auto it = doc_.find(key);
    if (it == doc_.end()) fail("missing field '" + key + "'");
    if (!it->is_string()) fail_key(key, "must be a string, got " + std::string(json_type(*it)));
    return it->get<std::string>();
  }

  std::optional<std::string> find_string(const std::vector<std::string>& keys) const {
    for (const std::string& key : keys) {
      auto it = doc_.find(key);
      if (it == doc_.end() || it->is_null()) continue;
      if (!it->is_string()) fail_key(key, "must be a string, got " + std::string(json_type(*it)));
      return it->get<std::string>();
    }
    return std::nullopt;
  }

  const json& doc() const { return doc_; }

  // The field a ModelSpec member was read from (e.g. "n_layer" for layers), for errors.
  std::string field_of(const std::string& member) const {
    static const std::map<std::string, std::string> first = {{"layers", "num_hidden_layers"},
                                                             {"d_model", "hidden_size"},
                                                             {"heads", "num_attention_heads"},
                                                             {"d_ff", "intermediate_size"},
                                                             {"vocab_size", "vocab_size"}};
    auto f = first.find(member);
    if (f == first.end()) return member;
    auto it = found_.find(f->second);
    return it == found_.end() ? member : it->second;
  }

 private:
  mutable std::map<std::string, std::string> found_;  // first name of a field -> name found
  std::string file_;
  const json& doc_;
};

std::string stem_of(const std::string& path) {
  // "…/roberta-base/config.json" names the model after its folder; "x.json" after the file.
  std::string p = path;
  const size_t slash = p.find_last_of('/');
  std::string file = slash == std::string::npos ? p : p.substr(slash + 1);
  if (file == "config.json" && slash != std::string::npos && slash > 0) {
    const std::string dir = p.substr(0, slash);
    const size_t s2 = dir.find_last_of('/');
    return s2 == std::string::npos ? dir : dir.substr(s2 + 1);
  }
  const size_t dot = file.rfind('.');
  return dot == std::string::npos ? file : file.substr(0, dot);
}

// GELU variants all run on the SFU's GELU: "gelu_new", "gelu_fast", "gelu_pytorch_tanh" and
// BLOOM's "bloom_gelu" are the tanh approximation, "gelu" the erf form.
std::string activation_of(const std::string& hf) {
  if (hf.rfind("gelu", 0) == 0 || hf == "bloom_gelu") return "gelu";
  return hf;
}

}  // namespace

namespace {

bool is_llama_style(const std::string& type) {
  return type == "llama" || type == "qwen2" || type == "mistral" || type == "phi3";
}

// Llama-style decoders (HF LlamaConfig, Qwen2Config, MistralConfig, Phi3Config share these field
// names): RMSNorm, rotary positions, SwiGLU feed-forward, grouped-query attention.
ModelSpec load_llama_style(const HfReader& r, const std::string& type, const std::string& path) {
  ModelSpec m;
  m.family = type;
  m.causal = true;
  m.norm = "rmsnorm";
  m.position = "rope";
  m.gated_ffn = true;
  m.name = r.find_string({"_name_or_path"}).value_or(stem_of(path));
  if (m.name.empty()) m.name = stem_of(path);
  m.d_model = r.require_uint({"hidden_size"});
  m.d_ff = r.require_uint({"intermediate_size"});
  m.layers = r.require_uint({"num_hidden_layers"});
  m.heads = r.require_uint({"num_attention_heads"});
  m.vocab_size = r.require_uint({"vocab_size"});
  m.max_seq_len = r.require_uint({"max_position_embeddings"});
  // HF: num_key_value_heads absent or null means plain multi-head attention.
  if (auto kv = r.find_uint({"num_key_value_heads"}, true)) m.kv_heads = kv->second;
  if (auto hd = r.find_uint({"head_dim"}, true)) m.head_size = hd->second;
  const json& doc = r.doc();
  if (auto tie = doc.find("tie_word_embeddings"); tie != doc.end()) {
    if (!tie->is_boolean()) {
      r.fail(std::string("field 'tie_word_embeddings' must be a boolean, got ") + json_type(*tie));
    }
    m.tie_word_embeddings = tie->get<bool>();
  }
  const std::string act = r.require_string("hidden_act");
  if (act != "silu" && act != "swish") {
    r.fail("field 'hidden_act': the SwiGLU feed-forward of model_type '" + type +
           "' needs silu, got '" + act + "'");
  }
  m.activation = "silu";
  // Sliding-window attention would bound the KV cache; it is not modelled.
  if (auto w = doc.find("use_sliding_window");
      w != doc.end() && w->is_boolean() && w->get<bool>()) {
    r.fail("field 'use_sliding_window': sliding-window attention is not modelled");
  }
  if (type == "mistral") {
    if (auto w = doc.find("sliding_window"); w != doc.end() && !w->is_null()) {
      r.fail("field 'sliding_window': sliding-window attention is not modelled (set it to null)");
    }
  }
  try {
    m.validate();
  } catch (const WorkloadError& e) {
    r.fail(e.key() + ": " + e.message());
  }
  return m;
}

std::string value_text(const json& v) {
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// What each top-level field did, in key order.
std::vector<ConfigFieldEffect> explain_fields(const json& doc, const ModelSpec& m) {
  const bool llama = is_llama_style(m.family);
  const std::string d = std::to_string(m.d_model), f = std::to_string(m.d_ff);
  const std::string dh = std::to_string(m.head_dim());
  auto dims = [&m](const char* w) {
    return std::to_string(m.matrix_rows(w)) + " x " + std::to_string(m.matrix_cols(w));
  };
  std::map<std::string, std::string> effect = {
      {"model_type", "family " + m.family +
                         (llama ? ": causal decoder, RMSNorm, rotary positions, SwiGLU feed-forward"
                          : m.causal ? ": causal decoder, layer norm, two-matrix feed-forward"
                                     : ": encoder, layer norm, two-matrix feed-forward")},
      {"hidden_size", "d_model = " + d + ": rows of qkv and ff1, columns of o and ff2, norms"},
      {"n_embd", "d_model = " + d + ": rows of qkv and ff1, columns of o and ff2, norms"},
      {"num_hidden_layers", "layers = " + std::to_string(m.layers) + ": the layer program runs " +
                                std::to_string(m.layers) + " times"},
      {"n_layer", "layers = " + std::to_string(m.layers)},
      {"num_attention_heads", "heads = " + std::to_string(m.heads) +
                                  ": attention products per query head (count " +
                                  std::to_string(m.heads) + ")"},
      {"n_head", "heads = " + std::to_string(m.heads)},
      {"num_key_value_heads", "kv_heads = " + std::to_string(m.kv_head_count()) + ": K and V " +
                                  std::to_string(m.kv_dim()) + " wide each (qkv " + dims("qkv") +
                                  "); KV cache 2 x layers x " + std::to_string(m.kv_dim()) +
                                  " values per token"},
      {"head_dim", "head width " + dh + ": Q and attention context " + std::to_string(m.q_dim()) +
                       " wide (o " + dims("o") + ")"},
      {"intermediate_size", "d_ff = " + f + ": ff1 " + dims("ff1") +
                                (m.gated_ffn ? " (gate | up)" : "") + ", ff2 " + dims("ff2")},
      {"n_inner", "d_ff = " + f + ": ff1 " + dims("ff1") + ", ff2 " + dims("ff2")},
      {"max_position_embeddings", "max_seq_len = " + std::to_string(m.max_seq_len) +
                                      ": longest sequence (prompt + generated tokens) accepted"},
      {"n_positions", "max_seq_len = " + std::to_string(m.max_seq_len)},
      {"seq_length", "max_seq_len = " + std::to_string(m.max_seq_len)},
      {"vocab_size", "head: d_model x " + std::to_string(m.vocab_size) +
                         " product per output token (LM head), weights from HBM"},
      {"tie_word_embeddings",
       m.tie_word_embeddings
           ? "true: the head reuses the embedding matrix (one vocab x d_model copy stored)"
           : "false: the head has its own vocab x d_model matrix (two copies stored)"},
      {"hidden_act", "activation " + m.activation + " on the SFU" +
                         (m.gated_ffn ? " (silu(gate) x up, d_ff elements per token)" : "")},
      {"activation_function", "activation " + m.activation + " on the SFU"},
      {"image_size", "with patch_size: tokens = patches + CLS = " + std::to_string(m.max_seq_len)},
      {"patch_size", "with image_size: tokens = " + std::to_string(m.max_seq_len)},
      {"id2label", "head outputs = " + std::to_string(m.vocab_size) + " classes"},
      {"pad_token_id", m.family == "roberta" ? "position offset of RoBERTa (pad_token_id + 1)"
                                             : "ignored: token ids do not change the work"},
      {"_name_or_path", "model name '" + m.name + "'"},
      {"_source", "ignored: provenance of the values (not a HuggingFace field)"},
      {"rms_norm_eps", "ignored: numerics of RMSNorm only, not its work"},
      {"layer_norm_eps", "ignored: numerics of the layer norm only, not its work"},
      {"layer_norm_epsilon", "ignored: numerics of the layer norm only, not its work"},
      {"rope_theta", "ignored: rotary frequencies change values, not work"},
      {"rope_scaling", "ignored: rotary frequency scaling changes values, not work"},
      {"attention_bias", "ignored: bias adds are not crossbar-resident matrices"},
      {"mlp_bias", "ignored: bias adds are not crossbar-resident matrices"},
      {"use_sliding_window", "false: full attention over the whole KV cache"},
      {"sliding_window", "ignored: use_sliding_window is false (full attention)"},
      {"max_window_layers", "ignored: applies to sliding-window attention only (off)"},
      {"torch_dtype", "ignored: weights take the --quant / workload widths, activations act_bits"},
  };
  if (m.family == "mistral") effect["sliding_window"] = "null: full attention";
  std::vector<ConfigFieldEffect> out;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    auto e = effect.find(it.key());
    out.push_back({it.key(), value_text(it.value()),
                   e == effect.end() ? "ignored: not used by the simulator" : e->second});
  }
  if (llama && doc.find("num_key_value_heads") == doc.end()) {
    out.push_back({"num_key_value_heads", "(absent)", "kv_heads = heads (as HuggingFace)"});
  }
  if (llama && doc.find("tie_word_embeddings") == doc.end()) {
    out.push_back({"tie_word_embeddings", "(absent)", "false (as HuggingFace)"});
  }
  return out;
}

}  // namespace

ModelSpec load_hf_config(const std::string& path, std::vector<ConfigFieldEffect>* explain) {
  std::string text, reason;
  if (!read_regular_file(path, kMaxConfigBytes, &text, &reason)) {
    throw WorkloadError(path, 0, 0, "", "cannot open: " + reason);
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    // The parser's text without its "[json.exception.parse_error.101]" prefix.
    std::string why = e.what();
    const auto bracket = why.find("] ");
    if (why.rfind("[json.exception", 0) == 0 && bracket != std::string::npos)
      why = why.substr(bracket + 2);
    throw WorkloadError(path, 0, 0, "", "invalid JSON: " + why);
  }
  if (!doc.is_object()) {
    throw WorkloadError(path, 0, 0, "",
                        std::string("the top level must be a JSON object, got ") + json_type(doc));
  }
  const HfReader r(path, doc);

  ModelSpec m;
  const std::string type = r.require_string("model_type");
  if (is_llama_style(type)) {
    m = load_llama_style(r, type, path);
    if (explain) *explain = explain_fields(doc, m);
    return m;
  }
  if (type != "bert" && type != "roberta" && type != "gpt2" && type != "bloom" && type != "vit") {
    r.fail("unsupported model_type '" + type +
           "' (bert, roberta, gpt2, bloom, vit, llama, qwen2, mistral, phi3)");
  }
  m.family = type;
  m.causal = type == "gpt2" || type == "bloom";
  m.position = type == "bloom" ? "alibi" : type == "vit" ? "patch" : "learned";
  m.name = r.find_string({"_name_or_path"}).value_or(stem_of(path));
  if (m.name.empty()) m.name = stem_of(path);

  m.d_model = r.require_uint({"hidden_size", "n_embd"});
  m.layers = r.require_uint({"num_hidden_layers", "n_layer"});
  m.heads = r.require_uint({"num_attention_heads", "n_head"});

  // GPT-2 and BLOOM leave n_inner null: HF's GPT2MLP / BloomMLP then use 4 x hidden size.
  const bool inner_defaults = type == "gpt2" || type == "bloom";
  if (auto f = r.find_uint({"intermediate_size", "n_inner"}, inner_defaults)) {
    m.d_ff = f->second;
  } else if (inner_defaults) {
    m.d_ff = 4 * m.d_model;
  } else {
    r.fail(HfReader::missing({"intermediate_size", "n_inner"}));
  }

  if (type == "vit") {
    // Tokens = patches of the image + the CLS token; the head's classes from id2label.
    const unsigned image = r.require_uint({"image_size"});
    const unsigned patch = r.require_uint({"patch_size"});
    if (image % patch != 0) {
      r.fail("image_size " + std::to_string(image) + " is not a multiple of patch_size " +
             std::to_string(patch));
    }
    const uint64_t side = image / patch;
    const uint64_t tokens = side * side + 1;
    if (tokens > kMaxSeqLen) {
      r.fail_key("image_size", "(image_size / patch_size)^2 + 1 = " + std::to_string(tokens) +
                                   " tokens, more than " + std::to_string(kMaxSeqLen));
    }
    m.max_seq_len = static_cast<unsigned>(tokens);
    auto labels = doc.find("id2label");
    if (labels != doc.end()) {
      if (!labels->is_object()) {
        r.fail(std::string("field 'id2label' must be an object, got ") + json_type(*labels));
      }
      if (labels->empty() || labels->size() > kMaxVocab) {
        r.fail_key("id2label", "must hold 1 to " + std::to_string(kMaxVocab) + " labels (got " +
                                   std::to_string(labels->size()) + ")");
      }
      m.vocab_size = static_cast<unsigned>(labels->size());
    } else {
      m.vocab_size = r.require_uint({"num_labels"});
    }
  } else {
    if (type == "bloom") {
      // ALiBi has no position table: the training length is the limit, when the file has it.
      auto seq = r.find_uint({"seq_length", "max_position_embeddings"});
      if (!seq) {
        r.fail(HfReader::missing({"seq_length"}) +
               ": BLOOM (ALiBi) configs carry no position limit; add the sequence length");
      }
      m.max_seq_len = seq->second;
    } else {
      m.max_seq_len = r.require_uint({"max_position_embeddings", "n_positions"});
    }
    if (type == "roberta") {
      // RoBERTa's positions start after the padding index (pad_token_id + 1).
      unsigned offset = 2;
      if (auto pad = doc.find("pad_token_id"); pad != doc.end() && pad->is_number_integer()) {
        const int64_t id = pad->get<int64_t>();
        if (id < 0 || id >= int64_t{1} << 24) {
          r.fail_key("pad_token_id", "must be in [0, 16777215] (got " + std::to_string(id) + ")");
        }
        offset = static_cast<unsigned>(id + 1);
      }
      if (m.max_seq_len <= offset) {
        r.fail("max_position_embeddings " + std::to_string(m.max_seq_len) +
               " leaves no positions after the padding offset " + std::to_string(offset));
      }
      m.max_seq_len -= offset;
    }
    m.vocab_size = r.require_uint({"vocab_size"});
  }

  if (auto act = r.find_string({"hidden_act", "activation_function"})) {
    m.activation = activation_of(*act);
  }
  try {
    m.validate();
  } catch (const WorkloadError& e) {
    r.fail_key(r.field_of(e.key()), e.message());
  }
  if (explain) *explain = explain_fields(doc, m);
  return m;
}

namespace {

const std::vector<std::string>& hf_presets() {
  static const std::vector<std::string> names = {"qwen2.5-0.5b", "llama-3.2-1b", "tinyllama-1.1b",
                                                 "smollm2-360m"};
  return names;
}

const std::map<std::string, std::string>& hf_aliases() {
  static const std::map<std::string, std::string> table = {
      {"Qwen/Qwen2.5-0.5B", "qwen2.5-0.5b"},
      {"meta-llama/Llama-3.2-1B", "llama-3.2-1b"},
      {"TinyLlama/TinyLlama-1.1B-Chat-v1.0", "tinyllama-1.1b"},
      {"HuggingFaceTB/SmolLM2-360M", "smollm2-360m"},
  };
  return table;
}

std::vector<std::filesystem::path> hf_preset_dirs() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("ATLEUS_MODEL_DIR")) dirs.emplace_back(env);
#ifdef ATLEUS_MODEL_INSTALL_DIR
  dirs.emplace_back(ATLEUS_MODEL_INSTALL_DIR);
#endif
#ifdef ATLEUS_MODEL_SOURCE_DIR
  dirs.emplace_back(ATLEUS_MODEL_SOURCE_DIR);
#endif
  return dirs;
}

std::string preset_list() {
  std::string list;
  for (const std::string& n : model_preset_names()) list += (list.empty() ? "" : ", ") + n;
  for (const std::string& n : hf_presets()) list += ", " + n;
  return list;
}

}  // namespace

std::vector<std::string> hf_model_preset_names() {
  return hf_presets();
}

std::string hf_model_preset_path(const std::string& name) {
  auto alias = hf_aliases().find(name);
  const std::string canon = alias == hf_aliases().end() ? name : alias->second;
  if (std::find(hf_presets().begin(), hf_presets().end(), canon) == hf_presets().end()) return {};
  for (const auto& dir : hf_preset_dirs()) {
    const auto file = dir / canon / "config.json";
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) return file.string();
  }
  return {};
}

ModelSpec resolve_model(const std::string& name_or_path, std::vector<ConfigFieldEffect>* explain) {
  if (is_model_preset(name_or_path)) {
    if (explain) explain->clear();
    return model_preset(name_or_path);
  }
  const std::string hf = hf_model_preset_path(name_or_path);
  if (!hf.empty()) {
    ModelSpec m = load_hf_config(hf, explain);
    auto alias = hf_aliases().find(name_or_path);
    m.name = alias == hf_aliases().end() ? name_or_path : alias->second;
    return m;
  }
  const bool hf_name =
      hf_aliases().count(name_or_path) != 0 ||
      std::find(hf_presets().begin(), hf_presets().end(), name_or_path) != hf_presets().end();
  if (hf_name) {
    throw WorkloadError("model preset '" + name_or_path +
                        "': its config.json is not found (set ATLEUS_MODEL_DIR to the folder "
                        "holding <name>/config.json)");
  }
  // A model folder as HuggingFace saves it holds its config.json.
  std::error_code ec;
  if (std::filesystem::is_directory(name_or_path, ec)) {
    return load_hf_config((std::filesystem::path(name_or_path) / "config.json").string(), explain);
  }
  if (std::ifstream(name_or_path)) return load_hf_config(name_or_path, explain);
  const bool json_name =
      name_or_path.size() > 5 && name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0;
  if (json_name || name_or_path.find('/') != std::string::npos) {
    throw WorkloadError(name_or_path, 0, 0, "", "cannot open the file");
  }
  throw WorkloadError("unknown model '" + name_or_path + "' (presets: " + preset_list() +
                      "; or a path to a HuggingFace config.json)");
}

}  // namespace atleus
