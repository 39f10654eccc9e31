// Roofline core cost functions: per-op roofline time, bytes, dequantisation, energy and
// parameter validation. Golden numbers are worked out by hand from the V100 defaults
// (62500 MAC/ns, 7850 vector ops/ns, 900 B/ns, 5000 ns launch, fp16, 300 W).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "atleus/models/param_check.hpp"
#include "atleus/models/roofline_core.hpp"

using namespace atleus;

namespace {

ComputeOp make_op(OpKind kind, uint64_t m, uint64_t k, uint64_t n, unsigned weight_bits = 16) {
  ComputeOp op;
  op.kind = kind;
  op.m = m;
  op.k = k;
  op.n = n;
  op.weight_bits = weight_bits;
  return op;
}

uint64_t ps(double ns) {
  return static_cast<uint64_t>(std::llround(ns * 1000.0));
}

constexpr double kLaunchNs = 5000.0;
constexpr double kMacsPerNs = 62500.0;
constexpr double kVecPerNs = 7850.0;
constexpr double kBytesPerNs = 900.0;
constexpr double kWatts = 300.0;

}  // namespace

TEST_CASE("roofline defaults are the V100 figures", "[roofline]") {
  const RooflineCoreParams p;
  CHECK(p.peak_macs_per_ns == kMacsPerNs);
  CHECK(p.peak_vector_ops_per_ns == kVecPerNs);
  CHECK(p.memory_bytes_per_ns == kBytesPerNs);
  CHECK(p.launch_overhead_ns == kLaunchNs);
  CHECK(p.operand_bytes == 2);
  CHECK(p.active_power_w == kWatts);
  CHECK(p.matmul_utilisation == 1.0);
  CHECK(p.vector_utilisation == 1.0);
  CHECK(p.memory_utilisation == 1.0);
  CHECK(p.dequant == DequantMode::kMaterialize);
  CHECK_NOTHROW(p.validate());
}

TEST_CASE("roofline GEMM 384x768x2304 on a V100 is compute-bound", "[roofline]") {
  const RooflineCost c =
      roofline_cost(RooflineCoreParams{}, make_op(OpKind::kGemm, 384, 768, 2304));
  // 384 x 768 x 2304 = 679,477,248 MACs -> 10871.635968 ns at 62.5 TMAC/s.
  // Bytes (A + B + C) x 2 = (294,912 + 1,769,472 + 884,736) x 2 = 5,898,240 -> 6553.6 ns.
  CHECK(c.macs == 679477248u);
  CHECK(c.bytes == 5898240u);
  CHECK(c.vector_ops == 0);
  CHECK(c.bound == RooflineBound::kCompute);
  CHECK(std::string(to_string(c.bound)) == "compute");
  CHECK(c.latency_ps == ps(5000.0 + 10871.635968));
  CHECK(c.dequant_latency_ps == 0);
  CHECK(c.dequant_bytes == 0);
  CHECK(c.energy_j == Approx(300.0 * 15871.635968e-9));
}

TEST_CASE("roofline 1x4096x4096 MVM with fp16 weights is memory-bound", "[roofline]") {
  const RooflineCost c =
      roofline_cost(RooflineCoreParams{}, make_op(OpKind::kMvm, 1, 4096, 4096, 16));
  // Input 4096 x 2 + weights 4096^2 x 2 + output 4096 x 2 = 33,570,816 B -> 37300.90667 ns;
  // MACs 16,777,216 -> 268.4 ns.
  const double bytes = 4096.0 * 2 + 4096.0 * 4096.0 * 2 + 4096.0 * 2;
  CHECK(c.bytes == 33570816u);
  CHECK(c.macs == 16777216u);
  CHECK(c.bound == RooflineBound::kMemory);
  CHECK(std::string(to_string(c.bound)) == "memory");
  CHECK(c.latency_ps == ps(kLaunchNs + bytes / kBytesPerNs));
  // 16-bit weights on a 16-bit datapath need no dequantisation, even under materialize.
  CHECK(c.dequant_bytes == 0);
  CHECK(c.dequant_ops == 0);
  CHECK(c.dequant_latency_ps == 0);
}

TEST_CASE("roofline materialize: 4-bit weights cost more than 16-bit ones", "[roofline]") {
  const RooflineCoreParams p;  // materialize, 2 ops per weight
  const RooflineCost fp16 = roofline_cost(p, make_op(OpKind::kMvm, 1, 4096, 4096, 16));
  const RooflineCost q4 = roofline_cost(p, make_op(OpKind::kMvm, 1, 4096, 4096, 4));
  const double w = 4096.0 * 4096.0;
  // Dequant kernel: read w / 2 B, write 2 w B = 41,943,040 B -> 46603.378 ns; 2 w ops ->
  // 4274.4 ns: memory-bound. Then the matmul reads the fp16 copy exactly as the fp16 case.
  const double dq_bytes = w / 2 + 2 * w;
  CHECK(q4.dequant_bytes == 41943040u);
  CHECK(q4.dequant_ops == 2u * 16777216u);
  CHECK(q4.dequant_latency_ps == ps(kLaunchNs + dq_bytes / kBytesPerNs));
  const double mvm_ns = kLaunchNs + (4096.0 * 2 + w * 2 + 4096.0 * 2) / kBytesPerNs;
  CHECK(q4.latency_ps == ps(kLaunchNs + dq_bytes / kBytesPerNs) + ps(mvm_ns));
  CHECK(q4.bytes == 33570816u + 41943040u);
  CHECK(q4.vector_ops == q4.dequant_ops);
  CHECK(q4.macs == fp16.macs);
  CHECK(q4.bound == RooflineBound::kMemory);

  CHECK(q4.bytes > fp16.bytes);
  CHECK(q4.latency_ps > fp16.latency_ps);
  CHECK(q4.energy_j > fp16.energy_j);
  CHECK(q4.energy_j == Approx(kWatts * static_cast<double>(q4.latency_ps) * 1e-12));
}

TEST_CASE("roofline dequant none: 4-bit weights are read narrow", "[roofline]") {
  RooflineCoreParams p;
  p.dequant = DequantMode::kNone;
  const RooflineCost fp16 = roofline_cost(p, make_op(OpKind::kMvm, 1, 4096, 4096, 16));
  const RooflineCost q4 = roofline_cost(p, make_op(OpKind::kMvm, 1, 4096, 4096, 4));
  // 4096 x 2 + 4096^2 / 2 + 4096 x 2 = 8,404,992 B -> 9338.88 ns.
  CHECK(q4.bytes == 8404992u);
  CHECK(q4.dequant_bytes == 0);
  CHECK(q4.dequant_ops == 0);
  CHECK(q4.latency_ps == ps(kLaunchNs + 9338.88));
  CHECK(q4.bytes < fp16.bytes);
  CHECK(q4.latency_ps < fp16.latency_ps);
  CHECK(q4.energy_j < fp16.energy_j);
}

TEST_CASE("roofline weights as wide as or wider than the datapath are not dequantised",
          "[roofline]") {
  RooflineCoreParams p;
  p.operand_bytes = 1;  // int8 datapath
  const RooflineCost w8 = roofline_cost(p, make_op(OpKind::kMvm, 2, 100, 300, 8));
  CHECK(w8.dequant_bytes == 0);
  // 2 x 100 + 100 x 300 + 2 x 300 = 30,800 B.
  CHECK(w8.bytes == 30800u);
  const RooflineCost w32 = roofline_cost(p, make_op(OpKind::kMvm, 2, 100, 300, 32));
  CHECK(w32.dequant_bytes == 0);
  CHECK(w32.bytes == 200u + 120000u + 600u);
  // Odd widths round the weight bytes up: 3-bit x 30,000 = 90,000 bits = 11,250 B; the
  // 1-byte datapath dequantises them: read 11,250, write 30,000.
  const RooflineCost w3 = roofline_cost(p, make_op(OpKind::kMvm, 2, 100, 300, 3));
  CHECK(w3.dequant_bytes == 11250u + 30000u);
  CHECK(w3.bytes == 11250u + 30000u + 30800u);
}

TEST_CASE("roofline transposed MVM costs the same", "[roofline]") {
  const RooflineCoreParams p;
  ComputeOp op = make_op(OpKind::kMvm, 64, 1024, 1024, 4);
  const RooflineCost plain = roofline_cost(p, op);
  op.transposed = true;
  const RooflineCost t = roofline_cost(p, op);
  CHECK(t.latency_ps == plain.latency_ps);
  CHECK(t.bytes == plain.bytes);
  CHECK(t.energy_j == plain.energy_j);
}

TEST_CASE("roofline utilisation factors scale each roof", "[roofline]") {
  RooflineCoreParams p;
  p.matmul_utilisation = 0.4;
  p.memory_utilisation = 0.5;
  // Compute-bound GEMM: 679,477,248 / (62500 x 0.4) = 27179.08992 ns.
  const RooflineCost g = roofline_cost(p, make_op(OpKind::kGemm, 384, 768, 2304));
  CHECK(g.latency_ps == ps(kLaunchNs + 679477248.0 / 25000.0));
  // Memory-bound MVM: 33,570,816 / 450 B/ns.
  const RooflineCost m = roofline_cost(p, make_op(OpKind::kMvm, 1, 4096, 4096, 16));
  CHECK(m.latency_ps == ps(kLaunchNs + 33570816.0 / 450.0));
}

TEST_CASE("roofline SFU-class ops: vector ops and bytes", "[roofline]") {
  const RooflineCoreParams p;
  // Softmax forward (models/sfu.hpp counts): per element compare, sub, exp, add, mul = 5;
  // per row one reciprocal. 512 x 1024: 524,288 x 5 + 512 = 2,621,952 ops (334 ns);
  // read + write fp16 = 2,097,152 B (2330.2 ns): memory-bound.
  const RooflineCost sm = roofline_cost(p, make_op(OpKind::kSoftmax, 512, 1024, 0));
  CHECK(sm.vector_ops == 2621952u);
  CHECK(sm.bytes == 2097152u);
  CHECK(sm.macs == 0);
  CHECK(sm.bound == RooflineBound::kMemory);
  CHECK(sm.latency_ps == ps(kLaunchNs + 2097152.0 / kBytesPerNs));

  // Layer-norm backward: 7 add + 6 mul per element, 2 mul per row; reads two tensors: 3x.
  ComputeOp ln = make_op(OpKind::kLayerNorm, 128, 768, 0);
  ln.backward = true;
  const RooflineCost lnb = roofline_cost(p, ln);
  CHECK(lnb.vector_ops == 128u * 768u * 13u + 128u * 2u);
  CHECK(lnb.bytes == 128u * 768u * 2u * 3u);

  // Adam on 1000 x 1000 fp32 parameters: 4 add + 9 mul + 1 rsqrt = 14 ops each;
  // 7 x 4 B each regardless of operand_bytes.
  const RooflineCost adam = roofline_cost(p, make_op(OpKind::kAdam, 1000, 1000, 0));
  CHECK(adam.vector_ops == 14000000u);
  CHECK(adam.bytes == 28000000u);
  CHECK(adam.latency_ps == ps(kLaunchNs + 28000000.0 / kBytesPerNs));
}

TEST_CASE("roofline vector-bound op when memory is fast", "[roofline]") {
  RooflineCoreParams p;
  p.memory_bytes_per_ns = 1e6;
  // GELU backward, tanh form: 5 add + 12 mul + 1 tanh = 18 ops per element, none per row.
  ComputeOp op = make_op(OpKind::kGelu, 1024, 4096, 0);
  op.backward = true;
  const RooflineCost c = roofline_cost(p, op);
  const double ops = 1024.0 * 4096.0 * 18.0;
  CHECK(c.vector_ops == static_cast<uint64_t>(ops));
  CHECK(c.bound == RooflineBound::kVector);
  CHECK(std::string(to_string(c.bound)) == "vector");
  CHECK(c.latency_ps == ps(kLaunchNs + ops / kVecPerNs));
}

TEST_CASE("roofline extra_bytes count in every op kind", "[roofline]") {
  const RooflineCoreParams p;
  for (OpKind kind : {OpKind::kGemm, OpKind::kMvm, OpKind::kSoftmax, OpKind::kLayerNorm,
                      OpKind::kGelu, OpKind::kAdam}) {
    ComputeOp op = make_op(kind, 64, 256, 128);
    const RooflineCost base = roofline_cost(p, op);
    op.extra_bytes = 90000;
    const RooflineCost more = roofline_cost(p, op);
    CHECK(more.bytes == base.bytes + 90000u);
  }
  // On a memory-bound op the extra bytes add bytes / bandwidth: 90,000 / 900 = 100 ns.
  ComputeOp sm = make_op(OpKind::kSoftmax, 512, 1024, 0);
  const uint64_t before = roofline_cost(p, sm).latency_ps;
  sm.extra_bytes = 90000;
  CHECK(roofline_cost(p, sm).latency_ps == before + 100000u);
}

TEST_CASE("roofline launch overhead and empty ops", "[roofline]") {
  const RooflineCoreParams p;
  // A 1x1x1 GEMM is all launch: 5000 ns + 1/62500 ns + 6 B / 900 B/ns (memory term wins).
  const RooflineCost tiny = roofline_cost(p, make_op(OpKind::kGemm, 1, 1, 1));
  CHECK(tiny.latency_ps == ps(kLaunchNs + 6.0 / kBytesPerNs));
  // No work at all: nothing launched.
  const RooflineCost none = roofline_cost(p, make_op(OpKind::kGemm, 0, 768, 768));
  CHECK(none.latency_ps == 0);
  CHECK(none.energy_j == 0.0);
}

TEST_CASE("roofline per-event energies add to board energy", "[roofline]") {
  RooflineCoreParams p;
  p.e_mac_pj = 0.5;
  p.e_byte_pj = 10.0;
  p.e_vector_op_pj = 2.0;
  const RooflineCost q4 = roofline_cost(p, make_op(OpKind::kMvm, 8, 1024, 1024, 4));
  const double w = 1024.0 * 1024.0;
  const double macs = 8.0 * w;
  const double dq_bytes = w / 2 + 2 * w;
  const double mvm_bytes = 8.0 * 1024 * 2 + 2 * w + 8.0 * 1024 * 2;
  const double ops = 2 * w;
  const double t_ns = (kLaunchNs + dq_bytes / kBytesPerNs) + (kLaunchNs + mvm_bytes / kBytesPerNs);
  const double expected =
      kWatts * t_ns * 1e-9 + (macs * 0.5 + (dq_bytes + mvm_bytes) * 10.0 + ops * 2.0) * 1e-12;
  CHECK(q4.energy_j == Approx(expected).epsilon(1e-6));
}

TEST_CASE("roofline dequant mode names parse and print", "[roofline]") {
  CHECK(parse_dequant_mode("none") == DequantMode::kNone);
  CHECK(parse_dequant_mode("materialize") == DequantMode::kMaterialize);
  CHECK(std::string(to_string(DequantMode::kNone)) == "none");
  CHECK(std::string(to_string(DequantMode::kMaterialize)) == "materialize");
  try {
    parse_dequant_mode("fused");
    FAIL("expected ParamError");
  } catch (const ParamError& e) {
    CHECK(e.field() == "dequant");
  }
}

TEST_CASE("roofline validate names the offending field", "[roofline]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    std::string field;
    std::function<void(RooflineCoreParams&)> spoil;
  };
  const std::vector<Case> cases = {
      {"peak_macs_per_ns", [](RooflineCoreParams& p) { p.peak_macs_per_ns = 0; }},
      {"peak_macs_per_ns", [&](RooflineCoreParams& p) { p.peak_macs_per_ns = inf; }},
      {"peak_vector_ops_per_ns", [](RooflineCoreParams& p) { p.peak_vector_ops_per_ns = -1; }},
      {"memory_bytes_per_ns", [&](RooflineCoreParams& p) { p.memory_bytes_per_ns = nan; }},
      {"matmul_utilisation", [](RooflineCoreParams& p) { p.matmul_utilisation = 0; }},
      {"matmul_utilisation", [](RooflineCoreParams& p) { p.matmul_utilisation = 1.01; }},
      {"vector_utilisation", [](RooflineCoreParams& p) { p.vector_utilisation = -0.5; }},
      {"memory_utilisation", [&](RooflineCoreParams& p) { p.memory_utilisation = nan; }},
      {"launch_overhead_ns", [](RooflineCoreParams& p) { p.launch_overhead_ns = -1; }},
      {"operand_bytes", [](RooflineCoreParams& p) { p.operand_bytes = 0; }},
      {"active_power_w", [](RooflineCoreParams& p) { p.active_power_w = -1; }},
      {"idle_power_w", [](RooflineCoreParams& p) { p.idle_power_w = -0.1; }},
      {"e_mac_pj", [](RooflineCoreParams& p) { p.e_mac_pj = -1; }},
      {"e_byte_pj", [](RooflineCoreParams& p) { p.e_byte_pj = -1; }},
      {"e_vector_op_pj", [&](RooflineCoreParams& p) { p.e_vector_op_pj = nan; }},
      {"dequant_ops_per_weight", [](RooflineCoreParams& p) { p.dequant_ops_per_weight = -2; }},
      {"area_mm2", [](RooflineCoreParams& p) { p.area_mm2 = -1; }},
  };
  for (const Case& c : cases) {
    RooflineCoreParams p;
    c.spoil(p);
    INFO(c.field);
    try {
      p.validate();
      FAIL("expected ParamError for " + c.field);
    } catch (const ParamError& e) {
      CHECK(e.field() == c.field);
    }
  }
  // Boundary values that are allowed.
  RooflineCoreParams ok;
  ok.matmul_utilisation = 1.0;
  ok.launch_overhead_ns = 0.0;
  ok.idle_power_w = 0.0;
  ok.dequant_ops_per_weight = 0.0;
  CHECK_NOTHROW(ok.validate());
}

TEST_CASE("roofline in-memory GEMV engine re-reads the weights per group of vectors",
          "[roofline]") {
  RooflineCoreParams p;
  p.weight_reuse_vectors = 8;
  p.dequant = DequantMode::kNone;
  // 20 vectors of 1024 inputs against 1024 x 1024 fp16 weights: ceil(20 / 8) = 3 weight reads.
  const ComputeOp op = make_op(OpKind::kMvm, 20, 1024, 1024);
  const uint64_t expected = 20 * 1024 * 2 + 3 * (1024 * 1024 * 2) + 20 * 1024 * 2;
  CHECK(roofline_cost(p, op).bytes == expected);
  p.weight_reuse_vectors = 0;  // read once
  CHECK(roofline_cost(p, op).bytes == 20 * 1024 * 2 + 1024 * 1024 * 2 + 20 * 1024 * 2);
}

TEST_CASE("roofline batched op: the work of every instance, one launch", "[roofline]") {
  const RooflineCoreParams p;  // V100 defaults
  ComputeOp one = make_op(OpKind::kGemm, 384, 64, 384);
  ComputeOp heads = one;
  heads.batch = 12;
  const RooflineCost c1 = roofline_cost(p, one), c12 = roofline_cost(p, heads);
  CHECK(c12.macs == 12 * c1.macs);
  CHECK(c12.bytes == 12 * c1.bytes);
  // Memory-bound per head: (384x64 + 64x384 + 384x384) x 2 B at 900 B/ns.
  const double per_head_ns = (384.0 * 64 * 2 + 384.0 * 384) * 2 / kBytesPerNs;
  CHECK(c12.latency_ps == ps(kLaunchNs + 12 * per_head_ns));
  CHECK(c1.latency_ps == ps(kLaunchNs + per_head_ns));
}
