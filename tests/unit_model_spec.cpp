// Workload description: model presets against the HuggingFace configs' numbers, the
// config.json reader, quantization strings, task presets and the workload YAML with its errors.
// Expected numbers are the public config.json values (tests/data/hf/README.md) and the task
// sizes of the paper (section 7).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"
#include "atleus/workloads/workload_spec.hpp"

using namespace atleus;

namespace {

std::string hf(const std::string& name) {
  return std::string(ATLEUS_SOURCE_DIR) + "/tests/data/hf/" + name;
}

template <typename F>
WorkloadError error_of(F&& action) {
  try {
    action();
  } catch (const WorkloadError& e) {
    return e;
  }
  FAIL("expected a WorkloadError");
  throw std::logic_error("unreachable");
}

// A fresh folder for YAML files written by a test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/atleus_wl_XXXXXX";
    const char* made = mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    for (const std::string& f : files_) std::remove(f.c_str());
    rmdir(path_.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    files_.push_back(file);
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

struct Shape {
  unsigned layers, d, heads, f, seq, vocab;
  bool causal;
  const char* family;
  const char* position;
};

void check_shape(const ModelSpec& m, const Shape& s) {
  INFO(m.name);
  CHECK(m.layers == s.layers);
  CHECK(m.d_model == s.d);
  CHECK(m.heads == s.heads);
  CHECK(m.d_ff == s.f);
  CHECK(m.max_seq_len == s.seq);
  CHECK(m.vocab_size == s.vocab);
  CHECK(m.causal == s.causal);
  CHECK(m.family == s.family);
  CHECK(m.position == s.position);
  CHECK(m.norm == "layernorm");
  CHECK(m.activation == "gelu");
}

// The public configs' numbers (RoBERTa: 514 positions minus the padding offset 2; ViT:
// (224 / 16)^2 patches + CLS; BLOOM: 2048 training length; GPT-2/BLOOM d_ff = 4 x hidden).
const Shape kRoberta{12, 768, 12, 3072, 514 - 2, 50265, false, "roberta", "learned"};
const Shape kBertBase{12, 768, 12, 3072, 512, 30522, false, "bert", "learned"};
const Shape kBertLarge{24, 1024, 16, 4096, 512, 30522, false, "bert", "learned"};
const Shape kGpt2Medium{24, 1024, 16, 4 * 1024, 1024, 50257, true, "gpt2", "learned"};
const Shape kBloom{24, 1024, 16, 4 * 1024, 2048, 250880, true, "bloom", "alibi"};
const Shape kVit{12, 768, 12, 3072, (224 / 16) * (224 / 16) + 1, 1000, false, "vit", "patch"};

}  // namespace

TEST_CASE("model_spec: presets carry the HuggingFace configs' numbers", "[model_spec]") {
  check_shape(model_preset("roberta-base"), kRoberta);
  check_shape(model_preset("bert-base"), kBertBase);
  check_shape(model_preset("bert-large"), kBertLarge);
  check_shape(model_preset("gpt2-medium"), kGpt2Medium);
  check_shape(model_preset("bloom-560m"), kBloom);
  check_shape(model_preset("vit-base"), kVit);
  CHECK(model_preset_names().size() == 6);
  for (const std::string& name : model_preset_names()) CHECK_NOTHROW(model_preset(name).validate());
  // HuggingFace repository names are aliases.
  check_shape(model_preset("bert-large-uncased"), kBertLarge);
  check_shape(model_preset("google/vit-base-patch16-224"), kVit);
  CHECK(model_preset("bigscience/bloom-560m").name == "bloom-560m");
}

TEST_CASE("model_spec: derived sizes", "[model_spec]") {
  const ModelSpec m = model_preset("bert-large");
  CHECK(m.head_dim() == 64);
  // 4 d^2 + 2 d f = 4 * 1024^2 + 2 * 1024 * 4096 = 12 d^2 when f = 4d (paper section 2: 12.6 M).
  CHECK(m.params_per_layer() == 12ull * 1024 * 1024);
  const ModelSpec r = model_preset("roberta-base");
  CHECK(r.params_per_layer() == 4ull * 768 * 768 + 2ull * 768 * 3072);
}

TEST_CASE("model_spec: unknown preset lists the presets", "[model_spec]") {
  const WorkloadError e = error_of([] { model_preset("gpt3"); });
  CHECK_THAT(e.what(), Catch::Contains("gpt3") && Catch::Contains("roberta-base"));
}

TEST_CASE("model_spec: validate names the member", "[model_spec]") {
  ModelSpec m = model_preset("bert-base");
  m.heads = 7;  // 768 is not divisible by 7
  CHECK(error_of([&] { m.validate(); }).key() == "heads");
  m = model_preset("bert-base");
  m.activation = "relu";
  CHECK(error_of([&] { m.validate(); }).key() == "activation");
  m = model_preset("bert-base");
  m.layers = 0;
  CHECK(error_of([&] { m.validate(); }).key() == "layers");
}

TEST_CASE("model_spec: every HuggingFace test config loads as its preset", "[model_spec]") {
  check_shape(load_hf_config(hf("roberta-base.json")), kRoberta);
  check_shape(load_hf_config(hf("bert-base-uncased.json")), kBertBase);
  check_shape(load_hf_config(hf("bert-large-uncased.json")), kBertLarge);
  check_shape(load_hf_config(hf("gpt2-medium.json")), kGpt2Medium);
  check_shape(load_hf_config(hf("bloom-560m.json")), kBloom);
  check_shape(load_hf_config(hf("vit-base-patch16-224.json")), kVit);
  // resolve_model takes a preset or a path.
  check_shape(resolve_model(hf("gpt2-medium.json")), kGpt2Medium);
  check_shape(resolve_model("gpt2-medium"), kGpt2Medium);
  CHECK(load_hf_config(hf("roberta-base.json")).name == "roberta-base");
}

TEST_CASE("model_spec: config errors name the file and the field", "[model_spec]") {
  const std::string missing = hf("missing-hidden-size.json");
  WorkloadError e = error_of([&] { load_hf_config(missing); });
  CHECK(std::string(e.what()) == missing + ": missing field 'hidden_size' (or 'n_embd')");

  e = error_of([&] { load_hf_config(hf("bad-model-type.json")); });
  CHECK_THAT(e.what(), Catch::Contains("model_type 't5'"));

  e = error_of([&] { load_hf_config(hf("wrong-type.json")); });
  CHECK_THAT(e.what(), Catch::EndsWith(": n_embd: must be a positive integer, got a string"));

  // The public BLOOM file has no length (ALiBi): the loader asks for seq_length.
  e = error_of([&] { load_hf_config(hf("bloom-560m-no-seq-length.json")); });
  CHECK_THAT(e.what(), Catch::Contains("missing field 'seq_length'"));

  e = error_of([&] { load_hf_config(hf("does-not-exist.json")); });
  CHECK_THAT(e.what(), Catch::Contains("does-not-exist.json: cannot open"));

  e = error_of([] { resolve_model("no-such-model"); });
  CHECK_THAT(e.what(), Catch::Contains("unknown model 'no-such-model'"));
}

TEST_CASE("model_spec: config edge cases", "[model_spec]") {
  TempDir dir;
  // BERT without intermediate_size: no family default, an error.
  std::string f = dir.write("a.json",
                            R"({"model_type": "bert", "hidden_size": 64, "num_hidden_layers": 2,
                                "num_attention_heads": 4, "max_position_embeddings": 128,
                                "vocab_size": 100})");
  CHECK_THAT(error_of([&] { load_hf_config(f); }).what(),
             Catch::Contains("missing field 'intermediate_size' (or 'n_inner')"));
  // A GPT-2 n_inner given explicitly wins over the 4 x default.
  f = dir.write("b.json", R"({"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4,
                              "n_inner": 100, "n_positions": 128, "vocab_size": 100})");
  CHECK(load_hf_config(f).d_ff == 100);
  // A fractional number and invalid JSON are errors; ViT classes from id2label.
  f = dir.write("c.json", R"({"model_type": "gpt2", "n_embd": 64.5, "n_layer": 2, "n_head": 4,
                              "n_positions": 128, "vocab_size": 100})");
  CHECK_THAT(error_of([&] { load_hf_config(f); }).what(),
             Catch::EndsWith(": n_embd: must be a positive integer, got a fractional number"));
  f = dir.write("d.json", "{\"model_type\": ");
  CHECK_THAT(error_of([&] { load_hf_config(f); }).what(), Catch::Contains("invalid JSON"));
  f = dir.write("e.json", R"({"model_type": "vit", "hidden_size": 64, "num_hidden_layers": 2,
                              "num_attention_heads": 4, "intermediate_size": 256,
                              "image_size": 32, "patch_size": 8,
                              "id2label": {"0": "cat", "1": "dog", "2": "bird"}})");
  const ModelSpec vit = load_hf_config(f);
  CHECK(vit.vocab_size == 3);
  CHECK(vit.max_seq_len == (32 / 8) * (32 / 8) + 1);
  // Heads that do not divide the width fail validation, naming the file.
  f = dir.write("g.json", R"({"model_type": "bert", "hidden_size": 65, "num_hidden_layers": 2,
                              "num_attention_heads": 4, "intermediate_size": 256,
                              "max_position_embeddings": 128, "vocab_size": 100})");
  CHECK_THAT(error_of([&] { load_hf_config(f); }).what(),
             Catch::StartsWith(f) && Catch::Contains("heads"));
}

TEST_CASE("model_spec: quantization strings", "[model_spec]") {
  QuantSpec q = QuantSpec::parse("M8F4");
  CHECK(q.mha_bits == 8);
  CHECK(q.ff_bits == 4);
  CHECK(q.act_bits == 8);
  CHECK(q.lora_bits == 16);
  CHECK(q.name() == "M8F4");
  q = QuantSpec::parse("m4f16");
  CHECK(q.mha_bits == 4);
  CHECK(q.ff_bits == 16);
  CHECK(q.name() == "M4F16");
  for (const char* bad : {"", "M8", "F8", "8F8", "M8F", "M0F8", "M8F17", "M8F8x", "MF8", "M-1F8"}) {
    INFO(bad);
    CHECK_THROWS_AS(QuantSpec::parse(bad), WorkloadError);
  }
  CHECK(error_of([] { QuantSpec::parse("M8F17"); }).key() == "ff_bits");
}

TEST_CASE("model_spec: modes parse and print", "[model_spec]") {
  CHECK(parse_mode("inference") == Mode::kInference);
  CHECK(parse_mode("finetune") == Mode::kFinetune);
  CHECK(parse_backward_mode("lora-only") == BackwardMode::kLoraOnly);
  CHECK(parse_backward_mode("full") == BackwardMode::kFull);
  CHECK(parse_transpose_unit("systolic") == TransposeUnit::kSystolic);
  CHECK(std::string(to_string(BackwardMode::kLoraOnly)) == "lora-only");
  CHECK(std::string(to_string(TransposeUnit::kReram)) == "reram");
  CHECK_THROWS_AS(parse_mode("training"), WorkloadError);
  CHECK_THROWS_AS(parse_backward_mode("partial"), WorkloadError);
  CHECK_THROWS_AS(parse_transpose_unit("gpu"), WorkloadError);
}

TEST_CASE("model_spec: LoRA targets", "[model_spec]") {
  const ModelSpec m = model_preset("roberta-base");
  LoraSpec l;
  CHECK(l.rank == 32);
  CHECK(l.targets == std::vector<std::string>{"q", "v"});
  CHECK_NOTHROW(l.validate(m));
  l.targets = {"q", "k", "v", "o", "ff1", "ff2"};
  CHECK_NOTHROW(l.validate(m));
  l.targets = {"q", "x"};
  CHECK(error_of([&] { l.validate(m); }).key() == "targets");
  l.targets = {"q", "q"};
  CHECK(error_of([&] { l.validate(m); }).key() == "targets");
  l.targets = {"q"};
  l.rank = 0;
  CHECK(error_of([&] { l.validate(m); }).key() == "rank");
  l.rank = 769;
  CHECK(error_of([&] { l.validate(m); }).key() == "rank");
}

TEST_CASE("model_spec: task presets", "[model_spec]") {
  const ModelSpec roberta = model_preset("roberta-base");
  const TaskSpec squad = task_preset("squad", roberta);
  CHECK(squad.seq_len == 384);
  CHECK(squad.batch == 16);
  CHECK(squad.training_examples == 130319);
  CHECK(squad.head_outputs == 2);
  CHECK(squad.sequences_per_epoch() == 130319);

  const TaskSpec swag = task_preset("swag", roberta);
  CHECK(swag.seq_len == 128);
  CHECK(swag.training_examples == 73546);
  CHECK(swag.sequences_per_example == 4);
  CHECK(swag.head_outputs == 1);
  CHECK(swag.sequences_per_epoch() == 73546ull * 4);

  const TaskSpec wiki = task_preset("wikitext", model_preset("gpt2-medium"));
  CHECK(wiki.seq_len == 1024);
  CHECK(wiki.training_examples == 36718);
  CHECK(wiki.head_outputs == 50257);
  // min(1024, model max): BERT's 512 limit wins; BLOOM's 2048 does not.
  CHECK(task_preset("wikitext", model_preset("bert-base")).seq_len == 512);
  CHECK(task_preset("wikitext", model_preset("bloom-560m")).seq_len == 1024);

  // SQuAD's 384 tokens do not fit ViT's 197.
  const WorkloadError e = error_of([] { task_preset("squad", model_preset("vit-base")); });
  CHECK(e.key() == "seq_len");
  CHECK_THAT(e.what(), Catch::Contains("384") && Catch::Contains("197"));
  CHECK_THROWS_AS(task_preset("glue", roberta), WorkloadError);

  const TaskSpec c = custom_task(256, 8, 1000);
  CHECK(c.seq_len == 256);
  CHECK(c.batch == 8);
  CHECK(c.sequences_per_epoch() == 1000);
  CHECK_NOTHROW(c.validate_for(roberta));
  CHECK(error_of([] { custom_task(513, 8, 10).validate_for(model_preset("bert-base")); }).key() ==
        "seq_len");
  CHECK_THROWS_AS(custom_task(0, 8, 10), WorkloadError);
}

TEST_CASE("model_spec: workload YAML loads every key", "[model_spec]") {
  TempDir dir;
  // A config.json next to the YAML, named relative to it.
  std::ifstream src(hf("gpt2-medium.json"));
  std::string json((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
  dir.write("gpt2.json", json);
  const std::string path = dir.write("w.yaml",
                                     "model: gpt2.json\n"
                                     "task: wikitext\n"
                                     "mode: finetune\n"
                                     "backward: lora-only\n"
                                     "quant: M8F4\n"
                                     "lora: {rank: 16, targets: [q, k, v, o]}\n"
                                     "transpose_on: systolic\n"
                                     "causal_skip: false\n"
                                     "attention_tile: 64\n"
                                     "seq_len: 512\n"
                                     "batch: 4\n");
  const WorkloadSpec w = load_workload_yaml(path);
  check_shape(w.model, kGpt2Medium);
  CHECK(w.task.name == "wikitext");
  CHECK(w.task.seq_len == 512);
  CHECK(w.task.batch == 4);
  CHECK(w.task.head_outputs == 50257);
  CHECK(w.mode == Mode::kFinetune);
  CHECK(w.backward == BackwardMode::kLoraOnly);
  CHECK(w.quant.mha_bits == 8);
  CHECK(w.quant.ff_bits == 4);
  CHECK(w.lora.rank == 16);
  CHECK(w.lora.targets == std::vector<std::string>{"q", "k", "v", "o"});
  CHECK(w.transpose_on == TransposeUnit::kSystolic);
  CHECK_FALSE(w.causal_skip);
  CHECK(w.attention_tile == 64);

  // Defaults, a custom task map and a quant map.
  const std::string p2 = dir.write("w2.yaml",
                                   "model: roberta-base\n"
                                   "task: {seq_len: 256, batch: 8, sequences: 1000}\n"
                                   "mode: inference\n"
                                   "quant: {mha_bits: 4, ff_bits: 8, act_bits: 8}\n");
  const WorkloadSpec w2 = load_workload_yaml(p2);
  CHECK(w2.task.seq_len == 256);
  CHECK(w2.task.batch == 8);
  CHECK(w2.task.sequences_per_epoch() == 1000);
  CHECK(w2.mode == Mode::kInference);
  CHECK(w2.backward == BackwardMode::kFull);
  CHECK(w2.quant.name() == "M4F8");
  CHECK(w2.lora.rank == 32);
  CHECK(w2.transpose_on == TransposeUnit::kReram);
  CHECK(w2.causal_skip);
  CHECK(w2.attention_tile == 128);

  // A preset's length need not fit when it is overridden.
  const std::string p3 = dir.write("w3.yaml", "model: vit-base\ntask: squad\nseq_len: 197\n");
  CHECK(load_workload_yaml(p3).task.seq_len == 197);
}

TEST_CASE("model_spec: workload YAML errors give file:line:col and key", "[model_spec]") {
  TempDir dir;
  auto check = [&](const std::string& text, int line, int column, const std::string& key,
                   const std::string& part) {
    const std::string path = dir.write("e" + std::to_string(line) + key + ".yaml", text);
    const WorkloadError e = error_of([&] { load_workload_yaml(path); });
    INFO(e.what());
    CHECK(e.file() == path);
    CHECK(e.line() == line);
    CHECK(e.column() == column);
    CHECK(e.key() == key);
    CHECK_THAT(e.what(), Catch::StartsWith(path + ":" + std::to_string(line) + ":" +
                                           std::to_string(column) + ": " + key + ": ") &&
                             Catch::Contains(part));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  };
  check("model: roberta-base\ntask: squad\nmode: training\n", 3, 7, "mode", "unknown mode");
  check("model: roberta-base\ntask: squad\nquant: M8X4\n", 3, 8, "quant", "MnFm");
  check("model: roberta-base\ntask: squad\nseq_len: 600\n", 3, 10, "seq_len", "exceed");
  check("model: roberta-base\ntask: squad\nbatches: 4\n", 3, 1, "batches", "unknown key");
  check("model: robert-base\ntask: squad\n", 1, 8, "model", "unknown model");
  check("model: missing.json\ntask: squad\n", 1, 8, "model", "cannot open");
  check("model: roberta-base\ntask: squad\nlora: {rank: 8, targets: [q, w]}\n", 3, 26,
        "lora.targets", "unknown target 'w'");
  check("model: roberta-base\ntask:\n  seq_len: 1024\n", 3, 12, "task.seq_len", "exceed");
  check("model: roberta-base\ntask: squad\nbatch: -3\n", 3, 8, "batch", "integer");
  check("model: roberta-base\ntask: squad\nlora: {targets: []}\n", 3, 17, "lora.targets",
        "at least one");
  // YAML syntax error: yaml-cpp's position.
  const std::string bad = dir.write("syntax.yaml", "model: roberta-base\ntask: [squad\n");
  const WorkloadError e = error_of([&] { load_workload_yaml(bad); });
  CHECK(e.line() >= 2);
  CHECK_THAT(e.what(), Catch::StartsWith(bad + ":"));
  CHECK_THAT(error_of([&] { load_workload_yaml(dir.path() + "/none.yaml"); }).what(),
             Catch::Contains("cannot open"));
}
