#include "atleus/models/roofline_core.hpp"

#include <algorithm>
#include <cmath>

#include "atleus/models/param_check.hpp"
#include "atleus/models/sfu.hpp"
#include "atleus/models/sim_time.hpp"

namespace atleus {

const char* to_string(DequantMode mode) {
  switch (mode) {
    case DequantMode::kNone:
      return "none";
    case DequantMode::kMaterialize:
      return "materialize";
  }
  return "?";
}

DequantMode parse_dequant_mode(const std::string& text) {
  if (text == "none") return DequantMode::kNone;
  if (text == "materialize") return DequantMode::kMaterialize;
  throw ParamError("dequant", "must be \"none\" or \"materialize\" (got \"" + text + "\")");
}

const char* to_string(RooflineBound bound) {
  switch (bound) {
    case RooflineBound::kCompute:
      return "compute";
    case RooflineBound::kVector:
      return "vector";
    case RooflineBound::kMemory:
      return "memory";
  }
  return "?";
}

namespace {

void require_rate(double value, const char* field) {
  require_positive(value, field);
  require(std::isfinite(value), field, "must be finite");
}

void require_fraction(double value, const char* field) {
  require(value > 0.0 && value <= 1.0, field,
          "must be in (0, 1] (got " + std::to_string(value) + ")");
}

void require_finite_non_negative(double value, const char* field) {
  require_non_negative(value, field);
  require(std::isfinite(value), field, "must be finite");
}

// One kernel's work and its roofline time.
struct Kernel {
  uint64_t macs = 0;
  uint64_t vector_ops = 0;
  uint64_t bytes = 0;
};

struct KernelTime {
  uint64_t latency_ps = 0;
  RooflineBound bound = RooflineBound::kCompute;
};

KernelTime kernel_time(const RooflineCoreParams& p, const Kernel& w) {
  KernelTime t;
  if (w.macs == 0 && w.vector_ops == 0 && w.bytes == 0) return t;
  const double compute_ns =
      static_cast<double>(w.macs) / (p.peak_macs_per_ns * p.matmul_utilisation);
  const double vector_ns =
      static_cast<double>(w.vector_ops) / (p.peak_vector_ops_per_ns * p.vector_utilisation);
  const double memory_ns =
      static_cast<double>(w.bytes) / (p.memory_bytes_per_ns * p.memory_utilisation);
  double roof_ns = compute_ns;
  if (vector_ns > roof_ns) {
    roof_ns = vector_ns;
    t.bound = RooflineBound::kVector;
  }
  if (memory_ns > roof_ns) {
    roof_ns = memory_ns;
    t.bound = RooflineBound::kMemory;
  }
  t.latency_ps = ps_from_ns(p.launch_overhead_ns + roof_ns);
  return t;
}

bool has_work(const ComputeOp& op) {
  const bool matmul = op.kind == OpKind::kGemm || op.kind == OpKind::kMvm;
  return matmul ? op.m * op.k * op.n > 0 : op.m * op.k > 0;
}

uint64_t ceil_bytes(uint64_t bits) {
  return (bits + 7) / 8;
}

// Vector work and traffic of an SFU-class op (softmax, layer norm, GELU, Adam).
Kernel vector_kernel(const RooflineCoreParams& p, const ComputeOp& op) {
  Kernel w;
  const uint64_t elements = op.m * op.k;
  // GPU kernels use the tanh GELU (PyTorch's approximate="tanh", as GPT-2/BERT code does).
  const SfuOpCounts per_elem = sfu_element_ops(op.kind, op.backward, GeluApprox::kTanh);
  const SfuOpCounts per_row = sfu_row_ops(op.kind, op.backward, GeluApprox::kTanh);
  w.vector_ops = elements * per_elem.total() + op.m * per_row.total();
  if (op.kind == OpKind::kAdam) {
    // fp32 params, grads, m, v read; params, m, v written.
    w.bytes = elements * 7 * 4;
  } else {
    // Forward reads x and writes y; backward reads two tensors (y or x, and dy), writes dx.
    w.bytes = elements * p.operand_bytes * (op.backward ? 3 : 2);
  }
  return w;
}

// A matmul against the resident k x n weights; fills `dequant` when the weights are first
// dequantised into a full-precision copy.
Kernel mvm_kernel(const RooflineCoreParams& p, const ComputeOp& op, Kernel& dequant) {
  const uint64_t ob = p.operand_bytes;
  const uint64_t weights = op.k * op.n;
  const unsigned wbits = op.weight_bits == 0 ? 8 * p.operand_bytes : op.weight_bits;
  uint64_t weight_bytes = ceil_bytes(weights * wbits);
  if (p.dequant == DequantMode::kMaterialize && wbits < 8 * p.operand_bytes) {
    dequant.bytes = weight_bytes + weights * ob;  // read k-bit, write full precision
    dequant.vector_ops = static_cast<uint64_t>(
        std::llround(static_cast<double>(weights) * p.dequant_ops_per_weight));
    weight_bytes = weights * ob;  // the matmul then reads the copy
  }
  Kernel w;
  w.macs = op.m * op.k * op.n;
  const uint64_t weight_reads = p.weight_reuse_vectors == 0
                                    ? 1
                                    : (op.m + p.weight_reuse_vectors - 1) / p.weight_reuse_vectors;
  w.bytes = op.m * op.k * ob + weight_bytes * weight_reads + op.m * op.n * ob;
  return w;
}

}  // namespace

void RooflineCoreParams::validate() const {
  require_rate(peak_macs_per_ns, "peak_macs_per_ns");
  require_rate(peak_vector_ops_per_ns, "peak_vector_ops_per_ns");
  require_rate(memory_bytes_per_ns, "memory_bytes_per_ns");
  require_fraction(matmul_utilisation, "matmul_utilisation");
  require_fraction(vector_utilisation, "vector_utilisation");
  require_fraction(memory_utilisation, "memory_utilisation");
  require_finite_non_negative(launch_overhead_ns, "launch_overhead_ns");
  require_duration_ns(launch_overhead_ns, "launch_overhead_ns");
  require_range(operand_bytes, 1u, 8u, "operand_bytes");
  require_finite_non_negative(active_power_w, "active_power_w");
  require_finite_non_negative(idle_power_w, "idle_power_w");
  require_finite_non_negative(e_mac_pj, "e_mac_pj");
  require_finite_non_negative(e_byte_pj, "e_byte_pj");
  require_finite_non_negative(e_vector_op_pj, "e_vector_op_pj");
  require(dequant == DequantMode::kNone || dequant == DequantMode::kMaterialize, "dequant",
          "must be none or materialize");
  require_finite_non_negative(dequant_ops_per_weight, "dequant_ops_per_weight");
  require_finite_non_negative(area_mm2, "area_mm2");
  require_finite_non_negative(weight_capacity_bytes, "weight_capacity_bytes");
}

RooflineCost roofline_cost(const RooflineCoreParams& p, const ComputeOp& op) {
  RooflineCost cost;
  const uint64_t ob = p.operand_bytes;
  Kernel main, dequant;
  if (has_work(op)) {  // a zero dimension runs no kernel; only extra_bytes (if any) move
    switch (op.kind) {
      case OpKind::kGemm:
        main.macs = op.m * op.k * op.n;
        main.bytes = (op.m * op.k + op.k * op.n + op.m * op.n) * ob;
        break;
      case OpKind::kMvm:
        main = mvm_kernel(p, op, dequant);
        break;
      case OpKind::kSoftmax:
      case OpKind::kLayerNorm:
      case OpKind::kGelu:
      case OpKind::kAdam:
        main = vector_kernel(p, op);
        break;
    }
  }
  // A batched op is one kernel over `batch` instances: the work scales, the launch does not.
  const uint64_t batch = std::max<uint64_t>(op.batch, 1);
  main.macs *= batch;
  main.bytes *= batch;
  main.vector_ops *= batch;
  main.bytes += op.extra_bytes;

  const KernelTime dq = kernel_time(p, dequant);
  const KernelTime kt = kernel_time(p, main);
  cost.dequant_latency_ps = dq.latency_ps;
  cost.latency_ps = dq.latency_ps + kt.latency_ps;
  cost.bound = kt.bound;
  cost.macs = main.macs;
  cost.vector_ops = main.vector_ops + dequant.vector_ops;
  cost.bytes = main.bytes + dequant.bytes;
  cost.dequant_bytes = dequant.bytes;
  cost.dequant_ops = dequant.vector_ops;
  const double event_pj = static_cast<double>(cost.macs) * p.e_mac_pj +
                          static_cast<double>(cost.bytes) * p.e_byte_pj +
                          static_cast<double>(cost.vector_ops) * p.e_vector_op_pj;
  cost.energy_j =
      static_cast<double>(cost.latency_ps) * 1e-12 * p.active_power_w + event_pj * 1e-12;
  return cost;
}

// ---------------------------------------------------------------------------------------------

RooflineCore::RooflineCore(sc_core::sc_module_name name, const RooflineCoreParams& params)
    : BlockModel(name), params_(params) {
  params_.validate();
  ensure_ps_resolution();
}

double RooflineCore::static_energy_j(uint64_t elapsed_ps) const {
  return params_.idle_power_w * static_cast<double>(elapsed_ps) * 1e-12;
}

void RooflineCore::run(ComputeExtension& ext, uint64_t arrival_ps) {
  const RooflineCost c = roofline_cost(params_, ext.op);
  const uint64_t start = c.latency_ps ? stream_.reserve(arrival_ps, c.latency_ps) : arrival_ps;
  ext.result.start_ps = start;
  ext.result.finish_ps = start + c.latency_ps;
  ext.result.queue_ps = start - arrival_ps;
  ext.result.energy_j = c.energy_j;

  ++stats_.ops;
  stats_.macs += c.macs;
  stats_.vector_ops += c.vector_ops;
  stats_.bytes += c.bytes;
  stats_.dequant_bytes += c.dequant_bytes;
  stats_.dequant_ops += c.dequant_ops;
  stats_.busy_ps += c.latency_ps;
  stats_.queue_ps += ext.result.queue_ps;
  stats_.energy_j += c.energy_j;
  switch (c.bound) {
    case RooflineBound::kCompute:
      ++stats_.compute_bound_ops;
      break;
    case RooflineBound::kVector:
      ++stats_.vector_bound_ops;
      break;
    case RooflineBound::kMemory:
      ++stats_.memory_bound_ops;
      break;
  }
}

void RooflineCore::transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const uint64_t now = now_ps();
  const uint64_t arrival = now + to_ps(delay);
  // Requests reach the core in simulated-time order, so nothing can arrive before now.
  stream_.forget_before(now);

  if (ComputeExtension* ext = tx.get_extension<ComputeExtension>()) {
    run(*ext, arrival);
    delay = from_ps(ext->result.finish_ps - now);
  } else {
    // Data lands in (or is read from) the core's own memory: no cost here.
    ++stats_.plain_transactions;
    stats_.plain_bytes += tx.get_data_length();
  }
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace atleus
