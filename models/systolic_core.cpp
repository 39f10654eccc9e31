#include "atleus/models/systolic_core.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "atleus/models/param_check.hpp"
#include "atleus/models/sim_time.hpp"

namespace atleus {

const char* to_string(Dataflow dataflow) {
  switch (dataflow) {
    case Dataflow::kOutputStationary:
      return "os";
    case Dataflow::kWeightStationary:
      return "ws";
    case Dataflow::kInputStationary:
      return "is";
  }
  return "?";
}

Dataflow parse_dataflow(const std::string& text) {
  if (text == "os") return Dataflow::kOutputStationary;
  if (text == "ws") return Dataflow::kWeightStationary;
  if (text == "is") return Dataflow::kInputStationary;
  throw ParamError("dataflow", "must be \"os\", \"ws\" or \"is\" (got \"" + text + "\")");
}

void SystolicCoreParams::validate() const {
  require_positive(rows, "rows");
  require_positive(cols, "cols");
  require_clock_mhz(clock_mhz, "clock_mhz");
  require_positive(sram_kib, "sram_kib");
  require_positive(sram_bytes_per_cycle, "sram_bytes_per_cycle");
  require_non_negative(spill_bytes_per_cycle, "spill_bytes_per_cycle");
  require_range(operand_bytes, 1u, 8u, "operand_bytes");
  require_non_negative(e_mac_pj, "e_mac_pj");
  require_non_negative(e_sram_pj_per_byte_32kib, "e_sram_pj_per_byte_32kib");
  require_non_negative(static_power_w, "static_power_w");
  require(std::isfinite(reg_bit_area_um2) && reg_bit_area_um2 >= 0, "reg_bit_area_um2",
          "must be finite and >= 0");
  require(std::isfinite(sram_bit_area_um2) && sram_bit_area_um2 >= 0, "sram_bit_area_um2",
          "must be finite and >= 0");
  require(std::isfinite(pe_area_um2) && pe_area_um2 > 0, "pe_area_um2", "must be finite and > 0");
  try {
    sfu.validate();
  } catch (const ParamError& e) {
    throw ParamError("sfu." + e.field(), e.what());
  }
}

unsigned operand_bytes_for(const SystolicCoreParams& p, const ComputeOp& op) {
  const unsigned bits = std::max(op.input_bits, op.weight_bits);
  if (bits == 0) return p.operand_bytes;
  return (bits + 7) / 8;
}

namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

uint64_t ceil_cycles(uint64_t bytes, double bytes_per_cycle) {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / bytes_per_cycle));
}

// A group of folds that use the same number of array rows (or columns).
struct FoldClass {
  uint64_t used;
  uint64_t count;
  bool first;  // the first row fold of a column fold (no partial sums to read back)
};

std::vector<FoldClass> row_classes(uint64_t extent, uint64_t folds, uint64_t size) {
  std::vector<FoldClass> out;
  out.push_back({std::min(extent, size), 1, true});
  if (folds > 2) out.push_back({size, folds - 2, false});
  if (folds > 1) out.push_back({extent - (folds - 1) * size, 1, false});
  return out;
}

std::vector<FoldClass> col_classes(uint64_t extent, uint64_t folds, uint64_t size) {
  std::vector<FoldClass> out;
  if (folds > 1) out.push_back({size, folds - 1, false});
  out.push_back({extent - (folds - 1) * size, 1, false});
  return out;
}

}  // namespace

SystolicFolding gemm_folding(const SystolicCoreParams& p, uint64_t m, uint64_t k, uint64_t n) {
  SystolicFolding f;
  switch (p.dataflow) {
    case Dataflow::kOutputStationary:
      f.sr = m, f.sc = n, f.t = k;
      break;
    case Dataflow::kWeightStationary:
      f.sr = k, f.sc = n, f.t = m;
      break;
    case Dataflow::kInputStationary:
      f.sr = k, f.sc = m, f.t = n;
      break;
  }
  if (m == 0 || k == 0 || n == 0) return f;
  const uint64_t r = p.rows, c = p.cols;
  f.row_folds = ceil_div(f.sr, r);
  f.col_folds = ceil_div(f.sc, c);
  // OS has no stationary-operand preload; WS and IS spend R cycles loading it (v2 code).
  f.fold_cycles = (p.dataflow == Dataflow::kOutputStationary ? r : 2 * r) + c + f.t - 2;
  return f;
}

uint64_t gemm_compute_cycles(const SystolicCoreParams& p, uint64_t m, uint64_t k, uint64_t n) {
  const SystolicFolding f = gemm_folding(p, m, k, n);
  return f.fold_cycles * f.row_folds * f.col_folds;
}

SystolicGemmCost gemm_cost(const SystolicCoreParams& p, uint64_t m, uint64_t k, uint64_t n,
                           unsigned operand_bytes) {
  SystolicGemmCost cost;
  const SystolicFolding f = gemm_folding(p, m, k, n);
  cost.macs = m * k * n;
  if (cost.macs == 0) return cost;
  const uint64_t ob = operand_bytes;
  const bool os = p.dataflow == Dataflow::kOutputStationary;
  cost.compute_cycles = f.fold_cycles * f.row_folds * f.col_folds;

  // Per-fold SRAM traffic (elements) and bandwidth stalls, by class of fold shape.
  uint64_t read_elems = 0, write_elems = 0;
  for (const FoldClass& rc : row_classes(f.sr, f.row_folds, p.rows)) {
    for (const FoldClass& cc : col_classes(f.sc, f.col_folds, p.cols)) {
      const uint64_t folds = rc.count * cc.count;
      uint64_t reads = 0, writes = 0;
      if (os) {
        reads = f.t * rc.used + f.t * cc.used;  // A rows along the rows, B cols along the cols
        writes = rc.used * cc.used;             // finished outputs drained once
      } else {
        // Stationary tile preloaded; the other operand streamed along the rows for T cycles;
        // T x cols partial sums written, and read back unless this is the first row fold.
        reads = rc.used * cc.used + f.t * rc.used + (rc.first ? 0 : f.t * cc.used);
        writes = f.t * cc.used;
      }
      read_elems += reads * folds;
      write_elems += writes * folds;
      const uint64_t need = ceil_cycles((reads + writes) * ob, p.sram_bytes_per_cycle);
      if (need > f.fold_cycles) cost.bandwidth_stall_cycles += (need - f.fold_cycles) * folds;
    }
  }
  cost.sram_read_bytes = read_elems * ob;
  cost.sram_write_bytes = write_elems * ob;

  // Capacity spill (see the header): re-streamed operand and the slice live across row folds.
  const uint64_t capacity = static_cast<uint64_t>(p.sram_kib) * 1024;
  uint64_t restream = 0, live = 0, live_spill = 0;
  switch (p.dataflow) {
    case Dataflow::kOutputStationary:
      restream = m * k * ob;                          // A, once per column fold
      live = k * std::min<uint64_t>(p.cols, n) * ob;  // K x C slice of B
      live_spill = k * n * ob * (f.row_folds - 1);    // B slices re-fetched
      break;
    case Dataflow::kWeightStationary:
      restream = m * k * ob;                            // A, once per column fold
      live = m * std::min<uint64_t>(p.cols, n) * ob;    // M x C partial sums
      live_spill = 2 * m * n * ob * (f.row_folds - 1);  // written out and read back
      break;
    case Dataflow::kInputStationary:
      restream = k * n * ob;                          // B, once per column fold
      live = std::min<uint64_t>(p.cols, m) * n * ob;  // C x N partial sums
      live_spill = 2 * m * n * ob * (f.row_folds - 1);
      break;
  }
  if (live > capacity) cost.spill_bytes += live_spill;
  if (restream + live > capacity) cost.spill_bytes += restream * (f.col_folds - 1);

  const uint64_t busy = cost.compute_cycles + cost.bandwidth_stall_cycles;
  if (cost.spill_bytes > 0 && p.spill_bytes_per_cycle > 0) {
    const uint64_t refill = ceil_cycles(cost.spill_bytes, p.spill_bytes_per_cycle);
    if (refill > busy) cost.spill_stall_cycles = refill - busy;
  }
  cost.stall_cycles = cost.bandwidth_stall_cycles + cost.spill_stall_cycles;
  cost.total_cycles = cost.compute_cycles + cost.stall_cycles;
  cost.latency_ps = cost.total_cycles * period_ps(p.clock_mhz);
  cost.sram_bytes = cost.sram_read_bytes + cost.sram_write_bytes + cost.spill_bytes;
  cost.utilisation = static_cast<double>(cost.macs) / (static_cast<double>(p.rows) * p.cols *
                                                       static_cast<double>(cost.total_cycles));

  const double width = static_cast<double>(ob) / p.operand_bytes;
  cost.energy_mac_j = static_cast<double>(cost.macs) * p.e_mac_pj * width * width * 1e-12;
  cost.energy_sram_j = static_cast<double>(cost.sram_bytes) * sram_energy_pj_per_byte(p) * 1e-12;
  cost.energy_j = cost.energy_mac_j + cost.energy_sram_j;
  return cost;
}

double sram_energy_pj_per_byte(const SystolicCoreParams& p) {
  return p.e_sram_pj_per_byte_32kib * std::sqrt(p.sram_kib / 32.0);
}

uint64_t skew_registers(const SystolicCoreParams& p) {
  const uint64_t r = p.rows, c = p.cols;
  return r * (r - 1) / 2 + c * (c - 1) / 2;
}

std::vector<Component> core_components(const SystolicCoreParams& p) {
  const double w = p.operand_bytes;
  const double f_hz = p.clock_mhz * 1e6;
  const double pes = static_cast<double>(p.rows) * p.cols;
  const double skew_bits = static_cast<double>(skew_registers(p)) * 8.0 * w;
  const double sram_bits = p.sram_kib * 8192.0;
  std::vector<Component> v;
  v.push_back({"pe_array", pes, pes * p.pe_area_um2 * w * w * 1e-6, pes * p.e_mac_pj * 1e-12 * f_hz,
               p.static_power_w, p.e_mac_pj});
  v.push_back({"skew_registers", skew_bits, skew_bits * p.reg_bit_area_um2 * 1e-6, 0.0, 0.0, 0.0});
  v.push_back({"sram", p.sram_kib * 1024.0, sram_bits * p.sram_bit_area_um2 * 1e-6,
               p.sram_bytes_per_cycle * sram_energy_pj_per_byte(p) * 1e-12 * f_hz, 0.0,
               sram_energy_pj_per_byte(p)});
  v.push_back({"sfu", static_cast<double>(p.sfu.lanes), p.sfu.lanes * p.sfu.lane_area_um2 * 1e-6,
               p.sfu.lanes * (p.sfu.e_add_pj + p.sfu.e_mul_pj) * 1e-12 * f_hz, 0.0, 0.0});
  return v;
}

double core_area_mm2(const SystolicCoreParams& p) {
  double a = 0.0;
  for (const Component& c : core_components(p)) a += c.area_mm2;
  return a;
}

double core_peak_power_w(const SystolicCoreParams& p) {
  double w = 0.0;
  for (const Component& c : core_components(p)) w += c.peak_power_w;
  return w;
}

// ---------------------------------------------------------------------------------------------

SystolicCore::SystolicCore(sc_core::sc_module_name name, const SystolicCoreParams& params)
    : BlockModel(name), params_(params) {
  params_.validate();
  ensure_ps_resolution();
  period_ps_ = period_ps(params_.clock_mhz);
}

double SystolicCore::static_energy_j(uint64_t elapsed_ps) const {
  return params_.static_power_w * static_cast<double>(elapsed_ps) * 1e-12;
}

void SystolicCore::run_gemm(ComputeExtension& ext, uint64_t arrival_ps) {
  const ComputeOp& op = ext.op;
  const SystolicGemmCost c = gemm_cost(params_, op.m, op.k, op.n, operand_bytes_for(params_, op));
  const uint64_t start = c.latency_ps ? array_.reserve(arrival_ps, c.latency_ps) : arrival_ps;
  ext.result.start_ps = start;
  ext.result.finish_ps = start + c.latency_ps;
  ext.result.queue_ps = start - arrival_ps;
  ext.result.energy_j = c.energy_j;

  stats_.macs += c.macs;
  stats_.compute_cycles += c.compute_cycles;
  stats_.stall_cycles += c.stall_cycles;
  stats_.sram_bytes += c.sram_bytes;
  stats_.spill_bytes += c.spill_bytes;
  stats_.energy_mac_j += c.energy_mac_j;
  stats_.energy_sram_j += c.energy_sram_j;
  stats_.busy_array_ps += c.latency_ps;
}

void SystolicCore::run_sfu(ComputeExtension& ext, uint64_t arrival_ps) {
  const ComputeOp& op = ext.op;
  // ComputeOp carries no phase, so SFU ops are costed as forward passes.
  const SfuCost c = sfu_cost(params_.sfu, op.kind, op.m, op.k, op.backward, params_.clock_mhz);
  const uint64_t start = c.latency_ps ? sfu_.reserve(arrival_ps, c.latency_ps) : arrival_ps;
  ext.result.start_ps = start;
  ext.result.finish_ps = start + c.latency_ps;
  ext.result.queue_ps = start - arrival_ps;
  ext.result.energy_j = c.energy_j;

  stats_.sfu_cycles += c.cycles;
  stats_.energy_sfu_j += c.energy_j;
  stats_.busy_sfu_ps += c.latency_ps;
}

uint64_t SystolicCore::sram_access(tlm::tlm_generic_payload& tx, uint64_t arrival_ps) {
  const uint64_t bytes = tx.get_data_length();
  const uint64_t duration = ceil_cycles(bytes, params_.sram_bytes_per_cycle) * period_ps_;
  const uint64_t start = duration ? sram_port_.reserve(arrival_ps, duration) : arrival_ps;
  if (tx.is_read())
    ++stats_.port_reads;
  else
    ++stats_.port_writes;
  stats_.port_bytes += bytes;
  stats_.sram_bytes += bytes;
  stats_.energy_sram_j += static_cast<double>(bytes) * sram_energy_pj_per_byte(params_) * 1e-12;
  stats_.busy_sram_port_ps += duration;
  stats_.queue_ps += start - arrival_ps;
  return start + duration;
}

void SystolicCore::transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const uint64_t now = now_ps();
  const uint64_t arrival = now + to_ps(delay);
  // Requests reach the core in simulated-time order, so nothing can arrive before now.
  array_.forget_before(now);
  sfu_.forget_before(now);
  sram_port_.forget_before(now);

  ComputeExtension* ext = tx.get_extension<ComputeExtension>();
  uint64_t finish = arrival;
  if (ext != nullptr) {
    switch (ext->op.kind) {
      case OpKind::kGemm:
        run_gemm(*ext, arrival);
        break;
      case OpKind::kSoftmax:
      case OpKind::kLayerNorm:
      case OpKind::kGelu:
      case OpKind::kAdam:
        run_sfu(*ext, arrival);
        break;
      case OpKind::kMvm:  // weights resident in a crossbar: not something a systolic array does
        ++stats_.errors;
        tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    ++stats_.ops[static_cast<std::size_t>(ext->op.kind)];
    stats_.queue_ps += ext->result.queue_ps;
    finish = ext->result.finish_ps;
  } else if (tx.is_read() || tx.is_write()) {
    finish = sram_access(tx, arrival);
  }
  delay = from_ps(finish - now);
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace atleus
