#include "atleus/platform/run/traffic_run.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>
#include <vector>

#include "atleus/models/endpoint.hpp"
#include "atleus/models/sim_time.hpp"
#include "atleus/noc/flit_network.hpp"
#include "atleus/noc/flow_network.hpp"
#include "atleus/noc/link_physics.hpp"
#include "atleus/noc/packet.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/packet_probe.hpp"
#include "atleus/platform/sim_errors.hpp"

namespace atleus {

namespace {

struct PacketRecord {
  uint64_t inject_ps;
  uint64_t latency_ps;
  unsigned hops;
  uint64_t queue_ps;
};

// Injects packets from one site and sinks the packets sent to it.
class TrafficNode : public Endpoint {
 public:
  SC_HAS_PROCESS(TrafficNode);
  TrafficNode(sc_core::sc_module_name name, int src, TrafficGenerator& gen,
              const TrafficOptions& opt, uint64_t cycle_ps, unsigned flit_bytes)
      : Endpoint(name),
        src_(src),
        gen_(gen),
        opt_(opt),
        cycle_ps_(cycle_ps),
        data_(static_cast<std::size_t>(opt.traffic.flits_per_packet) * flit_bytes) {
    SC_THREAD(inject);
  }

  std::vector<PacketRecord> packets;  // every packet sent, in injection order

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) override {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }

 private:
  void inject() {
    guard_process([&] {
      tlm::tlm_generic_payload tx;
      noc::PacketInfo info;
      tx.set_extension(&info);
      uint64_t t = 0;
      for (uint64_t k = 0; k < opt_.packets_per_node; ++k) {
        t += gen_.next_gap(src_) * cycle_ps_;
        const int dst = gen_.destination(src_);
        if (dst < 0) continue;
        // Reach the injection time first, so packets enter the network in time order.
        wait(from_ps(t - now_ps()));
        info.reset();
        tx.set_command(tlm::TLM_WRITE_COMMAND);
        tx.set_address(core_base(dst));
        tx.set_data_ptr(data_.data());
        tx.set_data_length(static_cast<unsigned>(data_.size()));
        tx.set_streaming_width(static_cast<unsigned>(data_.size()));
        tx.set_byte_enable_ptr(nullptr);
        tx.set_dmi_allowed(false);
        tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        noc_out->b_transport(tx, delay);
        if (!tx.is_response_ok()) SC_REPORT_ERROR(name(), "traffic packet was not delivered");
        packets.push_back({t, to_ps(delay), info.hops, info.queue_ps});
      }
      tx.clear_extension(&info);
      if (on_finished) on_finished();
    });
  }

 public:
  std::function<void()> on_finished;  // the node has injected its last packet

 private:
  int src_;
  TrafficGenerator& gen_;
  const TrafficOptions& opt_;
  uint64_t cycle_ps_;
  std::vector<unsigned char> data_;
};

// Rates, latency percentiles, hops and queueing over the measurement window, from every node's
// packets in injection order. Shared by both NoC models.
void summarise(const std::vector<const std::vector<PacketRecord>*>& per_node, unsigned flits,
               uint64_t cycle, double warmup_fraction, TrafficResult& r) {
  // Measurement window, as BookSim2 measures: after a warm-up, and only while every node is
  // still injecting, so the offered load is steady. Latency is taken over the packets
  // created in the window; rates count the flits injected and delivered inside it.
  uint64_t end = UINT64_MAX;
  for (const auto* n : per_node)
    if (!n->empty()) end = std::min(end, n->back().inject_ps);
  const auto begin = static_cast<uint64_t>(warmup_fraction * static_cast<double>(end));
  std::vector<uint64_t> lat;
  uint64_t hops = 0, queue = 0, injected = 0, delivered = 0;
  for (const auto* n : per_node) {
    for (const auto& p : *n) {
      r.flits_delivered += flits;
      const uint64_t arrival = p.inject_ps + p.latency_ps;
      if (arrival >= begin && arrival < end) delivered += flits;
      if (p.inject_ps < begin || p.inject_ps >= end) continue;
      injected += flits;
      lat.push_back(p.latency_ps);
      hops += p.hops;
      queue += p.queue_ps;
    }
  }
  r.packets_sent = lat.size();
  if (end != UINT64_MAX && end > begin && r.nodes > 0) {
    const double node_cycles =
        r.nodes * static_cast<double>(end - begin) / static_cast<double>(cycle);
    r.offered_rate = static_cast<double>(injected) / node_cycles;
    r.accepted_rate = static_cast<double>(delivered) / node_cycles;
  }
  if (!lat.empty()) {
    std::sort(lat.begin(), lat.end());
    const double count = static_cast<double>(lat.size());
    r.avg_latency_ns = std::accumulate(lat.begin(), lat.end(), 0.0) / count / 1e3;
    auto pct = [&](double q) {
      const auto i = static_cast<std::size_t>(std::ceil(q * count)) - 1;
      return lat[std::min(i, lat.size() - 1)] / 1e3;
    };
    r.p50_latency_ns = pct(0.50);
    r.p99_latency_ns = pct(0.99);
    r.max_latency_ns = lat.back() / 1e3;
    r.avg_hops = static_cast<double>(hops) / count;
    r.avg_queue_ns = static_cast<double>(queue) / count / 1e3;
  }
}

// When each node injects its next packet, in NoC cycles, for the cycle-loop models (flit and
// flow): packets_per_node each, gaps drawn from the generator in node order, as TrafficNode
// draws them, so every model sees the same packets.
class InjectionSchedule {
 public:
  static constexpr uint64_t kNever = UINT64_MAX;

  InjectionSchedule(TrafficGenerator& gen, int nodes, uint64_t packets_per_node)
      : gen_(gen), per_node_(packets_per_node), next_(nodes, kNever), made_(nodes, 0) {
    for (int i = 0; i < nodes && per_node_ > 0; ++i) {
      next_[i] = 0;
      advance(i);
    }
  }

  // The earliest cycle a node injects at; kNever when every node is done.
  uint64_t first() const { return *std::min_element(next_.begin(), next_.end()); }

  // For every node whose packet is due at `cycle`: emit(node), then its next packet is drawn.
  template <class Emit>
  void fire(uint64_t cycle, Emit emit) {
    for (int i = 0; i < static_cast<int>(next_.size()); ++i) {
      if (next_[i] != cycle) continue;
      emit(i);
      if (++made_[i] < per_node_)
        advance(i);
      else
        next_[i] = kNever;
    }
  }

 private:
  void advance(int i) {
    const uint64_t gap = gen_.next_gap(i);
    next_[i] = (gap == kNever || next_[i] > kNever - gap) ? kNever : next_[i] + gap;
  }

  TrafficGenerator& gen_;
  uint64_t per_node_;
  std::vector<uint64_t> next_, made_;
};

// The flit model: no SystemC, a cycle loop. Packets are created exactly as TrafficNode creates
// them (same streams, same order), so both models see the same packets.
TrafficResult run_flit_traffic(const PlatformConfig& cfg, const TrafficOptions& opt) {
  const auto plan = plan_network(cfg);
  std::vector<NodeCoord> coords;
  std::vector<int> routers;
  for (const auto& s : plan.sites) {
    coords.push_back({s.tier, s.x, s.y});
    routers.push_back(s.index);
  }
  TrafficGenerator gen(opt.traffic, coords);
  noc::FlitNetwork net(plan.topology, *plan.routing, routers, cfg.noc);
  net.reserve_packets(coords.size() * std::min<uint64_t>(opt.packets_per_node, 1u << 20));
  const int n = static_cast<int>(coords.size());
  const unsigned flits = opt.traffic.flits_per_packet;
  const uint64_t cycle = period_ps(cfg.noc.router.clock_mhz);

  InjectionSchedule schedule(gen, n, opt.packets_per_node);
  for (;;) {
    const uint64_t first = schedule.first();
    if (first == InjectionSchedule::kNever) break;
    if (net.now() < first) net.advance_to(first);
    schedule.fire(net.now(), [&](int i) {
      const int dst = gen.destination(i);
      if (dst >= 0) net.create_packet(i, dst, flits);
    });
    net.step();
  }
  while (net.packets_in_flight() > 0) net.step();

  TrafficResult r;
  r.model = noc::NocModel::kFlit;
  r.nodes = n;
  r.noc_clock_mhz = cfg.noc.router.clock_mhz;
  std::vector<std::vector<PacketRecord>> recs(n);
  for (const auto& p : net.packets()) {
    const uint64_t lat = p.delivered - p.created;
    const uint64_t zero = net.zero_load_cycles(p.src, p.dst, p.flits);
    recs[p.src].push_back(
        {p.created * cycle, lat * cycle, p.hops, (lat > zero ? lat - zero : 0) * cycle});
  }
  std::vector<const std::vector<PacketRecord>*> per_node;
  for (const auto& v : recs) per_node.push_back(&v);
  summarise(per_node, flits, cycle, opt.warmup_fraction, r);
  const auto& st = net.stats();
  r.router_traversals = st.router_traversals;
  r.energy_j = st.router_energy_j + st.link_energy_j;
  const double bits = static_cast<double>(r.flits_delivered) * cfg.noc.router.flit_bytes * 8.0;
  r.energy_per_bit_j = bits > 0 ? r.energy_j / bits : 0.0;
  r.simulated_s = static_cast<double>(net.now()) * static_cast<double>(cycle) * 1e-12;
  return r;
}

// The flow model: every packet is one flow over the same channels the packet model builds (two
// per link, an injection and an ejection channel per site), created exactly as the flit model
// creates its packets; no SystemC.
TrafficResult run_flow_traffic(const PlatformConfig& cfg, const TrafficOptions& opt) {
  const auto plan = plan_network(cfg);
  const auto& topo = plan.topology;
  const auto& rt = *plan.routing;
  std::vector<NodeCoord> coords;
  for (const auto& s : plan.sites) coords.push_back({s.tier, s.x, s.y});
  TrafficGenerator gen(opt.traffic, coords);
  const int n = static_cast<int>(coords.size());
  const unsigned flits = opt.traffic.flits_per_packet;
  const uint64_t bytes = uint64_t{flits} * cfg.noc.router.flit_bytes;
  const uint64_t cycle = period_ps(cfg.noc.router.clock_mhz);

  noc::FlowNetwork net;
  std::vector<noc::LinkPhysics> phys;  // per channel
  auto add = [&](const noc::LinkPhysics& l) {
    phys.push_back(l);
    return net.add_channel(static_cast<double>(l.width_bits) / 8.0 /
                           static_cast<double>(l.period_ps));
  };
  const int links = static_cast<int>(topo.links().size());
  for (int l = 0; l < links; ++l) {
    const auto& link = topo.links()[l];
    const auto lp = noc::link_physics(cfg.noc, link.kind, link.tier_span);
    add(lp);  // 2l: a -> b
    add(lp);  // 2l + 1: b -> a
  }
  const auto local = noc::local_port_physics(cfg.noc);
  std::vector<int> inject(n), eject(n);
  for (int i = 0; i < n; ++i) {
    inject[i] = add(local);
    eject[i] = add(local);
  }
  // Router energy per bit at each router's port count, as the netlist builds it.
  std::vector<double> router_j_per_bit(n);
  for (int r = 0; r < n; ++r)
    router_j_per_bit[r] =
        noc::router_energy_pj_per_bit(cfg.noc.router, router_ports(plan, r)) * 1e-12;
  const uint64_t router_ps = uint64_t{cfg.noc.router.latency_cycles} * cycle;

  struct Sent {
    int src;
    uint64_t created;
    unsigned hops;
    uint64_t zero_load_ps;
  };
  std::vector<Sent> sent;
  double energy = 0.0;
  const double bits = static_cast<double>(bytes) * 8.0;
  auto send = [&](int src, int dst, uint64_t at) {
    std::vector<int> path{inject[src]};
    uint64_t head = local.latency_ps;
    unsigned hops = 0;
    int r = plan.sites[src].index;
    const int target = dst;
    for (;;) {
      head += router_ps;
      energy += bits * router_j_per_bit[r];
      const int nl = rt.next_link(r, target);
      if (nl == noc::RoutingTable::kDeliver) break;
      if (nl < 0) throw std::invalid_argument("traffic between sites the routing cannot join");
      const auto& link = topo.links()[nl];
      const int ch = 2 * nl + (link.a == r ? 0 : 1);
      path.push_back(ch);
      head += phys[ch].latency_ps;
      energy += bits * phys[ch].energy_j_per_bit;
      ++hops;
      r = link.a == r ? link.b : link.a;
    }
    path.push_back(eject[dst]);
    head += local.latency_ps;
    energy += 2 * bits * local.energy_j_per_bit;
    const uint64_t ser = (bytes * 8 + local.width_bits - 1) / local.width_bits * local.period_ps;
    net.add_flow(at, std::move(path), bytes, head);
    sent.push_back({src, at, hops, head + ser});
  };

  InjectionSchedule schedule(gen, n, opt.packets_per_node);
  for (;;) {
    const uint64_t first = schedule.first();
    if (first == InjectionSchedule::kNever) break;
    schedule.fire(first, [&](int i) {
      const int dst = gen.destination(i);
      if (dst >= 0) send(i, dst, first * cycle);
    });
  }
  net.solve();

  TrafficResult r;
  r.model = noc::NocModel::kFlow;
  r.nodes = n;
  r.noc_clock_mhz = cfg.noc.router.clock_mhz;
  std::vector<std::vector<PacketRecord>> recs(n);
  uint64_t last = 0;
  for (std::size_t k = 0; k < sent.size(); ++k) {
    const Sent& p = sent[k];
    const uint64_t lat = net.finish_ps(static_cast<int>(k)) - p.created;
    last = std::max(last, net.finish_ps(static_cast<int>(k)));
    recs[p.src].push_back(
        {p.created, lat, p.hops, lat > p.zero_load_ps ? lat - p.zero_load_ps : 0});
  }
  std::vector<const std::vector<PacketRecord>*> per_node;
  for (const auto& v : recs) per_node.push_back(&v);
  summarise(per_node, flits, cycle, opt.warmup_fraction, r);
  r.energy_j = energy;
  const double all_bits = static_cast<double>(r.flits_delivered) * cfg.noc.router.flit_bytes * 8.0;
  r.energy_per_bit_j = all_bits > 0 ? r.energy_j / all_bits : 0.0;
  r.simulated_s = static_cast<double>(last) * 1e-12;
  return r;
}

}  // namespace

struct TrafficPlatform::Impl {
  PlatformConfig cfg;
  TrafficOptions opt;
  NetworkPlan plan;
  std::unique_ptr<TrafficGenerator> gen;
  uint64_t cycle = 0;
  std::vector<TrafficNode*> nodes;
  std::size_t finished = 0;
  uint64_t last_finish_ps = 0;
  ProtocolCheckers checkers;
  std::unique_ptr<Netlist> net;
  sc_core::sc_event done;
};

TrafficPlatform::TrafficPlatform(sc_core::sc_module_name name, const PlatformConfig& cfg,
                                 const TrafficOptions& opt)
    : sc_core::sc_module(name), impl_(std::make_unique<Impl>()) {
  Impl& p = *impl_;
  p.cfg = cfg;
  p.opt = opt;
  p.opt.traffic.validate();
  if (p.cfg.noc.model != noc::NocModel::kPacket)
    throw std::invalid_argument(
        "TrafficPlatform elaborates the packet NoC model; run_traffic() "
        "runs the flit and flow models");
  p.plan = plan_network(p.cfg);
  std::vector<NodeCoord> coords;
  for (const auto& s : p.plan.sites) coords.push_back({s.tier, s.x, s.y});
  p.gen = std::make_unique<TrafficGenerator>(p.opt.traffic, coords);
  p.cycle = period_ps(p.cfg.noc.router.clock_mhz);
  NetlistOptions nopt;
  nopt.make_endpoint = [&p](const Site& site) {
    auto node = std::make_unique<TrafficNode>(("traffic_" + site.name).c_str(), site.index, *p.gen,
                                              p.opt, p.cycle, p.cfg.noc.router.flit_bytes);
    node->on_finished = [&p] {
      p.last_finish_ps = std::max(p.last_finish_ps, now_ps());
      if (++p.finished == p.nodes.size()) p.done.notify(sc_core::SC_ZERO_TIME);
    };
    p.nodes.push_back(node.get());
    return node;
  };
  if (p.opt.check_protocol) nopt.bind_hook = p.checkers.hook();
  p.net = std::make_unique<Netlist>("platform", p.cfg, std::move(nopt));
  SC_METHOD(on_done);
  sensitive << p.done;
  dont_initialize();
}

TrafficPlatform::~TrafficPlatform() = default;

void TrafficPlatform::on_done() {
  if (impl_->opt.stop_when_done) sc_core::sc_stop();
}

Netlist& TrafficPlatform::netlist() {
  return *impl_->net;
}
bool TrafficPlatform::done() const {
  return impl_->finished == impl_->nodes.size();
}
const sc_core::sc_event& TrafficPlatform::done_event() const {
  return impl_->done;
}

TrafficResult TrafficPlatform::collect() const {
  rethrow_simulation_error();
  if (!done()) throw std::logic_error("collect(): the traffic nodes have not finished injecting");
  const Impl& p = *impl_;
  TrafficResult r;
  r.protocol_checked = p.opt.check_protocol;
  r.protocol = p.checkers.stats();
  r.nodes = static_cast<int>(p.nodes.size());
  r.noc_clock_mhz = p.cfg.noc.router.clock_mhz;
  std::vector<const std::vector<PacketRecord>*> per_node;
  for (const auto* n : p.nodes) per_node.push_back(&n->packets);
  summarise(per_node, p.opt.traffic.flits_per_packet, p.cycle, p.opt.warmup_fraction, r);
  for (const auto& router : p.net->routers()) r.energy_j += router->stats().energy_j;
  for (const auto& ch : p.net->link_channels()) r.energy_j += ch->stats().energy_j;
  for (const auto& ch : p.net->local_channels()) r.energy_j += ch->stats().energy_j;
  const double bits = static_cast<double>(r.flits_delivered) * p.cfg.noc.router.flit_bytes * 8.0;
  r.energy_per_bit_j = bits > 0 ? r.energy_j / bits : 0.0;
  // The last injection: the simulation's end when nothing else runs beside it.
  r.simulated_s = static_cast<double>(p.last_finish_ps) * 1e-12;
  return r;
}

TrafficResult run_traffic(const PlatformConfig& cfg, const TrafficOptions& opt) {
  opt.traffic.validate();
  if (cfg.noc.model == noc::NocModel::kFlit) return run_flit_traffic(cfg, opt);
  if (cfg.noc.model == noc::NocModel::kFlow) return run_flow_traffic(cfg, opt);
  TrafficPlatform platform("traffic", cfg, opt);
  start_simulation();
  return platform.collect();
}

}  // namespace atleus
