// Systolic-array core: SCALE-Sim v2 cycle counts, SRAM traffic, stalls, spill and energy.
// Golden numbers are worked out by hand in the comments (R = 128 rows, C = 32 cols).
#include <catch2/catch.hpp>

#include "atleus/models/param_check.hpp"
#include "atleus/models/systolic_core.hpp"

using namespace atleus;

namespace {

SystolicCoreParams with_dataflow(Dataflow d) {
  SystolicCoreParams p;
  p.dataflow = d;
  return p;
}

}  // namespace

TEST_CASE("systolic OS compute cycles follow SCALE-Sim v2 with R + C + K - 2 per fold",
          "[systolic]") {
  const SystolicCoreParams p;  // 128 x 32, OS
  REQUIRE(p.rows == 128);
  REQUIRE(p.cols == 32);
  REQUIRE(p.dataflow == Dataflow::kOutputStationary);
  // Output tile exactly the array: M = 128, N = 32, K = 128: one fold, 128 + 32 + 128 - 2.
  CHECK(gemm_compute_cycles(p, 128, 128, 32) == 286);
  // Square 128^3: one row fold, 4 column folds: 4 x 286.
  CHECK(gemm_compute_cycles(p, 128, 128, 128) == 1144);
  // Thin LoRA-like 128 x 768 x 32: one fold of 128 + 32 + 768 - 2.
  CHECK(gemm_compute_cycles(p, 128, 768, 32) == 926);
  // K much larger than the array: 128 + 32 + 4096 - 2.
  CHECK(gemm_compute_cycles(p, 128, 4096, 32) == 4254);
  // M and N needing several folds: 512 / 128 = 4 row folds, 128 / 32 = 4 col folds,
  // (158 + 64) x 16.
  CHECK(gemm_compute_cycles(p, 512, 64, 128) == 3552);
  // Partial folds cost a full fold: 130 rows -> 2 row folds, 33 cols -> 2 col folds,
  // (158 + 10) x 4.
  CHECK(gemm_compute_cycles(p, 130, 10, 33) == 672);
  // Degenerate shapes do no work.
  CHECK(gemm_compute_cycles(p, 0, 10, 10) == 0);
}

TEST_CASE("systolic WS and IS compute cycles with 2R + C + T - 2 per fold", "[systolic]") {
  const SystolicCoreParams ws = with_dataflow(Dataflow::kWeightStationary);
  // WS: Sr = K, Sc = N, T = M. 128 x 128 x 32: one fold, 256 + 32 + 128 - 2.
  CHECK(gemm_compute_cycles(ws, 128, 128, 32) == 414);
  // 1024 x 768 x 64: K folds 768 / 128 = 6, N folds 64 / 32 = 2: (286 + 1024) x 12.
  CHECK(gemm_compute_cycles(ws, 1024, 768, 64) == 15720);
  // Same shape under OS for contrast: M folds 8, N folds 2: (158 + 768) x 16.
  CHECK(gemm_compute_cycles(SystolicCoreParams{}, 1024, 768, 64) == 14816);

  const SystolicCoreParams is = with_dataflow(Dataflow::kInputStationary);
  // IS: Sr = K, Sc = M, T = N. 64 x 256 x 100: K folds 2, M folds 2: (286 + 100) x 4.
  CHECK(gemm_compute_cycles(is, 64, 256, 100) == 1544);
}

TEST_CASE("systolic dataflow names parse and print", "[systolic]") {
  CHECK(parse_dataflow("os") == Dataflow::kOutputStationary);
  CHECK(parse_dataflow("ws") == Dataflow::kWeightStationary);
  CHECK(parse_dataflow("is") == Dataflow::kInputStationary);
  CHECK(std::string(to_string(Dataflow::kWeightStationary)) == "ws");
  try {
    parse_dataflow("rs");
    FAIL("no throw");
  } catch (const ParamError& e) {
    CHECK(e.field() == "dataflow");
  }
}

TEST_CASE("systolic params validate and name the field", "[systolic]") {
  SystolicCoreParams ok;
  REQUIRE_NOTHROW(ok.validate());

  auto field_of = [](const SystolicCoreParams& p) {
    try {
      p.validate();
    } catch (const ParamError& e) {
      return e.field();
    }
    return std::string("<none>");
  };
  SystolicCoreParams p;
  p.rows = 0;
  CHECK(field_of(p) == "rows");
  p = SystolicCoreParams{};
  p.sram_bytes_per_cycle = 0.0;
  CHECK(field_of(p) == "sram_bytes_per_cycle");
  p = SystolicCoreParams{};
  p.operand_bytes = 0;
  CHECK(field_of(p) == "operand_bytes");
  p = SystolicCoreParams{};
  p.e_mac_pj = -1.0;
  CHECK(field_of(p) == "e_mac_pj");
  p = SystolicCoreParams{};
  p.sfu.lanes = 0;
  CHECK(field_of(p) == "sfu.lanes");
}

TEST_CASE("systolic utilisation stays within 0..1 and is far below 1 for tiny GEMMs",
          "[systolic]") {
  const SystolicCoreParams p;
  const uint64_t shapes[][3] = {{1, 1, 1},      {128, 128, 32}, {128, 768, 32},
                                {512, 64, 128}, {130, 10, 33},  {1024, 1024, 1024}};
  for (const auto& s : shapes) {
    const SystolicGemmCost c = gemm_cost(p, s[0], s[1], s[2], 1);
    CHECK(c.utilisation > 0.0);
    CHECK(c.utilisation < 1.0);
    CHECK(c.utilisation == Approx(double(s[0] * s[1] * s[2]) / (4096.0 * c.total_cycles)));
  }
  // 1 x 1 x 1: one MAC over 128 + 32 + 1 - 2 = 159 cycles of 4096 PEs.
  const SystolicGemmCost tiny = gemm_cost(p, 1, 1, 1, 1);
  CHECK(tiny.total_cycles == 159);
  CHECK(tiny.utilisation == Approx(1.0 / (4096.0 * 159.0)));
  // The thin LoRA shape fills the array: 128 x 32 x 768 MACs over 926 cycles.
  CHECK(gemm_cost(p, 128, 768, 32, 1).utilisation == Approx(768.0 / 926.0));
}

TEST_CASE("systolic OS SRAM traffic re-reads A per column fold and B per row fold", "[systolic]") {
  const SystolicCoreParams p;
  // 512 x 64 x 128: 4 row folds, 4 col folds. A (512 x 64) read 4 times, B (64 x 128) read
  // 4 times, C (512 x 128) written once.
  const SystolicGemmCost c = gemm_cost(p, 512, 64, 128, 1);
  CHECK(c.macs == 512u * 64u * 128u);
  CHECK(c.sram_read_bytes == 512u * 64u * 4u + 64u * 128u * 4u);
  CHECK(c.sram_write_bytes == 512u * 128u);
  CHECK(c.spill_bytes == 0);
  CHECK(c.sram_bytes == c.sram_read_bytes + c.sram_write_bytes);
  // fp16 doubles every byte.
  const SystolicGemmCost h = gemm_cost(p, 512, 64, 128, 2);
  CHECK(h.sram_bytes == 2 * c.sram_bytes);
  CHECK(h.total_cycles == c.total_cycles);
}

TEST_CASE("systolic WS SRAM traffic reads partial sums back between row folds", "[systolic]") {
  const SystolicCoreParams ws = with_dataflow(Dataflow::kWeightStationary);
  // 1024 x 768 x 64: 6 K folds, 2 N folds. B tiles read once (768 x 64); A streamed once per
  // N fold (2 x 1024 x 768); partial sums written every K fold (6 x 1024 x 64) and read back
  // on all but the first (5 x 1024 x 64).
  const SystolicGemmCost c = gemm_cost(ws, 1024, 768, 64, 1);
  CHECK(c.sram_read_bytes == 768u * 64u + 2u * 1024u * 768u + 5u * 1024u * 64u);
  CHECK(c.sram_write_bytes == 6u * 1024u * 64u);
  // A (768 KiB) cannot stay in 128 KiB between the 2 N folds: re-fetched once. The live
  // partial sums (1024 x 32 B) fit.
  CHECK(c.spill_bytes == 1024u * 768u);
}

TEST_CASE("systolic IS spill re-fetches B and spills partial sums", "[systolic]") {
  SystolicCoreParams is = with_dataflow(Dataflow::kInputStationary);
  // 64 x 256 x 100: 2 K folds, 2 M folds. B (256 x 100 = 25600 B) is re-streamed per M fold;
  // the live partial sums are 32 x 100 = 3200 B. Both fit in 128 KiB.
  CHECK(gemm_cost(is, 64, 256, 100, 1).spill_bytes == 0);
  // 2 KiB: the partial sums do not fit: written out and read back after the first K fold
  // (2 x 64 x 100 x 1); B + partial sums do not fit either: B re-fetched once (25600).
  is.sram_kib = 2;
  CHECK(gemm_cost(is, 64, 256, 100, 1).spill_bytes == 2u * 64u * 100u + 25600u);
}

TEST_CASE("systolic stalls appear when the SRAM cannot feed the array", "[systolic]") {
  SystolicCoreParams p;
  // 128 x 768 x 32, one fold of 926 cycles moving 768 x 128 (A) + 768 x 32 (B) + 128 x 32
  // (C) = 126976 bytes. At the default 384 B/cycle that takes 331 cycles: no stall.
  const SystolicGemmCost fed = gemm_cost(p, 128, 768, 32, 1);
  CHECK(fed.stall_cycles == 0);
  CHECK(fed.total_cycles == 926);
  CHECK(fed.latency_ps == 926u * 1250u);  // 800 MHz: 1250 ps per cycle

  p.sram_bytes_per_cycle = 1.0;  // 126976 cycles to move the fold's bytes
  const SystolicGemmCost starved = gemm_cost(p, 128, 768, 32, 1);
  CHECK(starved.compute_cycles == 926);
  CHECK(starved.bandwidth_stall_cycles == 126976 - 926);
  CHECK(starved.total_cycles == 126976);
  CHECK(starved.utilisation < fed.utilisation);
}

TEST_CASE("systolic spill when the working set does not fit in SRAM", "[systolic]") {
  SystolicCoreParams p;
  // OS 512 x 64 x 128 (4 x 4 folds): A = 32768 B is re-streamed per column fold; the live
  // slice of B is 64 x 32 = 2048 B. Default 128 KiB holds both: no spill.
  CHECK(gemm_cost(p, 512, 64, 128, 1).spill_bytes == 0);

  // 16 KiB: the B slice fits, A + slice (34816 B) does not: A re-fetched 3 more times.
  p.sram_kib = 16;
  const SystolicGemmCost a = gemm_cost(p, 512, 64, 128, 1);
  CHECK(a.spill_bytes == 3u * 32768u);
  // Refill at 20 B/cycle takes ceil(98304 / 20) = 4916 cycles; compute is 3552 (no bandwidth
  // stall: 14336 B per fold / 384 = 38 cycles < 222), so 1364 cycles are exposed.
  CHECK(a.compute_cycles == 3552);
  CHECK(a.bandwidth_stall_cycles == 0);
  CHECK(a.spill_stall_cycles == 4916 - 3552);
  CHECK(a.total_cycles == 4916);
  CHECK(a.sram_bytes == a.sram_read_bytes + a.sram_write_bytes + a.spill_bytes);

  // 1 KiB: even the B slice (2048 B) does not fit: B re-fetched on 3 extra row folds
  // (3 x 8192) on top of A's 3 x 32768.
  p.sram_kib = 1;
  CHECK(gemm_cost(p, 512, 64, 128, 1).spill_bytes == 3u * 8192u + 3u * 32768u);

  // With spill_bytes_per_cycle = 0 the spill is reported but not timed here.
  p.spill_bytes_per_cycle = 0.0;
  const SystolicGemmCost untimed = gemm_cost(p, 512, 64, 128, 1);
  CHECK(untimed.spill_bytes > 0);
  CHECK(untimed.total_cycles == 3552);
}

TEST_CASE("systolic energy is MACs x e_mac plus SRAM bytes x e_sram", "[systolic]") {
  SystolicCoreParams p;
  p.e_mac_pj = 0.5;
  p.e_sram_pj_per_byte = 2.0;
  const SystolicGemmCost c = gemm_cost(p, 256, 256, 96, 1);
  const double macs = 256.0 * 256.0 * 96.0;
  CHECK(c.energy_mac_j == Approx(macs * 0.5e-12));
  CHECK(c.energy_sram_j == Approx(double(c.sram_bytes) * 2.0e-12));
  CHECK(c.energy_j == Approx(macs * 0.5e-12 + double(c.sram_bytes) * 2.0e-12));
  // OS traffic of 256 x 256 x 96 (2 row folds, 3 col folds): A x 3 + B x 2 + C; A (64 KiB)
  // plus a 256 x 32 slice of B fit in 128 KiB, so nothing spills.
  CHECK(c.spill_bytes == 0);
  CHECK(c.sram_bytes == 256u * 256u * 3u + 256u * 96u * 2u + 256u * 96u);
  // 16-bit operands on an 8-bit-rated PE: width^2 = 4 x the MAC energy.
  const SystolicGemmCost h = gemm_cost(p, 256, 256, 96, 2);
  CHECK(h.energy_mac_j == Approx(4.0 * macs * 0.5e-12));
  // Default e_mac is the paper's 2.13 W spread over 4096 PEs at 800 MHz.
  CHECK(SystolicCoreParams{}.e_mac_pj == Approx(2.13 / (4096 * 800e6) * 1e12));
}

TEST_CASE("systolic operand width and area", "[systolic]") {
  SystolicCoreParams p;
  ComputeOp op;
  op.input_bits = 16;
  op.weight_bits = 16;
  CHECK(operand_bytes_for(p, op) == 2);
  op.input_bits = 8;
  op.weight_bits = 8;
  CHECK(operand_bytes_for(p, op) == 1);
  op.input_bits = 0;
  op.weight_bits = 0;
  p.operand_bytes = 2;
  CHECK(operand_bytes_for(p, op) == 2);

  CHECK(core_area_mm2(SystolicCoreParams{}) == Approx(2.55));
  SystolicCoreParams big;
  big.cols = 128;  // 128 x 128 = 4 x the reference PEs
  CHECK(core_area_mm2(big) == Approx(4 * 2.55));
}
