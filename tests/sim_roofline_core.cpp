// Roofline core under simulation: one kernel stream (queueing), arrival offsets, free plain
// transactions, dequantisation kernels, energy and statistics.
// Each TEST_CASE elaborates once and runs in its own process (ctest).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "core_harness.hpp"

#include "atleus/models/param_check.hpp"
#include "atleus/models/roofline_core.hpp"

using namespace atleus;

namespace {

using core_harness::Driver;
using core_harness::NullTarget;
using core_harness::op;
using core_harness::Outcome;
using core_harness::write_bytes;

struct Bench {
  RooflineCore core;
  Driver driver;
  NullTarget sink;
  explicit Bench(const RooflineCoreParams& p = {})
      : core("gpu", p), driver("driver"), sink("sink") {
    driver.out.bind(core.noc_in);
    core.noc_out.bind(sink.in);
  }
};

uint64_t ps(double ns) {
  return static_cast<uint64_t>(std::llround(ns * 1000.0));
}

// 384 x 768 x 2304 GEMM on the V100 defaults: 5000 ns launch + 679,477,248 MACs at 62500
// MAC/ns (compute-bound; its 5.9 MB take 6553.6 ns at 900 B/ns).
const uint64_t kGemmPs = ps(5000.0 + 679477248.0 / 62500.0);

}  // namespace

TEST_CASE("two kernels sent together: the second waits for the first", "[sim][roofline]") {
  Bench b;
  b.driver.requests = {{op(OpKind::kGemm, 384, 768, 2304)}, {op(OpKind::kGemm, 384, 768, 2304)}};
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 2);
  const Outcome& first = b.driver.outcomes[0];
  const Outcome& second = b.driver.outcomes[1];
  CHECK(first.status == tlm::TLM_OK_RESPONSE);
  CHECK(first.result.start_ps == 0);
  CHECK(first.result.queue_ps == 0);
  CHECK(first.result.finish_ps == kGemmPs);
  CHECK(first.delay_ps == kGemmPs);
  CHECK(second.status == tlm::TLM_OK_RESPONSE);
  CHECK(second.result.queue_ps == kGemmPs);
  CHECK(second.result.start_ps == kGemmPs);
  CHECK(second.result.finish_ps == 2 * kGemmPs);
  CHECK(second.delay_ps == 2 * kGemmPs);

  const double joules = 300.0 * static_cast<double>(kGemmPs) * 1e-12;
  CHECK(first.result.energy_j == Approx(joules));
  const RooflineCoreStats& s = b.core.stats();
  CHECK(s.ops == 2);
  CHECK(s.macs == 2u * 384u * 768u * 2304u);
  CHECK(s.bytes == 2u * 5898240u);
  CHECK(s.busy_ps == 2 * kGemmPs);
  CHECK(s.queue_ps == kGemmPs);
  CHECK(s.compute_bound_ops == 2);
  CHECK(s.memory_bound_ops == 0);
  CHECK(s.vector_bound_ops == 0);
  CHECK(s.energy_j == Approx(2 * joules));
}

TEST_CASE("an op sent with a delay starts at its arrival and a later op finds the core free",
          "[sim][roofline]") {
  Bench b;
  const uint64_t offset = 2000000;  // 2 us of annotated delay
  // Third request: the driver waits until well after the first two finish.
  const uint64_t later = 100000000;  // 100 us
  b.driver.requests = {{op(OpKind::kGemm, 384, 768, 2304), offset},
                       {op(OpKind::kGemm, 384, 768, 2304), 0},
                       {op(OpKind::kGemm, 384, 768, 2304), 0, later}};
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 3);
  const Outcome& first = b.driver.outcomes[0];
  CHECK(first.result.start_ps == offset);
  CHECK(first.result.queue_ps == 0);
  CHECK(first.delay_ps == offset + kGemmPs);
  // The second arrives at 0 but the stream holds the first from 2 us: the earlier gap is too
  // short for it, so it runs after the first.
  const Outcome& second = b.driver.outcomes[1];
  CHECK(second.result.start_ps == offset + kGemmPs);
  CHECK(second.result.queue_ps == offset + kGemmPs);
  CHECK(second.delay_ps == offset + 2 * kGemmPs);
  // The third is sent at 100 us, after both finished: no queueing, delay = latency.
  const Outcome& third = b.driver.outcomes[2];
  REQUIRE(third.sent_at_ps == later);
  CHECK(third.result.start_ps == later);
  CHECK(third.result.queue_ps == 0);
  CHECK(third.delay_ps == kGemmPs);
}

TEST_CASE("plain transactions are free and do not occupy the stream", "[sim][roofline]") {
  Bench b;
  b.driver.requests = {
      {write_bytes(4096)}, {op(OpKind::kGemm, 384, 768, 2304)}, {write_bytes(1024), 123000}};
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 3);
  CHECK(b.driver.outcomes[0].status == tlm::TLM_OK_RESPONSE);
  CHECK(b.driver.outcomes[0].delay_ps == 0);
  CHECK(b.driver.outcomes[1].result.queue_ps == 0);
  CHECK(b.driver.outcomes[1].delay_ps == kGemmPs);
  // A write while the kernel runs neither waits nor changes its annotated delay.
  CHECK(b.driver.outcomes[2].status == tlm::TLM_OK_RESPONSE);
  CHECK(b.driver.outcomes[2].delay_ps == 123000);
  const RooflineCoreStats& s = b.core.stats();
  CHECK(s.plain_transactions == 2);
  CHECK(s.plain_bytes == 5120);
  CHECK(s.ops == 1);
  CHECK(s.busy_ps == kGemmPs);
}

TEST_CASE("a materialized 4-bit MVM runs a dequant kernel first", "[sim][roofline]") {
  Bench b;
  // 1 x 4096 x 4096 with 4-bit weights. Dequant: read 8,388,608 B, write 33,554,432 B at
  // 900 B/ns (memory-bound over 33,554,432 ops at 7850/ns). MVM: input, fp16 copy and output
  // 33,570,816 B. Each kernel pays the 5000 ns launch.
  const double w = 4096.0 * 4096.0;
  const uint64_t dq = ps(5000.0 + (w / 2 + 2 * w) / 900.0);
  const uint64_t mvm = ps(5000.0 + (4096.0 * 2 + 2 * w + 4096.0 * 2) / 900.0);
  b.driver.requests = {{op(OpKind::kMvm, 1, 4096, 4096, 4)}, {op(OpKind::kSoftmax, 16, 1024, 0)}};
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 2);
  CHECK(b.driver.outcomes[0].delay_ps == dq + mvm);
  CHECK(b.driver.outcomes[0].result.energy_j == Approx(300.0 * (dq + mvm) * 1e-12));
  // The softmax queues behind both kernels: 16 x 1024 x 2 B read + written = 65,536 B.
  const uint64_t sm = ps(5000.0 + 65536.0 / 900.0);
  CHECK(b.driver.outcomes[1].result.queue_ps == dq + mvm);
  CHECK(b.driver.outcomes[1].delay_ps == dq + mvm + sm);
  const RooflineCoreStats& s = b.core.stats();
  CHECK(s.dequant_bytes == 8388608u + 33554432u);
  CHECK(s.dequant_ops == 33554432u);
  // Softmax: 5 ops per element, one per row (models/sfu.hpp), plus the dequant ops.
  CHECK(s.vector_ops == 33554432u + 16u * 1024u * 5u + 16u);
  CHECK(s.bytes == 8388608u + 33554432u + 33570816u + 65536u);
  CHECK(s.memory_bound_ops == 2);
  CHECK(s.busy_ps == dq + mvm + sm);
}

TEST_CASE("static energy is idle power over elapsed time", "[sim][roofline]") {
  RooflineCoreParams p;
  p.idle_power_w = 40.0;
  p.active_power_w = 260.0;
  Bench b(p);
  b.driver.requests = {{op(OpKind::kGemm, 384, 768, 2304)}};
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 1);
  CHECK(b.core.static_energy_j(1000000000000ull) == Approx(40.0));  // 1 s
  CHECK(b.core.static_energy_j(0) == 0.0);
  CHECK(b.core.stats().energy_j == Approx(260.0 * static_cast<double>(kGemmPs) * 1e-12));
}

TEST_CASE("invalid parameters are refused at construction", "[sim][roofline]") {
  RooflineCoreParams p;
  p.memory_utilisation = 0.0;
  try {
    RooflineCore core("bad", p);
    FAIL("expected ParamError");
  } catch (const ParamError& e) {
    CHECK(e.field() == "memory_utilisation");
  }
}
