// Special-function unit (SFU) of a systolic-array core: softmax, layer norm and GELU, forward
// and backward, on a rows x cols tensor.
//
// Covers: the cycle count and dynamic energy of these row-wise functions, composed from
// primitive element operations (add-class: add/sub/max/compare; mul; and the special functions
// exp, reciprocal, rsqrt, tanh). The paper gives no hardware for these functions (Atleus
// section 3: "not given"); we assume a vector unit of `lanes` lanes beside the array.
// Organisation: each lane owns one row at a time (rows are spread across lanes), walks the row
// element by element in as many passes as the function needs (softmax: max, exp+sum, scale),
// and does the per-row scalar work (1/sum, rsqrt(var)) itself. A primitive costs its
// reciprocal throughput in cycles; the unit is otherwise fully pipelined. So
//   cycles = ceil(rows / lanes) * (cols * cycles_per_element + cycles_per_row).
// Does not cover: pipeline fill latency, cross-lane reductions (a row never spans lanes),
// numerical results (timing-only), SRAM traffic of the SFU (its operands are the array's
// outputs, counted by the systolic core), static power.
// Timing style: pure functions; the systolic core books the result on its SFU calendar.
#pragma once

#include <cstdint>
#include <string>

#include "atleus/models/compute_op.hpp"

namespace atleus {

// Energy scaling from Horowitz's 45 nm / 0.9 V figures (ISSCC 2014, "Computing's energy
// problem") to the SA tier's 10 nm process: switched capacitance scaled with feature size
// (10 / 45) and V^2 from 0.9 V to 0.75 V (a typical 10 nm nominal supply). First-order
// (Dennard-style) assumption; stated so it can be replaced by a 10 nm characterisation.
constexpr double kHorowitz45To10nmEnergyScale = (10.0 / 45.0) * (0.75 / 0.9) * (0.75 / 0.9);

enum class GeluApprox : uint8_t {
  kTanh,  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (Hendrycks & Gimpel 2016)
  kErf,   // 0.5 x (1 + erf(x / sqrt 2)), erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
};

const char* to_string(GeluApprox approx);
GeluApprox parse_gelu_approx(const std::string& text);  // "tanh" | "erf"; ParamError otherwise

struct SfuParams {
  // [default] one lane per array column (32), so one drained output row block feeds all lanes.
  unsigned lanes = 32;
  // Reciprocal throughput in cycles per primitive. [default] NVIDIA CUDA C Programming Guide,
  // arithmetic instruction throughput (compute capability 7.x): 64 FP32 add/mul per SM per
  // clock vs 16 for the special functions (exp2, rcp, rsqrt; tanh.approx on sm_75+): a
  // special function costs 4 add/mul slots.
  unsigned cycles_add = 1;  // add, sub, max, compare
  unsigned cycles_mul = 1;
  unsigned cycles_exp = 4;
  unsigned cycles_recip = 4;
  unsigned cycles_rsqrt = 4;
  unsigned cycles_tanh = 4;
  GeluApprox gelu_approx = GeluApprox::kTanh;  // [default] the form GPT-2/BERT code uses
  // Energy per element operation, fp16 (LoRA and the SA datapath are 16-bit, paper section 6).
  // Horowitz ISSCC 2014, 45 nm: fp16 add 0.4 pJ, fp16 mult 1.1 pJ; scaled to 10 nm with
  // kHorowitz45To10nmEnergyScale.
  double e_add_pj = 0.4 * kHorowitz45To10nmEnergyScale;
  double e_mul_pj = 1.1 * kHorowitz45To10nmEnergyScale;
  // [default] a special function costs 4 cycles (above); assume each cycle spends about one
  // fp16 multiply's energy (iterative / table+polynomial units), i.e. 4 x e_mul.
  double e_special_pj = 4.0 * 1.1 * kHorowitz45To10nmEnergyScale;

  void validate() const;
};

// How many primitives one function needs, per element of the tensor or per row.
struct SfuOpCounts {
  uint64_t add = 0;  // add-class: add, sub, max, compare
  uint64_t mul = 0;
  uint64_t exp = 0;
  uint64_t recip = 0;
  uint64_t rsqrt = 0;
  uint64_t tanh = 0;

  uint64_t total() const { return add + mul + exp + recip + rsqrt + tanh; }
};

// Primitive counts of the given function (kSoftmax, kLayerNorm, kGelu), per element and per
// row. Throws std::invalid_argument for a kind the SFU does not run.
SfuOpCounts sfu_element_ops(OpKind kind, bool backward, GeluApprox gelu);
SfuOpCounts sfu_row_ops(OpKind kind, bool backward, GeluApprox gelu);

// Cycles and energy of one such primitive mix under the given parameters.
uint64_t sfu_cycles_of(const SfuParams& p, const SfuOpCounts& ops);
double sfu_energy_pj_of(const SfuParams& p, const SfuOpCounts& ops);

struct SfuCost {
  uint64_t cycles = 0;
  uint64_t latency_ps = 0;
  uint64_t elements = 0;     // rows x cols
  uint64_t element_ops = 0;  // primitive operations executed, all rows
  double energy_j = 0.0;
};

SfuCost sfu_cost(const SfuParams& p, OpKind kind, uint64_t rows, uint64_t cols, bool backward,
                 double clock_mhz);

}  // namespace atleus
