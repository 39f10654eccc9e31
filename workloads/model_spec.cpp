#include "atleus/workloads/model_spec.hpp"

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

uint64_t ModelSpec::params_per_layer() const {
  const uint64_t d = d_model;
  const uint64_t f = d_ff;
  return 4 * d * d + 2 * d * f;
}

void ModelSpec::validate() const {
  auto fail = [](const char* key, const std::string& message) {
    throw WorkloadError("", 0, 0, key, message);
  };
  if (family != "bert" && family != "roberta" && family != "gpt2" && family != "bloom" &&
      family != "vit") {
    fail("family", "unknown family '" + family + "' (bert, roberta, gpt2, bloom, vit)");
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
  if (d_model % heads != 0) {
    fail("heads", "d_model " + std::to_string(d_model) + " is not divisible by heads " +
                      std::to_string(heads));
  }
  if (d_ff == 0) fail("d_ff", "must be > 0");
  at_most("d_ff", d_ff, 4 * kMaxWidth);
  if (max_seq_len == 0) fail("max_seq_len", "must be > 0");
  if (vocab_size == 0) fail("vocab_size", "must be > 0");
  at_most("vocab_size", vocab_size, kMaxVocab);
  // The special-function unit models layer norm and GELU only.
  if (norm != "layernorm") fail("norm", "unsupported norm '" + norm + "' (layernorm)");
  if (activation != "gelu") {
    fail("activation", "unsupported activation '" + activation + "' (gelu)");
  }
  if (position != "learned" && position != "alibi" && position != "patch") {
    fail("position", "unknown position encoding '" + position + "' (learned, alibi, patch)");
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

ModelSpec load_hf_config(const std::string& path) {
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
  if (type != "bert" && type != "roberta" && type != "gpt2" && type != "bloom" && type != "vit") {
    r.fail("unsupported model_type '" + type + "' (bert, roberta, gpt2, bloom, vit)");
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
  return m;
}

ModelSpec resolve_model(const std::string& name_or_path) {
  if (is_model_preset(name_or_path)) return model_preset(name_or_path);
  // A model folder as HuggingFace saves it holds its config.json.
  std::error_code ec;
  if (std::filesystem::is_directory(name_or_path, ec)) {
    return load_hf_config((std::filesystem::path(name_or_path) / "config.json").string());
  }
  if (std::ifstream(name_or_path)) return load_hf_config(name_or_path);
  const bool json_name =
      name_or_path.size() > 5 && name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0;
  if (json_name || name_or_path.find('/') != std::string::npos) {
    throw WorkloadError(name_or_path, 0, 0, "", "cannot open the file");
  }
  std::string list;
  for (const std::string& n : model_preset_names()) list += (list.empty() ? "" : ", ") + n;
  throw WorkloadError("unknown model '" + name_or_path + "' (presets: " + list +
                      "; or a path to a HuggingFace config.json)");
}

}  // namespace atleus
