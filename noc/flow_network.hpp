// FlowNetwork: the NoC at message level (noc.model: flow). A flow is one message (a tensor
// between two endpoints, or one synthetic packet) crossing a fixed path of channels. Covers the
// serialisation of each flow on every channel of its path and the sharing of channels among
// concurrent flows: rates are max-min fair (progressive filling, Bertsekas and Gallager, "Data
// Networks", section 6.5.2), recomputed whenever a flow starts or finishes. A flow is a fluid
// pipe: its data leaves the source at its rate and its tail arrives one head latency (the
// routers, links and terminal channels of its path at zero load) after the last byte left.
// Does not model packets, buffers, head-of-line blocking, virtual channels or allocation:
// under load it is optimistic like an ideal output-queued network with fair sharing.
// Timing style: analytical. Pure C++ (no SystemC). Two ways to drive it: offline, flows are
// added with their start times and solve() computes every finish time (`traffic`); online, an
// event-driven caller (the SystemC fabric of `run`, platform/flow_fabric.hpp) starts each flow
// at the current time, asks when the next active flow runs dry and advances to that time. Both
// share one progression and one max-min solver.
#pragma once

#include <cstdint>
#include <vector>

namespace atleus::noc {

struct FlowStats {
  uint64_t flows = 0;
  uint64_t rate_updates = 0;  // max-min recomputations (one per start or finish instant)
};

class FlowNetwork {
 public:
  // A channel carrying `bytes_per_ps`; returns its index.
  int add_channel(double bytes_per_ps);
  // A flow of `bytes` entering at `start_ps` over `path` (channel indices, each used once),
  // arriving `head_latency_ps` after its last byte left the source; returns its index.
  int add_flow(uint64_t start_ps, std::vector<int> path, uint64_t bytes, uint64_t head_latency_ps);
  // Computes every flow's finish time (flows may be added again afterwards and solved anew).
  void solve();

  // Online use; times never go back. Starts flow `f` (from add_flow; its start_ps is ignored)
  // at `t_ps`: the active flows progress to t_ps, those that ran dry finish (appended to
  // `finished`), and the rates are shared anew.
  void start(int f, double t_ps, std::vector<int>& finished);
  // Progresses the active flows to `t_ps`; those that ran dry finish (appended to `finished`)
  // and the rest share the freed capacity.
  void advance(double t_ps, std::vector<int>& finished);
  // When the next active flow runs dry (+infinity when none is active).
  double next_drain_ps() const;

  uint64_t finish_ps(int flow) const { return flows_.at(flow).finish_ps; }
  int channels() const { return static_cast<int>(capacity_.size()); }
  int flows() const { return static_cast<int>(flows_.size()); }
  const FlowStats& stats() const { return stats_; }

 private:
  struct Flow {
    uint64_t start_ps;
    std::vector<int> path;
    uint64_t bytes;
    uint64_t head_latency_ps;
    uint64_t finish_ps = 0;
    bool solved = false;
  };
  // Max-min fair rates of the flows in `active` (indices into flows_) into rate_.
  void fair_rates(const std::vector<int>& active);
  // The common steps of solve() and the online calls. progress(): the active flows send at
  // their rates up to `t`; those that ran dry finish. admit(): flow f joins the active set at
  // `t` (or finishes at once when it has nothing to send). Both return whether the active set
  // changed.
  bool progress(double t, std::vector<int>& finished);
  bool admit(int f, double t, std::vector<int>& finished);
  void finish(int f, double at);

  std::vector<double> capacity_;  // bytes per ps
  std::vector<Flow> flows_;
  std::vector<double> rate_;        // per flow, while active
  std::vector<double> left_bytes_;  // per flow: bytes still to send, while active
  std::vector<int> active_;
  double now_ = 0.0;  // time the active flows have progressed to
  FlowStats stats_;
  // Scratch for fair_rates().
  std::vector<double> left_;          // per channel: capacity not yet shared out
  std::vector<int> users_;            // per channel: unfrozen flows on it
  std::vector<std::vector<int>> on_;  // per channel: active flows on it
  std::vector<int> touched_;          // channels with active flows
  std::vector<uint8_t> frozen_;       // per flow
};

}  // namespace atleus::noc
