// ComputeNode: a core site in an end-to-end run. It wraps a compute model (ReRAM or systolic
// core) with what a network interface and a task queue do: it takes layer transactions from
// the host, starts a task once the host has announced it and all its inputs have arrived,
// loads its operands from HBM, hands the work to the model (whose calendars model contention),
// and when the model finishes sends the result to each consumer through the NoC (split into
// packets), stores what it must to HBM, and tells the consumer when the last byte arrived.
// Scheduling: each unit of the core (a crossbar group, the systolic array, the SFU; a roofline
// core is one unit) runs one task at a time. A task whose operands are in place waits in its
// unit's queue, and a unit that frees takes the waiting task of the oldest sequence first (the
// optimizer step last), so sequences stream through the layer pipeline in order instead of
// each unit serving whatever became ready first.
// Timing style: loosely timed; one SC_THREAD per node acts at the times of its timed queue,
// so every NoC request is injected at its own simulated time. With whole_messages (the flow
// and flit NoCs), a message is one transaction whose b_transport waits until it is delivered. The
// node's network interface then sends its writes one at a time in the order they were made
// (one thread), as the packet model's injection channel serves a node's packets in order, and
// its reads likewise (another thread: their data return over the ejection channel), while the
// worker goes on. Messages of different nodes share the links max-min fairly.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/models/block_model.hpp"
#include "atleus/models/reram_core.hpp"
#include "atleus/noc/packet.hpp"
#include "atleus/platform/bind_hook.hpp"
#include "atleus/platform/run/run_state.hpp"

namespace atleus {

struct NodeOptions {
  uint64_t packet_bytes = 4096;  // NoC packet payload
  uint64_t hbm_base = 0;
  // Bytes of the HBM window; tasks' synthetic operand addresses stay inside it (a timing-only
  // run places data by task, not by tensor).
  uint64_t hbm_bytes = uint64_t{1} << 31;
  const ReramCoreParams* reram = nullptr;  // for weight programming costs
  // The core streams its operands from its own memory (a roofline core with local_memory):
  // a task's HBM reads and writes do not cross the NoC but ride on the op (extra_bytes).
  bool local_memory = false;
  // The core takes a task's identical instances as one batched op (ComputeOp::batch), as a
  // GPU runs all heads in one kernel; otherwise they are issued one by one.
  bool batch_instances = false;
  // The core has one unit for every op (a roofline core): tasks never overlap on it.
  bool single_unit = false;
  // Each message is one transaction that waits in the NoC for its delivery (noc.model: flow,
  // flit):
  // the node sends from two threads of its own (writes, reads) so that its worker keeps
  // running meanwhile.
  bool whole_messages = false;
  BindHook bind_hook;  // the node's bindings to its core model pass through it
};

class ComputeNode : public Endpoint {
 public:
  SC_HAS_PROCESS(ComputeNode);
  tlm_utils::simple_initiator_socket<ComputeNode> to_model;

  ComputeNode(sc_core::sc_module_name name, int site, std::unique_ptr<BlockModel> model,
              RunState& state, const NodeOptions& opt);

  BlockModel& model() { return *model_; }
  // One dependency of `task` (which runs here) is satisfied at time `at_ps`.
  void arrive(int task, uint64_t at_ps);

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override;
  tlm::tlm_response_status check(const tlm::tlm_generic_payload& tx) const;

 private:
  enum class Step : uint8_t { kLoad, kQueue, kFinish };
  struct Action {
    uint64_t at_ps;
    uint64_t order;
    int task;
    Step step;
    bool operator>(const Action& o) const {
      return at_ps != o.at_ps ? at_ps > o.at_ps : order > o.order;
    }
  };
  // One unit of the core: whether a task runs on it, and the tasks waiting for it by age.
  struct Unit {
    bool running = false;
    std::set<std::pair<uint64_t, int>> waiting;  // (age key, task)
  };
  struct ModelSink : sc_core::sc_module {
    tlm_utils::simple_target_socket<ModelSink> in;
    explicit ModelSink(sc_core::sc_module_name n) : sc_module(n), in("in") {
      in.register_b_transport(this, &ModelSink::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
      tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
  };

  void worker();
  void push(uint64_t at_ps, int task, Step step);
  void load(int task);  // reads operands from HBM (and reprograms weights) when ready
  uint64_t operand_offset(int id, bool write) const;
  void enqueue(int task);  // operands in place: wait for the unit
  void dispatch(Unit& unit, int task);
  void finish(int task);
  Unit& unit_of(const Task& t);
  static uint64_t age_key(const Task& t);
  // Resets the node's payload for one request (it is reused for every packet and op).
  void prepare(tlm::tlm_command cmd, uint64_t address, unsigned len);
  void prepare_op();
  // Sends `bytes` to `address` from now; `then(at)` runs once the last byte arrives at `at`
  // (at once with packets, from a sender thread at `at` with whole messages).
  void send(uint64_t address, uint64_t bytes, tlm::tlm_command cmd,
            std::function<void(uint64_t)> then);
  // Packets: returns when the last byte arrives.
  uint64_t send_packets(uint64_t address, uint64_t bytes, tlm::tlm_command cmd);
  struct Message {
    uint64_t address, bytes;
    tlm::tlm_command cmd;
    std::function<void(uint64_t)> then;
  };
  struct Outbox {
    std::deque<Message> queue;
    sc_core::sc_event ready;
  };
  // Whole messages: one thread sends the writes, one the reads, each in order.
  void sender(Outbox& o);
  void send_writes() { sender(outbox_[0]); }
  void send_reads() { sender(outbox_[1]); }

  int site_;
  std::unique_ptr<BlockModel> model_;
  ModelSink sink_;
  RunState& state_;
  NodeOptions opt_;
  std::priority_queue<Action, std::vector<Action>, std::greater<Action>> actions_;
  std::map<uint64_t, Unit> units_;
  uint64_t order_ = 0;
  sc_core::sc_event wake_;
  tlm::tlm_generic_payload tx_;
  noc::PacketInfo packet_info_;  // attached while sending, so the NoC allocates none per packet
  std::vector<unsigned char> buffer_;
  std::array<unsigned char, 64> op_descriptor_{};
  std::array<Outbox, 2> outbox_;  // [0] writes, [1] reads
};

}  // namespace atleus
