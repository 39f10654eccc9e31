#include "atleus/platform/run/compute_node.hpp"

#include <algorithm>

#include "atleus/models/sim_time.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/sim_errors.hpp"

namespace atleus {

ComputeNode::ComputeNode(sc_core::sc_module_name name, int site, std::unique_ptr<BlockModel> model,
                         RunState& state, const NodeOptions& opt)
    : Endpoint(name),
      to_model("to_model"),
      site_(site),
      model_(std::move(model)),
      sink_("model_sink"),
      state_(state),
      opt_(opt),
      buffer_(opt.packet_bytes) {
  bind_through(opt_.bind_hook, to_model, model_->noc_in);
  bind_through(opt_.bind_hook, model_->noc_out, sink_.in);
  SC_THREAD(worker);
  if (opt_.whole_messages) {
    SC_THREAD(send_writes);
    SC_THREAD(send_reads);
  }
}

void ComputeNode::push(uint64_t at_ps, int task, Step step) {
  actions_.push({at_ps, order_++, task, step});
  wake_.notify(from_ps(at_ps > now_ps() ? at_ps - now_ps() : 0));
}

void ComputeNode::arrive(int task, uint64_t at_ps) {
  TaskState& s = state_.tasks[task];
  s.ready_ps = std::max(s.ready_ps, at_ps);
  if (--s.remaining == 0) push(s.ready_ps, task, Step::kLoad);
}

// What a core site accepts of the base protocol: writes (layer transactions and data packets)
// inside its own window, whole (no byte enables, no streaming). Anything else is answered with
// the base protocol's error response for it; nothing is accepted silently.
tlm::tlm_response_status ComputeNode::check(const tlm::tlm_generic_payload& tx) const {
  if (tx.get_command() != tlm::TLM_WRITE_COMMAND) return tlm::TLM_COMMAND_ERROR_RESPONSE;
  const uint64_t base = core_base(site_), len = tx.get_data_length();
  const uint64_t addr = tx.get_address();
  if (addr < base || addr - base >= kCoreWindow || len > kCoreWindow - (addr - base))
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  if (tx.get_byte_enable_ptr() != nullptr) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  if (tx.get_streaming_width() < len) return tlm::TLM_BURST_ERROR_RESPONSE;
  IssueExtension* issue = nullptr;
  tx.get_extension(issue);
  if (issue != nullptr &&
      (issue->group < 0 || issue->group >= static_cast<int>(state_.graph->issue.size()) ||
       state_.graph->issue[issue->group].site != site_))
    return tlm::TLM_GENERIC_ERROR_RESPONSE;  // a layer transaction meant for another core
  return tlm::TLM_OK_RESPONSE;
}

void ComputeNode::transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const tlm::tlm_response_status status = check(tx);
  if (status != tlm::TLM_OK_RESPONSE) {
    tx.set_response_status(status);
    return;
  }
  IssueExtension* issue = nullptr;
  tx.get_extension(issue);
  if (issue != nullptr) {
    const uint64_t at = now_ps() + to_ps(delay);
    for (int t : state_.graph->issue.at(issue->group).tasks) arrive(t, at);
  }
  // Data packets need no handling here: the sender reports the arrival of a message's last
  // byte to the consumer itself (see finish()).
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ComputeNode::worker() {
  guard_process([&] {
    for (;;) {
      if (actions_.empty()) {
        wait(wake_);
        continue;
      }
      const Action a = actions_.top();
      if (a.at_ps > now_ps()) {
        wait(from_ps(a.at_ps - now_ps()), wake_);
        continue;
      }
      actions_.pop();
      switch (a.step) {
        case Step::kLoad:
          load(a.task);
          break;
        case Step::kQueue:
          enqueue(a.task);
          break;
        case Step::kFinish:
          finish(a.task);
          break;
      }
    }
  });
}

void ComputeNode::prepare(tlm::tlm_command cmd, uint64_t address, unsigned len) {
  tx_.set_command(cmd);
  tx_.set_address(address);
  tx_.set_data_ptr(buffer_.data());
  tx_.set_data_length(len);
  tx_.set_streaming_width(len);
  tx_.set_byte_enable_ptr(nullptr);
  tx_.set_dmi_allowed(false);
  tx_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

void ComputeNode::prepare_op() {
  tx_.set_command(tlm::TLM_WRITE_COMMAND);
  tx_.set_address(0);
  tx_.set_data_ptr(op_descriptor_.data());
  tx_.set_data_length(static_cast<unsigned>(op_descriptor_.size()));
  tx_.set_streaming_width(static_cast<unsigned>(op_descriptor_.size()));
  tx_.set_byte_enable_ptr(nullptr);
  tx_.set_dmi_allowed(false);
  tx_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

void ComputeNode::send(uint64_t address, uint64_t bytes, tlm::tlm_command cmd,
                       std::function<void(uint64_t)> then) {
  if (!opt_.whole_messages) {
    then(send_packets(address, bytes, cmd));
    return;
  }
  // Writes leave through the injection channel, reads' data come back through the ejection
  // channel: one queue each, served in order.
  Outbox& o = outbox_[cmd == tlm::TLM_READ_COMMAND ? 1 : 0];
  o.queue.push_back({address, bytes, cmd, std::move(then)});
  o.ready.notify(sc_core::SC_ZERO_TIME);
}

void ComputeNode::sender(Outbox& o) {
  guard_process([&] {
    tlm::tlm_generic_payload tx;
    for (;;) {
      while (o.queue.empty()) wait(o.ready);
      Message m = std::move(o.queue.front());
      o.queue.pop_front();
      // A payload's length is 32 bits: a larger message goes as consecutive transactions.
      constexpr uint64_t kMaxTransaction = uint64_t{1} << 30;
      const uint64_t chunk = std::min(m.bytes, kMaxTransaction);
      if (state_.message_buffer.size() < chunk) state_.message_buffer.resize(chunk);
      const uint64_t sent = now_ps();
      uint64_t at = sent;
      for (uint64_t off = 0; off < m.bytes; off += kMaxTransaction) {
        const auto len = static_cast<unsigned>(std::min(kMaxTransaction, m.bytes - off));
        tx.set_command(m.cmd);
        tx.set_address(m.address + off);
        tx.set_data_ptr(state_.message_buffer.data());
        tx.set_data_length(len);
        tx.set_streaming_width(len);
        tx.set_byte_enable_ptr(nullptr);
        tx.set_dmi_allowed(false);
        tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        noc_out->b_transport(tx, delay);
        if (!tx.is_response_ok()) SC_REPORT_ERROR(name(), "a NoC transfer failed");
        at = now_ps() + to_ps(delay);
      }
      state_.noc_packets_timed++;
      state_.noc_packet_latency_ps += at - sent;
      m.then(at);
    }
  });
}

uint64_t ComputeNode::send_packets(uint64_t address, uint64_t bytes, tlm::tlm_command cmd) {
  uint64_t last = now_ps();
  tx_.set_extension(&packet_info_);
  for (uint64_t off = 0; off < bytes; off += opt_.packet_bytes) {
    const auto len = static_cast<unsigned>(std::min(opt_.packet_bytes, bytes - off));
    prepare(cmd, address + off, len);
    packet_info_.reset();
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    noc_out->b_transport(tx_, delay);
    if (!tx_.is_response_ok()) SC_REPORT_ERROR(name(), "a NoC transfer failed");
    last = std::max(last, now_ps() + to_ps(delay));
    state_.noc_packets_timed++;
    state_.noc_packet_latency_ps += to_ps(delay);
  }
  tx_.clear_extension(&packet_info_);
  return last;
}

uint64_t ComputeNode::age_key(const Task& t) {
  // The oldest sequence first; within it, the order tasks were created (layer by layer);
  // per-batch work (the optimizer step) after every sequence.
  const uint64_t seq = t.sequence < 0 ? UINT32_MAX : static_cast<uint64_t>(t.sequence);
  return (seq << 32) | static_cast<uint64_t>(t.id);
}

ComputeNode::Unit& ComputeNode::unit_of(const Task& t) {
  if (opt_.single_unit) return units_[0];
  switch (t.op.kind) {
    case OpKind::kMvm:
      return units_[2 + static_cast<uint64_t>(t.op.crossbar_group)];  // one per crossbar group
    case OpKind::kGemm:
      return units_[0];  // the systolic array
    default:
      return units_[1];  // the special-function unit
  }
}

// A task's operands at 4 KiB steps by task id, reads in the lower half of the window and
// writes in the upper half (up to 1 GiB each), wrapped to stay inside it.
uint64_t ComputeNode::operand_offset(int id, bool write) const {
  const uint64_t half = std::min<uint64_t>(uint64_t{1} << 30, opt_.hbm_bytes / 2 / 4096 * 4096);
  if (half == 0) return 0;
  return (write ? half : 0) + (static_cast<uint64_t>(id) * 4096) % half;
}

void ComputeNode::load(int id) {
  const Task& t = state_.graph->tasks[id];
  uint64_t program_ps = 0;
  if (t.program_cells > 0 && opt_.reram != nullptr) {
    // Weight reloading: the part is programmed before it computes.
    const auto placement = place_matrix(*opt_.reram, t.op.k, t.op.n, t.op.weight_bits);
    const ReramWriteCost w = write_cost(*opt_.reram, placement);
    program_ps = w.latency_ps;
    state_.cells_written += w.cells;
    state_.write_energy_j += w.energy_j;
    state_.write_ps += w.latency_ps;
  }
  auto queue = [this, id, program_ps](uint64_t arrival) {
    push(arrival + program_ps, id, Step::kQueue);
  };
  if (t.hbm_read_bytes > 0 && !opt_.local_memory) {
    // Operands stream in from HBM; each task reads its own region so channels interleave.
    const uint64_t addr = opt_.hbm_base + operand_offset(id, false);
    send(addr, t.hbm_read_bytes, tlm::TLM_READ_COMMAND, queue);
  } else {
    queue(now_ps());
  }
}

void ComputeNode::enqueue(int id) {
  const Task& t = state_.graph->tasks[id];
  state_.tasks[id].loaded_ps = now_ps();
  Unit& unit = unit_of(t);
  if (!unit.running && unit.waiting.empty()) {
    dispatch(unit, id);
    return;
  }
  unit.waiting.emplace(age_key(t), id);
}

void ComputeNode::dispatch(Unit& unit, int id) {
  const Task& t = state_.graph->tasks[id];
  TaskState& s = state_.tasks[id];
  s.start_ps = UINT64_MAX;
  const uint64_t ops = opt_.batch_instances ? 1 : t.instances;
  for (uint64_t i = 0; i < ops; ++i) {
    ComputeExtension ext;
    ext.op = t.op;
    ext.op.batch = t.instances / ops;
    if (opt_.local_memory) ext.op.extra_bytes = (t.hbm_read_bytes + t.hbm_write_bytes) / ops;
    // A legal base-protocol write: a 64-byte descriptor to the core's command address, the
    // operation itself in the ComputeExtension.
    prepare_op();
    tx_.set_extension(&ext);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    to_model->b_transport(tx_, delay);
    tx_.clear_extension(&ext);
    if (!tx_.is_response_ok())
      SC_REPORT_ERROR(name(), ("the core refused task " + t.kernel->name).c_str());
    s.start_ps = std::min(s.start_ps, ext.result.start_ps);
    s.finish_ps = std::max(s.finish_ps, ext.result.finish_ps);
    // The task waited in its unit's queue, then inside the core before its first instance;
    // later instances queue behind their siblings.
    if (i == 0) s.queue_ps = (now_ps() - s.loaded_ps) + ext.result.queue_ps;
    s.slices.emplace_back(ext.result.start_ps, ext.result.finish_ps);
    s.energy_j += ext.result.energy_j;
  }
  unit.running = true;
  push(s.finish_ps, id, Step::kFinish);
}

void ComputeNode::finish(int id) {
  const Task& t = state_.graph->tasks[id];
  // The unit is free: the oldest waiting task takes it.
  Unit& unit = unit_of(t);
  unit.running = false;
  if (!unit.waiting.empty()) {
    const int next = unit.waiting.begin()->second;
    unit.waiting.erase(unit.waiting.begin());
    dispatch(unit, next);
  }
  const uint64_t now = now_ps();
  for (int c : t.consumers) {
    const int dest = state_.graph->tasks[c].site;
    auto deliver = [this, id, c, dest, now](uint64_t at) {
      state_.tasks[id].comm_ps = std::max(state_.tasks[id].comm_ps, at - now);
      state_.node_of_site[dest]->arrive(c, at);
    };
    if (dest == site_)
      deliver(now);
    else
      send(core_base(dest), t.out_bytes, tlm::TLM_WRITE_COMMAND, deliver);
  }
  if (t.hbm_write_bytes > 0 && !opt_.local_memory) {
    const uint64_t addr = opt_.hbm_base + operand_offset(id, true);
    send(addr, t.hbm_write_bytes, tlm::TLM_WRITE_COMMAND, [](uint64_t) {});
  }
  if (state_.on_finish) state_.on_finish(t);
  TaskState& s = state_.tasks[id];
  s.done = true;
  state_.done++;
  state_.last_finish_ps = std::max(state_.last_finish_ps, s.finish_ps);
  if (state_.progress) state_.progress(state_.done, state_.tasks.size());
  if (state_.on_task_done) state_.on_task_done();
}

}  // namespace atleus
