#include "atleus/models/functional_systolic.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace atleus {

namespace {

void check_size(size_t got, uint64_t rows, uint64_t cols, const char* what) {
  if (got != rows * cols)
    throw std::invalid_argument(std::string(what) + " size " + std::to_string(got) +
                                " != " + std::to_string(rows) + " x " + std::to_string(cols));
}

// Row-major copy of op(X) (rows x cols), X stored as rows x cols or, transposed, cols x rows.
template <typename T>
std::vector<T> materialise(const std::vector<T>& x, uint64_t rows, uint64_t cols, bool trans) {
  if (!trans) return x;
  std::vector<T> out(rows * cols);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c) out[r * cols + c] = x[c * rows + r];
  return out;
}

// C = A . B with A m x k, B k x n row-major; every C[i][j] accumulates in k order.
template <typename In, typename AccT, typename Add>
std::vector<AccT> gemm_ordered(const std::vector<In>& a, const std::vector<In>& b, uint64_t m,
                               uint64_t k, uint64_t n, Add mac) {
  std::vector<AccT> c(m * n, AccT(0));
  for (uint64_t i = 0; i < m; ++i) {
    AccT* ci = c.data() + i * n;
    for (uint64_t kk = 0; kk < k; ++kk) {
      const In aik = a[i * k + kk];
      const In* bk = b.data() + kk * n;
      for (uint64_t j = 0; j < n; ++j) ci[j] = mac(ci[j], aik, bk[j]);
    }
  }
  return c;
}

}  // namespace

uint16_t float_to_half_bits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const int32_t exp = static_cast<int32_t>((bits >> 23) & 0xffu);
  const uint32_t mant = bits & 0x7fffffu;
  if (exp == 0xff)  // inf, or NaN kept quiet with its top payload bits
    return static_cast<uint16_t>(sign | 0x7c00u | (mant != 0 ? 0x200u | (mant >> 13) : 0u));
  const int32_t e = exp - 127 + 15;  // half exponent field
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    // Half subnormal: value / 2^-24 = full x 2^(exp - 150 + 24) = full >> (14 - e).
    if (e < -10) return sign;  // below half the smallest subnormal (ties go to even zero)
    const uint32_t full = mant | 0x800000u;
    const uint32_t shift = static_cast<uint32_t>(14 - e);
    uint32_t h = full >> shift;
    const uint32_t rem = full & ((1u << shift) - 1u), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;  // a carry makes the smallest normal
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry may reach infinity
  return static_cast<uint16_t>(sign | h);
}

float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  uint32_t bits;
  if (exp == 31)
    bits = sign | 0x7f800000u | (mant << 13);
  else
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

void round_to_half_inplace(std::vector<float>& v) {
  for (float& x : v) x = round_to_half(x);
}

QuantizedTensor quantize_symmetric(const std::vector<float>& x, uint64_t rows, uint64_t cols,
                                   bool per_row, unsigned bits) {
  if (bits < 2 || bits > 8) throw std::invalid_argument("quantisation bits must be in [2, 8]");
  check_size(x.size(), rows, cols, "tensor");
  QuantizedTensor t;
  t.rows = rows;
  t.cols = cols;
  t.bits = bits;
  t.per_row = per_row;
  t.q.assign(rows * cols, 0);
  const double qmax = static_cast<double>((1 << (bits - 1)) - 1);
  const uint64_t groups = per_row ? rows : 1, span = per_row ? cols : rows * cols;
  t.scale.assign(groups, 0.0f);
  for (uint64_t g = 0; g < groups; ++g) {
    const float* in = x.data() + g * span;
    float maxabs = 0.0f;
    for (uint64_t i = 0; i < span; ++i) maxabs = std::max(maxabs, std::fabs(in[i]));
    if (maxabs == 0.0f) continue;
    const float s = static_cast<float>(static_cast<double>(maxabs) / qmax);
    t.scale[g] = s;
    for (uint64_t i = 0; i < span; ++i) {
      const double q = std::nearbyint(static_cast<double>(in[i]) / static_cast<double>(s));
      t.q[g * span + i] = static_cast<int8_t>(std::clamp(q, -qmax, qmax));
    }
  }
  return t;
}

std::vector<float> dequantize(const QuantizedTensor& t) {
  std::vector<float> out(t.rows * t.cols);
  for (uint64_t r = 0; r < t.rows; ++r) {
    const float s = t.scale[t.per_row ? r : 0];
    for (uint64_t c = 0; c < t.cols; ++c) out[r * t.cols + c] = t.q[r * t.cols + c] * s;
  }
  return out;
}

std::vector<int32_t> gemm_int8(const std::vector<int8_t>& a, const std::vector<int8_t>& b,
                               uint64_t m, uint64_t k, uint64_t n, bool trans_a, bool trans_b) {
  check_size(a.size(), m, k, "A");
  check_size(b.size(), k, n, "B");
  // Unsigned arithmetic gives the wrap-around of a 32-bit adder without undefined behaviour.
  const std::vector<uint32_t> acc = gemm_ordered<int8_t, uint32_t>(
      materialise(a, m, k, trans_a), materialise(b, k, n, trans_b), m, k, n,
      [](uint32_t c, int8_t x, int8_t y) {
        return c + static_cast<uint32_t>(static_cast<int32_t>(x) * static_cast<int32_t>(y));
      });
  std::vector<int32_t> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<int32_t>(acc[i]);
  return out;
}

std::vector<float> gemm_int8_dequant(const QuantizedTensor& a, const QuantizedTensor& b,
                                     bool trans_a, bool trans_b) {
  const uint64_t m = trans_a ? a.cols : a.rows, k = trans_a ? a.rows : a.cols;
  const uint64_t n = trans_b ? b.rows : b.cols, kb = trans_b ? b.cols : b.rows;
  if (k != kb) throw std::invalid_argument("inner dimensions differ");
  if (a.per_row && trans_a)
    throw std::invalid_argument("A's per-row scales vary along k when A is transposed");
  if (b.per_row && !trans_b)
    throw std::invalid_argument("B's per-row scales vary along k unless B is transposed");
  const std::vector<int32_t> acc = gemm_int8(a.q, b.q, m, k, n, trans_a, trans_b);
  std::vector<float> out(m * n);
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t j = 0; j < n; ++j)
      out[i * n + j] = static_cast<float>(static_cast<double>(acc[i * n + j]) *
                                          a.scale[a.per_row ? i : 0] * b.scale[b.per_row ? j : 0]);
  return out;
}

std::vector<float> gemm_fp16(const std::vector<float>& a, const std::vector<float>& b, uint64_t m,
                             uint64_t k, uint64_t n, bool trans_a, bool trans_b, bool fp16_output) {
  check_size(a.size(), m, k, "A");
  check_size(b.size(), k, n, "B");
  std::vector<float> ah = materialise(a, m, k, trans_a), bh = materialise(b, k, n, trans_b);
  round_to_half_inplace(ah);
  round_to_half_inplace(bh);
  std::vector<float> c = gemm_ordered<float, float>(
      ah, bh, m, k, n, [](float acc, float x, float y) { return acc + x * y; });
  if (fp16_output) round_to_half_inplace(c);
  return c;
}

std::vector<float> gemm_fp32(const std::vector<float>& a, const std::vector<float>& b, uint64_t m,
                             uint64_t k, uint64_t n, bool trans_a, bool trans_b) {
  check_size(a.size(), m, k, "A");
  check_size(b.size(), k, n, "B");
  return gemm_ordered<float, float>(materialise(a, m, k, trans_a), materialise(b, k, n, trans_b), m,
                                    k, n, [](float acc, float x, float y) { return acc + x * y; });
}

}  // namespace atleus
