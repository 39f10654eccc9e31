// Systolic-array (SA) core of Atleus (paper section 3): a rows x cols PE array (128 x 32,
// output-stationary, 800 MHz), 1 Mb of SRAM, and a special-function unit (models/sfu.hpp).
//
// Covers:
// - GEMM compute cycles as SCALE-Sim v2 counts them (scalesim-project/scale-sim-v2,
//   scalesim/compute/systolic_compute_{os,ws,is}.py). A GEMM out[M][N] = A[M][K] . B[K][N] maps
//   to spatial dims Sr x Sc (array rows x cols) and a temporal dim T:
//     OS: Sr = M, Sc = N, T = K    WS: Sr = K, Sc = N, T = M    IS: Sr = K, Sc = M, T = N
//   and runs as ceil(Sr/R) x ceil(Sc/C) folds, one after another (column folds outer, row
//   folds inner; a fold drains before the next starts, no overlap). Each fold costs the same
//   whether or not it fills the array (v2 pads partial folds with null requests):
//     OS:      R + C + T - 2 cycles  (operands skewed in along both edges, outputs drained
//                                      from the bottom edge: skew(T + C - 1 rows, R cols))
//     WS, IS:  2R + C + T - 2 cycles (R cycles of stationary-operand preload first)
//   The SCALE-Sim paper (Samajdar et al., ISPASS 2020) gives one formula, 2R + C + T - 2 per
//   fold, for every dataflow; v2's OS code counts R fewer per fold (no preload phase). We
//   follow the code, since the paper's cycle counts came from running SCALE-Sim.
//   SCALE-Sim v1 (ARM-software/SCALE-Sim) overlapped OS folds in its trace generator; v2 does
//   not, and neither do we.
// - SRAM traffic under the dataflow (v2's per-fold operand read counts; outputs written per
//   fold; for WS/IS the partial sums of the next row fold are read back, which v2 omits), SRAM
//   bandwidth stalls (a fold whose bytes exceed sram_bytes_per_cycle x fold cycles waits for
//   the difference), and capacity spill (operands re-fetched from outside when the reuse
//   working set does not fit; see gemm_cost()).
// - Area and power from components (core_components()): PEs at their operand width, edge
//   skew registers (aspect-ratio dependent), SRAM capacity, SFU lanes.
// - MAC and SRAM dynamic energy; SFU work on a separate unit that overlaps GEMMs; plain reads
//   and writes (operands arriving over the NoC) on an SRAM-port calendar.
// Does not cover: functional data (timing only: payload data are not stored or computed),
// DRAM/HBM timing of spilled bytes beyond a per-core share of bandwidth, bank conflicts,
// SRAM split into ifmap/filter/ofmap buffers (one shared capacity), result forwarding to
// consumers (the platform's driver sends results), static energy unless asked for.
// Timing style: loosely timed. transport() books the op on a BusyCalendar at arrival
// (now + delay), adds start - arrival + latency to `delay`, and never calls wait().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "atleus/models/block_model.hpp"
#include "atleus/models/busy_calendar.hpp"
#include "atleus/models/component.hpp"
#include "atleus/models/compute_op.hpp"
#include "atleus/models/sfu.hpp"

namespace atleus {

enum class Dataflow : uint8_t { kOutputStationary, kWeightStationary, kInputStationary };

const char* to_string(Dataflow dataflow);          // "os" | "ws" | "is"
Dataflow parse_dataflow(const std::string& text);  // ParamError("dataflow") if unknown

// The paper's SA core (section 3): 128 x 32 PEs, 1 Mb SRAM, 2.55 mm^2, 2.13 W.
constexpr unsigned kSystolicRefRows = 128;
constexpr unsigned kSystolicRefCols = 32;
constexpr double kSystolicRefAreaMm2 = 2.55;
// Register bit: Aladdin (Shao et al., ISCA 2014) 40 nm register, 5.98 um^2 per bit, scaled to
// 10 nm with area ~ feature size^2: 5.98 x (10 / 40)^2 = 0.374 um^2.
constexpr double kRegBitAreaUm2 = 5.98 * (10.0 / 40.0) * (10.0 / 40.0);
// SRAM bit: Intel 10 nm high-density bit cell 0.0312 um^2 (Auth et al., IEDM 2017) over a 70%
// array efficiency [default] (cells / macro area of a compiled SRAM macro).
constexpr double kSramBitAreaUm2 = 0.0312 / 0.7;
// PE area at 1-byte operands (multiplier, accumulator, operand registers): the paper's
// 2.55 mm^2 (section 3) less the parts modelled separately at the paper's configuration
// (128 KiB SRAM, the skew registers of a 128 x 32 array, 32 SFU lanes), over its 4096 PEs.
// A figure derived from the published total, not a fit to any simulated result: the paper
// gives no split of its core area.
constexpr double kSystolicPaperPeAreaUm2 =
    (kSystolicRefAreaMm2 * 1e6 - 128.0 * 1024 * 8 * kSramBitAreaUm2 -
     (128.0 * 127 / 2 + 32.0 * 31 / 2) * 8 * kRegBitAreaUm2 - 32 * kSfuLaneAreaUm2) /
    (kSystolicRefRows * kSystolicRefCols);

struct SystolicCoreParams {
  unsigned rows = 128;  // PE rows (paper section 3: 128 x 32, chosen in the Fig. 6 study)
  unsigned cols = 32;   // PE columns (paper section 3)
  Dataflow dataflow = Dataflow::kOutputStationary;  // paper section 3: OS, no weight preload
  double clock_mhz = 800.0;                         // paper section 3
  unsigned sram_kib = 128;                          // paper section 3: 1 Mb = 128 KiB
  // SRAM bytes per cycle into/out of the array. [default] SCALE-Sim's assumption of one word
  // per edge PE per cycle: rows + cols operand reads plus cols result writes, sized for the
  // 16-bit words of LoRA (paper section 6: LoRA stays 16-bit): (128 + 32 + 32) x 2 B = 384.
  double sram_bytes_per_cycle = 384.0;
  // Bandwidth for spilled bytes re-fetched from outside the core (HBM through the NoC).
  // [default] HBM2 256 GB/s (paper section 1) shared by the 16 SA cores, at 800 MHz:
  // 256e9 / 16 / 800e6 = 20 B/cycle. 0 = spill is reported but costs no time here.
  double spill_bytes_per_cycle = 20.0;
  unsigned operand_bytes = 1;  // int8 datapath [default]; an op with wider bits overrides
  // Energy per MAC of `operand_bytes` operands: the paper's 2.13 W at 800 MHz over 4096 PEs,
  // i.e. all core power attributed to PE activity at full occupancy:
  // 2.13 / (4096 x 800e6) = 0.650 pJ. Wider operands scale with width^2 (array multiplier).
  double e_mac_pj = 2.13 / (4096.0 * 800e6) * 1e12;
  // Energy per SRAM byte of a 32 KiB array. Horowitz ISSCC 2014, 45 nm: 64-bit access to a
  // 32 KB SRAM = 20 pJ (2.5 pJ/B), scaled to 10 nm with kHorowitz45To10nmEnergyScale
  // (models/sfu.hpp): about 0.386 pJ/B. sram_energy_pj_per_byte() scales it with capacity.
  double e_sram_pj_per_byte_32kib = 20.0 / 8.0 * kHorowitz45To10nmEnergyScale;
  // No separate leakage figure is published; the paper's power is used as dynamic (e_mac_pj).
  double static_power_w = 0.0;
  // --- area (see core_area_mm2()) ---
  double reg_bit_area_um2 = kRegBitAreaUm2;      // see the constant
  double sram_bit_area_um2 = kSramBitAreaUm2;    // see the constant
  double pe_area_um2 = kSystolicPaperPeAreaUm2;  // see the constant
  SfuParams sfu;                                 // models/sfu.hpp

  void validate() const;  // nested SFU fields are reported as "sfu.<field>"
};

// SRAM energy per byte at the core's capacity: e_sram_pj_per_byte_32kib x sqrt(sram_kib / 32),
// the CACTI-style first-order scaling (bit lines and H-tree grow with the square root of the
// capacity; Horowitz ISSCC 2014's 10 / 20 / 100 pJ per 64-bit access at 8 KB / 32 KB / 1 MB
// follow it within 15%).
double sram_energy_pj_per_byte(const SystolicCoreParams& p);

// Operand skew registers: a systolic array feeds row i (column j) i (j) cycles late, through a
// triangular set of registers along its left and top edges (SCALE-Sim's operand skew):
// (R (R - 1) / 2 + C (C - 1) / 2) registers of one operand each. They make the area depend on
// the aspect ratio: 128 x 32 needs 8624, 64 x 64 needs 4032.
uint64_t skew_registers(const SystolicCoreParams& p);

// Operand bytes for one op: ceil(max(input_bits, weight_bits) / 8), or params.operand_bytes
// when the op gives no bits (both 0).
unsigned operand_bytes_for(const SystolicCoreParams& p, const ComputeOp& op);

// Cycles of one fold and the fold counts under the configured dataflow (see the header).
struct SystolicFolding {
  uint64_t sr = 0, sc = 0, t = 0;  // spatial rows, spatial cols, temporal dim
  uint64_t row_folds = 0, col_folds = 0;
  uint64_t fold_cycles = 0;
};
SystolicFolding gemm_folding(const SystolicCoreParams& p, uint64_t m, uint64_t k, uint64_t n);

// SCALE-Sim v2 compute cycles with no memory stalls: fold_cycles x row_folds x col_folds.
uint64_t gemm_compute_cycles(const SystolicCoreParams& p, uint64_t m, uint64_t k, uint64_t n);

struct SystolicGemmCost {
  uint64_t macs = 0;
  uint64_t compute_cycles = 0;          // gemm_compute_cycles()
  uint64_t bandwidth_stall_cycles = 0;  // SRAM cannot feed a fold in its compute time
  uint64_t spill_stall_cycles = 0;      // spill refill not hidden behind compute
  uint64_t stall_cycles = 0;            // sum of the two
  uint64_t total_cycles = 0;            // compute + stall
  uint64_t latency_ps = 0;
  uint64_t sram_read_bytes = 0;   // array operand reads (+ partial-sum read-back for WS/IS)
  uint64_t sram_write_bytes = 0;  // array result / partial-sum writes
  uint64_t spill_bytes = 0;       // extra bytes to/from outside the core (also SRAM accesses)
  uint64_t sram_bytes = 0;        // reads + writes + spill
  double utilisation = 0.0;       // macs / (rows x cols x total_cycles)
  double energy_mac_j = 0.0;
  double energy_sram_j = 0.0;
  double energy_j = 0.0;  // mac + sram
};

// Full cost of one GEMM with operands of `operand_bytes` bytes.
// Spill: folds run column-fold outer, row-fold inner. One operand is re-streamed on every
// column fold (OS, WS: A; IS: B) while a slice stays live across the row folds of one column
// fold (OS: a K x C slice of B; WS: M x C partial sums; IS: C x N partial sums). A cyclic
// stream thrashes an LRU buffer, so reuse is all-or-nothing: if the live slice does not fit
// in SRAM it is re-fetched (B) or spilled and read back (partial sums, twice the bytes) on
// every row fold after the first; if the re-streamed operand plus the live slice do not fit,
// the re-streamed operand is re-fetched on every column fold after the first. Spill refills
// are double-buffered: they stall only where they take longer than compute + bandwidth stalls.
SystolicGemmCost gemm_cost(const SystolicCoreParams& p, uint64_t m, uint64_t k, uint64_t n,
                           unsigned operand_bytes);

// Components (area, peak and static power): pe_array (R x C x pe_area_um2 x operand_bytes^2:
// the multiplier dominates and grows with the square of the width, as e_mac_pj does),
// skew_registers (skew_registers() x 8 x operand_bytes bits x reg_bit_area_um2), sram
// (sram_kib x 8192 bits x sram_bit_area_um2; port width changes its bandwidth, not its area, in
// this model), sfu (lanes x sfu.lane_area_um2). Peak power: every PE one MAC per cycle, the
// SRAM port at full width, every SFU lane an add and a multiply per cycle. static_power_w is
// listed under pe_array.
std::vector<Component> core_components(const SystolicCoreParams& p);
double core_area_mm2(const SystolicCoreParams& p);
double core_peak_power_w(const SystolicCoreParams& p);

struct SystolicCoreStats {
  std::array<uint64_t, 6> ops{};  // completed ops per OpKind (index = static_cast<size_t>)
  uint64_t errors = 0;            // ops refused (kMvm, unknown command)
  uint64_t macs = 0;
  uint64_t compute_cycles = 0;  // array cycles without stalls
  uint64_t stall_cycles = 0;
  uint64_t sfu_cycles = 0;
  uint64_t sram_bytes = 0;  // array traffic + spill + plain reads/writes
  uint64_t spill_bytes = 0;
  uint64_t port_reads = 0;  // plain (non-compute) transactions
  uint64_t port_writes = 0;
  uint64_t port_bytes = 0;
  double energy_mac_j = 0.0;
  double energy_sram_j = 0.0;  // array traffic, spill and plain accesses
  double energy_sfu_j = 0.0;
  uint64_t busy_array_ps = 0;
  uint64_t busy_sfu_ps = 0;
  uint64_t busy_sram_port_ps = 0;
  uint64_t queue_ps = 0;  // sum over all requests of start - arrival

  double energy_j() const { return energy_mac_j + energy_sram_j + energy_sfu_j; }
};

class SystolicCore : public BlockModel {
 public:
  SystolicCore(sc_core::sc_module_name name, const SystolicCoreParams& params);

  const SystolicCoreParams& params() const { return params_; }
  const SystolicCoreStats& stats() const { return stats_; }
  // Leakage energy over a span of simulated time (static_power_w x elapsed).
  double static_energy_j(uint64_t elapsed_ps) const override;
  // BlockModel: PE MACs and SRAM bytes ("systolic"), the special-function unit ("sfu").
  std::vector<std::pair<std::string, double>> dynamic_energy_j() const override {
    return {{"systolic", stats_.energy_mac_j + stats_.energy_sram_j}, {"sfu", stats_.energy_sfu_j}};
  }
  std::vector<ComponentEnergy> dynamic_energy_by_component_j() const override {
    return {{"systolic", "mac", stats_.energy_mac_j},
            {"systolic", "sram", stats_.energy_sram_j},
            {"sfu", "sfu", stats_.energy_sfu_j}};
  }

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override;

 private:
  void run_gemm(ComputeExtension& ext, uint64_t arrival_ps);
  void run_sfu(ComputeExtension& ext, uint64_t arrival_ps);
  uint64_t sram_access(tlm::tlm_generic_payload& tx, uint64_t arrival_ps);

  SystolicCoreParams params_;
  uint64_t period_ps_;
  SystolicCoreStats stats_;
  BusyCalendar array_;      // the PE array
  BusyCalendar sfu_;        // the special-function unit, independent of the array
  BusyCalendar sram_port_;  // the NoC-side SRAM port (plain reads and writes)
};

}  // namespace atleus
