#include "atleus/models/functional_sfu.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "atleus/models/functional_systolic.hpp"

namespace atleus {

namespace {

constexpr double kPi = 3.14159265358979323846;

void check_size(size_t got, uint64_t expected, const char* what) {
  if (got != expected)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(got) +
                                " elements, expected " + std::to_string(expected));
}

// A copy of v, rounded to fp16 when the unit's I/O is 16-bit.
std::vector<float> io_in(const std::vector<float>& v, bool fp16_io) {
  std::vector<float> out = v;
  if (fp16_io) round_to_half_inplace(out);
  return out;
}

void io_out(std::vector<float>& v, bool fp16_io) {
  if (fp16_io) round_to_half_inplace(v);
}

}  // namespace

double erf_as7126(double x) {
  const double ax = std::fabs(x);
  const double t = 1.0 / (1.0 + 0.3275911 * ax);
  const double poly =
      t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const double y = 1.0 - poly * std::exp(-ax * ax);
  return x < 0.0 ? -y : y;
}

std::vector<float> softmax_forward(const std::vector<float>& x_in, uint64_t rows, uint64_t cols,
                                   bool fp16_io) {
  check_size(x_in.size(), rows * cols, "x");
  const std::vector<float> x = io_in(x_in, fp16_io);
  std::vector<float> y(rows * cols);
  for (uint64_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * cols;
    float* yr = y.data() + r * cols;
    float mx = -std::numeric_limits<float>::infinity();
    for (uint64_t c = 0; c < cols; ++c) mx = std::max(mx, xr[c]);
    float sum = 0.0f;
    for (uint64_t c = 0; c < cols; ++c) {
      yr[c] = std::exp(xr[c] - mx);
      sum += yr[c];
    }
    const float inv = 1.0f / sum;  // one reciprocal per row, then multiplies (models/sfu.hpp)
    for (uint64_t c = 0; c < cols; ++c) yr[c] *= inv;
  }
  io_out(y, fp16_io);
  return y;
}

std::vector<float> softmax_backward(const std::vector<float>& y_in, const std::vector<float>& dy_in,
                                    uint64_t rows, uint64_t cols, bool fp16_io) {
  check_size(y_in.size(), rows * cols, "y");
  check_size(dy_in.size(), rows * cols, "dy");
  const std::vector<float> y = io_in(y_in, fp16_io), dy = io_in(dy_in, fp16_io);
  std::vector<float> dx(rows * cols);
  for (uint64_t r = 0; r < rows; ++r) {
    const uint64_t o = r * cols;
    float dot = 0.0f;
    for (uint64_t c = 0; c < cols; ++c) dot += dy[o + c] * y[o + c];
    for (uint64_t c = 0; c < cols; ++c) dx[o + c] = y[o + c] * (dy[o + c] - dot);
  }
  io_out(dx, fp16_io);
  return dx;
}

namespace {

// Per-row mean and 1/sqrt(var + eps), biased variance, two passes.
void row_stats(const float* x, uint64_t cols, float eps, float& mean, float& rstd) {
  float sum = 0.0f;
  for (uint64_t c = 0; c < cols; ++c) sum += x[c];
  mean = sum / static_cast<float>(cols);
  float sq = 0.0f;
  for (uint64_t c = 0; c < cols; ++c) sq += (x[c] - mean) * (x[c] - mean);
  rstd = 1.0f / std::sqrt(sq / static_cast<float>(cols) + eps);
}

}  // namespace

std::vector<float> layernorm_forward(const std::vector<float>& x_in,
                                     const std::vector<float>& gamma_in,
                                     const std::vector<float>& beta_in, uint64_t rows,
                                     uint64_t cols, float eps, bool fp16_io) {
  check_size(x_in.size(), rows * cols, "x");
  check_size(gamma_in.size(), cols, "gamma");
  check_size(beta_in.size(), cols, "beta");
  const std::vector<float> x = io_in(x_in, fp16_io), gamma = io_in(gamma_in, fp16_io),
                           beta = io_in(beta_in, fp16_io);
  std::vector<float> y(rows * cols);
  for (uint64_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * cols;
    float mean, rstd;
    row_stats(xr, cols, eps, mean, rstd);
    for (uint64_t c = 0; c < cols; ++c)
      y[r * cols + c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
  }
  io_out(y, fp16_io);
  return y;
}

LayerNormGrads layernorm_backward(const std::vector<float>& x_in,
                                  const std::vector<float>& gamma_in,
                                  const std::vector<float>& dy_in, uint64_t rows, uint64_t cols,
                                  float eps, bool fp16_io) {
  check_size(x_in.size(), rows * cols, "x");
  check_size(gamma_in.size(), cols, "gamma");
  check_size(dy_in.size(), rows * cols, "dy");
  const std::vector<float> x = io_in(x_in, fp16_io), gamma = io_in(gamma_in, fp16_io),
                           dy = io_in(dy_in, fp16_io);
  LayerNormGrads g;
  g.dx.assign(rows * cols, 0.0f);
  g.dgamma.assign(cols, 0.0f);
  g.dbeta.assign(cols, 0.0f);
  std::vector<float> xhat(cols);
  const float inv_n = 1.0f / static_cast<float>(cols);
  for (uint64_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * cols;
    const float* dyr = dy.data() + r * cols;
    float mean, rstd;
    row_stats(xr, cols, eps, mean, rstd);
    // dx = rstd (g - mean(g) - x_hat mean(g x_hat)), with g = gamma dy.
    float sum_g = 0.0f, sum_gx = 0.0f;
    for (uint64_t c = 0; c < cols; ++c) {
      xhat[c] = (xr[c] - mean) * rstd;
      const float gc = gamma[c] * dyr[c];
      sum_g += gc;
      sum_gx += gc * xhat[c];
      g.dgamma[c] += dyr[c] * xhat[c];
      g.dbeta[c] += dyr[c];
    }
    for (uint64_t c = 0; c < cols; ++c)
      g.dx[r * cols + c] = rstd * (gamma[c] * dyr[c] - sum_g * inv_n - xhat[c] * (sum_gx * inv_n));
  }
  io_out(g.dx, fp16_io);
  io_out(g.dgamma, fp16_io);
  io_out(g.dbeta, fp16_io);
  return g;
}

float gelu(float x, GeluForm form) {
  if (form == GeluForm::kTanh) {
    const float c = static_cast<float>(std::sqrt(2.0 / kPi));
    return 0.5f * x * (1.0f + std::tanh(c * (x + 0.044715f * x * x * x)));
  }
  return static_cast<float>(0.5 * x * (1.0 + erf_as7126(x / std::sqrt(2.0))));
}

float gelu_derivative(float x, GeluForm form) {
  if (form == GeluForm::kTanh) {
    const float c = static_cast<float>(std::sqrt(2.0 / kPi));
    const float t = std::tanh(c * (x + 0.044715f * x * x * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * c * (1.0f + 3.0f * 0.044715f * x * x);
  }
  const double xd = x;
  const double phi = std::exp(-0.5 * xd * xd) / std::sqrt(2.0 * kPi);
  return static_cast<float>(0.5 * (1.0 + erf_as7126(xd / std::sqrt(2.0))) + xd * phi);
}

std::vector<float> gelu_forward(const std::vector<float>& x_in, GeluForm form, bool fp16_io) {
  std::vector<float> y = io_in(x_in, fp16_io);
  for (float& v : y) v = gelu(v, form);
  io_out(y, fp16_io);
  return y;
}

std::vector<float> gelu_backward(const std::vector<float>& x_in, const std::vector<float>& dy_in,
                                 GeluForm form, bool fp16_io) {
  check_size(dy_in.size(), x_in.size(), "dy");
  const std::vector<float> x = io_in(x_in, fp16_io), dy = io_in(dy_in, fp16_io);
  std::vector<float> dx(x.size());
  for (size_t i = 0; i < x.size(); ++i) dx[i] = dy[i] * gelu_derivative(x[i], form);
  io_out(dx, fp16_io);
  return dx;
}

}  // namespace atleus
