// ReRAM core formulas against closed-form numbers worked out here, not taken from the model.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>

#include "atleus/models/param_check.hpp"
#include "atleus/models/reram_core.hpp"

using namespace atleus;

namespace {

// Expects validate() to throw ParamError naming `field`.
template <typename Mutate>
void expect_rejected(const char* field, Mutate mutate) {
  ReramCoreParams p;
  mutate(p);
  try {
    p.validate();
    FAIL("validate() accepted a bad " << field);
  } catch (const ParamError& e) {
    CHECK(e.field() == field);
  }
}

}  // namespace

TEST_CASE("reram defaults follow the Atleus/ISAAC tables and validate", "[reram]") {
  const ReramCoreParams p;
  REQUIRE_NOTHROW(p.validate());
  CHECK(p.tiles == 16);
  CHECK(p.crossbars_per_tile == 96);
  CHECK(p.crossbar_rows == 128);
  CHECK(p.crossbar_cols == 128);
  CHECK(p.bits_per_cell == 2);
  CHECK(p.adcs_per_tile == 96);
  // Event energies from ISAAC Table 2 powers, by hand.
  CHECK(p.xbar_read_pj == Approx(30.0));         // 0.3 mW x 100 ns
  CHECK(p.adc_conversion_pj == Approx(1.5625));  // 2 mW / 1.28 GHz
  CHECK(p.dac_bit_pj == Approx(0.390625));       // 4 mW / 1024 x 100 ns
  CHECK(p.shift_add_pj == Approx(0.01953125));   // 0.2 mW / 10.24 GHz
  CHECK(p.buffer_byte_pj == Approx(0.646875));   // 20.7 mW / 32 GB/s
  CHECK(p.dequant_pj == Approx(5.175e-3 * 800e-9 / 3072 * 1e12));
  CHECK(p.static_power_w == Approx(0.43776));
  // The ADC converts one crossbar's 128 columns in exactly one read cycle.
  CHECK(128.0 / p.adc_sample_rate_gsps == Approx(p.read_cycle_ns));
}

TEST_CASE("reram cells per weight", "[reram]") {
  const ReramCoreParams p;
  CHECK(cells_per_weight(p, 8) == 4);
  CHECK(cells_per_weight(p, 4) == 2);
  CHECK(cells_per_weight(p, 5) == 3);
  CHECK(cells_per_weight(p, 1) == 1);
  ReramCoreParams p3;
  p3.bits_per_cell = 3;
  CHECK(cells_per_weight(p3, 8) == 3);
}

TEST_CASE("reram placement crossbar counts", "[reram]") {
  const ReramCoreParams p;

  SECTION("768x768 at 8 bits") {
    // 6 row blocks; 768 weights x 4 cells = 3072 columns = 24 column blocks.
    const auto pl = place_matrix(p, 768, 768, 8);
    CHECK(pl.cells_per_weight == 4);
    CHECK(pl.row_blocks == 6);
    CHECK(pl.col_blocks == 24);
    CHECK(pl.crossbars == 144);
    CHECK(pl.tiles == 2);  // 144 / 96 rounded up
    CHECK(pl.fits);
    CHECK(pl.utilisation == Approx(1.0));
  }
  SECTION("1024x4096 at 4 bits") {
    // 8 row blocks; 4096 x 2 cells = 8192 columns = 64 blocks; 512 crossbars; 512/96 -> 6 tiles.
    const auto pl = place_matrix(p, 1024, 4096, 4);
    CHECK(pl.row_blocks == 8);
    CHECK(pl.col_blocks == 64);
    CHECK(pl.crossbars == 512);
    CHECK(pl.tiles == 6);
    CHECK(pl.fits);
  }
  SECTION("1024x4096 at 8 bits needs 1024 crossbars, 11 tiles") {
    const auto pl = place_matrix(p, 1024, 4096, 8);
    CHECK(pl.crossbars == 8 * 128);
    CHECK(pl.tiles == 11);
    CHECK(pl.fits);
  }
  SECTION("non-multiples of 128") {
    // 1000 rows -> 8 blocks; 300 x 4 = 1200 columns -> 10 blocks; 80 crossbars.
    const auto pl = place_matrix(p, 1000, 300, 8);
    CHECK(pl.row_blocks == 8);
    CHECK(pl.col_blocks == 10);
    CHECK(pl.crossbars == 80);
    CHECK(pl.tiles == 1);
    CHECK(pl.utilisation == Approx(1000.0 * 1200.0 / (80.0 * 16384.0)));
    // 129 x 33 at 8 bits: 2 row blocks, 132 columns -> 2 column blocks.
    const auto small = place_matrix(p, 129, 33, 8);
    CHECK(small.crossbars == 4);
    CHECK(small.utilisation == Approx(129.0 * 132.0 / (4.0 * 16384.0)));
  }
  SECTION("duplication multiplies crossbars and can overflow the core") {
    const auto four = place_matrix(p, 768, 768, 8, 4);
    CHECK(four.crossbars_per_copy == 144);
    CHECK(four.crossbars == 576);
    CHECK(four.tiles == 6);
    CHECK(four.fits);
    const auto eleven = place_matrix(p, 768, 768, 8, 11);  // 1584 crossbars -> 17 tiles
    CHECK(eleven.tiles == 17);
    CHECK_FALSE(eleven.fits);
    // A full BERT-Large FF matrix at 8 bits plus one copy: 2048 crossbars > 1536.
    CHECK_FALSE(place_matrix(p, 1024, 4096, 8, 2).fits);
  }
  SECTION("empty shapes are refused") {
    CHECK_THROWS_AS(place_matrix(p, 0, 10, 8), std::invalid_argument);
    CHECK_THROWS_AS(place_matrix(p, 10, 10, 0), std::invalid_argument);
    CHECK_THROWS_AS(place_matrix(p, 10, 10, 8, 0), std::invalid_argument);
  }
}

TEST_CASE("reram capacity per core", "[reram]") {
  const ReramCoreParams p;
  CHECK(capacity_weights(p, 8) == 6291456u);   // 16*96*128*128*2/8
  CHECK(capacity_weights(p, 4) == 12582912u);  // twice as many
  CHECK(capacity_weights(p, 2) == 25165824u);  // one cell each
  // 5-bit weights still take 3 whole cells: 25,165,824 / 3.
  CHECK(capacity_weights(p, 5) == 8388608u);
  // BERT-Large layer (12 d^2, d = 1024) needs two cores at 8 bits, fits one at 4 bits.
  const uint64_t layer = 12ull * 1024 * 1024;
  CHECK(layer > capacity_weights(p, 8));
  CHECK(layer <= 2 * capacity_weights(p, 8));
  CHECK(layer <= capacity_weights(p, 4));
}

TEST_CASE("reram MVM latency follows the bit-serial pipeline", "[reram]") {
  const ReramCoreParams p;
  const auto pl = place_matrix(p, 768, 768, 8);

  SECTION("one 8-bit vector") {
    // 768 B in at 32 B/ns = 24 ns; 8 slices x 100 ns = 800 ns; S&A 100; dequant 100;
    // 768 B out = 24 ns.
    const auto c = mvm_cost(p, pl, 1, 8, false);
    CHECK(c.slices == 8);
    CHECK(c.cycle_ps == 100000);
    CHECK(c.latency_ps == (24 + 800 + 100 + 100 + 24) * 1000ull);
  }
  SECTION("a batch of 8-bit vectors pipelines at one vector per 800 ns") {
    const auto c = mvm_cost(p, pl, 128, 8, false);
    CHECK(c.interval_ps == 800000);
    CHECK(c.latency_ps == (1048 + 127 * 800) * 1000ull);
  }
  SECTION("4-bit inputs halve the crossbar time") {
    // 384 B each way = 12 ns; 4 x 100 ns.
    const auto one = mvm_cost(p, pl, 1, 4, false);
    CHECK(one.latency_ps == (12 + 400 + 100 + 100 + 12) * 1000ull);
    const auto batch = mvm_cost(p, pl, 64, 4, false);
    CHECK(batch.latency_ps == (624 + 63 * 400) * 1000ull);
  }
  SECTION("duplication divides the vectors among copies") {
    const auto dup = place_matrix(p, 768, 768, 8, 4);
    const auto c = mvm_cost(p, dup, 130, 8, false);  // 33 vectors on the busiest copy
    CHECK(c.vectors_per_copy == 33);
    CHECK(c.latency_ps == (1048 + 32 * 800) * 1000ull);
  }
  SECTION("zero vectors cost nothing") {
    const auto c = mvm_cost(p, pl, 0, 8, false);
    CHECK(c.latency_ps == 0);
    CHECK(c.total_j == 0.0);
  }
  SECTION("transposed reads take one sub-read per cell significance") {
    // 8 slices x 4 significances x 100 ns = 3200 ns; buffer 24 + 24 ns.
    const auto c = mvm_cost(p, pl, 1, 8, true);
    CHECK(c.reads_per_vector == 32);
    CHECK(c.lines_per_crossbar == 128);
    CHECK(c.latency_ps == (24 + 3200 + 100 + 100 + 24) * 1000ull);
  }
  SECTION("a slow buffer becomes the pipeline bottleneck") {
    ReramCoreParams slow = p;
    slow.buffer_bytes_per_ns = 1.0;  // 768 + 768 ns per vector > 800 ns of crossbar time
    const auto c = mvm_cost(slow, pl, 10, 8, false);
    CHECK(c.interval_ps == 1536000);
    CHECK(c.latency_ps == (768 + 800 + 100 + 100 + 768 + 9 * 1536) * 1000ull);
  }
}

TEST_CASE("reram ADC sharing stretches the read cycle", "[reram]") {
  ReramCoreParams p;
  SECTION("two crossbars per ADC: 256 conversions at 1.28 GS/s = 200 ns") {
    p.adcs_per_tile = 48;
    const auto c = mvm_cost(p, place_matrix(p, 768, 768, 8), 1, 8, false);
    CHECK(c.crossbars_per_adc == 2);
    CHECK(c.cycle_ps == 200000);
    CHECK(c.latency_ps == (24 + 8 * 200 + 100 + 100 + 24) * 1000ull);
  }
  SECTION("three crossbars per ADC: 300 ns") {
    p.adcs_per_tile = 32;
    const auto c = mvm_cost(p, place_matrix(p, 768, 768, 8), 1, 8, false);
    CHECK(c.cycle_ps == 300000);
  }
  SECTION("no stretch while the crossbars in use have their own ADCs") {
    p.adcs_per_tile = 48;
    // 128x128 at 8 bits: 4 crossbars, all with an ADC.
    const auto c = mvm_cost(p, place_matrix(p, 128, 128, 8), 1, 8, false);
    CHECK(c.crossbars_per_adc == 1);
    CHECK(c.cycle_ps == 100000);
  }
  SECTION("a slower ADC stretches the cycle even unshared") {
    p.adc_sample_rate_gsps = 0.64;  // 128 / 0.64 = 200 ns
    const auto c = mvm_cost(p, place_matrix(p, 768, 768, 8), 1, 8, false);
    CHECK(c.cycle_ps == 200000);
    // A half-filled crossbar (16 weights x 4 cells = 64 columns) converts in 100 ns.
    const auto narrow = mvm_cost(p, place_matrix(p, 128, 16, 8), 1, 8, false);
    CHECK(narrow.lines_per_crossbar == 64);
    CHECK(narrow.cycle_ps == 100000);
  }
}

TEST_CASE("reram MVM energy is event counts times event energies", "[reram]") {
  const ReramCoreParams p;
  // 1000 x 300 at 8 bits: 8 row blocks, 10 column blocks, 4 cells per weight; 5 vectors of
  // 6-bit inputs (6 slices).
  const uint64_t V = 5, S = 6, RB = 8, CB = 10, CPW = 4, DIN = 1000, DOUT = 300;
  const auto pl = place_matrix(p, DIN, DOUT, 8);

  SECTION("forward") {
    const auto c = mvm_cost(p, pl, V, 6, false);
    const uint64_t reads = V * RB * CB * S;
    const uint64_t adc = V * S * RB * DOUT * CPW;  // every mapped column, every slice
    const uint64_t dac = V * S * CB * DIN;         // every mapped row, every slice
    const uint64_t dq = V * RB * DOUT;             // one per crossbar weight column
    const uint64_t buf = V * (750 + 225);          // 1000 and 300 values at 6 bits
    CHECK(c.xbar_reads == reads);
    CHECK(c.adc_conversions == adc);
    CHECK(c.dac_activations == dac);
    CHECK(c.shift_adds == adc);
    CHECK(c.dequant_ops == dq);
    CHECK(c.buffer_bytes == buf);
    const double expect = (reads * 30.0 + adc * 1.5625 + dac * 0.390625 + adc * 0.01953125 +
                           dq * p.dequant_pj + buf * 0.646875) *
                          1e-12;
    CHECK(c.total_j == Approx(expect).epsilon(1e-12));
    CHECK(c.xbar_j + c.adc_j + c.dac_j + c.shift_add_j + c.dequant_j + c.buffer_j ==
          Approx(c.total_j));
    CHECK(c.adc_j == Approx(adc * 1.5625e-12));
  }
  SECTION("transposed") {
    const auto c = mvm_cost(p, pl, V, 6, true);
    CHECK(c.xbar_reads == V * RB * CB * S * CPW);
    CHECK(c.adc_conversions == V * S * CPW * CB * DIN);
    CHECK(c.dac_activations == V * S * CPW * RB * DOUT);
    CHECK(c.dequant_ops == V * CB * DIN);
    CHECK(c.buffer_bytes == V * (225 + 750));
  }
  SECTION("duplication does not change the work, only the time") {
    const auto one = mvm_cost(p, pl, 8, 8, false);
    const auto two = mvm_cost(p, place_matrix(p, DIN, DOUT, 8, 2), 8, 8, false);
    CHECK(two.total_j == Approx(one.total_j));
    CHECK(two.latency_ps < one.latency_ps);
  }
}

TEST_CASE("reram write cost, area and power", "[reram]") {
  const ReramCoreParams p;
  const auto pl = place_matrix(p, 768, 768, 8);
  const auto w = write_cost(p, pl);
  CHECK(w.cells == 768ull * 768 * 4);
  CHECK(w.energy_j == Approx(768.0 * 768 * 4 * 10e-12));
  // 144 crossbars: 96 in the busiest tile, 128 rows each, 50.88 ns per row.
  CHECK(w.latency_ps == 96ull * 128 * 50880);

  CHECK(core_area_mm2(p) == Approx(16 * 0.37 * 1.0215));
  CHECK(core_peak_power_w(p) == Approx(16 * 0.345 * 1.015));
  CHECK(core_static_energy_j(p, 1000000) == Approx(0.43776 * 1e-6));
}

TEST_CASE("reram validate rejects impossible parameters by field", "[reram]") {
  expect_rejected("tiles", [](ReramCoreParams& p) { p.tiles = 0; });
  expect_rejected("crossbars_per_tile", [](ReramCoreParams& p) { p.crossbars_per_tile = 0; });
  expect_rejected("crossbar_rows", [](ReramCoreParams& p) { p.crossbar_rows = 0; });
  expect_rejected("crossbar_cols", [](ReramCoreParams& p) { p.crossbar_cols = 0; });
  expect_rejected("bits_per_cell", [](ReramCoreParams& p) { p.bits_per_cell = 0; });
  expect_rejected("bits_per_cell", [](ReramCoreParams& p) { p.bits_per_cell = 5; });
  expect_rejected("adcs_per_tile", [](ReramCoreParams& p) { p.adcs_per_tile = 0; });
  expect_rejected("adcs_per_tile", [](ReramCoreParams& p) { p.adcs_per_tile = 97; });
  expect_rejected("adc_bits", [](ReramCoreParams& p) { p.adc_bits = 0; });
  expect_rejected("adc_bits", [](ReramCoreParams& p) { p.adc_bits = 17; });
  expect_rejected("adc_sample_rate_gsps", [](ReramCoreParams& p) { p.adc_sample_rate_gsps = -1; });
  expect_rejected("dac_bits", [](ReramCoreParams& p) { p.dac_bits = 0; });
  expect_rejected("read_cycle_ns", [](ReramCoreParams& p) { p.read_cycle_ns = 0; });
  expect_rejected("read_cycle_ns", [](ReramCoreParams& p) { p.read_cycle_ns = std::nan(""); });
  expect_rejected("shift_add_ns", [](ReramCoreParams& p) { p.shift_add_ns = -1; });
  expect_rejected("dequant_ns", [](ReramCoreParams& p) { p.dequant_ns = -1; });
  expect_rejected("buffer_kib", [](ReramCoreParams& p) { p.buffer_kib = 0; });
  expect_rejected("buffer_bytes_per_ns", [](ReramCoreParams& p) { p.buffer_bytes_per_ns = 0; });
  expect_rejected("xbar_read_pj", [](ReramCoreParams& p) { p.xbar_read_pj = -1; });
  expect_rejected("adc_conversion_pj", [](ReramCoreParams& p) { p.adc_conversion_pj = -1; });
  expect_rejected("dac_bit_pj", [](ReramCoreParams& p) { p.dac_bit_pj = -1; });
  expect_rejected("shift_add_pj", [](ReramCoreParams& p) { p.shift_add_pj = -1; });
  expect_rejected("dequant_pj", [](ReramCoreParams& p) { p.dequant_pj = HUGE_VAL; });
  expect_rejected("buffer_byte_pj", [](ReramCoreParams& p) { p.buffer_byte_pj = -1; });
  expect_rejected("write_row_ns", [](ReramCoreParams& p) { p.write_row_ns = -1; });
  expect_rejected("write_cell_pj", [](ReramCoreParams& p) { p.write_cell_pj = -1; });
  expect_rejected("tile_area_mm2", [](ReramCoreParams& p) { p.tile_area_mm2 = 0; });
  expect_rejected("dequant_area_overhead",
                  [](ReramCoreParams& p) { p.dequant_area_overhead = -0.1; });
  expect_rejected("tile_power_w", [](ReramCoreParams& p) { p.tile_power_w = 0; });
  expect_rejected("dequant_power_overhead",
                  [](ReramCoreParams& p) { p.dequant_power_overhead = -0.1; });
  expect_rejected("static_power_w", [](ReramCoreParams& p) { p.static_power_w = -1; });
}
