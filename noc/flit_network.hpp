// FlitNetwork: the cycle-level model of the NoC (noc.model: flit), for NoC studies. Pure C++
// (no SystemC): a plain loop advances the whole network one NoC cycle per step(), so it runs
// many times per process and fast (no per-cycle SystemC process).
//
// What it models. The same routers, links and routing as the packet model: the Topology, the
// deterministic RoutingTable (one output port per destination, looked up at every router) and
// the per-link latency, width and energy of link_physics.hpp. Each router is input-queued with
// `vcs` virtual channels per input port, each a FIFO of `buffer_flits` flits, and credit-based
// flow control: an output virtual channel keeps the free slots of the downstream buffer, spends
// one per flit sent and gets it back `credit_cycles` + link latency after the flit leaves that
// buffer. A head flit goes through route computation (RC), virtual-channel allocation (VA),
// switch allocation (SA) and switch traversal (ST), then the link (LT); body flits skip RC and
// VA. Allocators are separable (round-robin input-first or iSLIP, with iterations) over the
// router's input and output virtual channels (VA) and ports (SA; the granted input port then
// picks one of its eligible virtual channels round-robin). Wormhole flow control, or virtual
// cut-through (a head needs room for its whole packet downstream). An output virtual channel is
// freed when the tail leaves (BookSim2's wait_for_tail_credit = 0). A link narrower than a flit
// takes ceil(flit bits / width) cycles per flit. Every endpoint (terminal) has an unbounded
// source queue, an injection channel into a local router input port and an ejection channel
// from a local output port, each of `terminal_latency_cycles`; the ejection sink always accepts.
//
// Timing. A head written into an input buffer at cycle a (or reaching the front of its virtual
// channel later, one cycle after the previous tail left) may take part in VA from a + RC
// (RC = 0 with lookahead routing); granted at cycle v, it may take part in SA from
// v + vc_alloc_cycles (zero-cycle stages chain within one cycle); a flit granted by SA at cycle
// s is written into the next buffer at s + switch_alloc_cycles + switch_traversal_cycles + link
// latency. Body flits take part in SA from the cycle they are written. So at zero
// load a packet of F flits over H router-to-router hops, from its creation at a terminal to its
// tail at the other, takes
//   T_inj + (H + 1) x (RC + VA + SA + ST) + sum of the H link latencies + T_ej + (F - 1)
// cycles on links at least a flit wide (a narrower link spaces the body flits it carries).
// Within a cycle: arrivals (flits, credits), then injection at every terminal, then
// every router (RC, VA, SA); nothing a router does in a cycle is seen by another before the
// next cycle, so the order of routers does not matter and results are deterministic.
//
// Routing. `deterministic` (default): every packet follows the routing table and may use every
// virtual channel, so it is deadlock-free only where the table's channel dependencies are
// acyclic: dimension-order routing on meshes is; tori, space-filling-curve tiers joined by
// vertical and skip links may deadlock under load. `adaptive`: minimal adaptive routing with an
// escape channel (Duato 1993). Virtual channel 0 of each port is the escape class, taken only
// along the table's route; channels 1..vcs-1 may be taken on any output one hop closer to the
// destination (hop counts from a breadth-first search per destination), choosing the minimal
// output with the most free downstream slots, re-chosen every cycle until granted. Duato's
// condition: a packet can always fall back to the escape class, whose (deterministic) channel
// dependencies are acyclic; with dimension-order tables on meshes it holds, so adaptive routing
// there is deadlock-free; elsewhere it inherits the table's guarantee, no more. A watchdog throws
// FlitDeadlock when flits are buffered and none has moved for `kDeadlockCycles`.
//
// What it does not model. Non-minimal (Valiant, UGAL) routing, speculative allocation, shared
// buffers, input/output speedup, read responses (traffic is one-way writes), router static
// power.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "atleus/noc/noc_params.hpp"
#include "atleus/noc/routing.hpp"
#include "atleus/noc/topology.hpp"

namespace atleus::noc {

// No flit moved for kDeadlockCycles while some were buffered.
class FlitDeadlock : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A separable allocator between `inputs` requesters and `outputs` resources (a matching: each
// input and each output at most once). Round-robin pointers persist across calls.
class SeparableAllocator {
 public:
  SeparableAllocator(int inputs, int outputs, AllocatorKind kind, unsigned iterations);
  void request(int in, int out);
  // Computes a matching of the requests made since the last call, appends (input, output)
  // pairs to `grants` and clears the requests.
  void allocate(std::vector<std::pair<int, int>>& grants);
  int inputs() const { return ni_; }
  int outputs() const { return no_; }

 private:
  int ni_, no_;
  AllocatorKind kind_;
  unsigned iterations_;
  std::vector<uint8_t> req_;     // [in * no + out]
  std::vector<int> req_inputs_;  // inputs with at least one request
  std::vector<int> in_ptr_, out_ptr_;
  std::vector<int> in_match_, out_match_, best_, best_dist_;
  std::vector<int> req_lo_, req_hi_;  // per input: range of requested outputs
  std::vector<int> touched_;
  std::vector<std::pair<int, int>> accepts_;
};

// A packet's life, in NoC cycles.
struct FlitPacket {
  int src = 0, dst = 0;  // terminals
  unsigned flits = 1;
  uint64_t created = 0;    // entered the source queue
  uint64_t injected = 0;   // head entered the injection channel
  uint64_t delivered = 0;  // tail reached the destination terminal
  unsigned hops = 0;       // router-to-router links crossed
  bool done = false;
};

struct FlitStats {
  uint64_t cycles = 0;
  uint64_t packets_created = 0;
  uint64_t packets_delivered = 0;
  uint64_t flits_injected = 0;     // into injection channels
  uint64_t flits_delivered = 0;    // out of ejection channels
  uint64_t router_traversals = 0;  // flits through a router's switch
  uint64_t link_traversals = 0;    // flits over router-to-router links
  uint64_t vc_alloc_grants = 0;
  uint64_t switch_alloc_requests = 0;  // input VCs bidding for the switch, summed over cycles
  double router_energy_j = 0.0;        // energy_pj_per_bit x flit bits per traversal
  double link_energy_j = 0.0;          // planar wires and TSVs, per bit (link_physics.hpp)
};

class FlitNetwork {
 public:
  static constexpr uint64_t kDeadlockCycles = 20000;

  // Terminal i is attached to router terminal_routers[i] and is routing target i: the table's
  // target i must be delivered at that router. Throws std::invalid_argument otherwise, and
  // ParamError for invalid parameters.
  FlitNetwork(const Topology& topo, const RoutingTable& routing, std::vector<int> terminal_routers,
              const NocParams& params);

  int terminals() const { return static_cast<int>(term_router_.size()); }
  uint64_t now() const { return now_; }

  // Queues a packet at `src`'s source queue, created now; returns its id (0, 1, ...). Throws
  // std::invalid_argument for an unknown or unreachable destination or, under virtual
  // cut-through, a packet longer than a buffer.
  uint32_t create_packet(int src, int dst, unsigned flits);
  void reserve_packets(std::size_t n) { packets_.reserve(n); }
  // Advances one cycle. Throws FlitDeadlock (see above).
  void step();
  // Advances to `cycle`; cycles in which nothing is in flight (no packet, flit or credit) are
  // skipped without being simulated.
  void advance_to(uint64_t cycle);

  const FlitPacket& packet(uint32_t id) const { return packets_[id]; }
  const std::vector<FlitPacket>& packets() const { return packets_; }
  // Packets delivered during the last step(), in delivery order.
  const std::vector<uint32_t>& delivered_last_step() const { return delivered_now_; }
  uint64_t packets_in_flight() const { return stats_.packets_created - stats_.packets_delivered; }
  std::size_t source_queue_length(int terminal) const;
  uint64_t flits_buffered() const { return buffered_total_; }
  const FlitStats& stats() const { return stats_; }
  const NocParams& params() const { return params_; }

  // Zero-load latency of a packet, in cycles, from the model's own parameters (the formula in
  // the header comment); used for the queueing figure of traffic runs.
  uint64_t zero_load_cycles(int src, int dst, unsigned flits) const;

 private:
  struct BufFlit {
    uint64_t ready;  // cycle it was written into the buffer
    uint32_t packet;
    uint32_t dst;  // destination terminal (kept here: no packet lookup per hop)
    uint8_t head, tail;
  };
  enum : uint8_t { kIdle, kRouting, kActive };
  enum : uint8_t { kFlitArrive, kCreditArrive, kSourceCredit, kEject };
  struct Event {
    uint32_t index;  // global input port, global output port, or terminal
    uint32_t packet;
    uint32_t dst;
    uint16_t vc;
    uint8_t kind;
    uint8_t head_tail;  // bit 0 head, bit 1 tail
  };
  struct Source {
    std::vector<uint32_t> queue;  // packet ids; a growing ring (head_ index)
    std::size_t head = 0;
    unsigned sent = 0;  // flits of the front packet already sent
    int vc = -1;        // its injection VC
    int vc_ptr = 0;
    std::vector<int> credits;
  };

  void schedule(uint64_t delay, const Event& e);
  void process_events();
  void inject(int terminal);
  void route_and_allocate(int router);
  void compute_distances(const Topology& topo);
  // VC-allocation requests of a routed head under adaptive routing; true if any was made.
  bool request_adaptive(int router, int local_ivc, uint32_t dst, int escape_port, int need);
  int pipeline_cycles() const;

  NocParams params_;
  FlitParams fp_;
  unsigned vcs_, depth_;
  unsigned rc_;
  std::vector<int> term_router_;
  std::vector<int> term_port_;  // local port index of each terminal at its router
  int targets_;

  // Ports: router r owns global ports [port_base_[r], port_base_[r + 1]); local port p of r is
  // port_base_[r] + p. Neighbour ports come first (in Topology::neighbours order), then one per
  // attached terminal.
  std::vector<int> port_base_;
  std::vector<int> port_router_;  // global port -> router
  std::vector<int> route_;        // [router * targets + target] -> local output port
  // Adaptive routing only: hops from each router to each target's router, and router radices.
  static constexpr uint16_t kUnreachable = 0xffff;
  std::vector<uint16_t> dist_;  // [router * targets + target]
  std::vector<int> radix_;
  // Output side, per global port.
  std::vector<int> out_dest_;          // downstream global input port, or -1 - terminal (ejection)
  std::vector<unsigned> out_latency_;  // link (or ejection) latency, cycles
  std::vector<unsigned> out_cpf_;      // cycles per flit on the channel
  std::vector<uint64_t> out_free_;     // channel free from this cycle
  std::vector<double> out_energy_;     // J per flit over the link (0 for ejection)
  std::vector<int> out_link_;          // 1 for router-to-router links
  std::vector<int> ovc_credits_;       // [global port * vcs + vc]
  std::vector<uint8_t> ovc_busy_;
  // Input side, per global port.
  std::vector<int> in_src_;           // upstream global output port, or -1 - terminal
  std::vector<unsigned> in_latency_;  // latency of the channel feeding it
  std::vector<BufFlit> buf_;          // [ivc * depth + slot]
  std::vector<uint32_t> buf_head_, buf_count_;
  std::vector<uint8_t> ivc_state_;
  std::vector<int> ivc_out_port_, ivc_out_vc_;
  std::vector<uint64_t> ivc_ready_, ivc_idle_since_;
  std::vector<int> sa_vc_ptr_;  // per global input port
  std::vector<uint32_t> router_buffered_;
  std::vector<SeparableAllocator> vc_alloc_, sw_alloc_;

  std::vector<Source> sources_;
  std::vector<FlitPacket> packets_;
  std::vector<std::vector<Event>> wheel_;
  uint64_t wheel_mask_ = 0;

  uint64_t now_ = 0;
  uint64_t last_move_ = 0;
  uint64_t pending_events_ = 0;
  uint64_t buffered_total_ = 0;
  std::vector<double> router_flit_energy_j_;  // per router
  FlitStats stats_;
  std::vector<uint32_t> delivered_now_;
  // Scratch for one router's allocation.
  std::vector<std::pair<int, int>> grants_;
  std::vector<uint8_t> sa_cand_;  // per local input VC: 1 if eligible for SA this cycle
  std::vector<int> sa_list_;      // those local input VCs
  std::vector<int> occupied_;     // local input VCs holding flits
  // Per router, a bitset of its input VCs holding flits: words [occ_base_[r], occ_base_[r + 1]).
  std::vector<uint64_t> occ_;
  std::vector<int> occ_base_;
};

}  // namespace atleus::noc
