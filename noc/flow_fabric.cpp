#include "atleus/noc/flow_fabric.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "atleus/models/sim_time.hpp"

namespace atleus::noc {

FlowFabric::FlowFabric(sc_core::sc_module_name name, const Topology& topology,
                       const RoutingTable& routing, const AddressMap& map,
                       const RouterParams& router, Wiring wiring)
    : Fabric(name, routing, map, std::move(wiring)),
      topo_(topology),
      routing_(routing),
      flit_bytes_(router.flit_bytes),
      router_ps_(uint64_t{router.latency_cycles} * period_ps(router.clock_mhz)) {
  // Every channel of the network becomes a flow channel of its bandwidth, links first.
  for (Channel* ch : wiring_.link_channels) channel_index(ch);
  for (const auto& s : wiring_.sources) channel_index(s.inject), channel_index(s.eject);
  for (const auto& [key, chs] : wiring_.target_ports)
    channel_index(chs.first), channel_index(chs.second);
  routes_.resize(in.size());
  routed_.resize(in.size());
  for (std::size_t s = 0; s < in.size(); ++s) {
    routes_[s].resize(out.size());
    routed_[s].assign(out.size(), false);
  }
  SC_METHOD(on_drain);
  sensitive << drain_ev_;
  dont_initialize();
}

int FlowFabric::channel_index(Channel* ch) {
  const auto it = index_of_.find(ch);
  if (it != index_of_.end()) return it->second;
  const auto& p = ch->physics();
  const int i =
      net_.add_channel(static_cast<double>(p.width_bits) / 8.0 / static_cast<double>(p.period_ps));
  channels_.push_back(ch);
  index_of_.emplace(ch, i);
  return i;
}

const FlowFabric::Route* FlowFabric::route(int source, int target) {
  if (routed_[source][target]) return routes_[source][target].get();
  routed_[source][target] = true;
  const auto& src = wiring_.sources[source];
  auto r = std::make_unique<Route>();
  std::vector<int> back{index_of_.at(src.eject)};
  r->fwd.push_back(index_of_.at(src.inject));
  uint64_t head = src.inject->physics().latency_ps, head_back = src.eject->physics().latency_ps;
  int at = src.router;
  for (;;) {
    r->routers.push_back(wiring_.routers[at]);
    head += router_ps_;
    head_back += router_ps_;
    const int nl = routing_.next_link(at, target);
    if (nl == RoutingTable::kDeliver) {
      const auto port = wiring_.target_ports.find({target, at});
      if (port == wiring_.target_ports.end()) return nullptr;
      r->fwd.push_back(index_of_.at(port->second.first));
      back.push_back(index_of_.at(port->second.second));
      head += port->second.first->physics().latency_ps;
      head_back += port->second.second->physics().latency_ps;
      break;
    }
    if (nl < 0) return nullptr;
    const auto& link = topo_.links()[nl];
    const bool ab = link.a == at;
    Channel* fwd = wiring_.link_channels[2 * nl + (ab ? 0 : 1)];
    Channel* rev = wiring_.link_channels[2 * nl + (ab ? 1 : 0)];
    r->fwd.push_back(index_of_.at(fwd));
    back.push_back(index_of_.at(rev));
    head += fwd->physics().latency_ps;
    head_back += rev->physics().latency_ps;
    at = ab ? link.b : link.a;
  }
  r->back.assign(back.rbegin(), back.rend());
  r->head_fwd_ps = head;
  r->head_back_ps = head_back;
  routes_[source][target] = std::move(r);
  return routes_[source][target].get();
}

void FlowFabric::start(const std::vector<int>& path, uint64_t bytes, uint64_t head_ps, Waiter& w) {
  for (int c : path) channels_[c]->record_message(bytes);
  const uint64_t now = now_ps();
  const int f = net_.add_flow(now, path, bytes, head_ps);
  w.start_ps = now;
  w.path = &path;
  waiting_.emplace(f, &w);
  finished_.clear();
  net_.start(f, static_cast<double>(now), finished_);
  settle();
  reschedule();
}

void FlowFabric::settle() {
  const uint64_t now = now_ps();
  for (int f : finished_) {
    const auto it = waiting_.find(f);
    Waiter& w = *it->second;
    waiting_.erase(it);
    w.done = true;
    w.finish_ps = net_.finish_ps(f);
    for (int c : *w.path) channels_[c]->record_busy(w.start_ps, now);
    w.done_ev.notify(sc_core::SC_ZERO_TIME);
  }
  finished_.clear();
}

void FlowFabric::reschedule() {
  drain_ev_.cancel();
  const double t = net_.next_drain_ps();
  if (!std::isfinite(t)) return;
  const uint64_t now = now_ps();
  const auto at = static_cast<uint64_t>(std::ceil(t));
  // At least one picosecond ahead: a remainder above the solver's tolerance that the rounding
  // put at `now` drains by the next tick.
  drain_ev_.notify(from_ps(at > now ? at - now : 1));
}

void FlowFabric::on_drain() {
  net_.advance(static_cast<double>(now_ps()), finished_);
  settle();
  reschedule();
}

void FlowFabric::wait_for(Waiter& w) {
  while (!w.done) sc_core::wait(w.done_ev);
  const uint64_t now = now_ps();
  if (w.finish_ps > now) sc_core::wait(from_ps(w.finish_ps - now));
}

void FlowFabric::transport(int source, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const int target = target_of(tx);
  const Route* r = target >= 0 ? route(source, target) : nullptr;
  if (r == nullptr) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  ++messages_;
  const bool is_read = tx.get_command() == tlm::TLM_READ_COMMAND;
  // A read request carries a header flit; a write carries its data.
  const uint64_t bytes = is_read ? flit_bytes_ : tx.get_data_length();
  for (Router* router : r->routers) router->record_message(bytes, true);
  Waiter request;
  start(r->fwd, bytes, r->head_fwd_ps, request);
  uint64_t target_done = 0;
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  if (!is_read) {
    // The target sees the write when its head arrives; the data streams in behind it.
    sc_core::wait(from_ps(r->head_fwd_ps));
    out[target]->b_transport(tx, d);
    target_done = now_ps() + to_ps(d);
    wait_for(request);
  } else {
    wait_for(request);
    out[target]->b_transport(tx, d);
    target_done = now_ps() + to_ps(d);
    if (tx.is_response_ok()) {
      // The data flows back while the target streams it out.
      const uint64_t len = tx.get_data_length();
      for (Router* router : r->routers) router->record_message(len, false);
      Waiter data;
      start(r->back, len, r->head_back_ps, data);
      wait_for(data);
    }
  }
  const uint64_t now = now_ps();
  delay = from_ps(target_done > now ? target_done - now : 0);
}

}  // namespace atleus::noc
