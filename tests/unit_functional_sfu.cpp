// Functional SFU: softmax, layer norm and GELU forward against float64 references written
// here, and each backward pass against central finite differences of that reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "atleus/models/functional_sfu.hpp"
#include "atleus/models/functional_systolic.hpp"
#include "atleus/models/sfu.hpp"

using namespace atleus;

namespace {

std::vector<float> random_floats(uint64_t count, uint32_t seed, float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

std::vector<double> softmax_ref(const std::vector<double>& x, uint64_t rows, uint64_t cols) {
  std::vector<double> y(x.size());
  for (uint64_t r = 0; r < rows; ++r) {
    double mx = x[r * cols];
    for (uint64_t c = 0; c < cols; ++c) mx = std::max(mx, x[r * cols + c]);
    double s = 0.0;
    for (uint64_t c = 0; c < cols; ++c) s += std::exp(x[r * cols + c] - mx);
    for (uint64_t c = 0; c < cols; ++c) y[r * cols + c] = std::exp(x[r * cols + c] - mx) / s;
  }
  return y;
}

std::vector<double> layernorm_ref(const std::vector<double>& x, const std::vector<double>& g,
                                  const std::vector<double>& b, uint64_t rows, uint64_t cols,
                                  double eps) {
  std::vector<double> y(x.size());
  for (uint64_t r = 0; r < rows; ++r) {
    double mean = 0.0, var = 0.0;
    for (uint64_t c = 0; c < cols; ++c) mean += x[r * cols + c] / double(cols);
    for (uint64_t c = 0; c < cols; ++c)
      var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean) / double(cols);
    for (uint64_t c = 0; c < cols; ++c)
      y[r * cols + c] = (x[r * cols + c] - mean) / std::sqrt(var + eps) * g[c] + b[c];
  }
  return y;
}

double gelu_ref(double x, bool erf_form) {
  if (erf_form) return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  const double k = std::sqrt(2.0 / 3.14159265358979323846);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

std::vector<double> to_double(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// d/dv_i of f(v) by central differences.
template <typename F>
std::vector<double> numeric_grad(std::vector<double> v, F f, double h = 1e-5) {
  std::vector<double> g(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double keep = v[i];
    v[i] = keep + h;
    const double up = f(v);
    v[i] = keep - h;
    const double down = f(v);
    v[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

}  // namespace

TEST_CASE("softmax rows sum to one and match a float64 reference", "[functional][sfu]") {
  const uint64_t rows = 5, cols = 37;
  std::vector<float> x = random_floats(rows * cols, 1, -6.0f, 6.0f);
  x[3] = 1000.0f;  // max subtraction keeps exp finite
  const std::vector<float> y = softmax_forward(x, rows, cols);
  const std::vector<double> ref = softmax_ref(to_double(x), rows, cols);
  for (uint64_t r = 0; r < rows; ++r) {
    double s = 0.0;
    for (uint64_t c = 0; c < cols; ++c) s += y[r * cols + c];
    CHECK(s == Approx(1.0).margin(1e-6));
  }
  for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == Approx(ref[i]).margin(1e-7).epsilon(1e-5));
  CHECK(y[3] == Approx(1.0));
}

TEST_CASE("softmax backward matches finite differences", "[functional][sfu]") {
  const uint64_t rows = 3, cols = 11;
  const std::vector<float> x = random_floats(rows * cols, 2, -2.0f, 2.0f);
  const std::vector<float> dy = random_floats(rows * cols, 3, -1.0f, 1.0f);
  const std::vector<float> y = softmax_forward(x, rows, cols);
  const std::vector<float> dx = softmax_backward(y, dy, rows, cols);
  const std::vector<double> dyd = to_double(dy);
  const std::vector<double> want = numeric_grad(to_double(x), [&](const std::vector<double>& v) {
    return dot(dyd, softmax_ref(v, rows, cols));
  });
  for (size_t i = 0; i < dx.size(); ++i) CHECK(dx[i] == Approx(want[i]).margin(1e-5));
}

TEST_CASE("layernorm normalises rows and matches a float64 reference", "[functional][sfu]") {
  const uint64_t rows = 4, cols = 64;
  const std::vector<float> x = random_floats(rows * cols, 4, -3.0f, 5.0f);
  const std::vector<float> ones(cols, 1.0f), zeros(cols, 0.0f);
  const std::vector<float> y = layernorm_forward(x, ones, zeros, rows, cols, 1e-5f);
  for (uint64_t r = 0; r < rows; ++r) {
    double mean = 0.0, var = 0.0;
    for (uint64_t c = 0; c < cols; ++c) mean += y[r * cols + c] / double(cols);
    for (uint64_t c = 0; c < cols; ++c) var += (y[r * cols + c] - mean) * (y[r * cols + c] - mean);
    var /= double(cols);
    CHECK(mean == Approx(0.0).margin(1e-6));
    CHECK(var == Approx(1.0).epsilon(1e-4));  // var / (var + eps) with var ~ 5: 1 - 2e-6
  }
  const std::vector<float> g = random_floats(cols, 5, 0.5f, 1.5f);
  const std::vector<float> b = random_floats(cols, 6, -0.5f, 0.5f);
  const std::vector<float> y2 = layernorm_forward(x, g, b, rows, cols, 1e-3f);
  const std::vector<double> ref =
      layernorm_ref(to_double(x), to_double(g), to_double(b), rows, cols, 1e-3);
  for (size_t i = 0; i < y2.size(); ++i) CHECK(y2[i] == Approx(ref[i]).margin(2e-6));
}

TEST_CASE("layernorm backward matches finite differences", "[functional][sfu]") {
  const uint64_t rows = 3, cols = 16;
  const double eps = 1e-3;
  const std::vector<float> x = random_floats(rows * cols, 7, -2.0f, 2.0f);
  const std::vector<float> g = random_floats(cols, 8, 0.5f, 1.5f);
  const std::vector<float> b = random_floats(cols, 9, -0.5f, 0.5f);
  const std::vector<float> dy = random_floats(rows * cols, 10, -1.0f, 1.0f);
  const LayerNormGrads grads = layernorm_backward(x, g, dy, rows, cols, float(eps));
  const std::vector<double> xd = to_double(x), gd = to_double(g), bd = to_double(b),
                            dyd = to_double(dy);
  const std::vector<double> dx = numeric_grad(xd, [&](const std::vector<double>& v) {
    return dot(dyd, layernorm_ref(v, gd, bd, rows, cols, eps));
  });
  const std::vector<double> dg = numeric_grad(gd, [&](const std::vector<double>& v) {
    return dot(dyd, layernorm_ref(xd, v, bd, rows, cols, eps));
  });
  const std::vector<double> db = numeric_grad(bd, [&](const std::vector<double>& v) {
    return dot(dyd, layernorm_ref(xd, gd, v, rows, cols, eps));
  });
  for (size_t i = 0; i < dx.size(); ++i) CHECK(grads.dx[i] == Approx(dx[i]).margin(1e-4));
  for (uint64_t c = 0; c < cols; ++c) {
    CHECK(grads.dgamma[c] == Approx(dg[c]).margin(1e-4));
    CHECK(grads.dbeta[c] == Approx(db[c]).margin(1e-4));
  }
}

TEST_CASE("GELU forms and their backward", "[functional][sfu]") {
  // The enum mirrors GeluApprox so the two convert with static_cast.
  CHECK(static_cast<int>(GeluForm::kTanh) == static_cast<int>(GeluApprox::kTanh));
  CHECK(static_cast<int>(GeluForm::kErf) == static_cast<int>(GeluApprox::kErf));
  // A&S 7.1.26 against the library erf: |error| < 1.5e-7.
  for (double v = -4.0; v <= 4.0; v += 0.01)
    REQUIRE(std::fabs(erf_as7126(v) - std::erf(v)) < 1.5e-7);

  const std::vector<float> x = random_floats(200, 11, -5.0f, 5.0f);
  const std::vector<float> dy = random_floats(200, 12, -1.0f, 1.0f);
  for (const bool erf_form : {false, true}) {
    const GeluForm form = erf_form ? GeluForm::kErf : GeluForm::kTanh;
    const std::vector<float> y = gelu_forward(x, form);
    const std::vector<float> dx = gelu_backward(x, dy, form);
    for (size_t i = 0; i < x.size(); ++i) {
      // erf form: 0.5 |x| x 1.5e-7 from the approximation, plus fp32 rounding.
      CHECK(y[i] == Approx(gelu_ref(x[i], erf_form)).margin(1e-6));
      const double h = 1e-5;
      const double d = (gelu_ref(x[i] + h, erf_form) - gelu_ref(x[i] - h, erf_form)) / (2 * h);
      CHECK(dx[i] == Approx(dy[i] * d).margin(1e-5));
    }
  }
  // The two forms differ by at most ~1e-3 (Hendrycks & Gimpel's tanh fit).
  for (float v : x) CHECK(std::fabs(gelu(v, GeluForm::kTanh) - gelu(v, GeluForm::kErf)) < 1e-3);
  CHECK(gelu(0.0f, GeluForm::kErf) == 0.0f);
  CHECK(gelu(1.0f, GeluForm::kErf) == Approx(0.8413447).margin(1e-6));  // Phi(1) = 0.8413447
}

TEST_CASE("SFU fp16 I/O rounds inputs and outputs to half", "[functional][sfu]") {
  const uint64_t rows = 2, cols = 20;
  const std::vector<float> x = random_floats(rows * cols, 13, -3.0f, 3.0f);
  const std::vector<float> y16 = softmax_forward(x, rows, cols, true);
  const std::vector<float> y32 = softmax_forward(x, rows, cols, false);
  for (size_t i = 0; i < y16.size(); ++i) {
    CHECK(round_to_half(y16[i]) == y16[i]);  // representable in half
    // Input rounding (|dx| <= 2^-10 x 3 / 2) moves y by up to y x 2 x 1.5e-3; output rounding
    // by 2^-11 relative.
    CHECK(std::fabs(y16[i] - y32[i]) <= y32[i] * (3.1e-3 + 4.9e-4) + 1e-7);
  }
  const std::vector<float> g16 = gelu_forward(x, GeluForm::kTanh, true);
  for (size_t i = 0; i < x.size(); ++i)
    CHECK(g16[i] == round_to_half(gelu(round_to_half(x[i]), GeluForm::kTanh)));
}
