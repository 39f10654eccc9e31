// Operation graph: per-layer MACs by phase and unit against the transformer formulas
// (forward ReRAM n(4d^2 + 2df), SA attention 2 d S + LoRA 2ndr per target, full backward the
// same ReRAM work plus 5 d S + 4ndr per target on the SA, LoRA-only backward 3ndr per target),
// with S the query-key pairs after causal tile skipping, counted here tile by tile. Also the
// program structure (topological order, one output), HBM traffic of saved activations and the
// move of transposed products to the systolic array.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "atleus/workloads/op_graph.hpp"

using namespace atleus;

namespace {

// Pairs computed per head: every (query tile, key tile) pair with key tile <= query tile, each
// worth rows x cols of its tiles.
uint64_t pairs_by_tiles(uint64_t n, uint64_t b) {
  uint64_t total = 0;
  for (uint64_t qi = 0; qi * b < n; ++qi) {
    const uint64_t rows = std::min(b, n - qi * b);
    for (uint64_t kj = 0; kj <= qi; ++kj) total += rows * std::min(b, n - kj * b);
  }
  return total;
}

WorkloadSpec workload(const std::string& model, unsigned n, BackwardMode backward,
                      bool causal_skip = true) {
  WorkloadSpec w;
  w.model = model_preset(model);
  w.task = custom_task(n, 16, 1000);
  w.mode = Mode::kFinetune;
  w.backward = backward;
  w.causal_skip = causal_skip;
  return w;
}

void check_structure(const LayerProgram& p) {
  std::set<std::string> names;
  int outputs = 0;
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    const Kernel& k = p.kernels[i];
    INFO(k.name);
    CHECK(names.insert(k.name).second);
    for (int d : k.deps) CHECK((d == kLayerInput || (d >= 0 && d < static_cast<int>(i))));
    outputs += k.layer_output ? 1 : 0;
  }
  if (!p.kernels.empty()) CHECK(outputs == 1);
}

uint64_t sum_hbm_write(const LayerProgram& p) {
  uint64_t total = 0;
  for (const Kernel& k : p.kernels) total += k.hbm_write_bytes;
  return total;
}

struct Dims {
  uint64_t L, n, d, h, f, r, targets, S;
};

Dims dims_of(const WorkloadSpec& w, uint64_t pairs) {
  return {w.model.layers, w.task.seq_len, w.model.d_model,       w.model.heads,
          w.model.d_ff,   w.lora.rank,    w.lora.targets.size(), pairs};
}

void check_macs(const WorkloadGraph& g, const Dims& x) {
  const uint64_t reram = x.n * (4 * x.d * x.d + 2 * x.d * x.f);
  CHECK(g.macs(Phase::kForward, Unit::kReram) == x.L * reram);
  CHECK(g.macs(Phase::kForward, Unit::kSystolic) ==
        x.L * (2 * x.d * x.S + 2 * x.n * x.d * x.r * x.targets));
  CHECK(g.macs(Phase::kForward, Unit::kSfu) == 0);
  if (g.spec.backward == BackwardMode::kFull) {
    CHECK(g.macs(Phase::kBackward, Unit::kReram) == x.L * reram);
    CHECK(g.macs(Phase::kBackward, Unit::kSystolic) ==
          x.L * (5 * x.d * x.S + 4 * x.n * x.d * x.r * x.targets));
  } else {
    CHECK(g.macs(Phase::kBackward, Unit::kReram) == 0);
    CHECK(g.macs(Phase::kBackward, Unit::kSystolic) == x.L * 3 * x.n * x.d * x.r * x.targets);
  }
  CHECK(g.macs(Phase::kUpdate, Unit::kSfu) == 0);
  // SFU forward: softmax over the computed pairs, two layer norms (n x d), GELU (n x f).
  CHECK(g.sfu_elements(Phase::kForward) == x.L * (x.h * x.S + 2 * x.n * x.d + x.n * x.f));
  // Adam over A (d x r) and B (r x d) of every target and layer, once per batch.
  CHECK(g.sfu_elements(Phase::kUpdate) == x.L * x.targets * 2 * x.d * x.r);
}

}  // namespace

TEST_CASE("op_graph: causal pairs tile by tile", "[op_graph]") {
  CHECK(causal_pairs(1024, 128) == 128ull * 128 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8));
  CHECK(causal_pairs(1024, 128) == pairs_by_tiles(1024, 128));
  // Partial last block: rows 128, 128, 44 meeting 128, 256, 300 keys.
  CHECK(causal_pairs(300, 128) == 128ull * 128 + 128ull * 256 + 44ull * 300);
  CHECK(causal_pairs(300, 128) == pairs_by_tiles(300, 128));
  CHECK(causal_pairs(1, 128) == 1);
  // Tile 1: exactly the lower triangle with the diagonal.
  CHECK(causal_pairs(100, 1) == 100ull * 101 / 2);
  // One tile covering everything: no skipping.
  CHECK(causal_pairs(384, 512) == 384ull * 384);
}

TEST_CASE("op_graph: roberta-base n=384 MACs, both backward modes", "[op_graph]") {
  for (BackwardMode mode : {BackwardMode::kFull, BackwardMode::kLoraOnly}) {
    INFO(to_string(mode));
    const WorkloadSpec w = workload("roberta-base", 384, mode);
    const WorkloadGraph g = build_graph(w);
    // Encoder: no causal skipping, S = n^2.
    check_macs(g, dims_of(w, 384ull * 384));
    // The paper's layer numbers (d = 768): forward ReRAM 12 d^2 n.
    CHECK(g.macs(Phase::kForward, Unit::kReram) == 12ull * 12 * 768 * 768 * 384);
  }
}

TEST_CASE("op_graph: gpt2-medium n=1024 MACs, causal skip on and off", "[op_graph]") {
  for (bool skip : {true, false}) {
    for (BackwardMode mode : {BackwardMode::kFull, BackwardMode::kLoraOnly}) {
      INFO("skip " << skip << " " << to_string(mode));
      const WorkloadSpec w = workload("gpt2-medium", 1024, mode, skip);
      const WorkloadGraph g = build_graph(w);
      check_macs(g, dims_of(w, skip ? pairs_by_tiles(1024, 128) : 1024ull * 1024));
    }
  }
  // Skipping saves 1 - 36/64 of the attention work at 8 tiles.
  const WorkloadGraph on = build_graph(workload("gpt2-medium", 1024, BackwardMode::kFull, true));
  const WorkloadGraph off = build_graph(workload("gpt2-medium", 1024, BackwardMode::kFull, false));
  const uint64_t lora = 24ull * 2 * 1024 * 1024 * 32 * 2;
  CHECK((on.macs(Phase::kForward, Unit::kSystolic) - lora) * 64 ==
        (off.macs(Phase::kForward, Unit::kSystolic) - lora) * 36);
}

TEST_CASE("op_graph: programs are valid and shaped as the contract says", "[op_graph]") {
  const WorkloadSpec w = workload("roberta-base", 384, BackwardMode::kFull);
  const WorkloadGraph g = build_graph(w);
  for (const LayerProgram* p : {&g.forward, &g.backward, &g.head, &g.update}) check_structure(*p);

  const Kernel& qkv = g.forward.at("qkv_proj");
  CHECK(qkv.unit == Unit::kReram);
  CHECK(qkv.weight == "qkv");
  CHECK((qkv.m == 384 && qkv.k == 768 && qkv.n == 3 * 768));
  CHECK(qkv.deps == std::vector<int>{kLayerInput});
  CHECK(g.forward.kernels.front().name == "qkv_proj");
  CHECK(g.forward.at("ln2").layer_output);
  CHECK(g.backward.at("qkv_dx").layer_output);
  CHECK(g.forward.at("attn_scores").count == 12);
  CHECK(g.forward.at("attn_softmax").func == SfuFunc::kSoftmax);
  CHECK(g.forward.at("attn_softmax").m == 12 * 384);
  CHECK(g.backward.at("attn_softmax_bwd").backward_fn);
  CHECK(g.backward.at("ln2_bwd").deps == std::vector<int>{kLayerInput});

  // LoRA on q: its B feeds the scores; on v: the context. Adapters come from HBM.
  const int b_q = g.forward.index_of("lora_b_q");
  const int b_v = g.forward.index_of("lora_b_v");
  REQUIRE(b_q >= 0);
  REQUIRE(b_v >= 0);
  const auto& sdeps = g.forward.at("attn_scores").deps;
  const auto& cdeps = g.forward.at("attn_context").deps;
  CHECK(std::find(sdeps.begin(), sdeps.end(), b_q) != sdeps.end());
  CHECK(std::find(cdeps.begin(), cdeps.end(), b_v) != cdeps.end());
  CHECK(g.forward.at("lora_a_q").hbm_read_bytes == 2ull * 768 * 32 * 16 / 8);
  CHECK(g.forward.index_of("lora_a_k") == -1);
  // Full backward has all four LoRA products per target; LoRA-only three.
  for (const char* k : {"lora_db_q", "lora_dxa_q", "lora_da_q", "lora_dx_q", "lora_dx_v"}) {
    CHECK(g.backward.index_of(k) >= 0);
  }
  const WorkloadGraph lo = build_graph(workload("roberta-base", 384, BackwardMode::kLoraOnly));
  check_structure(lo.backward);
  CHECK(lo.backward.kernels.size() == 3 * 2);
  CHECK(lo.backward.index_of("lora_dx_q") == -1);
  CHECK(lo.backward.kernels.front().deps == std::vector<int>{kLayerInput});

  // Update: Adam rows = layers x targets, columns = 2 d r.
  REQUIRE(g.update.kernels.size() == 1);
  const Kernel& adam = g.update.kernels[0];
  CHECK(adam.func == SfuFunc::kAdam);
  CHECK(adam.phase == Phase::kUpdate);
  CHECK(adam.m == 12 * 2);
  CHECK(adam.k == 2 * 768 * 32);

  // Head: n x d x head_outputs on the SA, loss softmax and its backward for fine-tuning.
  const Kernel& head = g.head.at("head_proj");
  CHECK(head.unit == Unit::kSystolic);
  CHECK(head.macs == 384ull * 768 * 1);
  CHECK(g.head.at("loss_softmax_bwd").backward_fn);
}

TEST_CASE("op_graph: inference has forward and head only", "[op_graph]") {
  WorkloadSpec w = workload("gpt2-medium", 1024, BackwardMode::kFull);
  w.mode = Mode::kInference;
  w.task = task_preset("wikitext", w.model);
  const WorkloadGraph g = build_graph(w);
  check_structure(g.forward);
  check_structure(g.head);
  CHECK(g.backward.empty());
  CHECK(g.update.empty());
  REQUIRE(g.head.kernels.size() == 1);
  CHECK(g.head.kernels[0].layer_output);
  CHECK(g.head.kernels[0].macs == 1024ull * 1024 * 50257);  // LM head over the vocabulary
  CHECK(sum_hbm_write(g.forward) == 0);                     // nothing saved for backward
  CHECK(g.macs(Phase::kBackward, Unit::kSystolic) == 0);
}

TEST_CASE("op_graph: fine-tuning saves what backward needs", "[op_graph]") {
  // roberta-base, n = 384, 8-bit activations, 16-bit LoRA, targets q and v.
  const uint64_t n = 384, d = 768, h = 12, f = 3072, r = 32;
  const WorkloadGraph full = build_graph(workload("roberta-base", 384, BackwardMode::kFull));
  // X, Q, K, V, context, ln1 out (n d each, 1 byte), ff1 out (n f), fp32 max and sum per row
  // and head, and X.A per target (n r, 2 bytes).
  CHECK(sum_hbm_write(full.forward) == 6 * n * d + n * f + h * n * 8 + 2 * n * r * 2);
  // LoRA-only: X for the q/v adapters' weight gradients and X.A per target.
  const WorkloadGraph lo = build_graph(workload("roberta-base", 384, BackwardMode::kLoraOnly));
  CHECK(sum_hbm_write(lo.forward) == n * d + 2 * n * r * 2);
}

TEST_CASE("op_graph: transposes on the systolic array stream the weights", "[op_graph]") {
  WorkloadSpec w = workload("bert-large", 512, BackwardMode::kFull);
  w.quant = QuantSpec::parse("M8F4");
  const WorkloadGraph on_reram = build_graph(w);
  w.transpose_on = TransposeUnit::kSystolic;
  const WorkloadGraph on_sa = build_graph(w);
  const uint64_t n = 512, d = 1024, f = 4096, L = 24;
  const uint64_t transposed = L * n * (4 * d * d + 2 * d * f);

  CHECK(on_sa.macs(Phase::kBackward, Unit::kReram) == 0);
  CHECK(on_sa.macs(Phase::kBackward, Unit::kSystolic) ==
        on_reram.macs(Phase::kBackward, Unit::kSystolic) + transposed);
  CHECK(on_sa.macs(Phase::kForward, Unit::kReram) == transposed);  // forward stays on ReRAM

  // Each moved product reads its matrix at its weight bits: MHA 8-bit, FF 4-bit.
  struct Moved {
    const char* name;
    uint64_t bytes;
  };
  for (const Moved& m : {Moved{"qkv_dx", d * 3 * d}, Moved{"o_dx", d * d},
                         Moved{"ff1_dx", d * f / 2}, Moved{"ff2_dx", f * d / 2}}) {
    INFO(m.name);
    const Kernel& a = on_reram.backward.at(m.name);
    const Kernel& b = on_sa.backward.at(m.name);
    CHECK(a.unit == Unit::kReram);
    CHECK(b.unit == Unit::kSystolic);
    CHECK(a.transposed);
    CHECK(b.transposed);
    CHECK(a.weight == b.weight);
    CHECK(b.hbm_read_bytes - a.hbm_read_bytes == m.bytes);
    CHECK(a.macs == b.macs);
  }
}

TEST_CASE("op_graph: feed-forward targets use d_ff-wide adapters", "[op_graph]") {
  WorkloadSpec w = workload("roberta-base", 128, BackwardMode::kFull);
  w.lora.targets = {"ff2", "ff1", "o"};
  const WorkloadGraph g = build_graph(w);
  for (const LayerProgram* p : {&g.forward, &g.backward, &g.head, &g.update}) check_structure(*p);
  const uint64_t n = 128, d = 768, f = 3072, r = 32, L = 12;
  // Adapter MACs: forward n r (in + out), full backward twice that, per target.
  const uint64_t io = (d + d) + (d + f) + (f + d);
  CHECK(g.macs(Phase::kForward, Unit::kSystolic) == L * (2 * d * n * n + n * r * io));
  CHECK(g.macs(Phase::kBackward, Unit::kSystolic) == L * (5 * d * n * n + 2 * n * r * io));
  CHECK(g.forward.at("lora_b_ff1").n == f);
  CHECK(g.forward.at("lora_a_ff2").k == f);
  CHECK(g.sfu_elements(Phase::kUpdate) == L * r * io);
  // The gelu backward waits for the ff2 adapter's input gradient as well.
  const auto& deps = g.backward.at("gelu_bwd").deps;
  CHECK(std::find(deps.begin(), deps.end(), g.backward.index_of("lora_dx_ff2")) != deps.end());
}

TEST_CASE("op_graph: invalid workloads are refused", "[op_graph]") {
  WorkloadSpec w = workload("roberta-base", 384, BackwardMode::kFull);
  w.lora.targets.clear();
  CHECK_THROWS_AS(build_graph(w), WorkloadError);  // fine-tuning without adapters
  w.mode = Mode::kInference;
  const WorkloadGraph g = build_graph(w);  // inference without adapters is fine
  CHECK(g.macs(Phase::kForward, Unit::kSystolic) == 12ull * 2 * 768 * 384 * 384);
  w.task.seq_len = 600;
  CHECK_THROWS_AS(build_graph(w), WorkloadError);
}
