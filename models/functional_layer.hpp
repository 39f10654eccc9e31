// Functional (numerical) model of one transformer encoder layer on Atleus, kernel by kernel:
// what the platform computes when it fine-tunes with LoRA, built from the bit-accurate block
// models (models/functional_crossbar.hpp, functional_systolic.hpp, functional_sfu.hpp).
//
// Layer (post-LN, BERT order), per sequence of n tokens:
//   Q|K|V = x Wqkv (+ s (x A_q) B_q on Q, + s (x A_v) B_v on V)
//   per head: P = softmax(Q_h K_h^T / sqrt(dh)), C_h = P V_h
//   h1 = LN1(x + C Wo),  y = LN2(h1 + GELU(h1 W1) W2)
// No linear biases; LN gamma/beta are frozen; LoRA on Wq and Wv with scale s (alpha / r).
//
// Hardware numerics (exact_float = false):
// - frozen matrices (Wqkv fused d x 3d, Wo, W1, W2) are ProgrammedMatrix crossbars: weights
//   quantised per crossbar to mha_bits (Wqkv, Wo) or ff_bits (W1, W2), act_bits inputs
//   quantised per vector by the crossbar model, adc_bits ADCs, ISAAC encoding, optional
//   device noise; dX through them is the transposed crossbar read (mvm_transposed).
//   When the ADC resolves every sum (LSB = 1 unit, full scale inside the code range) and there
//   is no noise, the analog path returns the exact integer product of the quantised operands
//   (see functional_crossbar.hpp); that product is then computed directly, with the same
//   quantisation and dequantisation, because it is an order of magnitude faster
//   (tests/unit_functional_layer.cpp checks it is bit-identical to the analog path).
// - attention and LoRA on the systolic array: gemm_fp16 (fp16 operands, fp32 accumulation,
//   fp16 results; weight gradients kept in fp32, as mixed-precision training keeps them);
//   1/sqrt(dh) folded into Q.
// - softmax, layer norms and GELU (erf form, as BERT) on the SFU with fp16 I/O, forward and
//   backward; residual adds in fp32 before the SFU.
// Exact float (exact_float = true): plain fp32 GEMMs for every product, fp32 SFU functions.
//
// Kernels carry the operation graph's names (workloads/op_graph.hpp, LoRA targets q and v,
// full backward), so the execution engine can call the same code task by task.
// Does not cover: timing or energy (the run engine's job), causal masks, dropout, biases.
// Pure C++ (no SystemC).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "atleus/models/functional_crossbar.hpp"
#include "atleus/models/functional_sfu.hpp"

namespace atleus {

struct LayerShape {
  uint64_t d_model = 128;
  uint64_t heads = 4;
  uint64_t d_ff = 256;
  uint64_t lora_rank = 8;
  uint64_t seq_len = 16;  // tokens per sequence
  uint64_t batch = 4;     // sequences processed together

  uint64_t tokens() const { return seq_len * batch; }
  uint64_t head_dim() const { return d_model / heads; }
  void validate() const;  // ParamError naming the field
};

struct LayerNumerics {
  bool exact_float = false;      // plain float everywhere: the "float" baseline
  unsigned mha_bits = 8;         // Atleus section 6: M8F8 baseline
  unsigned ff_bits = 8;          // Atleus section 6
  unsigned act_bits = 8;         // Atleus section 2: 8-bit crossbar inputs
  unsigned adc_bits = 8;         // Atleus section 2 / ISAAC: 8-bit ADCs
  bool isaac_encoding = true;    // ISAAC (ISCA 2016) flipped columns: 8-bit ADC for 128 rows
  unsigned crossbar_rows = 128;  // Atleus section 2 / ISAAC: 128x128 crossbars
  unsigned crossbar_cols = 128;  // Atleus section 2 / ISAAC
  unsigned bits_per_cell = 2;    // Atleus section 2 / ISAAC: 2-bit cells
  unsigned dac_bits = 1;         // Atleus section 2 / ISAAC: 1-bit DACs
  double noise_sigma = 0.0;      // device weight noise / max|w| (Atleus section 6)
  uint64_t noise_seed = 1;
  GeluForm gelu = GeluForm::kErf;  // BERT's GELU

  void validate() const;
};

// Frozen parameters of one layer (row-major, x . W convention).
struct FrozenWeights {
  std::vector<float> wqkv;                                      // d x 3d: [Wq | Wk | Wv]
  std::vector<float> wo;                                        // d x d
  std::vector<float> w1;                                        // d x d_ff
  std::vector<float> w2;                                        // d_ff x d
  std::vector<float> ln1_gamma, ln1_beta, ln2_gamma, ln2_beta;  // d each
};

// LoRA adapters on Wq and Wv: delta W = scale A B.
class Normal;
// Seeded frozen weights with fan-in scaling (unit-variance outputs for unit-variance inputs)
// and layer-norm parameters near (1, 0), drawn in a fixed order.
FrozenWeights random_frozen_weights(uint64_t d_model, uint64_t d_ff, Normal& rng);

struct LoraAdapters {
  std::vector<float> a_q, b_q, a_v, b_v;  // A: d x r, B: r x d
  float scale = 1.0f;                     // alpha / r
};

// Adapter gradients (fp32 accumulators), same layout as LoraAdapters.
struct LoraGrads {
  std::vector<float> a_q, b_q, a_v, b_v;
};

// A frozen matrix: crossbars (hardware) or plain float weights (exact_float).
class FrozenMatrix {
 public:
  FrozenMatrix(const std::vector<float>& w, uint64_t d_in, uint64_t d_out, unsigned weight_bits,
               const LayerNumerics& num, uint64_t noise_seed);

  std::vector<float> forward(const std::vector<float>& x, uint64_t m) const;      // x W
  std::vector<float> transposed(const std::vector<float>& dy, uint64_t m) const;  // dy W^T
  // Whether the direction runs the full analog model (else the exact-integer shortcut).
  bool analog(bool transposed) const { return transposed ? analog_t_ : analog_f_; }
  const ProgrammedMatrix* crossbars() const { return pm_.get(); }
  uint64_t d_in() const { return d_in_; }
  uint64_t d_out() const { return d_out_; }

 private:
  std::vector<float> integer_path(const std::vector<float>& x, uint64_t m, bool transposed) const;

  uint64_t d_in_, d_out_;
  unsigned input_bits_ = 8;
  std::vector<float> w_;  // exact float only
  std::unique_ptr<ProgrammedMatrix> pm_;
  bool analog_f_ = true, analog_t_ = true;
};

// The frozen part of a layer as programmed on the platform.
class FunctionalLayer {
 public:
  FunctionalLayer(const LayerShape& shape, const FrozenWeights& w, const LayerNumerics& num);

  const LayerShape& shape() const { return shape_; }
  const LayerNumerics& numerics() const { return num_; }
  const FrozenMatrix& qkv() const { return qkv_; }
  const FrozenMatrix& o() const { return o_; }
  const FrozenMatrix& ff1() const { return ff1_; }
  const FrozenMatrix& ff2() const { return ff2_; }
  const FrozenWeights& weights() const { return w_; }

 private:
  LayerShape shape_;
  LayerNumerics num_;
  FrozenWeights w_;  // LN parameters (and the float matrices, for reference)
  FrozenMatrix qkv_, o_, ff1_, ff2_;
};

// Activations saved by the forward pass and gradients of the backward pass, T = tokens.
struct LayerTensors {
  // forward
  std::vector<float> x;           // T x d: layer input
  std::vector<float> qkv;         // T x 3d: crossbar output
  std::vector<float> xa_q, xa_v;  // T x r
  std::vector<float> lq, lv;      // T x d: s (x A) B
  std::vector<float> q, k, v;     // T x d: attention operands (Q scaled by 1/sqrt(dh))
  std::vector<float> scores;      // batch x heads x n x n
  std::vector<float> probs;       // same
  std::vector<float> ctx;         // T x d
  std::vector<float> o;           // T x d
  std::vector<float> u1, h1;      // T x d: x + o, LN1 output
  std::vector<float> a1, g1;      // T x d_ff: FF1 output, GELU output
  std::vector<float> f2;          // T x d
  std::vector<float> u2, y;       // T x d: h1 + f2, LN2 output (layer output)
  // backward
  std::vector<float> dy;      // T x d: gradient at the layer output
  std::vector<float> du2;     // ln2_bwd
  std::vector<float> dg1;     // ff2_dx (T x d_ff)
  std::vector<float> da1;     // gelu_bwd
  std::vector<float> dh1_ff;  // ff1_dx
  std::vector<float> du1;     // ln1_bwd
  std::vector<float> dctx;    // o_dx
  std::vector<float> dv, dprobs, dscores, dq, dk;
  std::vector<float> dxa_q, dxa_v;          // T x r
  std::vector<float> dx_lora_q, dx_lora_v;  // T x d
  std::vector<float> dx;                    // qkv_dx: gradient at the layer input
};

struct LayerState {
  const FunctionalLayer* layer = nullptr;
  const LoraAdapters* lora = nullptr;
  LayerTensors t;
  LoraGrads grads;  // written by lora_db_* / lora_da_* (overwritten, not accumulated)
};

// Kernel names in execution order (the op graph's order for targets q, v and full backward).
const std::vector<std::string>& forward_kernel_names();
const std::vector<std::string>& backward_kernel_names();

// Runs one kernel on the state; throws std::invalid_argument for an unknown name.
void run_kernel(const std::string& name, LayerState& state);

// s.t.x must hold tokens x d; fills the forward tensors (s.t.y is the output).
void layer_forward(LayerState& state);
// s.t.dy must hold tokens x d; fills the backward tensors, s.t.dx and s.grads.
void layer_backward(LayerState& state);

}  // namespace atleus
