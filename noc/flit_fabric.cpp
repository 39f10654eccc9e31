#include "atleus/noc/flit_fabric.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/link_physics.hpp"
#include "atleus/platform/sim_errors.hpp"

namespace atleus::noc {

FlitFabric::FlitFabric(sc_core::sc_module_name name, const Topology& topology,
                       const RoutingTable& routing, const AddressMap& map, const NocParams& params,
                       uint64_t packet_bytes, Wiring wiring)
    : Fabric(name, routing, map, std::move(wiring)),
      flit_bytes_(params.router.flit_bytes),
      packet_bytes_(packet_bytes),
      period_(local_port_physics(params).period_ps),
      topo_(topology),
      routing_(routing) {
  if (params.flit.routing != FlitRouting::kDeterministic)
    throw std::invalid_argument(
        "noc.flit.routing adaptive: a run keeps per-link statistics along the routing table's "
        "paths, which adaptive routing leaves; use deterministic");
  if (packet_bytes_ == 0) throw std::invalid_argument("the packet size must be at least 1 byte");
  // Terminals: every source, then every target attachment that is not a source's endpoint.
  auto add = [&](int router, Channel* inject, Channel* eject) {
    term_router_.push_back(router);
    term_inject_.push_back(inject);
    term_eject_.push_back(eject);
    return static_cast<int>(term_router_.size()) - 1;
  };
  for (const auto& s : wiring_.sources) {
    const int t = add(s.router, s.inject, s.eject);
    source_term_.push_back(t);
    if (s.target >= 0) target_term_[{s.target, s.router}] = t;
  }
  for (const auto& [key, chs] : wiring_.target_ports)
    if (target_term_.count(key) == 0) target_term_[key] = add(key.second, chs.second, chs.first);
  std::vector<std::vector<int>> targets;
  for (int r : term_router_) targets.push_back({r});
  term_routing_ = std::make_unique<RoutingTable>(topology, std::move(targets));
  net_ = std::make_unique<FlitNetwork>(topology, *term_routing_, term_router_, params);
  paths_.resize(term_router_.size() * term_router_.size());
  SC_THREAD(run_network);
}

FlitFabric::~FlitFabric() = default;

int FlitFabric::target_terminal(int source, int target) const {
  const int at = routing_.delivery_router(wiring_.sources.at(source).router, target);
  const auto it = target_term_.find({target, at});
  return it == target_term_.end() ? -1 : it->second;
}

const FlitFabric::Path& FlitFabric::path(int from, int to) {
  auto& slot = paths_[static_cast<std::size_t>(from) * term_router_.size() + to];
  if (slot) return *slot;
  slot = std::make_unique<Path>();
  slot->channels.push_back(term_inject_[from]);
  int at = term_router_[from];
  for (;;) {
    slot->routers.push_back(wiring_.routers[at]);
    const int nl = term_routing_->next_link(at, to);
    if (nl < 0) break;  // delivered (create_packet refuses unreachable terminals)
    const auto& link = topo_.links()[nl];
    const bool ab = link.a == at;
    slot->channels.push_back(wiring_.link_channels[2 * nl + (ab ? 0 : 1)]);
    at = ab ? link.b : link.a;
  }
  slot->channels.push_back(term_eject_[to]);
  return *slot;
}

void FlitFabric::catch_up(uint64_t cycle) {
  while (net_->now() < cycle) {
    if (net_->packets_in_flight() == 0) {
      net_->advance_to(cycle);  // credits only: simulated, or idle cycles jumped
      break;
    }
    net_->step();
    collect();
  }
}

void FlitFabric::collect() {
  for (uint32_t id : net_->delivered_last_step()) {
    Waiter& w = *waiter_of_[id];
    waiter_of_[id] = nullptr;
    const uint64_t at = net_->packet(id).delivered * period_;
    const uint64_t now = now_ps();
    const sc_core::sc_time wait = from_ps(at > now ? at - now : 0);
    if (!w.first) {
      w.first = true;
      w.first_ps = at;
      w.first_ev.notify(wait);
    }
    w.finish_ps = std::max(w.finish_ps, at);
    if (--w.remaining == 0) w.done_ev.notify(wait);
  }
}

void FlitFabric::run_network() {
  // A deadlock (FlitDeadlock) reaches the caller of the simulation with its type.
  guard_process([&] {
    for (;;) {
      if (net_->packets_in_flight() == 0) {
        sc_core::wait(kick_ev_);
        continue;
      }
      // Cycle c is simulated at time c x period, one delta late, so that packets created at that
      // instant are queued before it.
      const uint64_t due = net_->now() * period_, now = now_ps();
      if (due > now) sc_core::wait(from_ps(due - now));
      sc_core::wait(sc_core::SC_ZERO_TIME);
      catch_up(now_ps() / period_ + 1);
      // Then on without returning to the kernel while no other process can run: a packet created
      // at time t enters at a cycle at or after t, so every cycle before the next pending activity
      // (a caller waking, or a delivery notified above) is decided already.
      while (net_->packets_in_flight() > 0) {
        const uint64_t horizon = now_ps() + to_ps(sc_core::sc_time_to_pending_activity());
        if (net_->now() * period_ >= horizon) break;
        net_->step();
        collect();
      }
    }
  });
}

void FlitFabric::send(int from, int to, uint64_t bytes, uint64_t packet, bool request, Waiter& w) {
  // The first cycle boundary at or after now; cycles before it are simulated (or jumped) first.
  catch_up((now_ps() + period_ - 1) / period_);
  const Path& p = path(from, to);
  uint64_t off = 0;
  do {
    const uint64_t len = std::min(packet, bytes - off);
    const auto flits =
        static_cast<unsigned>((std::max<uint64_t>(len, 1) + flit_bytes_ - 1) / flit_bytes_);
    const uint32_t id = net_->create_packet(from, to, flits);
    if (waiter_of_.size() <= id) waiter_of_.resize(std::max<std::size_t>(id + 1, 2 * id), nullptr);
    waiter_of_[id] = &w;
    ++w.remaining;
    for (Channel* ch : p.channels) ch->record_message(len);
    for (Router* r : p.routers) r->record_message(len, request);
    off += len;
  } while (off < bytes);
  kick_ev_.notify(sc_core::SC_ZERO_TIME);
}

void FlitFabric::wait_all(Waiter& w) {
  while (w.remaining > 0) sc_core::wait(w.done_ev);
  const uint64_t now = now_ps();
  if (w.finish_ps > now) sc_core::wait(from_ps(w.finish_ps - now));
}

void FlitFabric::transport(int source, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const int target = target_of(tx);
  const int to = target < 0 ? -1 : target_terminal(source, target);
  if (to < 0) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const int from = source_term_[source];
  ++messages_;
  const uint64_t start = now_ps();
  uint64_t target_done = 0;
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  std::vector<Channel*> busy;
  if (tx.get_command() != tlm::TLM_READ_COMMAND) {
    Waiter data;
    send(from, to, tx.get_data_length(), packet_bytes_, true, data);
    // The target sees the write when its first packet has arrived; the rest streams in.
    while (!data.first) sc_core::wait(data.first_ev);
    if (data.first_ps > now_ps()) sc_core::wait(from_ps(data.first_ps - now_ps()));
    out[target]->b_transport(tx, d);
    target_done = now_ps() + to_ps(d);
    wait_all(data);
    busy = path(from, to).channels;
  } else {
    Waiter request;
    send(from, to, flit_bytes_, flit_bytes_, true, request);
    wait_all(request);
    out[target]->b_transport(tx, d);
    target_done = now_ps() + to_ps(d);
    busy = path(from, to).channels;
    if (tx.is_response_ok()) {
      // The data comes back while the target streams it out.
      Waiter data;
      send(to, from, tx.get_data_length(), packet_bytes_, false, data);
      wait_all(data);
      const auto& back = path(to, from).channels;
      busy.insert(busy.end(), back.begin(), back.end());
    }
  }
  const uint64_t now = now_ps();
  for (Channel* ch : busy) ch->record_busy(start, now);
  delay = from_ps(target_done > now ? target_done - now : 0);
}

}  // namespace atleus::noc
