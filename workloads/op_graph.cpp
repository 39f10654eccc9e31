#include "atleus/workloads/op_graph.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace atleus {

const char* to_string(Unit unit) {
  switch (unit) {
    case Unit::kReram:
      return "reram";
    case Unit::kSystolic:
      return "systolic";
    case Unit::kSfu:
      return "sfu";
  }
  return "?";
}

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::kForward:
      return "forward";
    case Phase::kBackward:
      return "backward";
    case Phase::kUpdate:
      return "update";
  }
  return "?";
}

const char* to_string(SfuFunc func) {
  switch (func) {
    case SfuFunc::kNone:
      return "none";
    case SfuFunc::kSoftmax:
      return "softmax";
    case SfuFunc::kLayerNorm:
      return "layernorm";
    case SfuFunc::kGelu:
      return "gelu";
    case SfuFunc::kAdam:
      return "adam";
  }
  return "?";
}

int LayerProgram::index_of(const std::string& name) const {
  for (size_t i = 0; i < kernels.size(); ++i) {
    if (kernels[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

const Kernel& LayerProgram::at(const std::string& name) const {
  const int i = index_of(name);
  if (i < 0) throw std::out_of_range("no kernel '" + name + "' in the program");
  return kernels[static_cast<size_t>(i)];
}

const char* kernel_class(const Kernel& k) {
  const std::string& n = k.name;
  auto starts = [&n](const char* prefix) { return n.rfind(prefix, 0) == 0; };
  if (k.unit == Unit::kReram) return "frozen";
  if (!k.weight.empty() && k.weight != "head") return "transposed";
  if (starts("head_") || starts("loss_")) return "head";
  if (starts("lora_")) return "lora";
  if (k.func == SfuFunc::kAdam) return "optimizer";
  if (k.func == SfuFunc::kLayerNorm) return "norm";
  if (k.func == SfuFunc::kGelu) return "gelu";
  if (k.func == SfuFunc::kSoftmax) return "softmax";
  if (starts("attn_scores") || n == "attn_recompute" || n == "attn_dq" || n == "attn_dk")
    return "attn_scores";
  if (starts("attn_context") || n == "attn_dp" || n == "attn_dv") return "attn_context";
  throw std::logic_error("kernel '" + n + "' has no placement class");
}

const std::vector<std::string>& kernel_classes() {
  static const std::vector<std::string> classes = {
      "frozen", "attn_scores", "attn_context", "softmax",   "lora",
      "norm",   "gelu",        "head",         "optimizer", "transposed"};
  return classes;
}

uint64_t causal_pairs(uint64_t n, uint64_t tile) {
  if (tile == 0) throw std::invalid_argument("causal_pairs: tile must be > 0");
  // Query block i (rows_i rows) meets every key up to the end of block i.
  uint64_t pairs = 0;
  for (uint64_t start = 0; start < n; start += tile) {
    const uint64_t end = std::min(start + tile, n);
    pairs += (end - start) * end;
  }
  return pairs;
}

void check_program(const LayerProgram& program) {
  std::set<std::string> names;
  int outputs = 0;
  for (size_t i = 0; i < program.kernels.size(); ++i) {
    const Kernel& k = program.kernels[i];
    if (!names.insert(k.name).second) {
      throw std::logic_error("kernel name '" + k.name + "' is used twice");
    }
    for (int d : k.deps) {
      if (d != kLayerInput && (d < 0 || d >= static_cast<int>(i))) {
        throw std::logic_error("kernel '" + k.name + "' depends on index " + std::to_string(d) +
                               ", not an earlier kernel");
      }
    }
    if (k.layer_output) ++outputs;
  }
  if (!program.kernels.empty() && outputs != 1) {
    throw std::logic_error("a program needs exactly one layer_output kernel, found " +
                           std::to_string(outputs));
  }
}

namespace {

uint64_t bytes(uint64_t elements, unsigned bits) {
  return (elements * bits + 7) / 8;
}

// fp32 softmax statistics (row max and sum) FlashAttention keeps per row for its backward.
constexpr uint64_t kSoftmaxStatBytesPerRow = 2 * 4;
// [default] Adam moments in fp32 (PyTorch's AdamW keeps exp_avg / exp_avg_sq beside fp32
// master parameters in mixed-precision training).
constexpr uint64_t kAdamMomentBytes = 2 * 4;

class GraphBuilder {
 public:
  explicit GraphBuilder(const WorkloadSpec& spec) : s_(spec) {
    const ModelSpec& m = spec.model;
    n_ = spec.task.seq_len;
    d_ = m.d_model;
    h_ = m.heads;
    dh_ = m.head_dim();
    f_ = m.d_ff;
    q_ = m.q_dim();
    kv_ = m.kv_dim();
    r_ = spec.lora.rank;
    act_ = spec.quant.act_bits;
    lb_ = spec.quant.lora_bits;
    pairs_ = (m.causal && spec.causal_skip) ? causal_pairs(n_, spec.attention_tile) : n_ * n_;
    finetune_ = spec.mode == Mode::kFinetune;
    full_ = finetune_ && spec.backward == BackwardMode::kFull;
    for (const std::string& t : lora_target_names()) {
      if (std::find(spec.lora.targets.begin(), spec.lora.targets.end(), t) !=
          spec.lora.targets.end()) {
        targets_.push_back(t);
      }
    }
  }

  LayerProgram forward();
  LayerProgram backward();
  LayerProgram head();
  LayerProgram update();
  LayerProgram decode_layer(const std::vector<uint64_t>& cache_len) const;
  LayerProgram lm_head(uint64_t tokens) const;

 private:
  bool targeted(const std::string& t) const {
    return std::find(targets_.begin(), targets_.end(), t) != targets_.end();
  }
  uint64_t in_dim(const std::string& t) const { return t == "ff2" ? f_ : t == "o" ? q_ : d_; }
  uint64_t out_dim(const std::string& t) const {
    if (t == "ff1") return s_.model.matrix_cols("ff1");
    if (t == "q") return q_;
    if (t == "k" || t == "v") return kv_;
    return d_;
  }
  unsigned weight_bits_of(const std::string& w) const {
    return (w == "qkv" || w == "o") ? s_.quant.mha_bits : s_.quant.ff_bits;
  }

  static int add(LayerProgram& p, Kernel k) {
    p.kernels.push_back(std::move(k));
    return static_cast<int>(p.kernels.size()) - 1;
  }

  Kernel gemm(const std::string& name, Phase phase, uint64_t m, uint64_t k, uint64_t n,
              std::vector<int> deps) const {
    Kernel x;
    x.name = name;
    x.phase = phase;
    x.unit = Unit::kSystolic;
    x.m = m;
    x.k = k;
    x.n = n;
    x.macs = m * k * n;
    x.deps = std::move(deps);
    return x;
  }

  // A frozen-matrix product: forward on the ReRAM; transposed (dX = dY W^T) on the ReRAM or,
  // with transpose_on = systolic, on the SA with the matrix streamed from HBM.
  Kernel matrix(const std::string& name, Phase phase, const std::string& weight, uint64_t m,
                uint64_t k, uint64_t n, bool transposed, std::vector<int> deps) const {
    Kernel x = gemm(name, phase, m, k, n, std::move(deps));
    x.unit = Unit::kReram;
    x.weight = weight;
    x.transposed = transposed;
    x.weight_bits = weight_bits_of(weight);
    if (transposed && s_.transpose_on == TransposeUnit::kSystolic) {
      x.unit = Unit::kSystolic;
      x.hbm_read_bytes += bytes(k * n, x.weight_bits);
    }
    return x;
  }

  // Attention product per head with causal skipping: `dense_m x dense_k x dense_n` is the
  // dense shape; the work is dh per computed query-key pair.
  Kernel attention(const std::string& name, Phase phase, uint64_t m, uint64_t k, uint64_t n,
                   std::vector<int> deps) const {
    Kernel x = gemm(name, phase, m, k, n, std::move(deps));
    x.count = h_;
    x.macs = h_ * dh_ * pairs_;
    return x;
  }

  Kernel sfu(const std::string& name, Phase phase, SfuFunc func, bool backward_fn, uint64_t rows,
             uint64_t cols, uint64_t elements, std::vector<int> deps) const {
    Kernel x;
    x.name = name;
    x.phase = phase;
    x.unit = Unit::kSfu;
    x.func = func;
    x.backward_fn = backward_fn;
    x.m = rows;
    x.k = cols;
    x.sfu_elements = elements;
    x.deps = std::move(deps);
    return x;
  }

  // Forward LoRA branch of target t fed by kernel `input`; returns the index of lora_b.
  int lora_forward(LayerProgram& p, const std::string& t, int input) const {
    const uint64_t in = in_dim(t), out = out_dim(t);
    Kernel a = gemm("lora_a_" + t, Phase::kForward, n_, in, r_, {input});
    a.input_bits = act_;
    a.weight_bits = lb_;
    a.out_bytes = bytes(n_ * r_, lb_);
    a.hbm_read_bytes = bytes(r_ * (in + out), lb_);          // A and B from HBM
    if (finetune_) a.hbm_write_bytes = bytes(n_ * r_, lb_);  // X.A for lora_db
    const int ia = add(p, a);
    Kernel b = gemm("lora_b_" + t, Phase::kForward, n_, r_, out, {ia});
    b.input_bits = lb_;
    b.weight_bits = lb_;
    b.out_bytes = bytes(n_ * out, lb_);
    return add(p, b);
  }

  // Backward LoRA kernels of target t once the gradient at its output (kernel `grad`) is
  // known. Returns the index of lora_dx (full) or lora_da (LoRA-only).
  int lora_backward(LayerProgram& p, const std::string& t, int grad) const {
    const uint64_t in = in_dim(t), out = out_dim(t);
    Kernel db = gemm("lora_db_" + t, Phase::kBackward, r_, n_, out, {grad});
    db.input_bits = db.weight_bits = lb_;
    db.hbm_read_bytes = bytes(n_ * r_, lb_) + bytes(r_ * out, lb_);  // X.A, accumulator
    db.hbm_write_bytes = bytes(r_ * out, lb_);
    add(p, db);
    Kernel dxa = gemm("lora_dxa_" + t, Phase::kBackward, n_, out, r_, {grad});
    dxa.input_bits = dxa.weight_bits = lb_;
    dxa.hbm_read_bytes = bytes(r_ * out, lb_);  // B
    dxa.out_bytes = bytes(n_ * r_, lb_);
    const int idxa = add(p, dxa);
    Kernel da = gemm("lora_da_" + t, Phase::kBackward, in, n_, r_, {idxa});
    da.input_bits = act_;
    da.weight_bits = lb_;
    da.hbm_read_bytes = bytes(n_ * in, act_) + bytes(in * r_, lb_);  // X, accumulator
    da.hbm_write_bytes = bytes(in * r_, lb_);
    const int ida = add(p, da);
    if (!full_) return ida;
    Kernel dx = gemm("lora_dx_" + t, Phase::kBackward, n_, r_, in, {idxa});
    dx.input_bits = dx.weight_bits = lb_;
    dx.hbm_read_bytes = bytes(in * r_, lb_);  // A
    dx.out_bytes = bytes(n_ * in, lb_);
    return add(p, dx);
  }

  const WorkloadSpec& s_;
  uint64_t n_ = 0, d_ = 0, h_ = 0, dh_ = 0, f_ = 0, q_ = 0, kv_ = 0, r_ = 0;
  unsigned act_ = 8, lb_ = 16;
  uint64_t pairs_ = 0;
  bool finetune_ = false, full_ = false;
  std::vector<std::string> targets_;  // in forward order
};

LayerProgram GraphBuilder::forward() {
  LayerProgram p;
  const Phase F = Phase::kForward;
  const bool lora_qkv = targeted("q") || targeted("k") || targeted("v");

  const uint64_t qkv_cols = s_.model.matrix_cols("qkv");  // 3 d, or (h + 2 h_kv) dh with GQA
  Kernel qkv = matrix("qkv_proj", F, "qkv", n_, d_, qkv_cols, false, {kLayerInput});
  qkv.input_bits = act_;
  qkv.out_bytes = bytes(n_ * qkv_cols, act_);
  if (full_) {
    qkv.hbm_write_bytes = bytes(n_ * d_, act_) + bytes(n_ * qkv_cols, act_);  // X; Q, K, V
  } else if (finetune_ && lora_qkv) {
    qkv.hbm_write_bytes = bytes(n_ * d_, act_);  // X for lora_da
  }
  if (s_.mode == Mode::kGenerate && !s_.generate.kv_in_sram) {
    qkv.hbm_write_bytes += bytes(n_ * 2 * kv_, s_.generate.kv_bits);  // K and V into the cache
  }
  const int iqkv = add(p, qkv);

  std::vector<int> lora_b(6, -1);  // per target name index in lora_target_names()
  auto slot = [](const std::string& t) {
    const auto& names = lora_target_names();
    return static_cast<size_t>(std::find(names.begin(), names.end(), t) - names.begin());
  };
  for (const char* t : {"q", "k", "v"}) {
    if (targeted(t)) lora_b[slot(t)] = lora_forward(p, t, kLayerInput);
  }
  auto with = [&](std::vector<int> deps, std::initializer_list<const char*> ts) {
    for (const char* t : ts) {
      if (targeted(t)) deps.push_back(lora_b[slot(t)]);
    }
    return deps;
  };

  Kernel scores = attention("attn_scores", F, n_, dh_, n_, with({iqkv}, {"q", "k"}));
  scores.input_bits = scores.weight_bits = act_;
  scores.out_bytes = bytes(h_ * pairs_, lb_);
  const int iscores = add(p, scores);

  Kernel softmax =
      sfu("attn_softmax", F, SfuFunc::kSoftmax, false, h_ * n_, n_, h_ * pairs_, {iscores});
  softmax.input_bits = softmax.weight_bits = lb_;
  softmax.out_bytes = bytes(h_ * pairs_, lb_);
  if (full_) softmax.hbm_write_bytes = h_ * n_ * kSoftmaxStatBytesPerRow;
  const int isoftmax = add(p, softmax);

  Kernel context = attention("attn_context", F, n_, n_, dh_, with({isoftmax}, {"v"}));
  context.input_bits = lb_;
  context.weight_bits = act_;
  context.out_bytes = bytes(n_ * q_, act_);
  if (full_ || (finetune_ && targeted("o"))) context.hbm_write_bytes = bytes(n_ * q_, act_);
  const int icontext = add(p, context);

  Kernel o = matrix("o_proj", F, "o", n_, q_, d_, false, {icontext});
  o.input_bits = act_;
  o.out_bytes = bytes(n_ * d_, act_);
  const int io = add(p, o);
  if (targeted("o")) lora_b[slot("o")] = lora_forward(p, "o", icontext);

  // Layer norms include the residual add: ln1 also takes the layer input, ln2 ln1's output.
  Kernel ln1 = sfu("ln1", F, SfuFunc::kLayerNorm, false, n_, d_, n_ * d_, with({io}, {"o"}));
  ln1.deps.push_back(kLayerInput);
  ln1.input_bits = ln1.weight_bits = act_;
  ln1.out_bytes = bytes(n_ * d_, act_);
  if (full_ || (finetune_ && targeted("ff1"))) ln1.hbm_write_bytes = bytes(n_ * d_, act_);
  const int iln1 = add(p, ln1);

  // SwiGLU: gate and up as one d x 2f matrix; the SFU forms silu(gate) * up (f per token).
  const uint64_t ff1_cols = s_.model.matrix_cols("ff1");
  Kernel ff1 = matrix("ff1", F, "ff1", n_, d_, ff1_cols, false, {iln1});
  ff1.input_bits = act_;
  ff1.out_bytes = bytes(n_ * ff1_cols, act_);
  if (full_) ff1.hbm_write_bytes = bytes(n_ * ff1_cols, act_);
  const int iff1 = add(p, ff1);
  if (targeted("ff1")) lora_b[slot("ff1")] = lora_forward(p, "ff1", iln1);

  Kernel gelu = sfu(s_.model.gated_ffn ? "swiglu" : "gelu", F, SfuFunc::kGelu, false, n_, f_,
                    n_ * f_, with({iff1}, {"ff1"}));
  gelu.input_bits = gelu.weight_bits = act_;
  gelu.out_bytes = bytes(n_ * f_, act_);
  if (finetune_ && targeted("ff2")) gelu.hbm_write_bytes = bytes(n_ * f_, act_);
  const int igelu = add(p, gelu);

  Kernel ff2 = matrix("ff2", F, "ff2", n_, f_, d_, false, {igelu});
  ff2.input_bits = act_;
  ff2.out_bytes = bytes(n_ * d_, act_);
  const int iff2 = add(p, ff2);
  if (targeted("ff2")) lora_b[slot("ff2")] = lora_forward(p, "ff2", igelu);

  Kernel ln2 = sfu("ln2", F, SfuFunc::kLayerNorm, false, n_, d_, n_ * d_, with({iff2}, {"ff2"}));
  ln2.deps.push_back(iln1);
  ln2.input_bits = ln2.weight_bits = act_;
  ln2.out_bytes = bytes(n_ * d_, act_);
  ln2.layer_output = true;
  add(p, ln2);
  return p;
}

LayerProgram GraphBuilder::decode_layer(const std::vector<uint64_t>& cache_len) const {
  LayerProgram p;
  const Phase F = Phase::kForward;
  const uint64_t B = cache_len.size();
  const unsigned kvb = s_.generate.kv_bits;
  const uint64_t kv_hbm = s_.generate.kv_in_sram ? 0 : 1;  // the cache's HBM traffic, or none
  const uint64_t kvh = s_.model.kv_head_count(), group = h_ / kvh;

  const uint64_t qkv_cols = s_.model.matrix_cols("qkv");
  Kernel qkv = matrix("qkv_proj", F, "qkv", B, d_, qkv_cols, false, {kLayerInput});
  qkv.input_bits = act_;
  qkv.out_bytes = bytes(B * qkv_cols, act_);
  const int iqkv = add(p, qkv);

  // Requests with the same cache length share one set of attention kernels.
  std::map<uint64_t, uint64_t> groups;  // cache length -> requests
  for (uint64_t t : cache_len) ++groups[t];
  std::vector<int> contexts;
  for (const auto& [t, r] : groups) {
    const std::string sfx = groups.size() > 1 ? "_t" + std::to_string(t) : "";
    const uint64_t keys = t + 1;  // the cache and the new token
    Kernel scores = gemm("attn_scores" + sfx, F, group, dh_, keys, {iqkv});
    scores.count = r * kvh;
    scores.macs = r * h_ * dh_ * keys;
    scores.input_bits = scores.weight_bits = act_;
    scores.hbm_read_bytes = kv_hbm * bytes(r * t * kv_, kvb);   // cached K
    scores.hbm_write_bytes = kv_hbm * bytes(r * 2 * kv_, kvb);  // the new K and V appended
    scores.out_bytes = bytes(r * h_ * keys, lb_);
    const int iscores = add(p, scores);
    Kernel softmax = sfu("attn_softmax" + sfx, F, SfuFunc::kSoftmax, false, r * h_, keys,
                         r * h_ * keys, {iscores});
    softmax.input_bits = softmax.weight_bits = lb_;
    softmax.out_bytes = bytes(r * h_ * keys, lb_);
    const int isoftmax = add(p, softmax);
    Kernel context = gemm("attn_context" + sfx, F, group, keys, dh_, {isoftmax});
    context.count = r * kvh;
    context.macs = r * h_ * keys * dh_;
    context.input_bits = lb_;
    context.weight_bits = act_;
    context.hbm_read_bytes = kv_hbm * bytes(r * t * kv_, kvb);  // cached V
    context.out_bytes = bytes(r * q_, act_);
    contexts.push_back(add(p, context));
  }

  Kernel o = matrix("o_proj", F, "o", B, q_, d_, false, contexts);
  o.input_bits = act_;
  o.out_bytes = bytes(B * d_, act_);
  const int io = add(p, o);
  Kernel ln1 = sfu("ln1", F, SfuFunc::kLayerNorm, false, B, d_, B * d_, {io, kLayerInput});
  ln1.input_bits = ln1.weight_bits = act_;
  ln1.out_bytes = bytes(B * d_, act_);
  const int iln1 = add(p, ln1);
  const uint64_t ff1_cols = s_.model.matrix_cols("ff1");
  Kernel ff1 = matrix("ff1", F, "ff1", B, d_, ff1_cols, false, {iln1});
  ff1.input_bits = act_;
  ff1.out_bytes = bytes(B * ff1_cols, act_);
  const int iff1 = add(p, ff1);
  Kernel act =
      sfu(s_.model.gated_ffn ? "swiglu" : "gelu", F, SfuFunc::kGelu, false, B, f_, B * f_, {iff1});
  act.input_bits = act.weight_bits = act_;
  act.out_bytes = bytes(B * f_, act_);
  const int iact = add(p, act);
  Kernel ff2 = matrix("ff2", F, "ff2", B, f_, d_, false, {iact});
  ff2.input_bits = act_;
  ff2.out_bytes = bytes(B * d_, act_);
  const int iff2 = add(p, ff2);
  Kernel ln2 = sfu("ln2", F, SfuFunc::kLayerNorm, false, B, d_, B * d_, {iff2, iln1});
  ln2.input_bits = ln2.weight_bits = act_;
  ln2.out_bytes = bytes(B * d_, act_);
  ln2.layer_output = true;
  add(p, ln2);
  return p;
}

LayerProgram GraphBuilder::lm_head(uint64_t tokens) const {
  LayerProgram p;
  const uint64_t vocab = s_.model.vocab_size;
  const unsigned hb = s_.generate.head_bits;
  Kernel proj = gemm("head_proj", Phase::kForward, tokens, d_, vocab, {kLayerInput});
  proj.weight = "head";
  proj.input_bits = act_;
  proj.weight_bits = hb;
  proj.hbm_read_bytes = bytes(d_ * vocab, hb);  // the head (or tied embedding) from HBM
  proj.out_bytes = bytes(tokens * vocab, lb_);
  proj.split_columns = true;
  const int iproj = add(p, proj);
  Kernel sample = sfu("head_sample", Phase::kForward, SfuFunc::kSoftmax, false, tokens, vocab,
                      tokens * vocab, {iproj});
  sample.input_bits = sample.weight_bits = lb_;
  sample.out_bytes = tokens * 4;  // one 32-bit token id per request
  sample.layer_output = true;
  add(p, sample);
  return p;
}

LayerProgram GraphBuilder::backward() {
  LayerProgram p;
  if (!finetune_) return p;
  const Phase B = Phase::kBackward;

  if (!full_) {
    // The paper's Eq. 3: each adapter's weight gradients from a given output gradient.
    for (auto t = targets_.rbegin(); t != targets_.rend(); ++t) lora_backward(p, *t, kLayerInput);
    p.kernels.back().layer_output = true;
    return p;
  }

  auto grad_sfu = [&](const std::string& name, SfuFunc func, uint64_t rows, uint64_t cols,
                      uint64_t elements, std::vector<int> deps) {
    Kernel x = sfu(name, B, func, true, rows, cols, elements, std::move(deps));
    x.input_bits = x.weight_bits = lb_;
    x.out_bytes = bytes(elements, lb_);
    return x;
  };
  auto dx = [&](const std::string& name, const std::string& weight, uint64_t k, uint64_t n,
                std::vector<int> deps) {
    Kernel x = matrix(name, B, weight, n_, k, n, true, std::move(deps));
    x.input_bits = lb_;
    x.out_bytes = bytes(n_ * n, lb_);
    return x;
  };
  auto lora_dx_of = [&](const std::string& t, int grad, std::vector<int>* deps) {
    if (targeted(t)) deps->push_back(lora_backward(p, t, grad));
  };

  Kernel ln2 = grad_sfu("ln2_bwd", SfuFunc::kLayerNorm, n_, d_, n_ * d_, {kLayerInput});
  ln2.hbm_read_bytes = bytes(n_ * d_, act_);  // ln2's output (the next layer's saved input)
  const int iln2 = add(p, ln2);

  std::vector<int> gelu_deps;
  lora_dx_of("ff2", iln2, &gelu_deps);
  const int iff2 = add(p, dx("ff2_dx", "ff2", d_, f_, {iln2}));
  gelu_deps.insert(gelu_deps.begin(), iff2);

  const uint64_t ff1_cols = s_.model.matrix_cols("ff1"), qkv_cols = s_.model.matrix_cols("qkv");
  Kernel gelu = grad_sfu(s_.model.gated_ffn ? "swiglu_bwd" : "gelu_bwd", SfuFunc::kGelu, n_, f_,
                         n_ * f_, gelu_deps);
  gelu.hbm_read_bytes = bytes(n_ * ff1_cols, act_);  // ff1's output
  const int igelu = add(p, gelu);

  std::vector<int> ln1_deps;
  lora_dx_of("ff1", igelu, &ln1_deps);
  const int iff1 = add(p, dx("ff1_dx", "ff1", ff1_cols, d_, {igelu}));
  ln1_deps.insert(ln1_deps.begin(), iff1);
  ln1_deps.push_back(iln2);  // the residual path around the feed-forward block

  Kernel ln1 = grad_sfu("ln1_bwd", SfuFunc::kLayerNorm, n_, d_, n_ * d_, ln1_deps);
  ln1.hbm_read_bytes = bytes(n_ * d_, act_);  // ln1's output
  const int iln1 = add(p, ln1);

  std::vector<int> attn_deps;
  lora_dx_of("o", iln1, &attn_deps);
  const int io = add(p, dx("o_dx", "o", d_, q_, {iln1}));
  attn_deps.insert(attn_deps.begin(), io);

  // FlashAttention-2 backward: recompute S and P from Q, K and the saved statistics.
  Kernel rec = attention("attn_recompute", B, n_, dh_, n_, attn_deps);
  rec.input_bits = rec.weight_bits = act_;
  rec.hbm_read_bytes = bytes(n_ * qkv_cols, act_) + h_ * n_ * kSoftmaxStatBytesPerRow +
                       bytes(n_ * q_, act_);  // Q, K, V; statistics; context O
  rec.out_bytes = bytes(h_ * pairs_, lb_);
  const int irec = add(p, rec);

  auto grad_attention = [&](const std::string& name, uint64_t m, uint64_t k, uint64_t n,
                            std::vector<int> deps, uint64_t out_elements) {
    Kernel x = attention(name, B, m, k, n, std::move(deps));
    x.input_bits = x.weight_bits = lb_;
    x.out_bytes = bytes(out_elements, lb_);
    return add(p, x);
  };
  const int idv = grad_attention("attn_dv", n_, n_, dh_, {irec}, n_ * kv_);
  const int idp = grad_attention("attn_dp", n_, dh_, n_, {irec}, h_ * pairs_);
  const int isb =
      add(p, grad_sfu("attn_softmax_bwd", SfuFunc::kSoftmax, h_ * n_, n_, h_ * pairs_, {idp}));
  const int idq = grad_attention("attn_dq", n_, n_, dh_, {isb}, n_ * q_);
  const int idk = grad_attention("attn_dk", n_, n_, dh_, {isb}, n_ * kv_);

  std::vector<int> qkv_deps = {idq, idk, idv};
  lora_dx_of("q", idq, &qkv_deps);
  lora_dx_of("k", idk, &qkv_deps);
  lora_dx_of("v", idv, &qkv_deps);
  qkv_deps.push_back(iln1);  // the residual path around the attention block
  Kernel qkv = dx("qkv_dx", "qkv", qkv_cols, d_, qkv_deps);
  qkv.layer_output = true;
  add(p, qkv);
  return p;
}

LayerProgram GraphBuilder::head() {
  LayerProgram p;
  const uint64_t outs = s_.task.head_outputs;
  // The task head is not crossbar-resident: its (trainable, 16-bit) weights come from HBM.
  Kernel proj = gemm("head_proj", Phase::kForward, n_, d_, outs, {kLayerInput});
  proj.input_bits = act_;
  proj.weight_bits = lb_;
  proj.hbm_read_bytes = bytes(d_ * outs, lb_);
  proj.out_bytes = bytes(n_ * outs, lb_);
  // A projection wider than the model (a language model's vocabulary) is spread over the
  // systolic cores by output columns; a classifier's few outputs stay on one core.
  proj.split_columns = outs > d_;
  if (full_) proj.hbm_write_bytes = bytes(n_ * d_, act_);  // last layer's output for ln2_bwd
  const int iproj = add(p, proj);
  if (!finetune_) {
    p.kernels.back().layer_output = true;
    return p;
  }
  Kernel loss =
      sfu("loss_softmax", Phase::kForward, SfuFunc::kSoftmax, false, n_, outs, n_ * outs, {iproj});
  loss.input_bits = loss.weight_bits = lb_;
  loss.out_bytes = bytes(n_ * outs, lb_);
  const int iloss = add(p, loss);
  Kernel grad = sfu("loss_softmax_bwd", Phase::kBackward, SfuFunc::kSoftmax, true, n_, outs,
                    n_ * outs, {iloss});
  grad.input_bits = grad.weight_bits = lb_;
  grad.out_bytes = bytes(n_ * outs, lb_);
  const int igrad = add(p, grad);
  if (!full_) {
    p.kernels.back().layer_output = true;
    return p;
  }
  Kernel dx = gemm("head_dx", Phase::kBackward, n_, outs, d_, {igrad});
  dx.transposed = true;
  dx.input_bits = dx.weight_bits = lb_;
  dx.hbm_read_bytes = bytes(d_ * outs, lb_);
  dx.out_bytes = bytes(n_ * d_, lb_);
  dx.layer_output = true;
  add(p, dx);
  return p;
}

LayerProgram GraphBuilder::update() {
  LayerProgram p;
  if (!finetune_ || targets_.empty()) return p;
  const uint64_t layers = s_.model.layers;
  uint64_t per_layer = 0;
  bool uniform = true;
  for (const std::string& t : targets_) {
    const uint64_t params = r_ * (in_dim(t) + out_dim(t));
    uniform = uniform && params == r_ * 2 * d_;
    per_layer += params;
  }
  const uint64_t total = layers * per_layer;
  // One row per adapter pair (A and B) and layer when all are d x d; else one row per layer.
  const uint64_t rows = uniform ? layers * targets_.size() : layers;
  Kernel adam = sfu("adam", Phase::kUpdate, SfuFunc::kAdam, false, rows, total / rows, total, {});
  adam.input_bits = adam.weight_bits = lb_;
  // Reads parameters, gradients and both moments; writes parameters and moments.
  adam.hbm_read_bytes = 2 * bytes(total, lb_) + total * kAdamMomentBytes;
  adam.hbm_write_bytes = bytes(total, lb_) + total * kAdamMomentBytes;
  adam.layer_output = true;
  add(p, adam);
  return p;
}

}  // namespace

uint64_t WorkloadGraph::macs(Phase phase, Unit unit) const {
  const LayerProgram* programs[] = {&forward, &backward, &update};
  uint64_t total = 0;
  for (const LayerProgram* p : programs) {
    for (const Kernel& k : p->kernels) {
      if (k.phase == phase && k.unit == unit) total += k.macs;
    }
  }
  return phase == Phase::kUpdate ? total : total * spec.model.layers;
}

uint64_t WorkloadGraph::sfu_elements(Phase phase) const {
  const LayerProgram* programs[] = {&forward, &backward, &update};
  uint64_t total = 0;
  for (const LayerProgram* p : programs) {
    for (const Kernel& k : p->kernels) {
      if (k.phase == phase && k.unit == Unit::kSfu) total += k.sfu_elements;
    }
  }
  return phase == Phase::kUpdate ? total : total * spec.model.layers;
}

LayerProgram build_decode_layer(const WorkloadSpec& spec, const std::vector<uint64_t>& cache_len) {
  LayerProgram p = GraphBuilder(spec).decode_layer(cache_len);
  check_program(p);
  return p;
}

LayerProgram build_lm_head(const WorkloadSpec& spec, uint64_t tokens) {
  LayerProgram p = GraphBuilder(spec).lm_head(tokens);
  check_program(p);
  return p;
}

uint64_t decode_weight_bytes(const WorkloadSpec& spec) {
  const ModelSpec& m = spec.model;
  uint64_t layer_bits = 0;
  for (const char* w : {"qkv", "o", "ff1", "ff2"}) {
    const bool mha = std::string(w) == "qkv" || std::string(w) == "o";
    layer_bits +=
        m.matrix_rows(w) * m.matrix_cols(w) * (mha ? spec.quant.mha_bits : spec.quant.ff_bits);
  }
  return bytes(layer_bits, 1) * m.layers +
         bytes(uint64_t(m.d_model) * m.vocab_size, spec.generate.head_bits);
}

WorkloadGraph build_graph(const WorkloadSpec& spec) {
  spec.validate();
  WorkloadGraph g;
  g.spec = spec;
  GraphBuilder b(spec);
  g.forward = b.forward();
  g.backward = b.backward();
  g.head = spec.mode == Mode::kGenerate ? b.lm_head(1) : b.head();
  g.update = b.update();
  if (spec.mode == Mode::kGenerate) {
    const uint64_t batch = spec.task.batch, P = spec.generate.prompt_len;
    for (uint64_t j = 1; j < spec.generate.gen_len; ++j) {
      DecodeStep step;
      step.cache_len.assign(batch, P + j - 1);
      step.layer = b.decode_layer(step.cache_len);
      step.head = b.lm_head(batch);
      check_program(step.layer);
      check_program(step.head);
      g.decode.push_back(std::move(step));
    }
  }
  check_program(g.forward);
  check_program(g.backward);
  check_program(g.head);
  check_program(g.update);
  return g;
}

}  // namespace atleus
