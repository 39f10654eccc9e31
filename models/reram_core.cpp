#include "atleus/models/reram_core.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "atleus/models/param_check.hpp"
#include "atleus/models/reram_components.hpp"
#include "atleus/models/sim_time.hpp"

namespace atleus {

namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

void require_finite_non_negative(double value, const char* field) {
  require(std::isfinite(value), field, "must be finite");
  require_non_negative(value, field);
}

void require_finite_positive(double value, const char* field) {
  require(std::isfinite(value), field, "must be finite");
  require_positive(value, field);
}

// Bytes of `elements` values of `bits` each, packed.
uint64_t packed_bytes(uint64_t elements, unsigned bits) {
  return ceil_div(elements * bits, 8);
}

}  // namespace

void ReramCoreParams::validate() const {
  require_positive(tiles, "tiles");
  require_positive(crossbars_per_tile, "crossbars_per_tile");
  require_positive(crossbar_rows, "crossbar_rows");
  require_positive(crossbar_cols, "crossbar_cols");
  require_range(bits_per_cell, 1u, 4u, "bits_per_cell");
  require_positive(adcs_per_tile, "adcs_per_tile");
  // More ADCs than crossbars would leave ADCs with nothing to convert: at most one each.
  require(adcs_per_tile <= crossbars_per_tile, "adcs_per_tile",
          "must be <= crossbars_per_tile (" + std::to_string(crossbars_per_tile) + "), got " +
              std::to_string(adcs_per_tile));
  require_range(adc_bits, 1u, 16u, "adc_bits");
  require_finite_positive(adc_sample_rate_gsps, "adc_sample_rate_gsps");
  require_range(adc_ref_bits, 1u, 16u, "adc_ref_bits");
  require_finite_positive(adc_fom_fj_per_step, "adc_fom_fj_per_step");
  require_range(dac_bits, 1u, 8u, "dac_bits");
  require_finite_positive(read_cycle_ns, "read_cycle_ns");
  require_duration_ns(read_cycle_ns, "read_cycle_ns");
  require_finite_non_negative(shift_add_ns, "shift_add_ns");
  require_duration_ns(shift_add_ns, "shift_add_ns");
  require_finite_non_negative(dequant_ns, "dequant_ns");
  require_duration_ns(dequant_ns, "dequant_ns");
  require_positive(buffer_kib, "buffer_kib");
  require_finite_positive(buffer_bytes_per_ns, "buffer_bytes_per_ns");
  require_finite_non_negative(write_row_ns, "write_row_ns");
  require_duration_ns(write_row_ns, "write_row_ns");
  require_finite_non_negative(write_cell_pj, "write_cell_pj");
  require_finite_non_negative(dequant_area_overhead, "dequant_area_overhead");
  require_finite_non_negative(dequant_power_overhead, "dequant_power_overhead");
}

uint64_t cells_per_weight(const ReramCoreParams& p, unsigned weight_bits) {
  return ceil_div(weight_bits, p.bits_per_cell);
}

ReramPlacement place_matrix(const ReramCoreParams& p, uint64_t d_in, uint64_t d_out,
                            unsigned weight_bits, unsigned duplication) {
  if (d_in == 0 || d_out == 0) throw std::invalid_argument("place_matrix: empty matrix");
  if (weight_bits == 0) throw std::invalid_argument("place_matrix: weight_bits is 0");
  if (duplication == 0) throw std::invalid_argument("place_matrix: duplication is 0");
  ReramPlacement pl;
  pl.d_in = d_in;
  pl.d_out = d_out;
  pl.weight_bits = weight_bits;
  pl.duplication = duplication;
  pl.cells_per_weight = cells_per_weight(p, weight_bits);
  pl.row_blocks = ceil_div(d_in, p.crossbar_rows);
  pl.col_blocks = ceil_div(d_out * pl.cells_per_weight, p.crossbar_cols);
  pl.crossbars_per_copy = pl.row_blocks * pl.col_blocks;
  pl.crossbars = pl.crossbars_per_copy * duplication;
  pl.tiles = ceil_div(pl.crossbars, p.crossbars_per_tile);
  pl.fits = pl.tiles <= p.tiles;
  const double mapped = static_cast<double>(d_in) * static_cast<double>(d_out) *
                        static_cast<double>(pl.cells_per_weight) * duplication;
  const double allocated = static_cast<double>(pl.crossbars) * p.crossbar_rows * p.crossbar_cols;
  pl.utilisation = mapped / allocated;
  return pl;
}

uint64_t capacity_weights(const ReramCoreParams& p, unsigned weight_bits) {
  if (weight_bits == 0) throw std::invalid_argument("capacity_weights: weight_bits is 0");
  const uint64_t cells =
      uint64_t{p.tiles} * p.crossbars_per_tile * p.crossbar_rows * p.crossbar_cols;
  return cells / cells_per_weight(p, weight_bits);
}

ReramMvmCost mvm_cost(const ReramCoreParams& p, const ReramPlacement& pl, uint64_t vectors,
                      unsigned input_bits, bool transposed) {
  if (input_bits == 0) throw std::invalid_argument("mvm_cost: input_bits is 0");
  ReramMvmCost c;
  const uint64_t cpw = pl.cells_per_weight;
  c.vectors = vectors;
  c.vectors_per_copy = ceil_div(vectors, pl.duplication);
  c.slices = ceil_div(input_bits, p.dac_bits);
  c.reads_per_vector = c.slices * (transposed ? cpw : 1);

  // Forward reads sense columns, transposed reads sense rows; the busiest crossbar sets the
  // ADC time. All crossbars of all copies are active together, packed into tiles.
  c.lines_per_crossbar = transposed ? std::min<uint64_t>(p.crossbar_rows, pl.d_in)
                                    : std::min<uint64_t>(p.crossbar_cols, pl.d_out * cpw);
  const uint64_t active_per_tile = std::min<uint64_t>(pl.crossbars, p.crossbars_per_tile);
  c.crossbars_per_adc = ceil_div(active_per_tile, p.adcs_per_tile);
  const uint64_t adc_ps = ps_from_ns(
      static_cast<double>(c.lines_per_crossbar * c.crossbars_per_adc) / adc_sample_rate_gsps(p));
  c.cycle_ps = std::max(ps_from_ns(p.read_cycle_ns), adc_ps);

  // Pipeline stages of one vector. Input and output share the buffer port.
  const uint64_t in_elems = transposed ? pl.d_out : pl.d_in;
  const uint64_t out_elems = transposed ? pl.d_in : pl.d_out;
  const uint64_t in_bytes = packed_bytes(in_elems, input_bits);
  const uint64_t out_bytes = packed_bytes(out_elems, input_bits);
  const uint64_t buf_in_ps = ps_from_ns(static_cast<double>(in_bytes) / p.buffer_bytes_per_ns);
  const uint64_t buf_out_ps = ps_from_ns(static_cast<double>(out_bytes) / p.buffer_bytes_per_ns);
  const uint64_t xbar_ps = c.reads_per_vector * c.cycle_ps;
  const uint64_t sa_ps = ps_from_ns(p.shift_add_ns);
  const uint64_t dq_ps = ps_from_ns(p.dequant_ns);
  c.stage_sum_ps = buf_in_ps + xbar_ps + sa_ps + dq_ps + buf_out_ps;
  c.interval_ps = std::max({xbar_ps, buf_in_ps + buf_out_ps, sa_ps, dq_ps});
  c.latency_ps = vectors == 0 ? 0 : c.stage_sum_ps + (c.vectors_per_copy - 1) * c.interval_ps;

  // Events per vector, then for the batch (every copy does the same work per vector).
  uint64_t adc_per_vec = 0;
  uint64_t dac_per_vec = 0;
  uint64_t dq_per_vec = 0;
  if (transposed) {
    adc_per_vec = c.slices * cpw * pl.col_blocks * pl.d_in;   // mapped rows, per sub-read
    dac_per_vec = c.slices * cpw * pl.row_blocks * pl.d_out;  // each weight's cells once
    dq_per_vec = pl.col_blocks * pl.d_in;
  } else {
    adc_per_vec = c.slices * pl.row_blocks * pl.d_out * cpw;  // mapped columns
    dac_per_vec = c.slices * pl.col_blocks * pl.d_in;         // mapped rows
    dq_per_vec = pl.row_blocks * pl.d_out;
  }
  c.xbar_reads = vectors * pl.crossbars_per_copy * c.reads_per_vector;
  c.adc_conversions = vectors * adc_per_vec;
  c.dac_activations = vectors * dac_per_vec;
  c.shift_adds = c.adc_conversions;  // every converted sample is shifted into a partial sum
  c.dequant_ops = vectors * dq_per_vec;
  c.buffer_bytes = vectors * (in_bytes + out_bytes);

  constexpr double kPj = 1e-12;
  const ReramEventEnergies e = reram_event_energies(p);
  c.xbar_j = static_cast<double>(c.xbar_reads) * e.xbar_read_pj * kPj;
  c.adc_j = static_cast<double>(c.adc_conversions) * e.adc_conversion_pj * kPj;
  c.dac_j = static_cast<double>(c.dac_activations) * e.dac_bit_pj * kPj;
  c.shift_add_j = static_cast<double>(c.shift_adds) * e.shift_add_pj * kPj;
  c.dequant_j = static_cast<double>(c.dequant_ops) * e.dequant_pj * kPj;
  c.buffer_j = static_cast<double>(c.buffer_bytes) * e.buffer_byte_pj * kPj;
  c.total_j = c.xbar_j + c.adc_j + c.dac_j + c.shift_add_j + c.dequant_j + c.buffer_j;
  return c;
}

ReramWriteCost write_cost(const ReramCoreParams& p, const ReramPlacement& pl) {
  ReramWriteCost w;
  w.cells = pl.d_in * pl.d_out * pl.cells_per_weight * pl.duplication;
  // Tiles program in parallel; within a tile one crossbar at a time (write drivers and their
  // current budget are shared), one row per write step.
  const uint64_t crossbars_in_busiest_tile = std::min<uint64_t>(pl.crossbars, p.crossbars_per_tile);
  const uint64_t rows = std::min<uint64_t>(p.crossbar_rows, pl.d_in);
  w.latency_ps = crossbars_in_busiest_tile * rows * ps_from_ns(p.write_row_ns);
  w.energy_j = static_cast<double>(w.cells) * p.write_cell_pj * 1e-12;
  return w;
}

double core_area_mm2(const ReramCoreParams& p) {
  return p.tiles * tile_area_mm2(p);
}

double core_peak_power_w(const ReramCoreParams& p) {
  return p.tiles * tile_peak_power_w(p);
}

double core_static_power_w(const ReramCoreParams& p) {
  return p.tiles * tile_static_power_w(p);
}

double core_static_energy_j(const ReramCoreParams& p, uint64_t elapsed_ps) {
  return core_static_power_w(p) * static_cast<double>(elapsed_ps) * 1e-12;
}

unsigned required_adc_bits(unsigned rows, unsigned bits_per_cell, unsigned dac_bits,
                           bool isaac_encoding) {
  uint64_t smax =
      uint64_t{rows} * ((uint64_t{1} << dac_bits) - 1) * ((uint64_t{1} << bits_per_cell) - 1);
  if (isaac_encoding) smax /= 2;
  unsigned bits = 0;
  while (smax > 0) {
    ++bits;
    smax >>= 1;
  }
  return std::max(bits, 1u);
}

unsigned required_adc_bits(const ReramCoreParams& p) {
  return required_adc_bits(p.crossbar_rows, p.bits_per_cell, p.dac_bits, p.isaac_encoding);
}

ReramCore::ReramCore(sc_core::sc_module_name name, const ReramCoreParams& params)
    : BlockModel(name), params_(params) {
  params_.validate();
}

void ReramCore::transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  tidy_calendars();
  auto* ext = tx.get_extension<ComputeExtension>();
  if (ext != nullptr) {
    if (ext->op.kind != OpKind::kMvm) {
      ++stats_.rejected;
      tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    run_mvm(tx, *ext, delay);
    return;
  }
  buffer_access(tx, delay);
}

void ReramCore::run_mvm(tlm::tlm_generic_payload& tx, ComputeExtension& ext,
                        sc_core::sc_time& delay) {
  const ComputeOp& op = ext.op;
  if (op.k == 0 || op.n == 0 || op.weight_bits == 0 || op.input_bits == 0 || op.duplication == 0) {
    ++stats_.rejected;
    tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const ReramPlacement pl = place_matrix(params_, op.k, op.n, op.weight_bits, op.duplication);
  if (!pl.fits) {  // the mapping must split a matrix that does not fit over several cores
    ++stats_.rejected;
    tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const ReramMvmCost cost = mvm_cost(params_, pl, op.m, op.input_bits, op.transposed);

  const uint64_t now = now_ps();
  const uint64_t arrival = now + to_ps(delay);
  const uint64_t start = cost.latency_ps == 0
                             ? arrival
                             : compute_[op.crossbar_group].reserve(arrival, cost.latency_ps);
  const uint64_t finish = start + cost.latency_ps;
  ext.result.start_ps = start;
  ext.result.finish_ps = finish;
  ext.result.queue_ps = start - arrival;
  ext.result.energy_j = cost.total_j;
  delay = from_ps(finish - now);

  stats_.ops += 1;
  stats_.macs += op.macs();
  stats_.vectors += op.m;
  stats_.xbar_reads += cost.xbar_reads;
  stats_.adc_conversions += cost.adc_conversions;
  stats_.dac_activations += cost.dac_activations;
  stats_.shift_adds += cost.shift_adds;
  stats_.dequant_ops += cost.dequant_ops;
  stats_.buffer_bytes += cost.buffer_bytes;
  stats_.xbar_j += cost.xbar_j;
  stats_.adc_j += cost.adc_j;
  stats_.dac_j += cost.dac_j;
  stats_.shift_add_j += cost.shift_add_j;
  stats_.dequant_j += cost.dequant_j;
  stats_.buffer_j += cost.buffer_j;
  stats_.busy_ps += cost.latency_ps;
  stats_.queue_ps += start - arrival;
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ReramCore::buffer_access(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const tlm::tlm_command cmd = tx.get_command();
  if (cmd == tlm::TLM_IGNORE_COMMAND) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  // Timing only: the bytes land in (or leave) the tile buffers; data is not stored.
  const uint64_t bytes = tx.get_data_length();
  const uint64_t duration = ps_from_ns(static_cast<double>(bytes) / params_.buffer_bytes_per_ns);
  const uint64_t now = now_ps();
  const uint64_t arrival = now + to_ps(delay);
  const uint64_t start = duration == 0 ? arrival : buffer_.reserve(arrival, duration);
  const uint64_t finish = start + duration;
  delay = from_ps(finish - now);

  if (cmd == tlm::TLM_WRITE_COMMAND)
    stats_.bytes_in += bytes;
  else
    stats_.bytes_out += bytes;
  stats_.buffer_bytes += bytes;
  stats_.buffer_j +=
      static_cast<double>(bytes) * reram_event_energies(params_).buffer_byte_pj * 1e-12;
  stats_.buffer_busy_ps += duration;
  stats_.buffer_queue_ps += start - arrival;
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ReramCore::tidy_calendars() {
  // No request can arrive before now, so bookings that ended are dead weight.
  if (++transports_since_tidy_ < 64) return;
  transports_since_tidy_ = 0;
  const uint64_t now = now_ps();
  for (auto& [group, calendar] : compute_) calendar.forget_before(now);
  buffer_.forget_before(now);
}

}  // namespace atleus
