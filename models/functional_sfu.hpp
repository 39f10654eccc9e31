// Functional (numerical) model of the special-function unit (models/sfu.hpp has its timing):
// softmax, layer norm and GELU on a rows x cols tensor, forward and backward.
//
// Covers: fp32 arithmetic, row-wise reductions in element order (one lane walks a row);
// optional fp16 I/O (inputs, parameters and outputs rounded to IEEE half, internal math fp32),
// the 16-bit datapath of the SA tier (Atleus section 6).
// - softmax: y = exp(x - max) / sum(exp(x - max)) per row; backward dx = y (dy - sum(dy y)).
// - layer norm: biased variance over the row (as PyTorch's LayerNorm), two passes (mean, then
//   squared deviations), y = (x - mean) rstd gamma + beta; backward returns dx, dgamma, dbeta.
// - GELU: the two forms of GeluApprox in models/sfu.hpp: kTanh, and kErf with erf from
//   Abramowitz & Stegun 7.1.26. The backward of kErf uses 0.5 (1 + erf(x/sqrt2)) + x phi(x)
//   with the exact Gaussian density phi (the A&S erf's derivative differs by < 1e-6).
// Does not cover: timing and energy, fused kernels, masking (a causal mask is the caller's
// -inf entries; a row of all -inf gives NaN, as in fp arithmetic).
// Pure C++ (no SystemC).
#pragma once

#include <cstdint>
#include <vector>

namespace atleus {

// Same values and meaning as GeluApprox (models/sfu.hpp, which pulls in SystemC), so the two
// convert with static_cast.
enum class GeluForm : uint8_t { kTanh, kErf };

// Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), odd-extended to x < 0.
double erf_as7126(double x);

std::vector<float> softmax_forward(const std::vector<float>& x, uint64_t rows, uint64_t cols,
                                   bool fp16_io = false);
std::vector<float> softmax_backward(const std::vector<float>& y, const std::vector<float>& dy,
                                    uint64_t rows, uint64_t cols, bool fp16_io = false);

// gamma, beta: cols elements. eps default: PyTorch LayerNorm's 1e-5.
std::vector<float> layernorm_forward(const std::vector<float>& x, const std::vector<float>& gamma,
                                     const std::vector<float>& beta, uint64_t rows, uint64_t cols,
                                     float eps = 1e-5f, bool fp16_io = false);
struct LayerNormGrads {
  std::vector<float> dx;      // rows x cols
  std::vector<float> dgamma;  // cols: sum over rows of dy x_hat
  std::vector<float> dbeta;   // cols: sum over rows of dy
};
LayerNormGrads layernorm_backward(const std::vector<float>& x, const std::vector<float>& gamma,
                                  const std::vector<float>& dy, uint64_t rows, uint64_t cols,
                                  float eps = 1e-5f, bool fp16_io = false);

float gelu(float x, GeluForm form);
float gelu_derivative(float x, GeluForm form);
std::vector<float> gelu_forward(const std::vector<float>& x, GeluForm form, bool fp16_io = false);
// dx = dy x gelu'(x)
std::vector<float> gelu_backward(const std::vector<float>& x, const std::vector<float>& dy,
                                 GeluForm form, bool fp16_io = false);

}  // namespace atleus
