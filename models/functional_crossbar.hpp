// Functional (numerical) model of a weight matrix programmed into ReRAM crossbars: what the
// analog MVM of an ISAAC-style core computes, bit for bit, so the effects of weight and input
// quantisation, ADC resolution and device noise can be measured (Atleus sections 2 and 6).
//
// Covers, per crossbar (rows x cols cells of bits_per_cell bits):
// - Crossbar-wise quantisation (Atleus section 6): W (d_in x d_out) is cut into blocks of
//   `rows` input rows x floor(cols / cells_per_weight) weight columns, one block per crossbar;
//   each block gets a symmetric scale max|w| / (2^(b-1) - 1) and b-bit signed integers.
// - Signed weights in offset binary (ISAAC's biased form): a crossbar stores w_u = q + 2^(b-1)
//   (in [1, 2^b - 1], never negative, since conductances cannot be), split into
//   cells_per_weight = ceil(b / bits_per_cell) adjacent columns of increasing significance.
//   Chosen over a positive/negative column pair because it needs one set of columns, not two,
//   and the bias is removed exactly in the digital domain (below).
// - Inputs: per-vector symmetric scale to input_bits, in two's complement, applied
//   bit-serially: the B-1 magnitude bits in slices of dac_bits (one read cycle each), then the
//   sign bit as its own 1-bit slice whose result the shift-and-add subtracts (weight
//   -2^(B-1)). A zero input drives no line, so device noise enters as x . (W + noise), the
//   weight-noise model of the paper; an offset-binary input would drive every row and pick up
//   the noise of rows whose input is zero. With 1-bit DACs this is B read cycles, as
//   models/reram_core.hpp counts; with wider DACs the separate sign slice can cost one read more
//   than ceil(B / dac_bits).
// - Per read: every column's analog sum over the block's rows (an integer number of unit
//   currents, a float with device noise), converted by an adc_bits ADC, then shift-and-add
//   over input slices and cell slices. The weight bias is removed digitally:
//     sum x (w_u - bw) = sum x w_u - bw sum x,
//   where sum x is counted from the inputs. Then per-crossbar dequantisation (weight scale x
//   input scale) and the sum across the row blocks of a column.
// - ADC (see AdcRange): full scale covers the largest column sum the crossbar can produce,
//   S_max = rows x (2^dac_bits - 1) x (2^bits_per_cell - 1) (halved with the ISAAC encoding).
//   If adc_bits >= bit length of S_max the LSB is one unit current and conversion is exact.
//   With fewer bits the LSB is 2^k units (k = missing bits), so the ADC returns the top
//   adc_bits of the ideal code and the shift-and-add stays a shift: code =
//   floor(sum / LSB + 1/2) (comparator thresholds at half LSBs; ties round up), clipped to
//   [0, 2^adc_bits - 1]. Error per conversion: <= LSB/2, and < LSB at the top code.
// - ISAAC encoding (Shafiee et al., ISCA 2016, its weight-flipping data encoding): a column whose
// stored cell values
//   sum (over its rows) to more than half the column's maximum, floor(rows x (2^bpc - 1) / 2),
//   is programmed with flipped cells (2^bpc - 1 - c). Any subset of rows of any column then
//   sums to at most half the maximum, so one ADC bit is saved (8 bits for 128 rows, 2-bit
//   cells, 1-bit DAC). The true sum is recovered digitally: (2^bpc - 1) x sum of the input
//   slice over the block's rows - converted sum.
// - Transposed reads (dX = dY . W^T): the weight columns are driven and the rows sensed; a
//   1-bit DAC cannot weight a column by its significance, so each input slice takes one
//   sub-read per cell significance (as models/reram_core.hpp counts). Row sums run over the
//   crossbar's weight columns: S_max = wcols x (2^dac_bits - 1) x (2^bpc - 1). The ISAAC
//   encoding bounds column sums only; an encoded crossbar read transposed drives its flipped
//   and unflipped columns in separate sub-reads so the flipped part can be subtracted.
// - Device noise: each programmed cell conductance (in level units) gets an independent
//   Gaussian error of the same sigma for every cell (same device), chosen so that the weight
//   the cells represent has sigma = noise_sigma x max|w| of the crossbar block, then is clipped
//   to the physical range [0, 2^bpc - 1]. Seeded: Box-Muller on std::mt19937_64 (both fully
//   specified, so results do not depend on the standard library).
// Does not cover: IR drop, wire resistance, conductance drift, ADC non-linearity or offset,
// read noise (the noise is static, drawn at programming), timing and energy (reram_core.hpp).
// Pure C++ (no SystemC).
#pragma once

#include <cstdint>
#include <vector>

namespace atleus {

enum class AdcRange : uint8_t {
  kFullScale,  // LSB = 2^k units so the full scale covers S_max (a real ADC's reference)
  kUnitLsb,    // LSB = 1 unit; sums above 2^adc_bits - 1 saturate (an ADC sized for typical sums)
};

struct CrossbarConfig {
  unsigned rows = 128;         // Atleus section 2 / ISAAC: 128x128 crossbars
  unsigned cols = 128;         // Atleus section 2 / ISAAC
  unsigned bits_per_cell = 2;  // Atleus section 2 / ISAAC: 2-bit cells
  unsigned weight_bits = 8;    // Atleus section 6: M8F8 baseline
  unsigned input_bits = 8;     // Atleus section 2: 8-bit inputs, 8 read cycles
  unsigned adc_bits = 8;       // Atleus section 2 / ISAAC: 8-bit ADCs
  unsigned dac_bits = 1;       // Atleus section 2 / ISAAC: 1-bit DACs
  // ISAAC's flipped columns (see the header). Off by default: then a 128-row column of 2-bit
  // cells needs a 9-bit ADC, and the 8-bit ADC above converts with an LSB of 2 unit currents.
  bool isaac_encoding = false;
  AdcRange adc_range = AdcRange::kFullScale;
  double noise_sigma = 0.0;  // weight noise sigma / max|w| of the crossbar block (Atleus sec. 6)
  uint64_t seed = 1;

  void validate() const;  // ParamError naming the field
};

// Per-vector symmetric quantisation: scale = max|x| / (2^(bits-1) - 1), q = round-to-nearest-
// even(x / scale) clipped to +-(2^(bits-1) - 1). An all-zero vector gets scale 0 and q = 0.
struct QuantizedVectors {
  uint64_t count = 0;        // vectors
  uint64_t length = 0;       // elements per vector
  std::vector<int32_t> q;    // count x length
  std::vector<float> scale;  // count
};
QuantizedVectors quantize_vectors(const std::vector<float>& x, uint64_t count, uint64_t length,
                                  unsigned bits);

// Counters of one MVM call.
struct CrossbarMvmStats {
  uint64_t reads = 0;        // crossbar read cycles (sub-reads for transposed)
  uint64_t conversions = 0;  // ADC conversions
  uint64_t saturated = 0;    // conversions clipped at code 0 or 2^adc_bits - 1
};

class ProgrammedMatrix {
 public:
  // w: d_in x d_out, row-major. Throws ParamError for a bad config, std::invalid_argument for a
  // zero dimension or a size mismatch.
  ProgrammedMatrix(const std::vector<float>& w, uint64_t d_in, uint64_t d_out,
                   const CrossbarConfig& config);

  // y = x . W for m vectors (x: m x d_in; y: m x d_out), through the analog path.
  std::vector<float> mvm(const std::vector<float>& x, uint64_t m,
                         CrossbarMvmStats* stats = nullptr) const;
  // dx = dy . W^T for m vectors (dy: m x d_out; dx: m x d_in), reading the crossbars transposed.
  std::vector<float> mvm_transposed(const std::vector<float>& dy, uint64_t m,
                                    CrossbarMvmStats* stats = nullptr) const;

  // Integer partial sums before dequantisation, through the analog path. xq holds quantised
  // inputs (|q| <= 2^(input_bits-1) - 1). Forward: m x row_blocks x d_out, entry
  // sum over the block's rows of xq . wq. Transposed (yq: m x d_out): m x col_blocks x d_in.
  std::vector<int64_t> partial_sums(const std::vector<int32_t>& xq, uint64_t m,
                                    CrossbarMvmStats* stats = nullptr) const;
  std::vector<int64_t> partial_sums_transposed(const std::vector<int32_t>& yq, uint64_t m,
                                               CrossbarMvmStats* stats = nullptr) const;
  // The same sums computed exactly from the quantised integers (no crossbar, no ADC).
  std::vector<int64_t> mvm_exact_integer(const std::vector<int32_t>& xq, uint64_t m) const;
  std::vector<int64_t> mvm_exact_integer_transposed(const std::vector<int32_t>& yq,
                                                    uint64_t m) const;

  uint64_t d_in() const { return d_in_; }
  uint64_t d_out() const { return d_out_; }
  const CrossbarConfig& config() const { return cfg_; }
  unsigned cells_per_weight() const { return cells_; }
  uint64_t weight_cols_per_crossbar() const { return wcols_; }
  uint64_t row_blocks() const { return row_blocks_; }
  uint64_t col_blocks() const { return col_blocks_; }
  // Quantised weights (d_in x d_out) and the scale of the crossbar block holding (row, col).
  const std::vector<int32_t>& weights_q() const { return wq_; }
  float weight_scale(uint64_t row_block, uint64_t col_block) const {
    return scales_[row_block * col_blocks_ + col_block];
  }
  // ADC full scale (largest possible analog sum, in unit currents) and LSB for each direction.
  uint64_t adc_full_scale(bool transposed) const { return transposed ? smax_t_ : smax_; }
  uint64_t adc_lsb(bool transposed) const { return transposed ? lsb_t_ : lsb_; }
  // Whether the cells of (row block, weight column, cell slice) are stored flipped.
  bool flipped(uint64_t row_block, uint64_t col, unsigned cell) const {
    return flipped_[(row_block * d_out_ + col) * cells_ + cell] != 0;
  }

 private:
  struct Slice {
    unsigned shift;  // first input bit of the slice
    int32_t mask;    // its bits, after the shift
    int64_t weight;  // +-2^shift: the sign bit's slice counts negative
  };
  std::vector<Slice> input_slices() const;
  // Calls run(T{}) with the accumulator type T for sums over `lines` cells: float with noise,
  // else the narrowest exact integer type.
  template <typename Run>
  void with_accumulator(uint64_t lines, Run&& run) const;
  template <typename Acc>
  void forward_blocks(const std::vector<int32_t>& xq, uint64_t m, std::vector<int64_t>& out,
                      CrossbarMvmStats& st) const;
  template <typename Acc>
  void transposed_blocks(const std::vector<int32_t>& yq, uint64_t m, std::vector<int64_t>& out,
                         CrossbarMvmStats& st) const;
  double level(uint64_t row, uint64_t j) const;  // stored conductance of cell column j

  CrossbarConfig cfg_;
  uint64_t d_in_, d_out_;
  unsigned cells_;
  uint64_t wcols_, row_blocks_, col_blocks_;
  uint64_t smax_, lsb_, smax_t_, lsb_t_;
  std::vector<int32_t> wq_;       // d_in x d_out
  std::vector<float> scales_;     // row_blocks x col_blocks
  std::vector<uint8_t> levels_;   // d_in x (d_out x cells): stored cell levels (after flip)
  std::vector<float> noisy_;      // same layout, perturbed conductances (noise_sigma > 0)
  std::vector<uint8_t> flipped_;  // row_blocks x d_out x cells
};

}  // namespace atleus
