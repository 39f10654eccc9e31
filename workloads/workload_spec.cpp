#include "atleus/workloads/workload_spec.hpp"

#include "atleus/workloads/yaml_guard.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <filesystem>
#include <map>
#include <set>

namespace atleus {

// ---------------------------------------------------------------------------------------------
// Quantization

namespace {

bool parse_bits(const std::string& text, size_t* pos, unsigned* out) {
  const size_t start = *pos;
  unsigned value = 0;
  while (*pos < text.size() && std::isdigit(static_cast<unsigned char>(text[*pos]))) {
    value = value * 10 + static_cast<unsigned>(text[*pos] - '0');
    if (value > 1000) return false;
    ++*pos;
  }
  *out = value;
  return *pos > start;
}

void check_bits(unsigned bits, const char* key) {
  if (bits < 1 || bits > 16) {
    throw WorkloadError("", 0, 0, key,
                        "must be in [1, 16] bits (got " + std::to_string(bits) + ")");
  }
}

}  // namespace

QuantSpec QuantSpec::parse(const std::string& text) {
  QuantSpec q;
  size_t pos = 0;
  const auto is = [&](char c) {
    return pos < text.size() && std::toupper(static_cast<unsigned char>(text[pos])) == c;
  };
  bool ok = is('M');
  if (ok) ++pos;
  ok = ok && parse_bits(text, &pos, &q.mha_bits) && is('F');
  if (ok) ++pos;
  ok = ok && parse_bits(text, &pos, &q.ff_bits) && pos == text.size();
  if (!ok) {
    throw WorkloadError("", 0, 0, "quant",
                        "'" + text + "' is not MnFm (n-bit MHA, m-bit FF weights, e.g. M8F4)");
  }
  q.validate();
  return q;
}

std::string QuantSpec::name() const {
  return "M" + std::to_string(mha_bits) + "F" + std::to_string(ff_bits);
}

void QuantSpec::validate() const {
  check_bits(mha_bits, "mha_bits");
  check_bits(ff_bits, "ff_bits");
  check_bits(act_bits, "act_bits");
  check_bits(lora_bits, "lora_bits");
}

// ---------------------------------------------------------------------------------------------
// LoRA

const std::vector<std::string>& lora_target_names() {
  static const std::vector<std::string> names = {"q", "k", "v", "o", "ff1", "ff2"};
  return names;
}

void LoraSpec::validate(const ModelSpec& model) const {
  std::set<std::string> seen;
  for (const std::string& t : targets) {
    const auto& names = lora_target_names();
    if (std::find(names.begin(), names.end(), t) == names.end()) {
      throw WorkloadError("", 0, 0, "targets", "unknown target '" + t + "' (q, k, v, o, ff1, ff2)");
    }
    if (!seen.insert(t).second) {
      throw WorkloadError("", 0, 0, "targets", "target '" + t + "' is listed twice");
    }
  }
  if (!targets.empty() && (rank < 1 || rank > model.d_model)) {
    throw WorkloadError("", 0, 0, "rank",
                        "must be in [1, d_model = " + std::to_string(model.d_model) + "] (got " +
                            std::to_string(rank) + ")");
  }
}

// ---------------------------------------------------------------------------------------------
// Modes

Mode parse_mode(const std::string& text) {
  if (text == "inference") return Mode::kInference;
  if (text == "finetune" || text == "fine-tune") return Mode::kFinetune;
  if (text == "generate") return Mode::kGenerate;
  throw WorkloadError("", 0, 0, "mode",
                      "unknown mode '" + text + "' (inference, finetune, generate)");
}

BackwardMode parse_backward_mode(const std::string& text) {
  if (text == "full") return BackwardMode::kFull;
  if (text == "lora-only") return BackwardMode::kLoraOnly;
  throw WorkloadError("", 0, 0, "backward",
                      "unknown backward accounting '" + text + "' (full, lora-only)");
}

TransposeUnit parse_transpose_unit(const std::string& text) {
  if (text == "reram") return TransposeUnit::kReram;
  if (text == "systolic") return TransposeUnit::kSystolic;
  throw WorkloadError("", 0, 0, "transpose_on", "unknown unit '" + text + "' (reram, systolic)");
}

unsigned parse_duplication(const std::string& text) {
  if (text == "auto") return 0;
  bool digits = !text.empty() && text.size() <= 9;
  for (char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  const unsigned long n = digits ? std::stoul(text) : 0;
  if (n == 0) {
    throw WorkloadError("", 0, 0, "duplication",
                        "'" + text + "' is neither auto nor a positive number of copies");
  }
  return static_cast<unsigned>(n);
}

std::string duplication_name(unsigned duplication) {
  return duplication == 0 ? "auto" : std::to_string(duplication);
}

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::kInference:
      return "inference";
    case Mode::kFinetune:
      return "finetune";
    case Mode::kGenerate:
      return "generate";
  }
  return "?";
}

const char* to_string(BackwardMode mode) {
  return mode == BackwardMode::kFull ? "full" : "lora-only";
}

const char* to_string(TransposeUnit unit) {
  return unit == TransposeUnit::kReram ? "reram" : "systolic";
}

// ---------------------------------------------------------------------------------------------
// Workload

namespace {

// Re-raises a member's validation error with its key under `prefix`.
template <typename F>
void nested(const std::string& prefix, F&& check) {
  try {
    check();
  } catch (const WorkloadError& e) {
    throw WorkloadError("", 0, 0, e.key().empty() ? prefix : prefix + "." + e.key(), e.message());
  }
}

}  // namespace

void WorkloadSpec::validate() const {
  nested("model", [&] { model.validate(); });
  nested("task", [&] { task.validate_for(model); });
  nested("quant", [&] { quant.validate(); });
  nested("lora", [&] { lora.validate(model); });
  if (mode == Mode::kFinetune && lora.targets.empty()) {
    throw WorkloadError("", 0, 0, "lora.targets", "fine-tuning needs at least one LoRA target");
  }
  if (attention_tile == 0) throw WorkloadError("", 0, 0, "attention_tile", "must be > 0");
  if (mode == Mode::kGenerate) {
    generate.validate(model);
    if (task.seq_len != generate.prompt_len) {
      throw WorkloadError("", 0, 0, "seq_len",
                          "generation prefills the prompt: seq_len must equal prompt_len " +
                              std::to_string(generate.prompt_len));
    }
  }
}

void GenerateSpec::validate(const ModelSpec& model) const {
  if (!model.causal) {
    throw WorkloadError("", 0, 0, "mode",
                        "generation needs a causal decoder; '" + model.name + "' is a " +
                            model.family + " encoder");
  }
  if (prompt_len == 0) throw WorkloadError("", 0, 0, "prompt_len", "must be > 0");
  if (gen_len == 0) throw WorkloadError("", 0, 0, "gen_len", "must be > 0");
  if (uint64_t(prompt_len) + gen_len > model.max_seq_len) {
    throw WorkloadError("", 0, 0, "gen_len",
                        "prompt_len " + std::to_string(prompt_len) + " + gen_len " +
                            std::to_string(gen_len) + " exceeds the model's " +
                            std::to_string(model.max_seq_len) + " positions");
  }
  if (kv_bits == 0 || kv_bits > 32) throw WorkloadError("", 0, 0, "kv_bits", "must be 1..32");
  if (head_bits == 0 || head_bits > 32) throw WorkloadError("", 0, 0, "head_bits", "must be 1..32");
}

// ---------------------------------------------------------------------------------------------
// Workload YAML

namespace {

int one_based(int zero_based) {
  return zero_based >= 0 ? zero_based + 1 : 0;
}

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& key,
                         const std::string& message) const {
    throw WorkloadError(file_, one_based(mark.line), one_based(mark.column), key, message);
  }

  std::string scalar(const YAML::Node& v, const std::string& key) const {
    if (!v.IsScalar()) {
      // An empty value's mark is where the next token starts: point at its key instead.
      auto k = key_marks_.find(key);
      const YAML::Mark at = v.IsNull() && k != key_marks_.end() ? k->second : v.Mark();
      fail(at, key, "must be a single value, got " + describe(v));
    }
    return v.Scalar();
  }

  unsigned uint_of(const YAML::Node& v, const std::string& key) const {
    const std::string s = scalar(v, key);
    bool digits = !s.empty() && s.size() <= 9;
    for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits) fail(v.Mark(), key, "must be a non-negative integer, got '" + s + "'");
    return static_cast<unsigned>(std::stoul(s));
  }

  uint64_t uint64_of(const YAML::Node& v, const std::string& key) const {
    const std::string s = scalar(v, key);
    bool digits = !s.empty() && s.size() <= 18;
    for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits) fail(v.Mark(), key, "must be a non-negative integer, got '" + s + "'");
    return std::stoull(s);
  }

  bool bool_of(const YAML::Node& v, const std::string& key) const {
    const std::string s = scalar(v, key);
    if (s == "true") return true;
    if (s == "false") return false;
    fail(v.Mark(), key, "must be true or false, got '" + s + "'");
  }

  static std::string describe(const YAML::Node& v) {
    if (v.IsMap()) return "a map";
    if (v.IsSequence()) return "a list";
    if (v.IsNull()) return "nothing";
    return "'" + v.Scalar() + "'";
  }

  // Runs `parse` on a value, turning a WorkloadError without position into one at the value.
  template <typename F>
  auto at(const YAML::Node& v, const std::string& key, F&& parse) const {
    try {
      return parse();
    } catch (const WorkloadError& e) {
      if (e.file() == file_) throw;  // already placed in this file
      if (!e.file().empty()) {
        // An error inside another file (a config.json): keep its text, point at this value.
        fail(v.Mark(), key, e.what());
      }
      fail(v.Mark(), key, e.message());
    }
  }

  // Checks the keys of a map against the allowed list; remembers where each value sits.
  void check_keys(const YAML::Node& map, const std::string& prefix,
                  const std::vector<std::string>& allowed) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(it->first.Mark(), path, "unknown key (known: " + list + ")");
      }
      marks_[path] = it->second.Mark();
      key_marks_[path] = it->first.Mark();
    }
  }

  // Where the value of `path` (or of its nearest present parent) sits; the file start if none.
  YAML::Mark mark_of(std::string path) const {
    while (!path.empty()) {
      auto it = marks_.find(path);
      if (it != marks_.end()) return it->second;
      const size_t dot = path.rfind('.');
      path = dot == std::string::npos ? "" : path.substr(0, dot);
    }
    return YAML::Mark();
  }

  bool has(const std::string& path) const { return marks_.count(path) != 0; }

 private:
  std::string file_;
  std::map<std::string, YAML::Mark> marks_;
  std::map<std::string, YAML::Mark> key_marks_;
};

}  // namespace

WorkloadSpec load_workload_yaml(const std::string& path) {
  // The same checks as platform YAML: one document, no tags, no duplicate keys, aliases within
  // the expansion budget, UTF-8 text of bounded size.
  const YamlLimits limits;
  std::string text, reason;
  if (!read_regular_file(path, limits.max_bytes, &text, &reason)) {
    throw WorkloadError(path, 0, 0, "", "cannot open: " + reason);
  }
  const YamlProblem problem = check_yaml_text(text, limits);
  if (!problem.ok()) {
    throw WorkloadError(path, problem.line, problem.column, problem.key_path, problem.message);
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw WorkloadError(path, one_based(e.mark.line), one_based(e.mark.column), "", e.msg);
  }
  YamlReader r(path);
  if (!root.IsMap()) {
    r.fail(root.Mark(), "", "the top level must be a map of keys, got " + r.describe(root));
  }
  r.check_keys(root, "",
               {"model", "task", "mode", "backward", "quant", "lora", "transpose_on", "causal_skip",
                "attention_tile", "seq_len", "batch", "duplication"});

  WorkloadSpec spec;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();

  // Model: a preset, else a config.json path relative to this file.
  const YAML::Node model = root["model"];
  if (!model) r.fail(root.Mark(), "model", "missing required key");
  {
    const std::string name = r.scalar(model, "model");
    spec.model = r.at(model, "model", [&] {
      if (is_model_preset(name)) return model_preset(name);
      const std::filesystem::path p(name);
      const std::string resolved = p.is_absolute() || dir.empty() ? name : (dir / p).string();
      std::error_code ec;
      const bool path_like = std::filesystem::exists(resolved, ec) ||
                             name.find('/') != std::string::npos || p.extension() == ".json";
      // A bare word that is neither a preset nor a file is reported as an unknown model.
      return resolve_model(path_like ? resolved : name);
    });
  }

  const YAML::Node seq_override = root["seq_len"];
  const YAML::Node batch_override = root["batch"];

  // Task: a preset name or a custom map.
  const YAML::Node task = root["task"];
  if (!task) r.fail(root.Mark(), "task", "missing required key");
  if (task.IsMap()) {
    r.check_keys(task, "task", {"name", "seq_len", "batch", "sequences", "head_outputs"});
    const YAML::Node seq = task["seq_len"];
    if (!seq && !seq_override) r.fail(task.Mark(), "task.seq_len", "missing required key");
    TaskSpec t;
    t.name = task["name"] ? r.scalar(task["name"], "task.name") : "custom";
    t.seq_len = seq ? r.uint_of(seq, "task.seq_len") : 1;
    if (task["batch"]) t.batch = r.uint_of(task["batch"], "task.batch");
    // [default] one batch of sequences when the count is not given.
    t.training_examples =
        task["sequences"] ? r.uint64_of(task["sequences"], "task.sequences") : t.batch;
    if (task["head_outputs"]) {
      t.head_outputs = r.uint_of(task["head_outputs"], "task.head_outputs");
    }
    spec.task = t;
  } else {
    const std::string name = r.scalar(task, "task");
    spec.task = r.at(task, "task", [&] {
      // With a seq_len override the preset's own length need not fit the model.
      ModelSpec m = spec.model;
      if (seq_override) m.max_seq_len = UINT_MAX;
      TaskSpec t = task_preset(name, m);
      if (name == "wikitext") t.seq_len = std::min(t.seq_len, spec.model.max_seq_len);
      return t;
    });
  }
  if (seq_override) spec.task.seq_len = r.uint_of(seq_override, "seq_len");
  if (batch_override) spec.task.batch = r.uint_of(batch_override, "batch");

  if (const YAML::Node v = root["mode"]) {
    spec.mode = r.at(v, "mode", [&] { return parse_mode(r.scalar(v, "mode")); });
    spec.mode_given = true;
  }
  if (const YAML::Node v = root["backward"]) {
    spec.backward =
        r.at(v, "backward", [&] { return parse_backward_mode(r.scalar(v, "backward")); });
  }
  if (const YAML::Node v = root["transpose_on"]) {
    spec.transpose_on =
        r.at(v, "transpose_on", [&] { return parse_transpose_unit(r.scalar(v, "transpose_on")); });
  }
  if (const YAML::Node v = root["causal_skip"]) spec.causal_skip = r.bool_of(v, "causal_skip");
  if (const YAML::Node v = root["attention_tile"]) {
    spec.attention_tile = r.uint_of(v, "attention_tile");
  }
  if (const YAML::Node v = root["duplication"]) {
    spec.duplication =
        r.at(v, "duplication", [&] { return parse_duplication(r.scalar(v, "duplication")); });
  }

  if (const YAML::Node v = root["quant"]) {
    if (v.IsMap()) {
      r.check_keys(v, "quant", {"mha_bits", "ff_bits", "act_bits", "lora_bits"});
      if (v["mha_bits"]) spec.quant.mha_bits = r.uint_of(v["mha_bits"], "quant.mha_bits");
      if (v["ff_bits"]) spec.quant.ff_bits = r.uint_of(v["ff_bits"], "quant.ff_bits");
      if (v["act_bits"]) spec.quant.act_bits = r.uint_of(v["act_bits"], "quant.act_bits");
      if (v["lora_bits"]) spec.quant.lora_bits = r.uint_of(v["lora_bits"], "quant.lora_bits");
    } else {
      spec.quant = r.at(v, "quant", [&] { return QuantSpec::parse(r.scalar(v, "quant")); });
    }
  }

  if (const YAML::Node v = root["lora"]) {
    if (!v.IsMap()) r.fail(v.Mark(), "lora", "must be a map {rank, targets}, got " + r.describe(v));
    r.check_keys(v, "lora", {"rank", "targets"});
    if (v["rank"]) spec.lora.rank = r.uint_of(v["rank"], "lora.rank");
    if (const YAML::Node t = v["targets"]) {
      if (!t.IsSequence()) {
        r.fail(t.Mark(), "lora.targets", "must be a list, e.g. [q, v], got " + r.describe(t));
      }
      spec.lora.targets.clear();
      for (size_t i = 0; i < t.size(); ++i) {
        const std::string key = "lora.targets[" + std::to_string(i) + "]";
        spec.lora.targets.push_back(r.scalar(t[i], key));
      }
    }
  }

  try {
    spec.validate();
  } catch (const WorkloadError& e) {
    // Point at the value that set the offending member: an override wins over the task's.
    std::string key = e.key();
    if (key == "task.seq_len" && r.has("seq_len")) key = "seq_len";
    if (key == "task.batch" && r.has("batch")) key = "batch";
    r.fail(r.mark_of(key), key, e.message());
  }
  return spec;
}

}  // namespace atleus
