// The functional transformer layer against the independent float64 reference
// (tests/reference_transformer.hpp): exact-float numerics match to float rounding; M8F8
// hardware numerics stay within bounds derived from the quantisation steps.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>

#include "atleus/models/functional_layer.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/op_graph.hpp"
#include "reference_transformer.hpp"

using namespace atleus;

namespace {

struct Setup {
  LayerShape shape;
  FrozenWeights w;
  LoraAdapters lora;
  std::vector<float> x, dy;
};

std::vector<float> normal(std::mt19937_64& g, size_t n, double sd, double mean = 0.0) {
  std::normal_distribution<double> nd(mean, sd);
  std::vector<float> v(n);
  for (float& e : v) e = static_cast<float>(nd(g));
  return v;
}

Setup make_setup(const LayerShape& s, uint64_t seed) {
  std::mt19937_64 g(seed);
  Setup u;
  u.shape = s;
  const size_t d = s.d_model, f = s.d_ff, r = s.lora_rank, T = s.tokens();
  u.w.wqkv = normal(g, d * 3 * d, 1.0 / std::sqrt(double(d)));
  u.w.wo = normal(g, d * d, 1.0 / std::sqrt(double(d)));
  u.w.w1 = normal(g, d * f, 1.0 / std::sqrt(double(d)));
  u.w.w2 = normal(g, f * d, 1.0 / std::sqrt(double(f)));
  u.w.ln1_gamma = normal(g, d, 0.1, 1.0);
  u.w.ln1_beta = normal(g, d, 0.1);
  u.w.ln2_gamma = normal(g, d, 0.1, 1.0);
  u.w.ln2_beta = normal(g, d, 0.1);
  u.lora.a_q = normal(g, d * r, 1.0 / std::sqrt(double(d)));
  u.lora.b_q = normal(g, r * d, 0.3 / std::sqrt(double(r)));
  u.lora.a_v = normal(g, d * r, 1.0 / std::sqrt(double(d)));
  u.lora.b_v = normal(g, r * d, 0.3 / std::sqrt(double(r)));
  u.lora.scale = 0.5f;
  u.x = normal(g, T * d, 1.0);
  u.dy = normal(g, T * d, 1.0);
  return u;
}

reftf::Vec to_d(const std::vector<float>& v) {
  return reftf::Vec(v.begin(), v.end());
}

reftf::Shape ref_shape(const LayerShape& s) {
  reftf::Shape r;
  r.seqs = s.batch;
  r.n = s.seq_len;
  r.d = s.d_model;
  r.heads = s.heads;
  r.f = s.d_ff;
  r.r = s.lora_rank;
  return r;
}

reftf::Params ref_params(const Setup& u) {
  reftf::Params p;
  p.wqkv = to_d(u.w.wqkv);
  p.wo = to_d(u.w.wo);
  p.w1 = to_d(u.w.w1);
  p.w2 = to_d(u.w.w2);
  p.g1 = to_d(u.w.ln1_gamma);
  p.b1 = to_d(u.w.ln1_beta);
  p.g2 = to_d(u.w.ln2_gamma);
  p.b2 = to_d(u.w.ln2_beta);
  p.aq = to_d(u.lora.a_q);
  p.bq = to_d(u.lora.b_q);
  p.av = to_d(u.lora.a_v);
  p.bv = to_d(u.lora.b_v);
  p.lora_scale = u.lora.scale;
  return p;
}

// ||a - b|| / ||b||
double rel_err(const std::vector<float>& a, const reftf::Vec& b) {
  REQUIRE(a.size() == b.size());
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num / den);
}

double cosine(const std::vector<float>& a, const reftf::Vec& b) {
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += double(a[i]) * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

struct Run {
  LayerState st;
  reftf::Vec y;
  reftf::Grads g;
};

// Runs the functional layer (numerics `num`) and the reference on the same setup.
Run run_both(const Setup& u, const LayerNumerics& num, const FunctionalLayer& layer) {
  (void)num;
  Run r;
  r.st.layer = &layer;
  r.st.lora = &u.lora;
  r.st.t.x = u.x;
  layer_forward(r.st);
  r.st.t.dy = u.dy;
  layer_backward(r.st);
  reftf::Cache cache;
  const reftf::Params p = ref_params(u);
  r.y = reftf::forward(ref_shape(u.shape), p, to_d(u.x), &cache);
  r.g = reftf::backward(ref_shape(u.shape), p, cache, to_d(u.dy));
  return r;
}

}  // namespace

TEST_CASE("reference transformer gradients match finite differences", "[functional_layer]") {
  LayerShape s;
  s.d_model = 4;
  s.heads = 2;
  s.d_ff = 6;
  s.lora_rank = 2;
  s.seq_len = 3;
  s.batch = 2;
  const Setup u = make_setup(s, 7);
  const reftf::Shape rs = ref_shape(s);
  reftf::Params p = ref_params(u);
  reftf::Vec x = to_d(u.x);
  const reftf::Vec G = to_d(u.dy);
  // L = sum(y . G), so dL/dy = G.
  auto loss = [&](const reftf::Params& pp, const reftf::Vec& xx) {
    reftf::Cache c;
    const reftf::Vec y = reftf::forward(rs, pp, xx, &c);
    double l = 0.0;
    for (size_t i = 0; i < y.size(); ++i) l += y[i] * G[i];
    return l;
  };
  reftf::Cache c;
  reftf::forward(rs, p, x, &c);
  const reftf::Grads g = reftf::backward(rs, p, c, G);
  const double h = 1e-6;
  auto check = [&](reftf::Vec& v, const reftf::Vec& analytic, auto&& eval) {
    REQUIRE(v.size() == analytic.size());
    for (size_t i = 0; i < v.size(); ++i) {
      const double keep = v[i];
      v[i] = keep + h;
      const double lp = eval();
      v[i] = keep - h;
      const double lm = eval();
      v[i] = keep;
      const double fd = (lp - lm) / (2 * h);
      CHECK(analytic[i] == Approx(fd).margin(1e-7).epsilon(1e-5));
    }
  };
  auto eval = [&] { return loss(p, x); };
  check(x, g.dx, eval);
  check(p.aq, g.daq, eval);
  check(p.bq, g.dbq, eval);
  check(p.av, g.dav, eval);
  check(p.bv, g.dbv, eval);
}

TEST_CASE("functional layer kernels are the op graph's kernels for LoRA q,v, full backward",
          "[functional_layer]") {
  WorkloadSpec w;
  w.model = model_preset("bert-base");
  w.task = custom_task(16, 1, 1);
  w.mode = Mode::kFinetune;
  w.backward = BackwardMode::kFull;
  w.lora.targets = {"q", "v"};
  const WorkloadGraph g = build_graph(w);
  std::vector<std::string> fwd, bwd;
  for (const Kernel& k : g.forward.kernels) fwd.push_back(k.name);
  for (const Kernel& k : g.backward.kernels) bwd.push_back(k.name);
  CHECK(fwd == forward_kernel_names());
  CHECK(bwd == backward_kernel_names());

  LayerState st;
  CHECK_THROWS_AS(run_kernel("qkv_proj", st), std::invalid_argument);
  const Setup u = make_setup(LayerShape{}, 1);
  LayerNumerics num;
  num.exact_float = true;
  const FunctionalLayer layer(u.shape, u.w, num);
  st.layer = &layer;
  st.lora = &u.lora;
  CHECK_THROWS_AS(run_kernel("no_such_kernel", st), std::invalid_argument);
  CHECK_THROWS_AS(run_kernel("qkv_proj", st), std::invalid_argument);  // no input yet
}

TEST_CASE("exact-float functional layer matches the float64 reference", "[functional_layer]") {
  LayerShape s;
  s.d_model = 32;
  s.heads = 4;
  s.d_ff = 64;
  s.lora_rank = 4;
  s.seq_len = 8;
  s.batch = 2;
  const Setup u = make_setup(s, 3);
  LayerNumerics num;
  num.exact_float = true;
  const FunctionalLayer layer(s, u.w, num);
  const Run r = run_both(u, num, layer);
  // fp32 arithmetic: a few ulps per operation through ~10 dependent stages; the SFU's erf
  // (A&S 7.1.26) is within 1.5e-7.
  const double tol = 1e-5;
  CHECK(rel_err(r.st.t.y, r.y) < tol);
  CHECK(rel_err(r.st.t.dx, r.g.dx) < tol);
  CHECK(rel_err(r.st.grads.a_q, r.g.daq) < tol);
  CHECK(rel_err(r.st.grads.b_q, r.g.dbq) < tol);
  CHECK(rel_err(r.st.grads.a_v, r.g.dav) < tol);
  CHECK(rel_err(r.st.grads.b_v, r.g.dbv) < tol);
}

TEST_CASE("exact-ADC shortcut is bit-identical to the analog crossbar path", "[functional_layer]") {
  std::mt19937_64 g(11);
  for (unsigned bits : {8u, 4u}) {
    const uint64_t d_in = 256, d_out = 96, m = 5;
    const std::vector<float> w = normal(g, d_in * d_out, 0.06);
    LayerNumerics num;
    num.adc_bits = 8;
    const FrozenMatrix fm(w, d_in, d_out, bits, num, 1);
    REQUIRE_FALSE(fm.analog(false));
    REQUIRE_FALSE(fm.analog(true));
    const std::vector<float> x = normal(g, m * d_in, 1.0), dy = normal(g, m * d_out, 1.0);
    CHECK(fm.forward(x, m) == fm.crossbars()->mvm(x, m));
    CHECK(fm.transposed(dy, m) == fm.crossbars()->mvm_transposed(dy, m));
  }
  // A 6-bit ADC loses bits, and noise makes sums analog: both take the full model.
  LayerNumerics low;
  low.adc_bits = 6;
  CHECK(FrozenMatrix(std::vector<float>(128 * 32, 0.1f), 128, 32, 8, low, 1).analog(false));
  LayerNumerics noisy;
  noisy.noise_sigma = 0.02;
  CHECK(FrozenMatrix(std::vector<float>(128 * 32, 0.1f), 128, 32, 8, noisy, 1).analog(true));
}

TEST_CASE("M8F8 hardware layer stays within the quantisation error bound", "[functional_layer]") {
  LayerShape s;  // the demo's layer: d 128, 4 heads, d_ff 256, r 8, n 16
  s.batch = 2;
  const Setup u = make_setup(s, 5);
  LayerNumerics num;  // M8F8, 8-bit activations and ADCs, ISAAC encoding, no noise
  const FunctionalLayer layer(s, u.w, num);
  const Run r = run_both(u, num, layer);
  // Bound: a b-bit symmetric quantiser with scale max|v| / (2^(b-1) - 1) has rms error
  // step / sqrt(12). For Gaussian weights max|w| over a 128 x 32 crossbar block is ~4 sigma,
  // so the weight error is 4 / 127 / sqrt(12) = 0.9% of rms; for an activation vector of
  // 128-256 entries max|x| is ~3-4 rms: 0.7-0.9%. A product of both: ~1.3% relative. The
  // output sees ~4 products in series (QKV, O, FF1, FF2) plus fp16 rounding (0.05% each):
  // sqrt(4) x 1.3% = 2.6%; allow 2x for heavier tails (GELU outputs): 5%.
  const double y_err = rel_err(r.st.t.y, r.y);
  CHECK(y_err < 0.05);
  // Backward doubles the products in series (forward activations, then transposed reads of
  // 8-bit gradients): about sqrt(2) x the output error, 2x margin: 15% on dX. LoRA weight
  // gradients then need a cosine similarity > 0.99 (a 14% orthogonal error).
  const double dx_err = rel_err(r.st.t.dx, r.g.dx);
  CHECK(dx_err < 0.15);
  CHECK(cosine(r.st.grads.a_q, r.g.daq) > 0.99);
  CHECK(cosine(r.st.grads.b_q, r.g.dbq) > 0.99);
  CHECK(cosine(r.st.grads.a_v, r.g.dav) > 0.99);
  CHECK(cosine(r.st.grads.b_v, r.g.dbv) > 0.99);
  // And the quantisation error is really there (not a float path by mistake).
  CHECK(y_err > 1e-4);

  // M4F4 must be clearly worse than M8F8 (4-bit step is 18x coarser).
  LayerNumerics m4 = num;
  m4.mha_bits = m4.ff_bits = 4;
  const FunctionalLayer layer4(s, u.w, m4);
  const Run r4 = run_both(u, m4, layer4);
  CHECK(rel_err(r4.st.t.y, r4.y) > 3 * y_err);
  INFO("M8F8 output " << y_err << ", dX " << dx_err << "; M4F4 output "
                      << rel_err(r4.st.t.y, r4.y));
  CHECK(true);
}
