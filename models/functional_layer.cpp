#include "atleus/models/functional_layer.hpp"

#include "atleus/models/seeded_normal.hpp"

#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "atleus/models/functional_systolic.hpp"
#include "atleus/models/param_check.hpp"

namespace atleus {

void LayerShape::validate() const {
  require_positive(d_model, "d_model");
  require_positive(heads, "heads");
  require(d_model % heads == 0, "heads", "must divide d_model");
  require_positive(d_ff, "d_ff");
  require_positive(lora_rank, "lora_rank");
  require_positive(seq_len, "seq_len");
  require_positive(batch, "batch");
}

void LayerNumerics::validate() const {
  require_range(mha_bits, 2u, 16u, "mha_bits");
  require_range(ff_bits, 2u, 16u, "ff_bits");
  require_range(act_bits, 2u, 16u, "act_bits");
  require_range(adc_bits, 1u, 24u, "adc_bits");
  require(std::isfinite(noise_sigma), "noise_sigma", "must be finite");
  require_non_negative(noise_sigma, "noise_sigma");
}

// ---------------------------------------------------------------------------------------------
// Frozen matrices

FrozenMatrix::FrozenMatrix(const std::vector<float>& w, uint64_t d_in, uint64_t d_out,
                           unsigned weight_bits, const LayerNumerics& num, uint64_t noise_seed)
    : d_in_(d_in), d_out_(d_out), input_bits_(num.act_bits) {
  if (w.size() != d_in * d_out) throw std::invalid_argument("frozen matrix size mismatch");
  if (num.exact_float) {
    w_ = w;
    return;
  }
  CrossbarConfig c;
  c.weight_bits = weight_bits;
  c.input_bits = num.act_bits;
  c.adc_bits = num.adc_bits;
  c.rows = num.crossbar_rows;
  c.cols = num.crossbar_cols;
  c.bits_per_cell = num.bits_per_cell;
  c.dac_bits = num.dac_bits;
  c.isaac_encoding = num.isaac_encoding;
  c.noise_sigma = num.noise_sigma;
  c.seed = noise_seed;
  pm_ = std::make_unique<ProgrammedMatrix>(w, d_in, d_out, c);
  // Exact conversion: one unit per LSB and every possible sum inside the code range.
  const uint64_t codes = (uint64_t{1} << num.adc_bits) - 1;
  auto exact = [&](bool t) { return pm_->adc_lsb(t) == 1 && pm_->adc_full_scale(t) <= codes; };
  const bool noisy = num.noise_sigma > 0.0;
  analog_f_ = noisy || !exact(false);
  analog_t_ = noisy || !exact(true);
}

std::vector<float> FrozenMatrix::forward(const std::vector<float>& x, uint64_t m) const {
  if (!pm_) return gemm_fp32(x, w_, m, d_in_, d_out_);
  return analog_f_ ? pm_->mvm(x, m) : integer_path(x, m, false);
}

std::vector<float> FrozenMatrix::transposed(const std::vector<float>& dy, uint64_t m) const {
  if (!pm_) return gemm_fp32(dy, w_, m, d_out_, d_in_, false, true);
  return analog_t_ ? pm_->mvm_transposed(dy, m) : integer_path(dy, m, true);
}

// The exact integer products per crossbar block, dequantised as ProgrammedMatrix::mvm does
// (per block in double, then the sum over blocks, then float), so the result is identical.
std::vector<float> FrozenMatrix::integer_path(const std::vector<float>& x, uint64_t m,
                                              bool transposed) const {
  const uint64_t rows = pm_->config().rows, wcols = pm_->weight_cols_per_crossbar();
  const uint64_t len = transposed ? d_out_ : d_in_, out_len = transposed ? d_in_ : d_out_;
  const QuantizedVectors xq = quantize_vectors(x, m, len, input_bits_);
  const std::vector<int32_t>& wq = pm_->weights_q();
  std::vector<float> y(m * out_len);
  std::vector<int32_t> acc(out_len);
  std::vector<double> sum(out_len);
  for (uint64_t v = 0; v < m; ++v) {
    const int32_t* xv = xq.q.data() + v * len;
    const double xs = static_cast<double>(xq.scale[v]);
    std::fill(sum.begin(), sum.end(), 0.0);
    if (!transposed) {
      for (uint64_t rb = 0; rb < pm_->row_blocks(); ++rb) {
        std::fill(acc.begin(), acc.end(), 0);
        const uint64_t r1 = std::min(d_in_, (rb + 1) * rows);
        for (uint64_t r = rb * rows; r < r1; ++r) {
          const int32_t xr = xv[r];
          if (xr == 0) continue;
          const int32_t* wr = wq.data() + r * d_out_;
          for (uint64_t n = 0; n < d_out_; ++n) acc[n] += xr * wr[n];
        }
        for (uint64_t n = 0; n < d_out_; ++n)
          sum[n] += static_cast<double>(acc[n]) *
                    static_cast<double>(pm_->weight_scale(rb, n / wcols)) * xs;
      }
    } else {
      for (uint64_t cb = 0; cb < pm_->col_blocks(); ++cb) {
        const uint64_t n0 = cb * wcols, n1 = std::min(d_out_, n0 + wcols);
        for (uint64_t r = 0; r < d_in_; ++r) {
          const int32_t* wr = wq.data() + r * d_out_;
          int32_t a = 0;
          for (uint64_t n = n0; n < n1; ++n) a += xv[n] * wr[n];
          sum[r] +=
              static_cast<double>(a) * static_cast<double>(pm_->weight_scale(r / rows, cb)) * xs;
        }
      }
    }
    for (uint64_t n = 0; n < out_len; ++n) y[v * out_len + n] = static_cast<float>(sum[n]);
  }
  return y;
}

FunctionalLayer::FunctionalLayer(const LayerShape& shape, const FrozenWeights& w,
                                 const LayerNumerics& num)
    : shape_((shape.validate(), shape)),
      num_((num.validate(), num)),
      w_(w),
      // Each matrix gets its own noise draw (distinct devices).
      qkv_(w.wqkv, shape.d_model, 3 * shape.d_model, num.mha_bits, num, num.noise_seed * 4 + 0),
      o_(w.wo, shape.d_model, shape.d_model, num.mha_bits, num, num.noise_seed * 4 + 1),
      ff1_(w.w1, shape.d_model, shape.d_ff, num.ff_bits, num, num.noise_seed * 4 + 2),
      ff2_(w.w2, shape.d_ff, shape.d_model, num.ff_bits, num, num.noise_seed * 4 + 3) {
  const uint64_t d = shape.d_model;
  for (const auto* p : {&w.ln1_gamma, &w.ln1_beta, &w.ln2_gamma, &w.ln2_beta})
    if (p->size() != d) throw std::invalid_argument("layer norm parameters need d_model entries");
}

// ---------------------------------------------------------------------------------------------
// Kernels

namespace {

struct Ctx {
  LayerState& s;
  LayerTensors& t;
  const LayerShape& sh;
  const LayerNumerics& num;
  const FrozenWeights& w;
  const LoraAdapters& lora;
  bool exact;
  uint64_t T, d, n, dh, r, f, heads, batch;

  explicit Ctx(LayerState& st)
      : s(st),
        t(st.t),
        sh(st.layer->shape()),
        num(st.layer->numerics()),
        w(st.layer->weights()),
        lora(*st.lora),
        exact(st.layer->numerics().exact_float),
        T(sh.tokens()),
        d(sh.d_model),
        n(sh.seq_len),
        dh(sh.head_dim()),
        r(sh.lora_rank),
        f(sh.d_ff),
        heads(sh.heads),
        batch(sh.batch) {}

  // A systolic-array GEMM: fp16 operands and fp32 accumulation (fp16 result unless fp32_out),
  // or plain fp32.
  std::vector<float> gemm(const std::vector<float>& a, const std::vector<float>& b, uint64_t m,
                          uint64_t k, uint64_t nn, bool ta = false, bool tb = false,
                          bool fp32_out = false) const {
    return exact ? gemm_fp32(a, b, m, k, nn, ta, tb) : gemm_fp16(a, b, m, k, nn, ta, tb, !fp32_out);
  }
  // Multiplies by a scalar on the SA's output stage (fp16 result on hardware).
  void scale(std::vector<float>& v, float c, bool fp32_out = false) const {
    if (c == 1.0f) return;
    for (float& e : v) e = (exact || fp32_out) ? e * c : round_to_half(e * c);
  }
  bool fp16() const { return !exact; }

  // The n x dh block of head h of sequence b from a T x d tensor.
  std::vector<float> head(const std::vector<float>& x, uint64_t b, uint64_t h) const {
    std::vector<float> out(n * dh);
    for (uint64_t i = 0; i < n; ++i)
      for (uint64_t e = 0; e < dh; ++e) out[i * dh + e] = x[(b * n + i) * d + h * dh + e];
    return out;
  }
  void put_head(std::vector<float>& x, uint64_t b, uint64_t h,
                const std::vector<float>& blk) const {
    for (uint64_t i = 0; i < n; ++i)
      for (uint64_t e = 0; e < dh; ++e) x[(b * n + i) * d + h * dh + e] = blk[i * dh + e];
  }
  std::vector<float> tile(const std::vector<float>& p, uint64_t b, uint64_t h) const {
    const auto* src = p.data() + (b * heads + h) * n * n;
    return std::vector<float>(src, src + n * n);
  }
  void put_tile(std::vector<float>& p, uint64_t b, uint64_t h,
                const std::vector<float>& blk) const {
    std::copy(blk.begin(), blk.end(), p.begin() + static_cast<long>((b * heads + h) * n * n));
  }
};

std::vector<float> sum(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> c(a.size());
  for (size_t i = 0; i < a.size(); ++i) c[i] = a[i] + b[i];
  return c;
}

void need(const std::vector<float>& v, uint64_t size, const char* what) {
  if (v.size() != size)
    throw std::invalid_argument(std::string("functional layer: ") + what + " has " +
                                std::to_string(v.size()) + " elements, expected " +
                                std::to_string(size));
}

// ---- forward

void k_qkv_proj(Ctx& c) {
  need(c.t.x, c.T * c.d, "the layer input");
  c.t.qkv = c.s.layer->qkv().forward(c.t.x, c.T);
}
void k_lora_a(Ctx& c, const std::vector<float>& a, std::vector<float>& xa) {
  need(a, c.d * c.r, "a LoRA A matrix");
  xa = c.gemm(c.t.x, a, c.T, c.d, c.r);
}
void k_lora_b(Ctx& c, const std::vector<float>& xa, const std::vector<float>& b,
              std::vector<float>& out) {
  need(b, c.r * c.d, "a LoRA B matrix");
  out = c.gemm(xa, b, c.T, c.r, c.d);
  c.scale(out, c.lora.scale);
}
void compute_scores(Ctx& c) {
  c.t.scores.assign(c.batch * c.heads * c.n * c.n, 0.0f);
  for (uint64_t b = 0; b < c.batch; ++b)
    for (uint64_t h = 0; h < c.heads; ++h)
      c.put_tile(c.t.scores, b, h,
                 c.gemm(c.head(c.t.q, b, h), c.head(c.t.k, b, h), c.n, c.dh, c.n, false, true));
}
void k_attn_scores(Ctx& c) {
  // Q = (x Wq + LoRA) / sqrt(dh) and K, assembled in fp32 as the SA loads them.
  need(c.t.lq, c.T * c.d, "the q adapter output");
  const float inv = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.dh)));
  c.t.q.assign(c.T * c.d, 0.0f);
  c.t.k.assign(c.T * c.d, 0.0f);
  for (uint64_t i = 0; i < c.T; ++i)
    for (uint64_t j = 0; j < c.d; ++j) {
      c.t.q[i * c.d + j] = (c.t.qkv[i * 3 * c.d + j] + c.t.lq[i * c.d + j]) * inv;
      c.t.k[i * c.d + j] = c.t.qkv[i * 3 * c.d + c.d + j];
    }
  compute_scores(c);
}
void k_attn_softmax(Ctx& c) {
  c.t.probs = softmax_forward(c.t.scores, c.batch * c.heads * c.n, c.n, c.fp16());
}
void k_attn_context(Ctx& c) {
  c.t.v.assign(c.T * c.d, 0.0f);
  for (uint64_t i = 0; i < c.T; ++i)
    for (uint64_t j = 0; j < c.d; ++j)
      c.t.v[i * c.d + j] = c.t.qkv[i * 3 * c.d + 2 * c.d + j] + c.t.lv[i * c.d + j];
  c.t.ctx.assign(c.T * c.d, 0.0f);
  for (uint64_t b = 0; b < c.batch; ++b)
    for (uint64_t h = 0; h < c.heads; ++h)
      c.put_head(c.t.ctx, b, h,
                 c.gemm(c.tile(c.t.probs, b, h), c.head(c.t.v, b, h), c.n, c.n, c.dh));
}
void k_o_proj(Ctx& c) {
  c.t.o = c.s.layer->o().forward(c.t.ctx, c.T);
}
void k_ln1(Ctx& c) {
  c.t.u1 = sum(c.t.x, c.t.o);
  c.t.h1 = layernorm_forward(c.t.u1, c.w.ln1_gamma, c.w.ln1_beta, c.T, c.d, 1e-5f, c.fp16());
}
void k_ff1(Ctx& c) {
  c.t.a1 = c.s.layer->ff1().forward(c.t.h1, c.T);
}
void k_gelu(Ctx& c) {
  c.t.g1 = gelu_forward(c.t.a1, c.num.gelu, c.fp16());
}
void k_ff2(Ctx& c) {
  c.t.f2 = c.s.layer->ff2().forward(c.t.g1, c.T);
}
void k_ln2(Ctx& c) {
  c.t.u2 = sum(c.t.h1, c.t.f2);
  c.t.y = layernorm_forward(c.t.u2, c.w.ln2_gamma, c.w.ln2_beta, c.T, c.d, 1e-5f, c.fp16());
}

// ---- backward

void k_ln2_bwd(Ctx& c) {
  need(c.t.dy, c.T * c.d, "the output gradient");
  c.t.du2 = layernorm_backward(c.t.u2, c.w.ln2_gamma, c.t.dy, c.T, c.d, 1e-5f, c.fp16()).dx;
}
void k_ff2_dx(Ctx& c) {
  c.t.dg1 = c.s.layer->ff2().transposed(c.t.du2, c.T);
}
void k_gelu_bwd(Ctx& c) {
  c.t.da1 = gelu_backward(c.t.a1, c.t.dg1, c.num.gelu, c.fp16());
}
void k_ff1_dx(Ctx& c) {
  c.t.dh1_ff = c.s.layer->ff1().transposed(c.t.da1, c.T);
}
void k_ln1_bwd(Ctx& c) {
  // The residual path around the feed-forward block joins here.
  const std::vector<float> dh1 = sum(c.t.dh1_ff, c.t.du2);
  c.t.du1 = layernorm_backward(c.t.u1, c.w.ln1_gamma, dh1, c.T, c.d, 1e-5f, c.fp16()).dx;
}
void k_o_dx(Ctx& c) {
  c.t.dctx = c.s.layer->o().transposed(c.t.du1, c.T);
}
void k_attn_recompute(Ctx& c) {
  // FlashAttention-2 recomputes S and P from Q and K instead of storing them.
  compute_scores(c);
  k_attn_softmax(c);
}
void k_attn_dv(Ctx& c) {
  c.t.dv.assign(c.T * c.d, 0.0f);
  for (uint64_t b = 0; b < c.batch; ++b)
    for (uint64_t h = 0; h < c.heads; ++h)
      c.put_head(c.t.dv, b, h,
                 c.gemm(c.tile(c.t.probs, b, h), c.head(c.t.dctx, b, h), c.n, c.n, c.dh, true));
}
void k_attn_dp(Ctx& c) {
  c.t.dprobs.assign(c.batch * c.heads * c.n * c.n, 0.0f);
  for (uint64_t b = 0; b < c.batch; ++b)
    for (uint64_t h = 0; h < c.heads; ++h)
      c.put_tile(c.t.dprobs, b, h,
                 c.gemm(c.head(c.t.dctx, b, h), c.head(c.t.v, b, h), c.n, c.dh, c.n, false, true));
}
void k_attn_softmax_bwd(Ctx& c) {
  c.t.dscores = softmax_backward(c.t.probs, c.t.dprobs, c.batch * c.heads * c.n, c.n, c.fp16());
}
void k_attn_dq(Ctx& c) {
  // S = (Q / sqrt(dh)) K^T, so dQ = dS K / sqrt(dh).
  c.t.dq.assign(c.T * c.d, 0.0f);
  const float inv = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.dh)));
  for (uint64_t b = 0; b < c.batch; ++b)
    for (uint64_t h = 0; h < c.heads; ++h) {
      std::vector<float> blk =
          c.gemm(c.tile(c.t.dscores, b, h), c.head(c.t.k, b, h), c.n, c.n, c.dh);
      c.scale(blk, inv);
      c.put_head(c.t.dq, b, h, blk);
    }
}
void k_attn_dk(Ctx& c) {
  c.t.dk.assign(c.T * c.d, 0.0f);
  for (uint64_t b = 0; b < c.batch; ++b)
    for (uint64_t h = 0; h < c.heads; ++h)
      c.put_head(c.t.dk, b, h,
                 c.gemm(c.tile(c.t.dscores, b, h), c.head(c.t.q, b, h), c.n, c.n, c.dh, true));
}
// LoRA backward of one target whose output gradient is dout (T x d), input x.
void k_lora_db(Ctx& c, const std::vector<float>& xa, const std::vector<float>& dout,
               std::vector<float>& db) {
  db = c.gemm(xa, dout, c.r, c.T, c.d, true, false, true);
  c.scale(db, c.lora.scale, true);
}
void k_lora_dxa(Ctx& c, const std::vector<float>& dout, const std::vector<float>& b,
                std::vector<float>& dxa) {
  dxa = c.gemm(dout, b, c.T, c.d, c.r, false, true);
  c.scale(dxa, c.lora.scale);
}
void k_lora_da(Ctx& c, const std::vector<float>& dxa, std::vector<float>& da) {
  da = c.gemm(c.t.x, dxa, c.d, c.T, c.r, true, false, true);
}
void k_lora_dx(Ctx& c, const std::vector<float>& dxa, const std::vector<float>& a,
               std::vector<float>& dx) {
  dx = c.gemm(dxa, a, c.T, c.r, c.d, false, true);
}
void k_qkv_dx(Ctx& c) {
  std::vector<float> dqkv(c.T * 3 * c.d);
  for (uint64_t i = 0; i < c.T; ++i)
    for (uint64_t j = 0; j < c.d; ++j) {
      dqkv[i * 3 * c.d + j] = c.t.dq[i * c.d + j];
      dqkv[i * 3 * c.d + c.d + j] = c.t.dk[i * c.d + j];
      dqkv[i * 3 * c.d + 2 * c.d + j] = c.t.dv[i * c.d + j];
    }
  const std::vector<float> through = c.s.layer->qkv().transposed(dqkv, c.T);
  // The residual path around attention and both adapters' input gradients join here.
  c.t.dx.assign(c.T * c.d, 0.0f);
  for (uint64_t i = 0; i < c.T * c.d; ++i)
    c.t.dx[i] = through[i] + c.t.du1[i] + c.t.dx_lora_q[i] + c.t.dx_lora_v[i];
}

using KernelFn = void (*)(Ctx&);

const std::unordered_map<std::string, KernelFn>& kernel_table() {
  static const std::unordered_map<std::string, KernelFn> table = {
      {"qkv_proj", k_qkv_proj},
      {"lora_a_q", [](Ctx& c) { k_lora_a(c, c.lora.a_q, c.t.xa_q); }},
      {"lora_b_q", [](Ctx& c) { k_lora_b(c, c.t.xa_q, c.lora.b_q, c.t.lq); }},
      {"lora_a_v", [](Ctx& c) { k_lora_a(c, c.lora.a_v, c.t.xa_v); }},
      {"lora_b_v", [](Ctx& c) { k_lora_b(c, c.t.xa_v, c.lora.b_v, c.t.lv); }},
      {"attn_scores", k_attn_scores},
      {"attn_softmax", k_attn_softmax},
      {"attn_context", k_attn_context},
      {"o_proj", k_o_proj},
      {"ln1", k_ln1},
      {"ff1", k_ff1},
      {"gelu", k_gelu},
      {"ff2", k_ff2},
      {"ln2", k_ln2},
      {"ln2_bwd", k_ln2_bwd},
      {"ff2_dx", k_ff2_dx},
      {"gelu_bwd", k_gelu_bwd},
      {"ff1_dx", k_ff1_dx},
      {"ln1_bwd", k_ln1_bwd},
      {"o_dx", k_o_dx},
      {"attn_recompute", k_attn_recompute},
      {"attn_dv", k_attn_dv},
      {"attn_dp", k_attn_dp},
      {"attn_softmax_bwd", k_attn_softmax_bwd},
      {"attn_dq", k_attn_dq},
      {"attn_dk", k_attn_dk},
      {"lora_db_q", [](Ctx& c) { k_lora_db(c, c.t.xa_q, c.t.dq, c.s.grads.b_q); }},
      {"lora_dxa_q", [](Ctx& c) { k_lora_dxa(c, c.t.dq, c.lora.b_q, c.t.dxa_q); }},
      {"lora_da_q", [](Ctx& c) { k_lora_da(c, c.t.dxa_q, c.s.grads.a_q); }},
      {"lora_dx_q", [](Ctx& c) { k_lora_dx(c, c.t.dxa_q, c.lora.a_q, c.t.dx_lora_q); }},
      {"lora_db_v", [](Ctx& c) { k_lora_db(c, c.t.xa_v, c.t.dv, c.s.grads.b_v); }},
      {"lora_dxa_v", [](Ctx& c) { k_lora_dxa(c, c.t.dv, c.lora.b_v, c.t.dxa_v); }},
      {"lora_da_v", [](Ctx& c) { k_lora_da(c, c.t.dxa_v, c.s.grads.a_v); }},
      {"lora_dx_v", [](Ctx& c) { k_lora_dx(c, c.t.dxa_v, c.lora.a_v, c.t.dx_lora_v); }},
      {"qkv_dx", k_qkv_dx},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& forward_kernel_names() {
  static const std::vector<std::string> names = {
      "qkv_proj",     "lora_a_q", "lora_b_q", "lora_a_v", "lora_b_v", "attn_scores", "attn_softmax",
      "attn_context", "o_proj",   "ln1",      "ff1",      "gelu",     "ff2",         "ln2"};
  return names;
}

const std::vector<std::string>& backward_kernel_names() {
  static const std::vector<std::string> names = {
      "ln2_bwd",        "ff2_dx",     "gelu_bwd",  "ff1_dx",           "ln1_bwd",   "o_dx",
      "attn_recompute", "attn_dv",    "attn_dp",   "attn_softmax_bwd", "attn_dq",   "attn_dk",
      "lora_db_q",      "lora_dxa_q", "lora_da_q", "lora_dx_q",        "lora_db_v", "lora_dxa_v",
      "lora_da_v",      "lora_dx_v",  "qkv_dx"};
  return names;
}

void run_kernel(const std::string& name, LayerState& state) {
  if (!state.layer || !state.lora) throw std::invalid_argument("run_kernel: state has no layer");
  const auto& table = kernel_table();
  const auto it = table.find(name);
  if (it == table.end()) throw std::invalid_argument("run_kernel: unknown kernel '" + name + "'");
  Ctx c(state);
  it->second(c);
}

void layer_forward(LayerState& state) {
  for (const std::string& k : forward_kernel_names()) run_kernel(k, state);
}

void layer_backward(LayerState& state) {
  for (const std::string& k : backward_kernel_names()) run_kernel(k, state);
}

FrozenWeights random_frozen_weights(uint64_t d, uint64_t f, Normal& rng) {
  const double sd = 1.0 / std::sqrt(static_cast<double>(d));
  FrozenWeights w;
  w.wqkv = rng.vec(d * 3 * d, sd);
  w.wo = rng.vec(d * d, sd);
  w.w1 = rng.vec(d * f, sd);
  w.w2 = rng.vec(f * d, 1.0 / std::sqrt(static_cast<double>(f)));
  w.ln1_gamma = rng.vec(d, 0.1, 1.0);
  w.ln1_beta = rng.vec(d, 0.1);
  w.ln2_gamma = rng.vec(d, 0.1, 1.0);
  w.ln2_beta = rng.vec(d, 0.1);
  return w;
}

}  // namespace atleus
