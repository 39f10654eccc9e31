// Base-protocol conformance: the ProtocolChecker catches each rule it checks (and passes legal
// traffic), and the platform's targets answer the base protocol's error responses for what they
// do not support.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <catch2/catch.hpp>
#include <functional>
#include <vector>

#include "atleus/models/sim_time.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/protocol_checker.hpp"
#include "atleus/platform/run/run_state.hpp"
#include "atleus/platform/run/workload_platform.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

using namespace atleus;

namespace {

// A target whose behaviour the test sets, for b_transport and nb_transport_fw.
struct ScriptedTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<ScriptedTarget> in;
  std::function<void(tlm::tlm_generic_payload&, sc_core::sc_time&)> on_b;
  std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&)> on_nb;
  explicit ScriptedTarget(sc_core::sc_module_name n) : sc_module(n), in("in") {
    in.register_b_transport(this, &ScriptedTarget::b);
    in.register_nb_transport_fw(this, &ScriptedTarget::nb);
  }
  void b(tlm::tlm_generic_payload& tx, sc_core::sc_time& d) { on_b(tx, d); }
  tlm::tlm_sync_enum nb(tlm::tlm_generic_payload& tx, tlm::tlm_phase& ph, sc_core::sc_time&) {
    return on_nb(tx, ph);
  }
};

struct Initiator : sc_core::sc_module {
  SC_HAS_PROCESS(Initiator);
  tlm_utils::simple_initiator_socket<Initiator> out;
  std::function<void()> body;
  Initiator(sc_core::sc_module_name n, std::function<void()> b)
      : sc_module(n), out("out"), body(std::move(b)) {
    out.register_nb_transport_bw(this, &Initiator::bw);
    SC_THREAD(run);
  }
  void run() { body(); }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) {
    return tlm::TLM_ACCEPTED;
  }
};

std::vector<unsigned char> buffer(64);

void legal_write(tlm::tlm_generic_payload& tx, uint64_t addr, unsigned len = 64) {
  tx.set_command(tlm::TLM_WRITE_COMMAND);
  tx.set_address(addr);
  tx.set_data_ptr(buffer.data());
  tx.set_data_length(len);
  tx.set_streaming_width(len);
  tx.set_byte_enable_ptr(nullptr);
  tx.set_byte_enable_length(0);
  tx.set_dmi_allowed(false);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// Runs `body` through initiator -> checker -> target; returns the checker's totals.
ProtocolCheckStats check(
    std::function<void(Initiator&)> body,
    std::function<void(tlm::tlm_generic_payload&, sc_core::sc_time&)> target_b,
    std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&)> target_nb =
        nullptr) {
  ProtocolCheckStats stats;
  ScriptedTarget target("target");
  target.on_b = std::move(target_b);
  target.on_nb = std::move(target_nb);
  Initiator* self = nullptr;
  Initiator init("init", [&] { body(*self); });
  self = &init;
  ProtocolChecker checker("checker", "init -> target", stats);
  init.out.bind(checker.in);
  checker.out.bind(target.in);
  sc_core::sc_start();
  return stats;
}

void answer_ok(tlm::tlm_generic_payload& tx, sc_core::sc_time& d) {
  d += sc_core::sc_time(1, sc_core::SC_NS);
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace

TEST_CASE("protocol checker: legal LT and AT traffic passes") {
  int phase_step = 0;
  const ProtocolCheckStats s = check(
      [](Initiator& i) {
        tlm::tlm_generic_payload tx;
        legal_write(tx, 0x100);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        i.out->b_transport(tx, d);
        // AT: BEGIN_REQ answered at once with BEGIN_RESP (END_REQ implied), then END_RESP.
        legal_write(tx, 0x200);
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        i.out->nb_transport_fw(tx, ph, d);
        ph = tlm::END_RESP;
        i.out->nb_transport_fw(tx, ph, d);
      },
      answer_ok,
      [&](tlm::tlm_generic_payload& tx, tlm::tlm_phase& ph) {
        if (phase_step++ == 0) {
          tx.set_response_status(tlm::TLM_OK_RESPONSE);
          ph = tlm::BEGIN_RESP;
          return tlm::TLM_UPDATED;
        }
        return tlm::TLM_COMPLETED;
      });
  CHECK(s.transactions == 2);
  INFO((s.first_violations.empty() ? "" : s.first_violations.front()));
  CHECK(s.violations == 0);
}

TEST_CASE("protocol checker: illegal payload attributes are violations") {
  const ProtocolCheckStats s = check(
      [](Initiator& i) {
        tlm::tlm_generic_payload tx;
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        legal_write(tx, 0, 0);  // data length 0 and streaming width 0: two rules
        i.out->b_transport(tx, d);
        legal_write(tx, 0);
        tx.set_response_status(tlm::TLM_OK_RESPONSE);  // status set before the request
        i.out->b_transport(tx, d);
        legal_write(tx, 0);
        unsigned char be[4] = {0xff, 0, 0xff, 0};
        tx.set_byte_enable_ptr(be);  // byte enables with length 0
        i.out->b_transport(tx, d);
      },
      answer_ok);
  CHECK(s.transactions == 3);
  CHECK(s.violations == 4);
}

TEST_CASE("protocol checker: a target's faults are violations") {
  int call = 0;
  const ProtocolCheckStats s = check(
      [](Initiator& i) {
        tlm::tlm_generic_payload tx;
        for (int k = 0; k < 3; ++k) {
          legal_write(tx, 0x40);
          sc_core::sc_time d(10, sc_core::SC_NS);
          i.out->b_transport(tx, d);
        }
      },
      [&](tlm::tlm_generic_payload& tx, sc_core::sc_time& d) {
        switch (call++) {
          case 0:  // no response status
            break;
          case 1:  // the delay goes back in time
            d = sc_core::SC_ZERO_TIME;
            tx.set_response_status(tlm::TLM_OK_RESPONSE);
            break;
          default:  // the address is not restored
            tx.set_address(0x80);
            tx.set_response_status(tlm::TLM_OK_RESPONSE);
        }
      });
  CHECK(s.transactions == 3);
  CHECK(s.violations == 3);
}

TEST_CASE("protocol checker: nb phases out of order are violations") {
  const ProtocolCheckStats s = check(
      [](Initiator& i) {
        tlm::tlm_generic_payload tx;
        legal_write(tx, 0x40);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        tlm::tlm_phase ph = tlm::END_RESP;  // END_RESP with nothing outstanding
        i.out->nb_transport_fw(tx, ph, d);
        ph = tlm::BEGIN_REQ;
        i.out->nb_transport_fw(tx, ph, d);
        ph = tlm::BEGIN_REQ;  // the same payload again while in flight
        i.out->nb_transport_fw(tx, ph, d);
      },
      answer_ok, [](tlm::tlm_generic_payload&, tlm::tlm_phase&) { return tlm::TLM_ACCEPTED; });
  CHECK(s.violations == 2);
}

TEST_CASE("core targets answer the base protocol's error responses") {
  const PlatformConfig cfg = load_platform("atleus");
  WorkloadSpec spec;
  spec.model = resolve_model("bert-base");
  spec.task = task_preset("squad", spec.model);
  spec.task.batch = 1;
  spec.mode = Mode::kInference;
  RunOptions opt;
  opt.external_host = true;
  WorkloadPlatform vp("vp", cfg, spec, opt);
  const auto work = vp.layer_transactions();
  REQUIRE(work.size() >= 2);
  const int site = work[0].site;
  std::vector<tlm::tlm_response_status> got;
  ScriptedTarget host_target("host_target");
  host_target.on_b = answer_ok;
  Initiator host("host", [&] {
    tlm::tlm_generic_payload tx;
    IssueExtension ext;
    auto send = [&](const std::function<void()>& shape) {
      legal_write(tx, core_base(site));
      shape();
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      host.out->b_transport(tx, d);
      got.push_back(tx.get_response_status());
    };
    send([&] { tx.set_command(tlm::TLM_READ_COMMAND); });
    send([&] { tx.set_command(tlm::TLM_IGNORE_COMMAND); });
    unsigned char be[64] = {};
    send([&] {
      tx.set_byte_enable_ptr(be);
      tx.set_byte_enable_length(64);
    });
    send([&] { tx.set_streaming_width(4); });
    send([&] { tx.set_address(core_base(site) + kCoreWindow - 8); });  // straddles two windows
    int other = 0;  // a layer transaction for another core
    while (work[other].site == site) ++other;
    send([&] {
      ext.group = work[other].group;
      tx.set_extension(&ext);
    });
    tx.clear_extension(&ext);
    send([] {});  // a plain legal write: accepted
  });
  Initiator& h = host;
  h.out.bind(vp.host_in());
  vp.host_out().bind(host_target.in);
  sc_core::sc_start();
  REQUIRE(got.size() == 7);
  CHECK(got[0] == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(got[1] == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(got[2] == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  CHECK(got[3] == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(got[4] == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(got[5] == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(got[6] == tlm::TLM_OK_RESPONSE);
  CHECK_FALSE(vp.done());  // nothing was issued, so nothing ran
}

TEST_CASE("the HBM answers address, command and burst errors through the NoC") {
  const PlatformConfig cfg = load_platform("atleus");
  Netlist net(
      "net", cfg,
      [](const Site& s) -> std::unique_ptr<Endpoint> {
        struct Quiet : Endpoint {
          using Endpoint::Endpoint;
          void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) override {
            tx.set_response_status(tlm::TLM_OK_RESPONSE);
          }
        };
        return std::make_unique<Quiet>(("q_" + s.name).c_str());
      },
      false);
  std::vector<tlm::tlm_response_status> got;
  ScriptedTarget host_target("host_target");
  host_target.on_b = answer_ok;
  Initiator host("host", [&] {
    tlm::tlm_generic_payload tx;
    auto send = [&](const std::function<void()>& shape) {
      legal_write(tx, kHbmBase + 4096);
      shape();
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      host.out->b_transport(tx, d);
      got.push_back(tx.get_response_status());
    };
    send([&] { tx.set_command(tlm::TLM_IGNORE_COMMAND); });
    send([&] { tx.set_streaming_width(8); });
    send([&] { tx.set_address(kHbmBase + cfg.hbm.capacity_bytes() - 8); });  // runs past the end
    send([] {});
  });
  host.out.bind(net.host_in());
  net.host_out().bind(host_target.in);
  sc_core::sc_start();
  REQUIRE(got.size() == 4);
  CHECK(got[0] == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(got[1] == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(got[2] == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(got[3] == tlm::TLM_OK_RESPONSE);
}
