// Example 4: an approximately-timed (non-blocking, 4-phase) host on the platform's host port,
// with several layer transactions outstanding at once. atleus::AtBridge sits on the host port:
// it ends each request at once, runs it through the NoC and answers with BEGIN_RESP when the
// NoC delivered it. The host keeps the base protocol's rules (one open request, one open
// response) and takes its payloads from a memory manager, as AT initiators must.
//   example_at_host [MODEL] [BATCH] [MAX_OUTSTANDING] [OUT.json]
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/platform/at_bridge.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/run/run_state.hpp"
#include "atleus/platform/run/workload_platform.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

// A pool of payloads, each with its descriptor bytes and its IssueExtension.
class PayloadPool : public tlm::tlm_mm_interface {
 public:
  tlm::tlm_generic_payload* get() {
    if (free_.empty()) {
      owned_.push_back(std::make_unique<Slot>());
      Slot& s = *owned_.back();
      s.tx.set_mm(this);
      s.tx.set_extension(&s.ext);
      free_.push_back(&s);
    }
    Slot* s = free_.back();
    free_.pop_back();
    s->tx.acquire();
    return &s->tx;
  }
  void free(tlm::tlm_generic_payload* tx) override {
    for (auto& s : owned_)
      if (&s->tx == tx) free_.push_back(s.get());
  }
  static unsigned char* data_of(tlm::tlm_generic_payload* tx) {
    return reinterpret_cast<Slot*>(tx)->descriptor;
  }
  static atleus::IssueExtension& ext_of(tlm::tlm_generic_payload* tx) {
    return reinterpret_cast<Slot*>(tx)->ext;
  }

 private:
  struct Slot {
    tlm::tlm_generic_payload tx;  // first member: a Slot* is its payload's address
    atleus::IssueExtension ext;
    unsigned char descriptor[64] = {};
    ~Slot() { tx.clear_extension(&ext); }
  };
  std::vector<std::unique_ptr<Slot>> owned_;
  std::vector<Slot*> free_;
};

struct AtHost : sc_core::sc_module {
  SC_HAS_PROCESS(AtHost);
  tlm_utils::simple_initiator_socket<AtHost> to_accelerator;
  tlm_utils::simple_target_socket<AtHost> from_accelerator;
  std::vector<atleus::LayerTransaction> work;
  unsigned max_outstanding = 4;
  unsigned outstanding = 0, peak_outstanding = 0, completed = 0, errors = 0;

  AtHost(sc_core::sc_module_name n, unsigned limit)
      : sc_module(n),
        to_accelerator("to_accelerator"),
        from_accelerator("from_accelerator"),
        max_outstanding(limit),
        peq_(this, &AtHost::on_phase) {
    to_accelerator.register_nb_transport_bw(this, &AtHost::nb_transport_bw);
    from_accelerator.register_b_transport(this, &AtHost::answer);
    SC_THREAD(issue);
  }

  void issue() {
    for (const auto& lt : work) {
      while (outstanding >= max_outstanding) wait(slot_freed_);
      tlm::tlm_generic_payload* tx = pool_.get();
      PayloadPool::ext_of(tx).group = lt.group;
      tx->set_command(tlm::TLM_WRITE_COMMAND);
      tx->set_address(lt.address);
      tx->set_data_ptr(PayloadPool::data_of(tx));
      tx->set_data_length(64);
      tx->set_streaming_width(64);
      tx->set_byte_enable_ptr(nullptr);
      tx->set_dmi_allowed(false);
      tx->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      ++outstanding;
      peak_outstanding = std::max(peak_outstanding, outstanding);
      // Request exclusion: one BEGIN_REQ at a time, until its END_REQ (or BEGIN_RESP).
      request_open_ = tx;
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      const tlm::tlm_sync_enum s = to_accelerator->nb_transport_fw(*tx, phase, delay);
      if (s == tlm::TLM_COMPLETED) {
        request_open_ = nullptr;
        finish(*tx);
      } else if (s == tlm::TLM_UPDATED) {
        peq_.notify(*tx, phase, delay);
      }
      while (request_open_ != nullptr) wait(request_closed_);
    }
  }

 private:
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& tx, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) {
    peq_.notify(tx, phase, delay);
    return tlm::TLM_ACCEPTED;
  }
  void on_phase(tlm::tlm_generic_payload& tx, const tlm::tlm_phase& phase) {
    if ((phase == tlm::END_REQ || phase == tlm::BEGIN_RESP) && request_open_ == &tx) {
      request_open_ = nullptr;
      request_closed_.notify(sc_core::SC_ZERO_TIME);
    }
    if (phase == tlm::BEGIN_RESP) {
      tlm::tlm_phase end = tlm::END_RESP;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      to_accelerator->nb_transport_fw(tx, end, delay);
      finish(tx);
    }
  }
  void finish(tlm::tlm_generic_payload& tx) {
    if (!tx.is_response_ok()) ++errors;
    ++completed;
    --outstanding;
    tx.release();
    slot_freed_.notify(sc_core::SC_ZERO_TIME);
  }
  void answer(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  PayloadPool pool_;
  tlm_utils::peq_with_cb_and_phase<AtHost> peq_;
  sc_core::sc_event slot_freed_, request_closed_;
  tlm::tlm_generic_payload* request_open_ = nullptr;
};

int sc_main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : "roberta-base";
  const unsigned batch = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 4;
  const unsigned limit = argc > 3 ? static_cast<unsigned>(std::stoul(argv[3])) : 4;
  const std::string out = argc > 4 ? argv[4] : "";

  const atleus::PlatformConfig cfg = atleus::load_platform("atleus");
  atleus::WorkloadSpec spec;
  spec.model = atleus::resolve_model(model);
  spec.task = atleus::task_preset("squad", spec.model);
  spec.task.batch = batch;
  spec.mode = atleus::Mode::kFinetune;
  spec.validate();
  atleus::RunOptions opt;
  opt.external_host = true;
  atleus::WorkloadPlatform accelerator("accelerator", cfg, spec, opt);
  AtHost host("host", limit);
  atleus::AtBridge bridge("bridge");
  host.work = accelerator.layer_transactions();
  host.to_accelerator.bind(bridge.in);
  bridge.out.bind(accelerator.host_in());
  accelerator.host_out().bind(host.from_accelerator);
  sc_core::sc_start();

  if (host.errors != 0 || host.completed != host.work.size() || !accelerator.done()) {
    std::fprintf(stderr, "run incomplete: %u of %zu completed, %u errors\n", host.completed,
                 host.work.size(), host.errors);
    return 1;
  }
  const atleus::RunResult r = accelerator.collect();
  std::printf(
      "%s fine-tuning, batch %u, from an AT host: %u layer transactions, at most %u "
      "outstanding\n  %.6g s simulated, %.6g J\n",
      model.c_str(), batch, host.completed, host.peak_outstanding, r.simulated_time_s, r.energy_j);
  if (!out.empty()) std::ofstream(out) << atleus::to_json(r, spec).dump(2);
  return 0;
}
