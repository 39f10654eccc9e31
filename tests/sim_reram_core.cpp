// ReramCore under simulation: contention on the compute resource, error responses and buffer
// accesses. Each TEST_CASE runs in its own process (one elaboration each).
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/models/compute_op.hpp"
#include "atleus/models/reram_core.hpp"
#include "atleus/models/sim_time.hpp"

using namespace atleus;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

// Stands in for the NoC behind the core's noc_out; the core never sends in these tests.
struct NullTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<NullTarget> in;
  explicit NullTarget(sc_core::sc_module_name name) : sc_core::sc_module(name), in("in") {
    in.register_b_transport(this, &NullTarget::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& tx, sc_time&) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// Runs a scripted body in one SC_THREAD.
struct Driver : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Driver> out;
  std::function<void(Driver&)> body;
  SC_HAS_PROCESS(Driver);
  explicit Driver(sc_core::sc_module_name name) : sc_core::sc_module(name), out("out") {
    SC_THREAD(run);
  }
  void run() { body(*this); }
};

struct Bench {
  ReramCore core;
  NullTarget sink;
  Driver driver;
  explicit Bench(const ReramCoreParams& p = ReramCoreParams())
      : core("core", p), sink("sink"), driver("driver") {
    driver.out.bind(core.noc_in);
    core.noc_out.bind(sink.in);
  }
};

// One payload carrying a compute op, with an empty data buffer (timing only).
struct OpPayload {
  tlm::tlm_generic_payload tx;
  ComputeExtension* ext = new ComputeExtension;
  explicit OpPayload(const ComputeOp& op) {
    ext->op = op;
    tx.set_command(tlm::TLM_WRITE_COMMAND);
    tx.set_address(0);
    tx.set_data_ptr(nullptr);
    tx.set_data_length(0);
    tx.set_streaming_width(0);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    tx.set_extension(ext);  // the payload owns and deletes it
  }
};

ComputeOp mvm_768(uint64_t vectors) {
  ComputeOp op;
  op.kind = OpKind::kMvm;
  op.m = vectors;
  op.k = 768;
  op.n = 768;
  op.input_bits = 8;
  op.weight_bits = 8;
  return op;
}

// Closed form for 768x768, 8-bit weights and inputs on the default core: buffer 768 B in and
// out at 32 B/ns (24 ns each), 8 read cycles of 100 ns, S&A 100 ns, dequant 100 ns; then one
// vector per 800 ns.
uint64_t latency_768_ps(uint64_t vectors) {
  return (1048 + (vectors - 1) * 800) * 1000ull;
}

}  // namespace

TEST_CASE("reram two MVMs arriving together queue on the core", "[reram][sim]") {
  Bench bench;
  const uint64_t L = latency_768_ps(16);
  ComputeResult first, second;
  sc_time delay_first, delay_second;
  tlm::tlm_response_status status_first = tlm::TLM_INCOMPLETE_RESPONSE;
  tlm::tlm_response_status status_second = tlm::TLM_INCOMPLETE_RESPONSE;
  bench.driver.body = [&](Driver& d) {
    sc_core::wait(sc_time(1, sc_core::SC_US));  // not at time zero, to check absolute times
    OpPayload a(mvm_768(16));
    OpPayload b(mvm_768(16));
    delay_first = SC_ZERO_TIME;
    delay_second = SC_ZERO_TIME;
    d.out->b_transport(a.tx, delay_first);
    d.out->b_transport(b.tx, delay_second);
    status_first = a.tx.get_response_status();
    status_second = b.tx.get_response_status();
    first = a.ext->result;
    second = b.ext->result;
  };
  sc_core::sc_start();

  const uint64_t t0 = 1000000;  // 1 us
  REQUIRE(status_first == tlm::TLM_OK_RESPONSE);
  REQUIRE(status_second == tlm::TLM_OK_RESPONSE);
  CHECK(first.start_ps == t0);
  CHECK(first.queue_ps == 0);
  CHECK(first.finish_ps == t0 + L);
  CHECK(second.start_ps == t0 + L);
  CHECK(second.queue_ps == L);
  CHECK(second.finish_ps == first.finish_ps + L);
  CHECK(delay_first.value() == L);
  CHECK(delay_second.value() == 2 * L);
  CHECK(second.energy_j == Approx(first.energy_j));
  CHECK(first.energy_j > 0.0);

  const ReramCoreStats& s = bench.core.stats();
  CHECK(s.ops == 2);
  CHECK(s.vectors == 32);
  CHECK(s.macs == 2ull * 16 * 768 * 768);
  CHECK(s.busy_ps == 2 * L);
  CHECK(s.queue_ps == L);
  CHECK(s.dynamic_j() == Approx(first.energy_j + second.energy_j));
}

TEST_CASE("reram an op arriving after the core is free does not queue", "[reram][sim]") {
  Bench bench;
  const uint64_t L = latency_768_ps(1);
  ComputeResult first, second;
  bench.driver.body = [&](Driver& d) {
    OpPayload a(mvm_768(1));
    OpPayload b(mvm_768(1));
    sc_time delay = SC_ZERO_TIME;
    d.out->b_transport(a.tx, delay);
    sc_time later = from_ps(L + 5000);  // annotated arrival after the first op ends
    d.out->b_transport(b.tx, later);
    first = a.ext->result;
    second = b.ext->result;
  };
  sc_core::sc_start();
  CHECK(first.finish_ps == L);
  CHECK(second.queue_ps == 0);
  CHECK(second.start_ps == L + 5000);
  CHECK(second.finish_ps == 2 * L + 5000);
}

TEST_CASE("reram unsupported op kinds get a command error", "[reram][sim]") {
  Bench bench;
  tlm::tlm_response_status gemm_status = tlm::TLM_INCOMPLETE_RESPONSE;
  tlm::tlm_response_status softmax_status = tlm::TLM_INCOMPLETE_RESPONSE;
  tlm::tlm_response_status too_big_status = tlm::TLM_INCOMPLETE_RESPONSE;
  bench.driver.body = [&](Driver& d) {
    ComputeOp gemm = mvm_768(4);
    gemm.kind = OpKind::kGemm;
    OpPayload a(gemm);
    sc_time delay = SC_ZERO_TIME;
    d.out->b_transport(a.tx, delay);
    gemm_status = a.tx.get_response_status();

    ComputeOp softmax;
    softmax.kind = OpKind::kSoftmax;
    softmax.m = 128;
    softmax.k = 128;
    OpPayload b(softmax);
    d.out->b_transport(b.tx, delay);
    softmax_status = b.tx.get_response_status();

    // A matrix larger than the core: the mapping must split it, so the core refuses it.
    ComputeOp big = mvm_768(1);
    big.k = 4096;
    big.n = 4096;
    OpPayload c(big);
    d.out->b_transport(c.tx, delay);
    too_big_status = c.tx.get_response_status();
    CHECK(delay == SC_ZERO_TIME);
  };
  sc_core::sc_start();
  CHECK(gemm_status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(softmax_status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(too_big_status == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(bench.core.stats().rejected == 3);
  CHECK(bench.core.stats().ops == 0);
}

TEST_CASE("reram plain writes and reads use the buffer bandwidth", "[reram][sim]") {
  Bench bench;
  sc_time write_delay, read_delay;
  tlm::tlm_response_status write_status = tlm::TLM_INCOMPLETE_RESPONSE;
  bench.driver.body = [&](Driver& d) {
    std::vector<unsigned char> data(1024, 0x5a);
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_WRITE_COMMAND);
    tx.set_address(0);
    tx.set_data_ptr(data.data());
    tx.set_data_length(1024);
    tx.set_streaming_width(1024);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    write_delay = SC_ZERO_TIME;
    d.out->b_transport(tx, write_delay);
    write_status = tx.get_response_status();

    // Same arrival time: the read waits for the write on the buffer port.
    tx.set_command(tlm::TLM_READ_COMMAND);
    tx.set_data_length(512);
    tx.set_streaming_width(512);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    read_delay = SC_ZERO_TIME;
    d.out->b_transport(tx, read_delay);
  };
  sc_core::sc_start();
  // 1024 B at 32 B/ns = 32 ns; then 512 B = 16 ns more.
  CHECK(write_status == tlm::TLM_OK_RESPONSE);
  CHECK(write_delay.value() == 32000);
  CHECK(read_delay.value() == 48000);
  const ReramCoreStats& s = bench.core.stats();
  CHECK(s.bytes_in == 1024);
  CHECK(s.bytes_out == 512);
  CHECK(s.buffer_queue_ps == 32000);
  CHECK(s.buffer_j == Approx(1536 * 0.646875e-12));
  CHECK(s.ops == 0);
}
