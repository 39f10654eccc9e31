// Systolic core under simulation: array contention, SFU overlap, refused MVMs, SRAM port.
// Each TEST_CASE elaborates once and runs in its own process (ctest).
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "core_harness.hpp"

#include "atleus/models/systolic_core.hpp"

using namespace atleus;

namespace {

using core_harness::Driver;
using core_harness::NullTarget;
using core_harness::op;
using core_harness::Outcome;
using core_harness::write_bytes;

// Core + driver + sink, wired.
struct Bench {
  SystolicCore core;
  Driver driver;
  NullTarget sink;
  explicit Bench(const SystolicCoreParams& p = {}) : core("sa", p), driver("driver"), sink("sink") {
    driver.out.bind(core.noc_in);
    core.noc_out.bind(sink.in);
  }
};

constexpr uint64_t kPs = 1250;  // one 800 MHz cycle

}  // namespace

TEST_CASE("two GEMMs sent together: the second waits for the first", "[sim][systolic]") {
  Bench b;
  // 128 x 768 x 32 on the 128 x 32 OS array: 128 + 32 + 768 - 2 = 926 cycles each.
  b.driver.send({op(OpKind::kGemm, 128, 768, 32), op(OpKind::kGemm, 128, 768, 32)});
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 2);
  const uint64_t lat = 926 * kPs;
  const Outcome& first = b.driver.outcomes[0];
  const Outcome& second = b.driver.outcomes[1];
  CHECK(first.status == tlm::TLM_OK_RESPONSE);
  CHECK(first.result.queue_ps == 0);
  CHECK(first.result.start_ps == 0);
  CHECK(first.delay_ps == lat);
  CHECK(second.status == tlm::TLM_OK_RESPONSE);
  CHECK(second.result.queue_ps == lat);
  CHECK(second.result.start_ps == lat);
  CHECK(second.result.finish_ps == 2 * lat);
  CHECK(second.delay_ps == 2 * lat);
  CHECK(second.result.energy_j > 0.0);

  const SystolicCoreStats& s = b.core.stats();
  CHECK(s.ops[static_cast<std::size_t>(OpKind::kGemm)] == 2);
  CHECK(s.macs == 2u * 128u * 768u * 32u);
  CHECK(s.compute_cycles == 2 * 926);
  CHECK(s.busy_array_ps == 2 * lat);
  CHECK(s.queue_ps == lat);
  CHECK(s.energy_j() == Approx(first.result.energy_j + second.result.energy_j));
}

TEST_CASE("an SFU op sent with a GEMM does not wait for it", "[sim][systolic]") {
  Bench b;
  // Softmax on 32 rows x 128 cols: one round of 32 lanes, 128 x 8 + 4 = 1028 cycles.
  b.driver.send({op(OpKind::kGemm, 128, 768, 32), op(OpKind::kSoftmax, 32, 128, 0)});
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 2);
  const Outcome& sfu = b.driver.outcomes[1];
  CHECK(sfu.status == tlm::TLM_OK_RESPONSE);
  CHECK(sfu.result.queue_ps == 0);
  CHECK(sfu.result.start_ps == 0);
  CHECK(sfu.delay_ps == 1028 * kPs);
  CHECK(b.driver.outcomes[0].delay_ps == 926 * kPs);
  CHECK(b.core.stats().busy_sfu_ps == 1028 * kPs);
  CHECK(b.core.stats().ops[static_cast<std::size_t>(OpKind::kSoftmax)] == 1);
}

TEST_CASE("an MVM sent to the systolic core is a command error", "[sim][systolic]") {
  Bench b;
  b.driver.send({op(OpKind::kMvm, 1, 128, 128), op(OpKind::kGemm, 1, 1, 1)});
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 2);
  CHECK(b.driver.outcomes[0].status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(b.driver.outcomes[0].delay_ps == 0);
  CHECK(b.core.stats().errors == 1);
  CHECK(b.core.stats().ops[static_cast<std::size_t>(OpKind::kMvm)] == 0);
  // The refused op booked nothing: the next GEMM starts at once (128 + 32 + 1 - 2 cycles).
  CHECK(b.driver.outcomes[1].result.queue_ps == 0);
  CHECK(b.driver.outcomes[1].delay_ps == 159 * kPs);
}

TEST_CASE("plain writes queue on the SRAM port and not on the array", "[sim][systolic]") {
  Bench b;
  // 1536 bytes at 384 B/cycle = 4 cycles each; the second write queues behind the first; the
  // GEMM after them is on the array and does not wait.
  b.driver.send({write_bytes(1536), write_bytes(1536), op(OpKind::kGemm, 1, 1, 1)});
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 3);
  CHECK(b.driver.outcomes[0].status == tlm::TLM_OK_RESPONSE);
  CHECK(b.driver.outcomes[0].delay_ps == 4 * kPs);
  CHECK(b.driver.outcomes[1].delay_ps == 8 * kPs);
  CHECK(b.driver.outcomes[2].delay_ps == 159 * kPs);
  const SystolicCoreStats& s = b.core.stats();
  CHECK(s.port_writes == 2);
  CHECK(s.port_bytes == 3072);
  CHECK(s.busy_sram_port_ps == 8 * kPs);
  CHECK(s.queue_ps == 4 * kPs);
  // SRAM energy: the two writes plus the 1 x 1 x 1 GEMM's A, B reads and C write (3 bytes).
  CHECK(s.sram_bytes == 3072 + 3);
  CHECK(s.energy_sram_j == Approx((3072 + 3) * b.core.params().e_sram_pj_per_byte * 1e-12));
}

TEST_CASE("the op's backward flag selects the SFU's backward cost", "[sim][systolic]") {
  Bench b;
  auto backward_softmax = [](tlm::tlm_generic_payload& tx) {
    op(OpKind::kSoftmax, 32, 128, 0)(tx);
    ComputeExtension* ext = nullptr;
    tx.get_extension(ext);
    ext->op.backward = true;
  };
  b.driver.send({op(OpKind::kSoftmax, 32, 128, 0), backward_softmax});
  sc_core::sc_start();
  REQUIRE(b.driver.outcomes.size() == 2);
  const SfuParams& sfu = b.core.params().sfu;
  const double mhz = b.core.params().clock_mhz;
  const SfuCost fwd = sfu_cost(sfu, OpKind::kSoftmax, 32, 128, false, mhz);
  const SfuCost bwd = sfu_cost(sfu, OpKind::kSoftmax, 32, 128, true, mhz);
  REQUIRE(fwd.latency_ps != bwd.latency_ps);
  CHECK(b.driver.outcomes[0].delay_ps == fwd.latency_ps);
  // The second op queues behind the first on the one SFU.
  CHECK(b.driver.outcomes[1].result.queue_ps == fwd.latency_ps);
  CHECK(b.driver.outcomes[1].delay_ps == fwd.latency_ps + bwd.latency_ps);
}
