// ReramCore: one ISAAC-style ReRAM processing-in-memory core of Atleus (paper sections 2 and 6).
//
// Models: weights resident in 128x128 crossbars of multi-bit cells; bit-serial inputs through
// 1-bit DACs (one crossbar read cycle per input slice); ADC conversion of every sensed line,
// with the read cycle stretched when several crossbars share one ADC; shift-and-add; the
// per-crossbar dequantisation step of Atleus's crossbar-wise quantisation; the tile eDRAM
// buffer. A batch of input vectors pipelines through the stages (buffer read, crossbar+ADC,
// S&A, dequantisation, buffer write): latency = sum of stage times + (vectors per copy - 1) x
// the slowest stage. Weight duplication splits the vectors among the copies. Energy is counted
// per event (crossbar read, ADC conversion, DAC bit, shift-add, dequantisation op, buffer byte)
// with per-event energies from the components; static power is a separate figure for the
// platform to charge over the run.
// Transposed reads (backward dX = dY . W^T) drive the columns and sense the rows. A weight
// spans cells_per_weight adjacent columns of different significance, and a 1-bit DAC cannot
// scale a column by its significance, so each input slice takes cells_per_weight sub-reads
// (one per significance); each sub-read converts the crossbar's mapped rows.
// Area, peak power, static power and the energy of each event come from the tile's components
// (models/reram_components.hpp), each scaled by its parameters; an ADC coarser than
// required_adc_bits() loses the low bits of each conversion (its accuracy cost shows in the
// functional model; the platform reports it as a warning).
// Does not model: analog noise, IR drop, the tile-internal network (its router is in the area
// and peak power but not charged in runs),
// partial-sum traffic between tiles, input/output register capacity, weight programming at run
// time (write_cost() is a separate estimate), functional values.
// Op shape: a kMvm ComputeOp stores W[k][n] (d_in = k, d_out = n) in both directions; m is
// the number of input vectors. Forward vectors have k elements, transposed ones have n.
// Timing style: loosely timed. transport() books the core's compute (or its buffer) on a
// BusyCalendar at arrival = now + delay, adds the completion time to `delay`, never waits.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>

#include <map>

#include "atleus/models/block_model.hpp"
#include "atleus/models/busy_calendar.hpp"
#include "atleus/models/compute_op.hpp"

namespace atleus {

// ISAAC = Shafiee et al., "ISAAC: A Convolutional Neural Network Accelerator with In-Situ
// Analog Arithmetic in Crossbars", ISCA 2016, Table 2 (32 nm component powers and areas; the
// figures are in models/reram_components.hpp with their sources).
// The tile is built from its components (reram_components.hpp): crossbars per tile are fixed
// by `crossbars_per_tile` and the tile area follows from the components, so larger crossbars,
// more ADC bits or a bigger buffer make the tile (and the core) larger.
struct ReramCoreParams {
  // --- organisation ---
  unsigned tiles = 16;               // Atleus section 2: 16 tiles per core
  unsigned crossbars_per_tile = 96;  // Atleus section 2: 96 crossbars per tile (12 IMAs x 8)
  unsigned crossbar_rows = 128;      // Atleus section 2 / ISAAC: 128x128 crossbars
  unsigned crossbar_cols = 128;      // Atleus section 2 / ISAAC: 128x128 crossbars
  unsigned bits_per_cell = 2;        // Atleus section 2 / ISAAC: 2 bits per cell
  unsigned adcs_per_tile = 96;       // Atleus section 2: 96 ADCs per tile, one per crossbar
  unsigned adc_bits = 8;             // Atleus section 2 / ISAAC: 8-bit ADCs
  // Sample rate of the ADC design at adc_ref_bits. ISAAC Table 2: 1.28 GS/s at 8 bits. A SAR ADC
  // resolves one bit per comparator cycle (ISAAC's ADC is the asynchronous SAR of Kull et al.,
  // ISSCC 2013), so at adc_bits it samples at adc_sample_rate_gsps x adc_ref_bits / adc_bits.
  double adc_sample_rate_gsps = 1.28;
  unsigned adc_ref_bits = 8;  // ISAAC Table 2: the resolution the ADC figures refer to
  // Walden figure of merit, energy per conversion step: E = FoM x 2^adc_bits per conversion
  // (Walden, IEEE JSAC 1999). Anchored at ISAAC's ADC: 2 mW / 1.28 GS/s / 2^8 = 6.1035 fJ.
  double adc_fom_fj_per_step = 2e-3 / 1.28e9 / 256.0 * 1e15;
  unsigned dac_bits = 1;  // Atleus section 2 / ISAAC: 1-bit DACs, bit-serial inputs
  // ISAAC's data encoding (flipped columns, section 5 of the ISAAC paper) saves one ADC bit;
  // the functional model (functional_crossbar.hpp) and required_adc_bits() both follow it.
  bool isaac_encoding = true;

  // --- timing ---
  // ISAAC: 100 ns crossbar read cycle per input slice (128 lines / 1.28 GS/s = 100 ns).
  double read_cycle_ns = 100.0;
  // [default] ISAAC pipelines every step in 100 ns stages; the final shift-and-add of a
  // vector's partial sums takes one stage.
  double shift_add_ns = 100.0;
  // [default] Atleus section 6 adds one pipeline step (ADC -> S&A -> dequant); one ISAAC
  // 100 ns stage.
  double dequant_ns = 100.0;
  // ISAAC Table 2: 64 KB eDRAM buffer per tile.
  unsigned buffer_kib = 64;
  // [default] a 256-bit eDRAM port per 1 ns cycle (the port width and cycle of Accelergy's
  // ISAAC component library; ISAAC's eDRAM-to-IMA bus is 384 wires): 32 B/ns.
  double buffer_bytes_per_ns = 32.0;

  // --- weight programming (write_cost() only; the paper never writes at run time) ---
  // [default] PRIME (Chi et al., ISCA 2016, NVSim ReRAM): 50.88 ns write latency per row.
  double write_row_ns = 50.88;
  // [default] one SET/RESET pulse of ~2 V x 100 uA x 50 ns = 10 pJ per cell (typical HfOx
  // operating point; multi-level program-and-verify loops multiply it).
  double write_cell_pj = 10.0;

  // --- Atleus additions and ISAAC tile extras ---
  // Atleus section 2: the dequantisation hardware (12 scale registers, 12 x 4 shift-and-add)
  // adds 2.15% area and 1.5% power to the (ISAAC) tile; sized per crossbar from these.
  double dequant_area_overhead = 0.0215;
  double dequant_power_overhead = 0.015;
  unsigned sigmoid_units = 2;  // ISAAC Table 2: 2 sigmoid units per tile
  unsigned maxpool_units = 1;  // ISAAC Table 2: 1 max-pool unit per tile

  // A core that holds none of the run's weights draws no static power: its crossbars are
  // non-volatile, so it has no state to keep and can be power-gated for the whole run.
  // [default] on; false charges static power on every core.
  bool power_gate_unused = true;
  // The clocked parts (registers, sample-and-hold, eDRAM bus, sigmoid, max-pool) draw their
  // power only while the core computes: with clock gating an idle core's registers do not
  // toggle. [default] on; the Atleus paper charges its tile power over compute time. false
  // charges it over the run.
  bool clock_gate_idle = true;

  void validate() const;
};

// How a d_in x d_out weight matrix sits on a core's crossbars.
struct ReramPlacement {
  uint64_t d_in = 0;
  uint64_t d_out = 0;
  unsigned weight_bits = 0;
  unsigned duplication = 1;
  uint64_t cells_per_weight = 0;    // ceil(weight_bits / bits_per_cell)
  uint64_t row_blocks = 0;          // ceil(d_in / crossbar_rows)
  uint64_t col_blocks = 0;          // ceil(d_out x cells_per_weight / crossbar_cols)
  uint64_t crossbars_per_copy = 0;  // row_blocks x col_blocks
  uint64_t crossbars = 0;           // crossbars_per_copy x duplication
  uint64_t tiles = 0;               // ceil(crossbars / crossbars_per_tile)
  bool fits = false;                // tiles <= params.tiles
  double utilisation = 0.0;         // mapped cells / cells of the allocated crossbars
};

// Cost of one batch of MVMs on a placement, ignoring contention.
struct ReramMvmCost {
  uint64_t vectors = 0;
  uint64_t vectors_per_copy = 0;    // ceil(vectors / duplication)
  uint64_t slices = 0;              // ceil(input_bits / dac_bits)
  uint64_t reads_per_vector = 0;    // slices, x cells_per_weight when transposed
  uint64_t lines_per_crossbar = 0;  // lines one crossbar converts per read (its busiest)
  uint64_t crossbars_per_adc = 0;
  uint64_t cycle_ps = 0;      // max(read cycle, ADC time for the lines)
  uint64_t stage_sum_ps = 0;  // latency of a single vector
  uint64_t interval_ps = 0;   // slowest stage: one vector per interval per copy
  uint64_t latency_ps = 0;    // stage_sum + (vectors_per_copy - 1) x interval; 0 if none
  // Event counts over the whole batch.
  uint64_t xbar_reads = 0;
  uint64_t adc_conversions = 0;
  uint64_t dac_activations = 0;
  uint64_t shift_adds = 0;
  uint64_t dequant_ops = 0;
  uint64_t buffer_bytes = 0;
  // Dynamic energy per event class (J).
  double xbar_j = 0.0;
  double adc_j = 0.0;
  double dac_j = 0.0;
  double shift_add_j = 0.0;
  double dequant_j = 0.0;
  double buffer_j = 0.0;
  double total_j = 0.0;
};

// Programming a placement's weights (all copies).
struct ReramWriteCost {
  uint64_t cells = 0;       // cells written
  uint64_t latency_ps = 0;  // tiles in parallel, one crossbar per tile at a time, row by row
  double energy_j = 0.0;
};

uint64_t cells_per_weight(const ReramCoreParams& p, unsigned weight_bits);

// Throws std::invalid_argument on a zero dimension, weight_bits or duplication.
ReramPlacement place_matrix(const ReramCoreParams& p, uint64_t d_in, uint64_t d_out,
                            unsigned weight_bits, unsigned duplication = 1);

// Weights one core holds: all its cells / cells_per_weight (equal to
// floor(cells x bits_per_cell / weight_bits) when weight_bits is a multiple of bits_per_cell;
// otherwise each weight still occupies whole cells).
uint64_t capacity_weights(const ReramCoreParams& p, unsigned weight_bits);

// Throws std::invalid_argument if input_bits is 0.
ReramMvmCost mvm_cost(const ReramCoreParams& p, const ReramPlacement& placement, uint64_t vectors,
                      unsigned input_bits, bool transposed);

ReramWriteCost write_cost(const ReramCoreParams& p, const ReramPlacement& placement);

// Area of the core: tiles x the tile's components (reram_components.hpp).
double core_area_mm2(const ReramCoreParams& p);
// Power of the core with every component at full activity.
double core_peak_power_w(const ReramCoreParams& p);
// Power of the clocked components (registers, S+H, eDRAM bus, sigmoid, max-pool), charged as
// static power while the core is on.
double core_static_power_w(const ReramCoreParams& p);
double core_static_energy_j(const ReramCoreParams& p, uint64_t elapsed_ps);

// ADC resolution a crossbar read needs to convert every possible column sum exactly: the bit
// length of S_max = rows x (2^dac_bits - 1) x (2^bits_per_cell - 1), or of floor(S_max / 2)
// with ISAAC's encoding. For 128 rows, 1-bit DACs and 2-bit cells: 9 bits, 8 with the encoding
// (ISAAC's own formula, log2(rows) + dac_bits + bits_per_cell - 1, minus one with the encoding).
unsigned required_adc_bits(unsigned rows, unsigned bits_per_cell, unsigned dac_bits,
                           bool isaac_encoding);
unsigned required_adc_bits(const ReramCoreParams& p);

struct ReramCoreStats {
  uint64_t ops = 0;       // MVM ops executed
  uint64_t rejected = 0;  // ops answered with an error response
  uint64_t macs = 0;
  uint64_t vectors = 0;
  uint64_t xbar_reads = 0;
  uint64_t adc_conversions = 0;
  uint64_t dac_activations = 0;
  uint64_t shift_adds = 0;
  uint64_t dequant_ops = 0;
  uint64_t buffer_bytes = 0;  // MVM-internal plus network reads and writes
  double xbar_j = 0.0;
  double adc_j = 0.0;
  double dac_j = 0.0;
  double shift_add_j = 0.0;
  double dequant_j = 0.0;
  double buffer_j = 0.0;
  uint64_t busy_ps = 0;         // compute booked
  uint64_t queue_ps = 0;        // compute queueing, summed over ops
  uint64_t buffer_busy_ps = 0;  // buffer booked by network reads and writes
  uint64_t buffer_queue_ps = 0;
  uint64_t bytes_in = 0;   // plain writes received
  uint64_t bytes_out = 0;  // plain reads served

  double dynamic_j() const { return xbar_j + adc_j + dac_j + shift_add_j + dequant_j + buffer_j; }
};

class ReramCore : public BlockModel {
 public:
  ReramCore(sc_core::sc_module_name name, const ReramCoreParams& params);

  const ReramCoreParams& params() const { return params_; }
  const ReramCoreStats& stats() const { return stats_; }

  // BlockModel: crossbar, ADC, DAC, shift-add, dequantisation and buffer energy ("reram");
  // static power is gated off on a core that holds no weights (power_gate_unused) and charged
  // only while computing with clock_gate_idle.
  std::vector<std::pair<std::string, double>> dynamic_energy_j() const override {
    return {{"reram", stats_.dynamic_j()}};
  }
  std::vector<ComponentEnergy> dynamic_energy_by_component_j() const override {
    return {{"reram", "crossbar", stats_.xbar_j},   {"reram", "adc", stats_.adc_j},
            {"reram", "dac", stats_.dac_j},         {"reram", "shift_add", stats_.shift_add_j},
            {"reram", "dequant", stats_.dequant_j}, {"reram", "buffer", stats_.buffer_j}};
  }
  StaticCharge static_charge() const override {
    if (params_.power_gate_unused && stats_.ops == 0) return StaticCharge::kNone;
    return params_.clock_gate_idle ? StaticCharge::kWhileBusy : StaticCharge::kWholeRun;
  }
  double static_energy_j(uint64_t elapsed_ps) const override {
    return core_static_energy_j(params_, elapsed_ps);
  }

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override;

 private:
  void run_mvm(tlm::tlm_generic_payload& tx, ComputeExtension& ext, sc_core::sc_time& delay);
  void buffer_access(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  void tidy_calendars();

  ReramCoreParams params_;
  ReramCoreStats stats_;
  std::map<unsigned, BusyCalendar> compute_;  // per crossbar group
  BusyCalendar buffer_;
  unsigned transports_since_tidy_ = 0;
};

}  // namespace atleus
