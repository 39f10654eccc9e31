#include "atleus/noc/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace atleus::noc {

int FlowNetwork::add_channel(double bytes_per_ps) {
  if (!(bytes_per_ps > 0) || !std::isfinite(bytes_per_ps))
    throw std::invalid_argument("a flow channel needs a positive, finite bandwidth");
  capacity_.push_back(bytes_per_ps);
  return static_cast<int>(capacity_.size()) - 1;
}

int FlowNetwork::add_flow(uint64_t start_ps, std::vector<int> path, uint64_t bytes,
                          uint64_t head_latency_ps) {
  for (int c : path)
    if (c < 0 || c >= channels())
      throw std::invalid_argument("flow over a channel that does not exist");
  flows_.push_back({start_ps, std::move(path), bytes, head_latency_ps});
  rate_.push_back(0.0);
  frozen_.push_back(0);
  stats_.flows++;
  return static_cast<int>(flows_.size()) - 1;
}

void FlowNetwork::fair_rates(const std::vector<int>& active) {
  // Progressive filling: every unfrozen flow grows at the same pace; the channel whose fair
  // share (capacity left / unfrozen users) is least saturates first and freezes its flows.
  stats_.rate_updates++;
  if (users_.size() != capacity_.size()) {
    users_.assign(capacity_.size(), 0);
    left_.assign(capacity_.size(), 0.0);
    on_.resize(capacity_.size());
  }
  touched_.clear();
  for (int f : active) {
    if (flows_[f].path.empty()) {
      rate_[f] = std::numeric_limits<double>::infinity();
      continue;
    }
    frozen_[f] = 0;
    for (int c : flows_[f].path) {
      if (users_[c]++ == 0) {
        touched_.push_back(c);
        left_[c] = capacity_[c];
        on_[c].clear();
      }
      on_[c].push_back(f);
    }
  }
  std::sort(touched_.begin(), touched_.end());
  for (;;) {
    double share = std::numeric_limits<double>::infinity();
    int bottleneck = -1;
    for (int c : touched_) {
      if (users_[c] == 0) continue;
      const double s = left_[c] / users_[c];
      if (s < share) share = s, bottleneck = c;
    }
    if (bottleneck < 0) break;
    for (int f : on_[bottleneck]) {
      if (frozen_[f]) continue;
      frozen_[f] = 1;
      rate_[f] = share;
      for (int c : flows_[f].path) {
        left_[c] = std::max(0.0, left_[c] - share);
        users_[c]--;
      }
    }
  }
}

void FlowNetwork::finish(int f, double at) {
  flows_[f].finish_ps = static_cast<uint64_t>(std::llround(at)) + flows_[f].head_latency_ps;
  flows_[f].solved = true;
  flows_[f].path = {};  // no longer needed; a long online run keeps many flows
}

bool FlowNetwork::progress(double t, std::vector<int>& finished) {
  for (int f : active_) left_bytes_[f] -= rate_[f] * (t - now_);
  now_ = t;
  bool changed = false;
  std::vector<int> still;
  for (int f : active_) {
    // Relative tolerance: a flow whose remainder is rounding noise has finished.
    if (left_bytes_[f] <= 1e-9 * static_cast<double>(std::max<uint64_t>(flows_[f].bytes, 1))) {
      finish(f, t);
      finished.push_back(f);
      changed = true;
    } else {
      still.push_back(f);
    }
  }
  active_.swap(still);
  return changed;
}

bool FlowNetwork::admit(int f, double t, std::vector<int>& finished) {
  left_bytes_.resize(flows_.size(), 0.0);
  if (flows_[f].bytes == 0 || flows_[f].path.empty()) {
    finish(f, t);
    finished.push_back(f);
    return false;
  }
  left_bytes_[f] = static_cast<double>(flows_[f].bytes);
  active_.push_back(f);
  return true;
}

double FlowNetwork::next_drain_ps() const {
  double t = std::numeric_limits<double>::infinity();
  for (int f : active_) t = std::min(t, now_ + left_bytes_[f] / rate_[f]);
  return t;
}

void FlowNetwork::start(int f, double t_ps, std::vector<int>& finished) {
  if (f < 0 || f >= flows() || flows_[f].solved)
    throw std::invalid_argument("start of a flow that does not exist or has finished");
  bool changed = progress(std::max(t_ps, now_), finished);
  changed |= admit(f, now_, finished);
  if (changed && !active_.empty()) fair_rates(active_);
}

void FlowNetwork::advance(double t_ps, std::vector<int>& finished) {
  if (progress(std::max(t_ps, now_), finished) && !active_.empty()) fair_rates(active_);
}

void FlowNetwork::solve() {
  std::vector<int> order;
  for (int f = 0; f < flows(); ++f)
    if (!flows_[f].solved) order.push_back(f);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return flows_[a].start_ps < flows_[b].start_ps; });
  active_.clear();
  now_ = 0.0;
  std::vector<int> finished;
  std::size_t next = 0;
  while (next < order.size() || !active_.empty()) {
    // Next event: a start, or the first active flow to run out of data.
    const double t_next =
        std::min(next < order.size() ? static_cast<double>(flows_[order[next]].start_ps)
                                     : std::numeric_limits<double>::infinity(),
                 next_drain_ps());
    bool changed = progress(t_next, finished);
    while (next < order.size() && static_cast<double>(flows_[order[next]].start_ps) <= now_) {
      const int f = order[next++];
      changed |= admit(f, std::max(now_, static_cast<double>(flows_[f].start_ps)), finished);
    }
    if (changed && !active_.empty()) fair_rates(active_);
  }
}

}  // namespace atleus::noc
