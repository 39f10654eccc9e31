#include "atleus/platform/packet_probe.hpp"

#include <algorithm>
#include <stdexcept>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/link_physics.hpp"

namespace atleus {

int router_ports(const NetworkPlan& plan, int router) {
  int ports = plan.topology.radix(router) + 1;  // links and the core
  const auto& hbm = plan.hbm_routers;
  if (std::find(hbm.begin(), hbm.end(), router) != hbm.end()) ++ports;  // one HBM port at most
  if (router == plan.host_router) ++ports;
  ports += static_cast<int>(std::count(plan.port_routers.begin(), plan.port_routers.end(), router));
  return ports;
}

namespace {

// Channel::serialisation_ps: whole NoC cycles of `width_bits` each (an empty message is one).
uint64_t serialisation_ps(uint64_t bytes, unsigned width_bits, uint64_t period) {
  const uint64_t bits = std::max<uint64_t>(bytes, 1) * 8;
  return (bits + width_bits - 1) / width_bits * period;
}

}  // namespace

PacketProbe probe_packet(const PlatformConfig& cfg, const NetworkPlan& plan, int src, int dst,
                         uint64_t bytes) {
  const auto& topo = plan.topology;
  const auto& rt = *plan.routing;
  const noc::LinkPhysics local = noc::local_port_physics(cfg.noc);
  const double bits = static_cast<double>(bytes) * 8.0;
  PacketProbe p;
  p.period_ps = local.period_ps;
  p.terminal_ps = 2 * local.latency_ps;
  uint64_t ser = serialisation_ps(bytes, local.width_bits, local.period_ps);
  const uint64_t router_ps = uint64_t{cfg.noc.router.latency_cycles} * local.period_ps;
  int r = plan.sites.at(static_cast<std::size_t>(src)).index;
  for (;;) {
    p.path.push_back(r);
    p.router_ps += router_ps;
    p.router_j +=
        bits * noc::router_energy_pj_per_bit(cfg.noc.router, router_ports(plan, r)) * 1e-12;
    const int next = rt.next_link(r, dst);
    if (next == noc::RoutingTable::kDeliver) break;
    if (next < 0 || p.path.size() > topo.nodes().size())
      throw std::invalid_argument("the routing cannot join site " + plan.sites[src].name +
                                  " to site " + plan.sites[dst].name);
    const noc::Link& link = topo.links()[static_cast<std::size_t>(next)];
    const noc::LinkPhysics phys = noc::link_physics(cfg.noc, link.kind, link.tier_span);
    p.links.emplace_back(noc::to_string(link.kind));
    p.link_ps += phys.latency_ps;
    ser = std::max(ser, serialisation_ps(bytes, phys.width_bits, phys.period_ps));
    (link.kind == noc::LinkKind::kPlanar ? p.link_j : p.tsv_j) += bits * phys.energy_j_per_bit;
    r = link.a == r ? link.b : link.a;
  }
  p.serialisation_ps = ser;
  p.latency_ps = p.terminal_ps + p.router_ps + p.link_ps + p.serialisation_ps;
  return p;
}

}  // namespace atleus
