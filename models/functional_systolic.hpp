// Functional (numerical) model of the systolic-array core's GEMMs (Atleus section 3): what
// the PE array computes for quantised int8 operands (int32 accumulators) and for the 16-bit
// LoRA / gradient datapath (fp16 operands, fp32 accumulators), plus fp32 as a reference.
//
// Covers: C[m][n] = sum_k op(A)[m][k] op(B)[k][n] with op = identity or transpose; symmetric
// int quantisation with one scale per tensor or per row; IEEE binary16 rounding
// (round-to-nearest-even, subnormals, overflow to infinity, NaN kept).
// Accumulation order: in the output-stationary array each PE owns one C[i][j] and adds the
// products in the order the operands stream past it, k = 0, 1, ..., K-1; every GEMM here adds
// in that order (the WS/IS dataflows and the fold order change timing, not the sum for the
// integer case; for floats we keep the OS order the paper uses). A product is rounded to the
// accumulator format before it is added (no fused multiply-add); fp16 x fp16 products are exact
// in fp32, so for fp16 operands this is the same as a fused MAC.
// int32 accumulators wrap modulo 2^32 like a 32-bit adder (no saturation).
// Does not cover: timing and energy (models/systolic_core.hpp), stochastic rounding, bf16.
// Pure C++ (no SystemC).
#pragma once

#include <cstdint>
#include <vector>

namespace atleus {

// IEEE 754 binary16 conversions, round-to-nearest-even.
uint16_t float_to_half_bits(float x);
float half_bits_to_float(uint16_t h);
inline float round_to_half(float x) {
  return half_bits_to_float(float_to_half_bits(x));
}
void round_to_half_inplace(std::vector<float>& v);

// Symmetric integer tensor: value ~ q x scale, |q| <= 2^(bits-1) - 1.
struct QuantizedTensor {
  uint64_t rows = 0, cols = 0;
  unsigned bits = 8;
  bool per_row = false;      // one scale per row, else one for the whole tensor
  std::vector<int8_t> q;     // rows x cols
  std::vector<float> scale;  // rows (per_row) or 1
};

// scale = max|x| / (2^(bits-1) - 1) over the tensor or the row; q = round-to-nearest-even(x /
// scale), clipped. bits in [2, 8]. An all-zero group gets scale 0.
QuantizedTensor quantize_symmetric(const std::vector<float>& x, uint64_t rows, uint64_t cols,
                                   bool per_row, unsigned bits = 8);
std::vector<float> dequantize(const QuantizedTensor& t);

// op(A) is m x k: A is m x k, or k x m when trans_a. op(B) is k x n: B is k x n, or n x k when
// trans_b. Throws std::invalid_argument on a size mismatch.
std::vector<int32_t> gemm_int8(const std::vector<int8_t>& a, const std::vector<int8_t>& b,
                               uint64_t m, uint64_t k, uint64_t n, bool trans_a = false,
                               bool trans_b = false);
// Integer GEMM of quantised tensors, dequantised: C[i][j] = acc[i][j] x sa(i) x sb(j). Each
// operand's scale must be constant along k: A per tensor, or per row when not transposed; B
// per tensor, or per row when transposed (its rows are then C's columns). Otherwise throws.
std::vector<float> gemm_int8_dequant(const QuantizedTensor& a, const QuantizedTensor& b,
                                     bool trans_a = false, bool trans_b = false);
// Operands rounded to fp16, fp32 accumulation; the result rounded to fp16 when fp16_output.
std::vector<float> gemm_fp16(const std::vector<float>& a, const std::vector<float>& b, uint64_t m,
                             uint64_t k, uint64_t n, bool trans_a = false, bool trans_b = false,
                             bool fp16_output = true);
std::vector<float> gemm_fp32(const std::vector<float>& a, const std::vector<float>& b, uint64_t m,
                             uint64_t k, uint64_t n, bool trans_a = false, bool trans_b = false);

}  // namespace atleus
