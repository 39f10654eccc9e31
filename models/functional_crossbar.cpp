#include "atleus/models/functional_crossbar.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "atleus/models/param_check.hpp"

namespace atleus {

namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// Number of bits needed to write v (0 for 0).
unsigned bit_length(uint64_t v) {
  unsigned n = 0;
  while (v != 0) {
    ++n;
    v >>= 1;
  }
  return n;
}

// LSB (power of two, in unit currents) of an ADC of `adc_bits` whose full scale must reach
// `full_scale` (kFullScale), or 1 (kUnitLsb).
uint64_t adc_lsb_for(uint64_t full_scale, unsigned adc_bits, AdcRange range) {
  const unsigned needed = bit_length(full_scale);
  if (range == AdcRange::kUnitLsb || needed <= adc_bits) return 1;
  return uint64_t{1} << (needed - adc_bits);
}

int64_t max_q(unsigned bits) {
  return (int64_t{1} << (bits - 1)) - 1;
}

constexpr double kPi = 3.14159265358979323846;

// Standard normal draws from a fully specified generator (Box-Muller), so a seed gives the
// same noise with any standard library.
class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : gen_(seed) {}
  double next() {
    const double u1 = 1.0 - static_cast<double>(gen_() >> 11) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(gen_() >> 11) * 0x1.0p-53;        // [0, 1)
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

 private:
  std::mt19937_64 gen_;
};

// One ADC conversion of an analog sum (unit currents): code = floor(a / lsb + 1/2) clipped to
// [0, code_max]; returns the reconstructed value code x lsb.
struct Adc {
  uint64_t lsb;
  double inv_lsb;
  int64_t code_max;
  uint64_t* saturated;
  unsigned shift;

  int64_t convert(double analog) const {
    double code = std::floor(analog * inv_lsb + 0.5);
    if (code < 0.0) {
      code = 0.0;
      ++*saturated;
    } else if (code > static_cast<double>(code_max)) {
      code = static_cast<double>(code_max);
      ++*saturated;
    }
    return static_cast<int64_t>(code) * static_cast<int64_t>(lsb);
  }
  // Exact integer sums (no noise): the same rounding with a shift, lsb = 2^shift.
  int64_t convert(int64_t analog) const {
    int64_t code = (analog + static_cast<int64_t>(lsb >> 1)) >> shift;
    if (code > code_max) {
      code = code_max;
      ++*saturated;
    }
    return code << shift;
  }
  int64_t convert(float analog) const { return convert(static_cast<double>(analog)); }
  int64_t convert(int16_t analog) const { return convert(static_cast<int64_t>(analog)); }
  int64_t convert(int32_t analog) const { return convert(static_cast<int64_t>(analog)); }
};

// acc[0..n) += x * row[0..n): the column currents of one driven line. Plain loops so the
// compiler vectorises them; x == 1 (a 1-bit DAC) needs no multiply.
template <typename Acc>
void add_line(Acc* acc, const Acc* row, int32_t x, uint64_t n) {
  if (x == 1) {
    for (uint64_t j = 0; j < n; ++j) acc[j] = static_cast<Acc>(acc[j] + row[j]);
  } else {
    const Acc xa = static_cast<Acc>(x);
    for (uint64_t j = 0; j < n; ++j) acc[j] = static_cast<Acc>(acc[j] + xa * row[j]);
  }
}

void check_inputs(const std::vector<int32_t>& q, uint64_t count, uint64_t length, unsigned bits) {
  if (q.size() != count * length)
    throw std::invalid_argument("quantised input size " + std::to_string(q.size()) +
                                " != " + std::to_string(count) + " x " + std::to_string(length));
  const int64_t qmax = max_q(bits);
  for (int32_t v : q)
    if (v > qmax || v < -qmax)
      throw std::invalid_argument("quantised input " + std::to_string(v) + " outside +-" +
                                  std::to_string(qmax));
}

}  // namespace

void CrossbarConfig::validate() const {
  require_range(rows, 1u, 65536u, "rows");
  require_range(cols, 1u, 65536u, "cols");
  require_range(bits_per_cell, 1u, 4u, "bits_per_cell");
  require_range(weight_bits, 2u, 16u, "weight_bits");
  require_range(input_bits, 2u, 16u, "input_bits");
  require_range(adc_bits, 1u, 24u, "adc_bits");
  require_range(dac_bits, 1u, 8u, "dac_bits");
  require(dac_bits <= input_bits, "dac_bits", "must be <= input_bits");
  const unsigned cells = (weight_bits + bits_per_cell - 1) / bits_per_cell;
  require(
      cols >= cells, "cols",
      "must hold one weight (" + std::to_string(cells) + " cells), got " + std::to_string(cols));
  require(std::isfinite(noise_sigma), "noise_sigma", "must be finite");
  require_non_negative(noise_sigma, "noise_sigma");
}

QuantizedVectors quantize_vectors(const std::vector<float>& x, uint64_t count, uint64_t length,
                                  unsigned bits) {
  if (bits < 2 || bits > 31) throw std::invalid_argument("quantisation bits must be in [2, 31]");
  if (x.size() != count * length)
    throw std::invalid_argument("input size " + std::to_string(x.size()) +
                                " != " + std::to_string(count) + " x " + std::to_string(length));
  const int64_t qmax = max_q(bits);
  QuantizedVectors out;
  out.count = count;
  out.length = length;
  out.q.assign(count * length, 0);
  out.scale.assign(count, 0.0f);
  for (uint64_t v = 0; v < count; ++v) {
    const float* row = x.data() + v * length;
    float maxabs = 0.0f;
    for (uint64_t i = 0; i < length; ++i) maxabs = std::max(maxabs, std::fabs(row[i]));
    if (maxabs == 0.0f) continue;
    const float s = static_cast<float>(static_cast<double>(maxabs) / static_cast<double>(qmax));
    out.scale[v] = s;
    for (uint64_t i = 0; i < length; ++i) {
      const double q = std::nearbyint(static_cast<double>(row[i]) / static_cast<double>(s));
      out.q[v * length + i] = static_cast<int32_t>(
          std::clamp(q, -static_cast<double>(qmax), static_cast<double>(qmax)));
    }
  }
  return out;
}

ProgrammedMatrix::ProgrammedMatrix(const std::vector<float>& w, uint64_t d_in, uint64_t d_out,
                                   const CrossbarConfig& config)
    : cfg_(config), d_in_(d_in), d_out_(d_out) {
  cfg_.validate();
  if (d_in == 0 || d_out == 0) throw std::invalid_argument("weight matrix has a zero dimension");
  if (w.size() != d_in * d_out)
    throw std::invalid_argument("weight size " + std::to_string(w.size()) +
                                " != " + std::to_string(d_in) + " x " + std::to_string(d_out));
  const unsigned bpc = cfg_.bits_per_cell;
  const uint64_t mlevel = (uint64_t{1} << bpc) - 1;
  const uint64_t dmax = (uint64_t{1} << cfg_.dac_bits) - 1;
  cells_ = (cfg_.weight_bits + bpc - 1) / bpc;
  wcols_ = cfg_.cols / cells_;
  row_blocks_ = ceil_div(d_in, cfg_.rows);
  col_blocks_ = ceil_div(d_out, wcols_);

  // Largest analog sums: a column of `rows` cells (half that with the ISAAC encoding), a row
  // of `wcols` cells when read transposed; each cell at most mlevel, each input slice dmax.
  const uint64_t column_cells_max =
      cfg_.isaac_encoding ? (uint64_t{cfg_.rows} * mlevel) / 2 : uint64_t{cfg_.rows} * mlevel;
  smax_ = dmax * column_cells_max;
  smax_t_ = dmax * wcols_ * mlevel;
  lsb_ = adc_lsb_for(smax_, cfg_.adc_bits, cfg_.adc_range);
  lsb_t_ = adc_lsb_for(smax_t_, cfg_.adc_bits, cfg_.adc_range);

  // Crossbar-wise symmetric quantisation.
  const int64_t qmax = max_q(cfg_.weight_bits);
  wq_.assign(d_in * d_out, 0);
  scales_.assign(row_blocks_ * col_blocks_, 0.0f);
  for (uint64_t rb = 0; rb < row_blocks_; ++rb) {
    const uint64_t r0 = rb * cfg_.rows, r1 = std::min(d_in, r0 + cfg_.rows);
    for (uint64_t cb = 0; cb < col_blocks_; ++cb) {
      const uint64_t n0 = cb * wcols_, n1 = std::min(d_out, n0 + wcols_);
      float maxabs = 0.0f;
      for (uint64_t r = r0; r < r1; ++r)
        for (uint64_t n = n0; n < n1; ++n) maxabs = std::max(maxabs, std::fabs(w[r * d_out + n]));
      if (maxabs == 0.0f) continue;
      const float s = static_cast<float>(static_cast<double>(maxabs) / static_cast<double>(qmax));
      scales_[rb * col_blocks_ + cb] = s;
      for (uint64_t r = r0; r < r1; ++r)
        for (uint64_t n = n0; n < n1; ++n) {
          const double q = std::nearbyint(static_cast<double>(w[r * d_out + n]) / s);
          wq_[r * d_out + n] = static_cast<int32_t>(
              std::clamp(q, -static_cast<double>(qmax), static_cast<double>(qmax)));
        }
    }
  }

  // Offset-binary cells.
  const int64_t bw = int64_t{1} << (cfg_.weight_bits - 1);
  const uint64_t J = d_out * cells_;
  levels_.assign(d_in * J, 0);
  for (uint64_t r = 0; r < d_in; ++r)
    for (uint64_t n = 0; n < d_out; ++n) {
      const int64_t wu = wq_[r * d_out + n] + bw;
      for (unsigned c = 0; c < cells_; ++c)
        levels_[r * J + n * cells_ + c] = static_cast<uint8_t>((wu >> (c * bpc)) & mlevel);
    }

  flipped_.assign(row_blocks_ * J, 0);
  if (cfg_.isaac_encoding) {
    const uint64_t half = (uint64_t{cfg_.rows} * mlevel) / 2;
    for (uint64_t rb = 0; rb < row_blocks_; ++rb) {
      const uint64_t r0 = rb * cfg_.rows, r1 = std::min(d_in, r0 + cfg_.rows);
      for (uint64_t j = 0; j < J; ++j) {
        uint64_t sum = 0;
        for (uint64_t r = r0; r < r1; ++r) sum += levels_[r * J + j];
        if (sum <= half) continue;
        flipped_[rb * J + j] = 1;
        for (uint64_t r = r0; r < r1; ++r)
          levels_[r * J + j] = static_cast<uint8_t>(mlevel - levels_[r * J + j]);
      }
    }
  }

  if (cfg_.noise_sigma > 0.0) {
    // Weight error = sum_c 2^(c bpc) e_c in integer units; equal sigma per cell gives
    // sigma_w = sigma_cell sqrt(sum_c 4^(c bpc)), and max|w| is qmax integer units.
    double gain2 = 0.0;
    for (unsigned c = 0; c < cells_; ++c) gain2 += std::ldexp(1.0, static_cast<int>(2 * c * bpc));
    const double sigma_cell = cfg_.noise_sigma * static_cast<double>(qmax) / std::sqrt(gain2);
    Gaussian gauss(cfg_.seed);
    noisy_.resize(levels_.size());
    for (size_t i = 0; i < levels_.size(); ++i) {
      const double g = levels_[i] + sigma_cell * gauss.next();
      noisy_[i] = static_cast<float>(std::clamp(g, 0.0, static_cast<double>(mlevel)));
    }
  }
}

double ProgrammedMatrix::level(uint64_t row, uint64_t j) const {
  const uint64_t i = row * d_out_ * cells_ + j;
  return noisy_.empty() ? static_cast<double>(levels_[i]) : static_cast<double>(noisy_[i]);
}

std::vector<ProgrammedMatrix::Slice> ProgrammedMatrix::input_slices() const {
  std::vector<Slice> slices;
  const unsigned magnitude_bits = cfg_.input_bits - 1, d = cfg_.dac_bits;
  for (unsigned shift = 0; shift < magnitude_bits; shift += d) {
    const unsigned width = std::min(d, magnitude_bits - shift);
    slices.push_back({shift, (int32_t{1} << width) - 1, int64_t{1} << shift});
  }
  slices.push_back({magnitude_bits, 1, -(int64_t{1} << magnitude_bits)});
  return slices;
}

template <typename Acc>
void ProgrammedMatrix::forward_blocks(const std::vector<int32_t>& xq, uint64_t m,
                                      std::vector<int64_t>& out, CrossbarMvmStats& st) const {
  const uint64_t J = d_out_ * cells_;
  const unsigned bpc = cfg_.bits_per_cell;
  const std::vector<Slice> slices = input_slices();
  const uint64_t ns = slices.size();
  const int64_t mlevel = (int64_t{1} << bpc) - 1;
  const int64_t bw = int64_t{1} << (cfg_.weight_bits - 1);
  const uint32_t in_mask = (uint32_t{1} << cfg_.input_bits) - 1;
  const Adc adc{lsb_, 1.0 / static_cast<double>(lsb_), (int64_t{1} << cfg_.adc_bits) - 1,
                &st.saturated, bit_length(lsb_) - 1};
  constexpr uint64_t kChunk = 1024;  // columns summed together: the tile slice stays in cache

  std::vector<Acc> tile;
  std::vector<int32_t> xs(ns * cfg_.rows);
  std::vector<int64_t> sum_xs(ns);
  std::vector<Acc> acc(kChunk);
  for (uint64_t rb = 0; rb < row_blocks_; ++rb) {
    const uint64_t r0 = rb * cfg_.rows, nr = std::min<uint64_t>(cfg_.rows, d_in_ - r0);
    tile.assign(nr * J, Acc(0));
    for (uint64_t r = 0; r < nr; ++r)
      for (uint64_t j = 0; j < J; ++j) tile[r * J + j] = static_cast<Acc>(level(r0 + r, j));
    const uint8_t* flip = flipped_.data() + rb * J;

    for (uint64_t v = 0; v < m; ++v) {
      int64_t sum_x = 0;
      std::fill(sum_xs.begin(), sum_xs.end(), 0);
      for (uint64_t r = 0; r < nr; ++r) {
        const int32_t x = xq[v * d_in_ + r0 + r];
        const uint32_t u = static_cast<uint32_t>(x) & in_mask;  // two's complement, B bits
        sum_x += x;
        for (uint64_t s = 0; s < ns; ++s) {
          const int32_t bits = static_cast<int32_t>(u >> slices[s].shift) & slices[s].mask;
          xs[s * cfg_.rows + r] = bits;
          sum_xs[s] += bits;
        }
      }
      int64_t* o = out.data() + (v * row_blocks_ + rb) * d_out_;
      for (uint64_t j0 = 0; j0 < J; j0 += kChunk) {
        const uint64_t jn = std::min(kChunk, J - j0);
        for (uint64_t s = 0; s < ns; ++s) {
          std::fill(acc.begin(), acc.begin() + jn, Acc(0));
          for (uint64_t r = 0; r < nr; ++r) {
            const int32_t x = xs[s * cfg_.rows + r];
            if (x != 0) add_line(acc.data(), tile.data() + r * J + j0, x, jn);
          }
          for (uint64_t jj = 0; jj < jn; ++jj) {
            const uint64_t j = j0 + jj, n = j / cells_;
            const unsigned c = static_cast<unsigned>(j % cells_);
            int64_t val = adc.convert(acc[jj]);
            if (flip[j]) val = mlevel * sum_xs[s] - val;
            o[n] += val * slices[s].weight * (int64_t{1} << (c * bpc));
          }
          st.conversions += jn;
        }
      }
      st.reads += ns * col_blocks_;
      for (uint64_t n = 0; n < d_out_; ++n) o[n] -= bw * sum_x;
    }
  }
}

template <typename Acc>
void ProgrammedMatrix::transposed_blocks(const std::vector<int32_t>& yq, uint64_t m,
                                         std::vector<int64_t>& out, CrossbarMvmStats& st) const {
  const uint64_t J = d_out_ * cells_;
  const unsigned bpc = cfg_.bits_per_cell;
  const std::vector<Slice> slices = input_slices();
  const uint64_t ns = slices.size();
  const int64_t mlevel = (int64_t{1} << bpc) - 1;
  const int64_t bw = int64_t{1} << (cfg_.weight_bits - 1);
  const uint32_t in_mask = (uint32_t{1} << cfg_.input_bits) - 1;
  const bool split = cfg_.isaac_encoding;
  const Adc adc{lsb_t_, 1.0 / static_cast<double>(lsb_t_), (int64_t{1} << cfg_.adc_bits) - 1,
                &st.saturated, bit_length(lsb_t_) - 1};

  std::vector<Acc> tu, tf;  // [cell][column][row]: unflipped / flipped cells
  std::vector<int32_t> ys(ns * wcols_);
  std::vector<int64_t> flip_sum(ns * cells_);
  std::vector<Acc> acc_u(cfg_.rows), acc_f(cfg_.rows);
  for (uint64_t cb = 0; cb < col_blocks_; ++cb) {
    const uint64_t n0 = cb * wcols_, nn = std::min(wcols_, d_out_ - n0);
    for (uint64_t rb = 0; rb < row_blocks_; ++rb) {
      const uint64_t r0 = rb * cfg_.rows, nr = std::min<uint64_t>(cfg_.rows, d_in_ - r0);
      tu.assign(cells_ * nn * nr, Acc(0));
      if (split) tf.assign(cells_ * nn * nr, Acc(0));
      const uint8_t* flip = flipped_.data() + rb * J;
      for (unsigned c = 0; c < cells_; ++c)
        for (uint64_t n = 0; n < nn; ++n) {
          const uint64_t j = (n0 + n) * cells_ + c;
          Acc* dst = (split && flip[j] ? tf.data() : tu.data()) + (c * nn + n) * nr;
          for (uint64_t r = 0; r < nr; ++r) dst[r] = static_cast<Acc>(level(r0 + r, j));
        }

      for (uint64_t v = 0; v < m; ++v) {
        int64_t sum_y = 0;
        std::fill(flip_sum.begin(), flip_sum.end(), 0);
        for (uint64_t n = 0; n < nn; ++n) {
          const int32_t y = yq[v * d_out_ + n0 + n];
          const uint32_t u = static_cast<uint32_t>(y) & in_mask;
          sum_y += y;
          for (uint64_t s = 0; s < ns; ++s) {
            const int32_t bits = static_cast<int32_t>(u >> slices[s].shift) & slices[s].mask;
            ys[s * wcols_ + n] = bits;
            for (unsigned c = 0; c < cells_; ++c)
              if (flip[(n0 + n) * cells_ + c]) flip_sum[s * cells_ + c] += bits;
          }
        }
        int64_t* o = out.data() + (v * col_blocks_ + cb) * d_in_ + r0;
        for (uint64_t s = 0; s < ns; ++s)
          for (unsigned c = 0; c < cells_; ++c) {
            std::fill(acc_u.begin(), acc_u.begin() + nr, Acc(0));
            if (split) std::fill(acc_f.begin(), acc_f.begin() + nr, Acc(0));
            for (uint64_t n = 0; n < nn; ++n) {
              const int32_t y = ys[s * wcols_ + n];
              if (y == 0) continue;
              // A column's cells sit in exactly one of the two tiles.
              if (split && flip[(n0 + n) * cells_ + c])
                add_line(acc_f.data(), tf.data() + (c * nn + n) * nr, y, nr);
              else
                add_line(acc_u.data(), tu.data() + (c * nn + n) * nr, y, nr);
            }
            const int64_t weight = slices[s].weight * (int64_t{1} << (c * bpc));
            for (uint64_t r = 0; r < nr; ++r) {
              int64_t val = adc.convert(acc_u[r]);
              if (split) val += mlevel * flip_sum[s * cells_ + c] - adc.convert(acc_f[r]);
              o[r] += val * weight;
            }
            st.conversions += nr * (split ? 2 : 1);
            st.reads += split ? 2 : 1;
          }
        for (uint64_t r = 0; r < nr; ++r) o[r] -= bw * sum_y;
      }
    }
  }
}

template <typename Run>
void ProgrammedMatrix::with_accumulator(uint64_t lines, Run&& run) const {
  // The largest sum of `lines` sensed cells, each at most (2^dac_bits - 1)(2^bits_per_cell - 1).
  const uint64_t bound =
      lines * ((uint64_t{1} << cfg_.dac_bits) - 1) * ((uint64_t{1} << cfg_.bits_per_cell) - 1);
  // Noiseless sums are integers: the narrowest integer type that holds the largest sum is
  // exact and fastest. Noisy conductances need floats.
  if (!noisy_.empty())
    run(float{});
  else if (bound <= static_cast<uint64_t>(std::numeric_limits<int16_t>::max()))
    run(int16_t{});
  else
    run(int32_t{});
}

std::vector<int64_t> ProgrammedMatrix::partial_sums(const std::vector<int32_t>& xq, uint64_t m,
                                                    CrossbarMvmStats* stats) const {
  check_inputs(xq, m, d_in_, cfg_.input_bits);
  std::vector<int64_t> out(m * row_blocks_ * d_out_, 0);
  CrossbarMvmStats st;
  with_accumulator(cfg_.rows, [&](auto zero) { forward_blocks<decltype(zero)>(xq, m, out, st); });
  if (stats) *stats = st;
  return out;
}

std::vector<int64_t> ProgrammedMatrix::partial_sums_transposed(const std::vector<int32_t>& yq,
                                                               uint64_t m,
                                                               CrossbarMvmStats* stats) const {
  check_inputs(yq, m, d_out_, cfg_.input_bits);
  std::vector<int64_t> out(m * col_blocks_ * d_in_, 0);
  CrossbarMvmStats st;
  with_accumulator(wcols_, [&](auto zero) { transposed_blocks<decltype(zero)>(yq, m, out, st); });
  if (stats) *stats = st;
  return out;
}

std::vector<int64_t> ProgrammedMatrix::mvm_exact_integer(const std::vector<int32_t>& xq,
                                                         uint64_t m) const {
  check_inputs(xq, m, d_in_, cfg_.input_bits);
  std::vector<int64_t> out(m * row_blocks_ * d_out_, 0);
  for (uint64_t v = 0; v < m; ++v)
    for (uint64_t r = 0; r < d_in_; ++r) {
      const int64_t x = xq[v * d_in_ + r];
      int64_t* o = out.data() + (v * row_blocks_ + r / cfg_.rows) * d_out_;
      for (uint64_t n = 0; n < d_out_; ++n) o[n] += x * wq_[r * d_out_ + n];
    }
  return out;
}

std::vector<int64_t> ProgrammedMatrix::mvm_exact_integer_transposed(const std::vector<int32_t>& yq,
                                                                    uint64_t m) const {
  check_inputs(yq, m, d_out_, cfg_.input_bits);
  std::vector<int64_t> out(m * col_blocks_ * d_in_, 0);
  for (uint64_t v = 0; v < m; ++v)
    for (uint64_t r = 0; r < d_in_; ++r)
      for (uint64_t n = 0; n < d_out_; ++n)
        out[(v * col_blocks_ + n / wcols_) * d_in_ + r] +=
            int64_t{yq[v * d_out_ + n]} * wq_[r * d_out_ + n];
  return out;
}

std::vector<float> ProgrammedMatrix::mvm(const std::vector<float>& x, uint64_t m,
                                         CrossbarMvmStats* stats) const {
  const QuantizedVectors xq = quantize_vectors(x, m, d_in_, cfg_.input_bits);
  const std::vector<int64_t> p = partial_sums(xq.q, m, stats);
  std::vector<float> y(m * d_out_);
  for (uint64_t v = 0; v < m; ++v)
    for (uint64_t n = 0; n < d_out_; ++n) {
      double sum = 0.0;  // per-crossbar dequantisation, then the sum across crossbars
      for (uint64_t rb = 0; rb < row_blocks_; ++rb)
        sum += static_cast<double>(p[(v * row_blocks_ + rb) * d_out_ + n]) *
               static_cast<double>(weight_scale(rb, n / wcols_)) * static_cast<double>(xq.scale[v]);
      y[v * d_out_ + n] = static_cast<float>(sum);
    }
  return y;
}

std::vector<float> ProgrammedMatrix::mvm_transposed(const std::vector<float>& dy, uint64_t m,
                                                    CrossbarMvmStats* stats) const {
  const QuantizedVectors yq = quantize_vectors(dy, m, d_out_, cfg_.input_bits);
  const std::vector<int64_t> p = partial_sums_transposed(yq.q, m, stats);
  std::vector<float> dx(m * d_in_);
  for (uint64_t v = 0; v < m; ++v)
    for (uint64_t r = 0; r < d_in_; ++r) {
      double sum = 0.0;
      for (uint64_t cb = 0; cb < col_blocks_; ++cb)
        sum += static_cast<double>(p[(v * col_blocks_ + cb) * d_in_ + r]) *
               static_cast<double>(weight_scale(r / cfg_.rows, cb)) *
               static_cast<double>(yq.scale[v]);
      dx[v * d_in_ + r] = static_cast<float>(sum);
    }
  return dx;
}

}  // namespace atleus
