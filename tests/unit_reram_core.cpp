// ReRAM core formulas against closed-form numbers worked out here, not taken from the model.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>

#include "atleus/models/param_check.hpp"
#include "atleus/models/reram_components.hpp"
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
  const ReramEventEnergies e = reram_event_energies(p);
  CHECK(e.xbar_read_pj == Approx(30.0));         // 0.3 mW x 100 ns
  CHECK(e.adc_conversion_pj == Approx(1.5625));  // 2 mW / 1.28 GHz
  CHECK(e.dac_bit_pj == Approx(0.390625));       // 4 mW / 1024 x 100 ns
  CHECK(e.shift_add_pj == Approx(0.01953125));   // 0.2 mW / 10.24 GHz
  CHECK(e.buffer_byte_pj == Approx(0.646875));   // 20.7 mW / 32 GB/s
  // Atleus: 1.5% of ISAAC's 330 mW tile over 96 crossbars x 32 outputs per 800 ns.
  CHECK(e.dequant_pj == Approx(0.015 * 0.330 * 800e-9 / 3072 * 1e12));
  // Clocked parts: per IMA IR 1.24 + OR 0.23 + S+H 0.01 mW; per tile bus 7, sigmoid 0.52,
  // max-pool 0.4, output register 1.68 mW.
  CHECK(core_static_power_w(p) ==
        Approx(16 * (12 * (1.24e-3 + 0.23e-3 + 0.01e-3) + 7e-3 + 0.52e-3 + 0.4e-3 + 1.68e-3)));
  // The ADC converts one crossbar's 128 columns in exactly one read cycle.
  CHECK(128.0 / adc_sample_rate_gsps(p) == Approx(p.read_cycle_ns));
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
                           dq * reram_event_energies(p).dequant_pj + buf * 0.646875) *
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

  // Area and power from the components: see the ISAAC tile test below.
  CHECK(core_area_mm2(p) == Approx(16 * tile_area_mm2(p)));
  CHECK(core_peak_power_w(p) == Approx(16 * tile_peak_power_w(p)));
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
  expect_rejected("adc_ref_bits", [](ReramCoreParams& p) { p.adc_ref_bits = 0; });
  expect_rejected("adc_fom_fj_per_step", [](ReramCoreParams& p) { p.adc_fom_fj_per_step = 0; });
  expect_rejected("dac_bits", [](ReramCoreParams& p) { p.dac_bits = 0; });
  expect_rejected("read_cycle_ns", [](ReramCoreParams& p) { p.read_cycle_ns = 0; });
  expect_rejected("read_cycle_ns", [](ReramCoreParams& p) { p.read_cycle_ns = std::nan(""); });
  expect_rejected("shift_add_ns", [](ReramCoreParams& p) { p.shift_add_ns = -1; });
  expect_rejected("dequant_ns", [](ReramCoreParams& p) { p.dequant_ns = -1; });
  expect_rejected("buffer_kib", [](ReramCoreParams& p) { p.buffer_kib = 0; });
  expect_rejected("buffer_bytes_per_ns", [](ReramCoreParams& p) { p.buffer_bytes_per_ns = 0; });
  expect_rejected("write_row_ns", [](ReramCoreParams& p) { p.write_row_ns = -1; });
  expect_rejected("write_cell_pj", [](ReramCoreParams& p) { p.write_cell_pj = -1; });
  expect_rejected("dequant_area_overhead",
                  [](ReramCoreParams& p) { p.dequant_area_overhead = -0.1; });
  expect_rejected("dequant_power_overhead",
                  [](ReramCoreParams& p) { p.dequant_power_overhead = -0.1; });
}

// ---------------------------------------------------------------------------------------------
// The tile from its components.

namespace {

// ISAAC (Shafiee et al., ISCA 2016) Table 2, 32 nm, copied here from the paper: per IMA
// (12 per tile) and per tile. {power W, area mm^2}.
struct Row {
  double w, mm2;
};
const Row kIma[] = {
    {16e-3, 0.0096},     // ADC x 8
    {4e-3, 0.00017},     // DAC x 8 x 128
    {10e-6, 0.00004},    // S+H x 8 x 128
    {2.4e-3, 0.0002},    // memristor array x 8
    {0.2e-3, 0.00024},   // S+A x 4
    {1.24e-3, 0.0021},   // IR 2 KB
    {0.23e-3, 0.00077},  // OR 256 B
};
const Row kTile[] = {
    {20.7e-3, 0.083},        // eDRAM buffer 64 KB
    {7e-3, 0.090},           // eDRAM-to-IMA bus
    {42e-3 / 4, 0.151 / 4},  // router, shared by 4 tiles
    {0.52e-3, 0.0006},       // sigmoid x 2
    {0.05e-3, 0.00006},      // S+A
    {0.4e-3, 0.00024},       // max-pool
    {1.68e-3, 0.0032},       // OR 3 KB
};

Row isaac_tile_by_hand() {
  Row t{0, 0};
  for (const Row& r : kIma) t.w += 12 * r.w, t.mm2 += 12 * r.mm2;
  for (const Row& r : kTile) t.w += r.w, t.mm2 += r.mm2;
  return t;
}

ReramCoreParams isaac_params() {  // ISAAC's tile: no Atleus dequantisation unit
  ReramCoreParams p;
  p.dequant_area_overhead = 0;
  p.dequant_power_overhead = 0;
  return p;
}

}  // namespace

TEST_CASE("reram: ISAAC's tile area and power come out of its components within 2%", "[reram]") {
  const Row hand = isaac_tile_by_hand();
  // The published component figures sum to the published tile: 330 mW, 0.372 mm^2.
  CHECK(hand.w == Approx(0.330).epsilon(0.02));
  CHECK(hand.mm2 == Approx(0.372).epsilon(0.02));
  const ReramCoreParams p = isaac_params();
  const double area = tile_area_mm2(p), power = tile_peak_power_w(p);
  WARN("ISAAC tile from components: " << area << " mm^2 (0.372), " << power * 1e3 << " mW (330)");
  CHECK(area == Approx(0.372).epsilon(0.02));
  CHECK(power == Approx(0.330).epsilon(0.02));
  CHECK(area == Approx(hand.mm2).epsilon(1e-9));
  CHECK(power == Approx(hand.w).epsilon(1e-9));
}

TEST_CASE("reram: the Atleus tile adds the dequantisation unit of its stated overheads",
          "[reram]") {
  const ReramCoreParams p;  // Atleus defaults
  const Row hand = isaac_tile_by_hand();
  // Atleus section 2: +2.15% area, +1.5% power of the ISAAC tile.
  const double area = hand.mm2 + 0.0215 * 0.372, power = hand.w + 0.015 * 0.330;
  CHECK(tile_area_mm2(p) == Approx(area).epsilon(1e-9));
  CHECK(tile_peak_power_w(p) == Approx(power).epsilon(1e-9));
  // The paper quotes 0.37 mm^2 and 0.345 W for its tile: ISAAC's published tile plus the
  // paper's own overheads is 0.380 mm^2 and 0.335 W, 2.7% and 2.9% away from them. No component
  // set reproduces both quotes within 2% without moving ISAAC's figures, so the test bounds the
  // gap at 3% and prints it.
  WARN("Atleus tile from components: " << tile_area_mm2(p) << " mm^2 (paper 0.37), "
                                       << tile_peak_power_w(p) << " W (paper 0.345)");
  CHECK(tile_area_mm2(p) == Approx(0.37).epsilon(0.03));
  CHECK(tile_peak_power_w(p) == Approx(0.345).epsilon(0.03));
}

TEST_CASE("reram: ADC resolution scales energy, area and rate as Walden and SAR give", "[reram]") {
  ReramCoreParams p8, p6;
  p6.adc_bits = 6;
  // Walden: E = FoM x 2^bits, FoM = 2 mW / 1.28 GS/s / 256 = 6.1035 fJ.
  const double fom = 2e-3 / 1.28e9 / 256;
  CHECK(adc_conversion_pj(p8) == Approx(fom * 256 * 1e12));
  CHECK(adc_conversion_pj(p6) == Approx(fom * 64 * 1e12));
  // Capacitive-DAC area doubles per bit: ISAAC's 1200 um^2 at 8 bits, 300 um^2 at 6.
  CHECK(adc_area_mm2(p8) == Approx(1200e-6));
  CHECK(adc_area_mm2(p6) == Approx(300e-6));
  // SAR: one bit per comparator cycle, 1.28 GS/s x 8 / 6.
  CHECK(adc_sample_rate_gsps(p6) == Approx(1.28 * 8 / 6));
  // The tile shrinks by 96 ADCs x (1200 - 300) um^2.
  CHECK(tile_area_mm2(p8) - tile_area_mm2(p6) == Approx(96 * 900e-6));
  // An MVM's ADC energy falls by 4x; a slower (10-bit) ADC stretches the read cycle.
  const auto pl = place_matrix(p8, 128, 32, 8);
  const auto c8 = mvm_cost(p8, pl, 4, 8, false), c6 = mvm_cost(p6, pl, 4, 8, false);
  CHECK(c6.adc_conversions == c8.adc_conversions);
  CHECK(c6.adc_j == Approx(c8.adc_j / 4));
  ReramCoreParams p10;
  p10.adc_bits = 10;
  CHECK(mvm_cost(p10, pl, 1, 8, false).cycle_ps == 125000);  // 128 / (1.28 x 8 / 10) ns
  CHECK(c8.cycle_ps == 100000);
}

TEST_CASE("reram: the ADC resolution a crossbar needs", "[reram]") {
  // ISAAC: A = log2(R) + v + w - 1 for v = 1 (one bit less with its encoding).
  CHECK(required_adc_bits(128, 2, 1, false) == 7 + 1 + 2 - 1);
  CHECK(required_adc_bits(128, 2, 1, true) == 8);
  CHECK(required_adc_bits(256, 2, 1, true) == 9);
  CHECK(required_adc_bits(64, 1, 1, false) == 7);
  // S_max = 128 x 3 x 3 = 1152 -> 11 bits; 576 with the encoding -> 10 bits.
  CHECK(required_adc_bits(128, 2, 2, false) == 11);
  CHECK(required_adc_bits(128, 2, 2, true) == 10);
  CHECK(required_adc_bits(ReramCoreParams{}) == 8);  // Atleus: its 8-bit ADCs suffice
}

TEST_CASE("reram: 256x256 crossbars cost more area and ADC energy per conversion", "[reram]") {
  const ReramCoreParams small;
  ReramCoreParams big;
  big.crossbar_rows = big.crossbar_cols = 256;
  big.adc_bits = required_adc_bits(big);  // 9: the ADC a 256-row crossbar needs
  CHECK(big.adc_bits == 9);
  CHECK(adc_conversion_pj(big) == Approx(2 * adc_conversion_pj(small)));
  // Cell arrays 4x (25 -> 100 um^2 each), ADCs 2x (1200 -> 2400 um^2), DACs, S+H and registers
  // 2x per crossbar, at the same 96 crossbars per tile.
  const double xbars = 96 * 3 * 0.0002 / 8, adcs = 96 * 1200e-6;
  const double dac_sh = 12 * (0.00017 + 0.00004), regs = 12 * (0.0021 + 0.00077) + 0.0032;
  CHECK(tile_area_mm2(big) - tile_area_mm2(small) ==
        Approx(xbars + adcs + dac_sh + regs).epsilon(1e-9));
  // Reading 256 columns with one ADC takes twice the lines at 1.28 x 8 / 9 GS/s.
  const auto c = mvm_cost(big, place_matrix(big, 256, 64, 8), 1, 8, false);
  CHECK(c.cycle_ps == static_cast<uint64_t>(std::llround(256 / (1.28 * 8 / 9) * 1000)));
  // Crossbar read energy grows with the cells: 4 x 30 pJ.
  CHECK(reram_event_energies(big).xbar_read_pj == Approx(120.0));
}
