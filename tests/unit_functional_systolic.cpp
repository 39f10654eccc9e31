// Functional systolic GEMMs: int8 against an int64 reference, int32 wrap-around, symmetric
// quantisation, IEEE half rounding of known values, fp16/fp32 GEMMs and their K-order
// accumulation, transposed operands.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "atleus/models/functional_systolic.hpp"

using namespace atleus;

namespace {

std::vector<int8_t> random_int8(uint64_t count, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> v(count);
  for (int8_t& x : v) x = static_cast<int8_t>(dist(gen));
  return v;
}

std::vector<float> random_floats(uint64_t count, uint32_t seed, float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

template <typename T>
std::vector<T> transpose(const std::vector<T>& x, uint64_t rows, uint64_t cols) {
  std::vector<T> out(rows * cols);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c) out[c * rows + r] = x[r * cols + c];
  return out;
}

}  // namespace

TEST_CASE("int8 GEMM equals an int64 reference, all transposes", "[functional][systolic]") {
  const uint64_t m = 13, k = 70, n = 9;
  const std::vector<int8_t> a = random_int8(m * k, 1), b = random_int8(k * n, 2);
  std::vector<int32_t> want(m * n);
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t j = 0; j < n; ++j) {
      int64_t s = 0;
      for (uint64_t kk = 0; kk < k; ++kk) s += int64_t{a[i * k + kk]} * b[kk * n + j];
      want[i * n + j] = static_cast<int32_t>(s);
    }
  CHECK(gemm_int8(a, b, m, k, n) == want);
  CHECK(gemm_int8(transpose(a, m, k), b, m, k, n, true, false) == want);
  CHECK(gemm_int8(a, transpose(b, k, n), m, k, n, false, true) == want);
  CHECK(gemm_int8(transpose(a, m, k), transpose(b, k, n), m, k, n, true, true) == want);
  CHECK_THROWS_AS(gemm_int8(a, b, m, k + 1, n), std::invalid_argument);
}

TEST_CASE("int32 accumulator wraps like a 32-bit adder", "[functional][systolic]") {
  // (-128) x (-128) = 2^14, summed 2^17 times = 2^31: one past INT32_MAX wraps to INT32_MIN.
  const uint64_t k = uint64_t{1} << 17;
  const std::vector<int8_t> a(k, -128), b(k, -128);
  const std::vector<int32_t> c = gemm_int8(a, b, 1, k, 1);
  CHECK(c[0] == std::numeric_limits<int32_t>::min());
}

TEST_CASE("symmetric quantisation per tensor and per row", "[functional][systolic]") {
  const std::vector<float> x = {0.6f, -1.0f, 0.25f, 4.0f, 0.0f, -2.1f};
  const QuantizedTensor t = quantize_symmetric(x, 2, 3, false);
  REQUIRE(t.scale.size() == 1);
  CHECK(t.scale[0] == Approx(4.0 / 127.0));
  // x / (4 / 127): 19.05, -31.75, 7.94, 127, 0, -66.68
  CHECK(t.q == std::vector<int8_t>{19, -32, 8, 127, 0, -67});
  const QuantizedTensor r = quantize_symmetric(x, 2, 3, true);
  REQUIRE(r.scale.size() == 2);
  CHECK(r.scale[0] == Approx(1.0 / 127.0));
  // row 0: x x 127 = 76.2, -127, 31.75; row 1 as above
  CHECK(r.q == std::vector<int8_t>{76, -127, 32, 127, 0, -67});
  const std::vector<float> back = dequantize(r);
  for (size_t i = 0; i < x.size(); ++i) CHECK(std::fabs(back[i] - x[i]) <= r.scale[i / 3] / 2);
  const QuantizedTensor z = quantize_symmetric(std::vector<float>(4, 0.0f), 2, 2, true, 4);
  CHECK(z.scale == std::vector<float>{0.0f, 0.0f});
  CHECK(z.q == std::vector<int8_t>(4, 0));
}

TEST_CASE("dequantised int8 GEMM uses per-row and per-column scales", "[functional][systolic]") {
  const uint64_t m = 4, k = 20, n = 5;
  const std::vector<float> af = random_floats(m * k, 3, -2.0f, 2.0f);
  const std::vector<float> bf = random_floats(n * k, 4, -1.0f, 1.0f);  // B^T: n x k
  const QuantizedTensor a = quantize_symmetric(af, m, k, true);
  const QuantizedTensor bt = quantize_symmetric(bf, n, k, true);
  const std::vector<float> c = gemm_int8_dequant(a, bt, false, true);
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t j = 0; j < n; ++j) {
      double want = 0.0, ref = 0.0, bound = 0.0;
      for (uint64_t kk = 0; kk < k; ++kk) {
        want += double(a.q[i * k + kk]) * a.scale[i] * bt.q[j * k + kk] * bt.scale[j];
        ref += double(af[i * k + kk]) * bf[j * k + kk];
        bound += std::fabs(af[i * k + kk]) * bt.scale[j] / 2 +
                 std::fabs(bf[j * k + kk]) * a.scale[i] / 2 + a.scale[i] * bt.scale[j] / 4;
      }
      CHECK(c[i * n + j] == Approx(want).epsilon(1e-6));
      CHECK(std::fabs(c[i * n + j] - ref) <= bound * (1 + 1e-5));
    }
  // A per-row B not transposed would need a scale that varies along k.
  const QuantizedTensor b = quantize_symmetric(bf, k, n, true);
  CHECK_THROWS_AS(gemm_int8_dequant(a, b), std::invalid_argument);
  CHECK_THROWS_AS(gemm_int8_dequant(quantize_symmetric(af, k, m, true), bt, true, true),
                  std::invalid_argument);
}

TEST_CASE("fp16 rounding of known values", "[functional][systolic]") {
  // 1/3 = 0x3555 = 1.0101010101b x 2^-2 = 1365 / 4096.
  CHECK(float_to_half_bits(1.0f / 3.0f) == 0x3555);
  CHECK(round_to_half(1.0f / 3.0f) == 1365.0f / 4096.0f);
  CHECK(float_to_half_bits(65504.0f) == 0x7bff);  // largest finite half
  CHECK(round_to_half(65519.0f) == 65504.0f);     // below the midpoint to 2^16
  CHECK(float_to_half_bits(65520.0f) == 0x7c00);  // the midpoint rounds to even: infinity
  CHECK(std::isinf(round_to_half(1e6f)));
  CHECK(float_to_half_bits(-1e6f) == 0xfc00);
  // Subnormals: the smallest is 2^-24 = 5.96e-8; 6e-8 rounds to it.
  CHECK(float_to_half_bits(6e-8f) == 0x0001);
  CHECK(round_to_half(6e-8f) == std::ldexp(1.0f, -24));
  CHECK(float_to_half_bits(std::ldexp(1.0f, -25)) == 0x0000);      // tie to even zero
  CHECK(float_to_half_bits(std::ldexp(1.5f, -25)) == 0x0001);      // above the tie
  CHECK(float_to_half_bits(std::ldexp(3.0f, -25)) == 0x0002);      // 1.5 LSB: tie to even 2
  CHECK(float_to_half_bits(std::ldexp(1.0f, -14)) == 0x0400);      // smallest normal
  CHECK(float_to_half_bits(std::ldexp(1023.0f, -24)) == 0x03ff);   // largest subnormal
  CHECK(float_to_half_bits(std::ldexp(1023.75f, -24)) == 0x0400);  // rounds up into normals
  CHECK(float_to_half_bits(1e-9f) == 0x0000);
  CHECK(float_to_half_bits(-1e-9f) == 0x8000);
  // Ties to even in the normal range (ulp at 1 is 2^-10).
  CHECK(round_to_half(1.0f + std::ldexp(1.0f, -11)) == 1.0f);
  CHECK(round_to_half(1.0f + 3.0f * std::ldexp(1.0f, -11)) == 1.0f + std::ldexp(1.0f, -9));
  CHECK(float_to_half_bits(-2.0f) == 0xc000);
  CHECK(std::isnan(round_to_half(std::numeric_limits<float>::quiet_NaN())));
  // Every finite half converts to float and back unchanged.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0) continue;  // NaN payloads
    REQUIRE(float_to_half_bits(half_bits_to_float(static_cast<uint16_t>(h))) == h);
  }
  CHECK(half_bits_to_float(0x3c00) == 1.0f);
  CHECK(half_bits_to_float(0x0001) == std::ldexp(1.0f, -24));
}

TEST_CASE("fp16 and fp32 GEMMs", "[functional][systolic]") {
  // Operands that are exact in fp16 (multiples of 1/8 below 16) and sums exact in fp32 and
  // fp16 (multiples of 1/64 below 2048 with few significant bits) give the exact product.
  const uint64_t m = 3, k = 8, n = 4;
  std::vector<float> a(m * k), b(k * n);
  for (uint64_t i = 0; i < a.size(); ++i) a[i] = float(int(i % 7) - 3) / 8.0f;
  for (uint64_t i = 0; i < b.size(); ++i) b[i] = float(int(i % 5) - 2) / 8.0f;
  std::vector<float> want(m * n, 0.0f);
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t j = 0; j < n; ++j)
      for (uint64_t kk = 0; kk < k; ++kk) want[i * n + j] += a[i * k + kk] * b[kk * n + j];
  CHECK(gemm_fp16(a, b, m, k, n) == want);
  CHECK(gemm_fp32(a, b, m, k, n) == want);
  CHECK(gemm_fp16(transpose(a, m, k), transpose(b, k, n), m, k, n, true, true) == want);
  CHECK(gemm_fp32(transpose(a, m, k), b, m, k, n, true, false) == want);

  // Operand rounding: (1/3 -> 1365/4096) x 3 = 4095/4096, which the fp16 output rounds (a tie
  // between 2047/2048 and 1) to even: 1.
  const std::vector<float> third = {1.0f / 3.0f}, three = {3.0f};
  CHECK(gemm_fp16(third, three, 1, 1, 1, false, false, false)[0] == 4095.0f / 4096.0f);
  CHECK(gemm_fp16(third, three, 1, 1, 1)[0] == 1.0f);
  CHECK(gemm_fp32(third, three, 1, 1, 1)[0] == 1.0f / 3.0f * 3.0f);

  // Accumulation follows k in order: 1 + 1e8 rounds to 1e8 in fp32, then - 1e8 = 0. Any other
  // order (e.g. 1e8 - 1e8 first) would give 1.
  const std::vector<float> row = {1.0f, 1e8f, -1e8f}, ones = {1.0f, 1.0f, 1.0f};
  CHECK(gemm_fp32(row, ones, 1, 3, 1)[0] == 0.0f);
  // In fp16, 1e8 overflows to infinity and inf - inf is NaN.
  CHECK(std::isnan(gemm_fp16(row, ones, 1, 3, 1)[0]));

  // Random fp16 GEMM against a double reference of the fp16-rounded operands.
  const uint64_t M = 7, K = 64, N = 6;
  const std::vector<float> ra = random_floats(M * K, 5, -1.0f, 1.0f);
  const std::vector<float> rb = random_floats(K * N, 6, -1.0f, 1.0f);
  const std::vector<float> c16 = gemm_fp16(ra, rb, M, K, N, false, false, false);
  for (uint64_t i = 0; i < M; ++i)
    for (uint64_t j = 0; j < N; ++j) {
      double ref = 0.0, mag = 0.0;
      for (uint64_t kk = 0; kk < K; ++kk) {
        const double p = double(round_to_half(ra[i * K + kk])) * round_to_half(rb[kk * N + j]);
        ref += p;
        mag += std::fabs(p);
      }
      CHECK(std::fabs(c16[i * N + j] - ref) <= K * 6e-8 * mag);  // fp32 accumulation error
    }
}
