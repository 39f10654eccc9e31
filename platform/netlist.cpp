#include "atleus/platform/netlist.hpp"

#include <algorithm>
#include <stdexcept>

#include "atleus/models/reram_core.hpp"
#include "atleus/models/roofline_core.hpp"
#include "atleus/models/sim_time.hpp"
#include "atleus/models/systolic_core.hpp"
#include "atleus/noc/link_physics.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/port_fillers.hpp"

namespace atleus {

namespace {

std::string site_name(int tier, int x, int y) {
  return "t" + std::to_string(tier) + "_x" + std::to_string(x) + "_y" + std::to_string(y);
}

int site_node(const noc::Topology& t, const SiteRef& s, const char* what) {
  const int n = t.node_at(s.tier, s.x, s.y);
  if (n < 0)
    throw std::invalid_argument(std::string(what) + " at tier " + std::to_string(s.tier) + " (" +
                                std::to_string(s.x) + ", " + std::to_string(s.y) +
                                ") names a core site that does not exist");
  return n;
}

}  // namespace

noc::Topology build_topology(const PlatformConfig& cfg) {
  noc::Topology t;
  for (const auto& tier : cfg.tiers) t.add_tier(tier.width, tier.height);
  // Consecutive SFC tiers run in alternating directions when that puts the start of a tier's
  // curve right above the end of the previous one, so layer i -> i+1 stays one hop.
  std::pair<int, int> prev_end{-1, -1};
  for (int i = 0; i < static_cast<int>(cfg.tiers.size()); ++i) {
    const auto& tier = cfg.tiers[i];
    switch (tier.topology) {
      case PlanarTopology::kMesh:
        noc::add_mesh(t, i);
        break;
      case PlanarTopology::kTorus:
        noc::add_torus(t, i);
        break;
      case PlanarTopology::kNone:
        break;
      case PlanarTopology::kSfc: {
        const auto pos = noc::sfc_positions(tier.width, tier.height, tier.curve);
        const bool reverse = pos.front() != prev_end && pos.back() == prev_end;
        noc::add_sfc_path(t, i, tier.curve, reverse);
        prev_end = reverse ? pos.front() : pos.back();
        continue;
      }
    }
  }
  if (cfg.vertical.adjacent) noc::add_vertical_adjacent(t);
  for (const auto& [a, b] : cfg.vertical.skip) noc::add_skip_links(t, a, b);
  if (cfg.vertical.wrap) noc::add_vertical_wrap(t);
  for (const auto& l : cfg.vertical.links)
    t.add_link(site_node(t, l.a, "link end"), site_node(t, l.b, "link end"), l.kind);
  return t;
}

NetworkPlan plan_network(const PlatformConfig& cfg) {
  NetworkPlan p;
  p.topology = build_topology(cfg);
  const auto& nodes = p.topology.nodes();
  std::vector<std::vector<int>> targets;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    const auto& n = nodes[i];
    const auto& tier = cfg.tiers[n.tier];
    p.sites.push_back(
        {i, n.tier, n.x, n.y, &cfg.core_type(tier.core_type), site_name(n.tier, n.x, n.y)});
    targets.push_back({i});
    p.address_map.add(core_base(i), kCoreWindow, i, "core " + p.sites.back().name);
  }
  for (const auto& s : cfg.hbm_attach) {
    const int r = site_node(p.topology, s, "memory.hbm attach");
    if (std::find(p.hbm_routers.begin(), p.hbm_routers.end(), r) == p.hbm_routers.end())
      p.hbm_routers.push_back(r);
  }
  if (p.hbm_routers.empty()) throw std::invalid_argument("the HBM has no attachment router");
  p.host_router = site_node(p.topology, cfg.host_attach, "host attach");
  p.hbm_target = static_cast<int>(targets.size());
  targets.push_back(p.hbm_routers);
  p.host_target = static_cast<int>(targets.size());
  targets.push_back({p.host_router});
  p.address_map.add(kHbmBase, cfg.hbm.capacity_bytes(), p.hbm_target, "hbm");
  p.address_map.add(kHostBase, kHostWindow, p.host_target, "host");
  p.routing = std::make_unique<noc::RoutingTable>(p.topology, std::move(targets));
  return p;
}

Netlist::Netlist(sc_core::sc_module_name name, const PlatformConfig& cfg,
                 EndpointFactory make_endpoint, bool host_stub)
    : sc_core::sc_module(name), cfg_(cfg), plan_(plan_network(cfg_)) {
  ensure_ps_resolution();
  cfg_.noc.validate();
  if (cfg_.noc.model != noc::NocModel::kPacket)
    throw std::invalid_argument(
        std::string("the netlist elaborates the packet NoC model; noc.model ") +
        noc::to_string(cfg_.noc.model) + " runs only synthetic traffic");
  const auto& topo = plan_.topology;
  const int n_sites = static_cast<int>(plan_.sites.size());

  // Ports of router r: its links in adjacency order, then the core, HBM and host local ports.
  std::vector<int> core_port(n_sites), hbm_port(n_sites, -1), host_port(n_sites, -1);
  std::vector<int> ports(n_sites);
  for (int r = 0; r < n_sites; ++r) {
    int p = topo.radix(r);
    core_port[r] = p++;
    if (std::find(plan_.hbm_routers.begin(), plan_.hbm_routers.end(), r) != plan_.hbm_routers.end())
      hbm_port[r] = p++;
    if (r == plan_.host_router) host_port[r] = p++;
    ports[r] = p;
  }

  // Routers with their routing-table rows translated to output ports.
  const auto& rt = *plan_.routing;
  for (int r = 0; r < n_sites; ++r) {
    std::vector<int> route(rt.targets(), -1);
    for (int tg = 0; tg < rt.targets(); ++tg) {
      const int link = rt.next_link(r, tg);
      if (link == noc::RoutingTable::kDeliver) {
        route[tg] = tg == plan_.hbm_target    ? hbm_port[r]
                    : tg == plan_.host_target ? host_port[r]
                                              : core_port[r];
      } else if (link >= 0) {
        const auto& nb = topo.neighbours(r);
        for (int i = 0; i < static_cast<int>(nb.size()); ++i)
          if (nb[i].second == link) route[tg] = i;
      }
    }
    routers_.push_back(std::make_unique<noc::Router>(("r_" + plan_.sites[r].name).c_str(),
                                                     cfg_.noc.router, ports[r], plan_.address_map,
                                                     std::move(route)));
  }

  // Two channels per link, bound router to router.
  const unsigned flit = cfg_.noc.router.flit_bytes;
  for (int l = 0; l < static_cast<int>(topo.links().size()); ++l) {
    const auto& link = topo.links()[l];
    const auto phys = noc::link_physics(cfg_.noc, link.kind, link.tier_span);
    auto port_of = [&](int r, int id) {
      const auto& nb = topo.neighbours(r);
      for (int i = 0; i < static_cast<int>(nb.size()); ++i)
        if (nb[i].second == id) return i;
      throw std::logic_error("link missing from its router");
    };
    const int pa = port_of(link.a, l), pb = port_of(link.b, l);
    const std::string base = std::string(noc::to_string(link.kind)) + "_" +
                             plan_.sites[link.a].name + "_" + plan_.sites[link.b].name;
    auto ab = std::make_unique<noc::Channel>((base + "_fwd").c_str(), phys,
                                             noc::ChannelRole::kNetwork, flit);
    auto ba = std::make_unique<noc::Channel>((base + "_rev").c_str(), phys,
                                             noc::ChannelRole::kNetwork, flit);
    routers_[link.a]->out[pa].bind(ab->in);
    ab->out.bind(routers_[link.b]->in[pb]);
    routers_[link.b]->out[pb].bind(ba->in);
    ba->out.bind(routers_[link.a]->in[pa]);
    ab->set_reverse(ba.get());
    ba->set_reverse(ab.get());
    link_ch_.push_back(std::move(ab));
    link_ch_.push_back(std::move(ba));
  }

  // A block on every core site, joined to its router through an inject and an eject channel.
  for (const auto& site : plan_.sites) {
    std::unique_ptr<Endpoint> ep;
    if (make_endpoint) {
      ep = make_endpoint(site);
    } else {
      ep = site.type->kind->make_model(site.type->name + "_" + site.name, *site.type);
    }
    auto& inj = make_local_channel("inject_" + site.name, noc::ChannelRole::kInject);
    auto& ej = make_local_channel("eject_" + site.name, noc::ChannelRole::kEject);
    ep->noc_out.bind(inj.in);
    inj.out.bind(routers_[site.index]->in[core_port[site.index]]);
    routers_[site.index]->out[core_port[site.index]].bind(ej.in);
    ej.out.bind(ep->noc_in);
    inj.set_reverse(&ej);
    ej.set_reverse(&inj);
    endpoints_.push_back(std::move(ep));
  }

  // The HBM: an eject channel from each attachment router into one of its port bindings.
  HbmParams hbm_params = cfg_.hbm;
  hbm_params.base_address = kHbmBase;
  hbm_ = std::make_unique<Hbm>("hbm", hbm_params);
  for (int r : plan_.hbm_routers) {
    auto& ej = make_local_channel("eject_hbm_" + plan_.sites[r].name, noc::ChannelRole::kEject);
    auto& inj = make_local_channel("inject_hbm_" + plan_.sites[r].name, noc::ChannelRole::kInject);
    routers_[r]->out[hbm_port[r]].bind(ej.in);
    ej.out.bind(hbm_->port);
    ej.set_reverse(&inj);
    inj.set_reverse(&ej);
    // The HBM never initiates: an idle initiator drives the unused inputs.
    auto idle = std::make_unique<IdleInitiator>(("idle_hbm_" + plan_.sites[r].name).c_str());
    idle->out.bind(inj.in);
    inj.out.bind(routers_[r]->in[hbm_port[r]]);
    fillers_.push_back(std::move(idle));
  }

  // The host port.
  const int hr = plan_.host_router;
  host_inject_ = &make_local_channel("inject_host", noc::ChannelRole::kInject);
  host_eject_ = &make_local_channel("eject_host", noc::ChannelRole::kEject);
  host_inject_->out.bind(routers_[hr]->in[host_port[hr]]);
  routers_[hr]->out[host_port[hr]].bind(host_eject_->in);
  host_inject_->set_reverse(host_eject_);
  host_eject_->set_reverse(host_inject_);
  if (host_stub) {
    auto stub = std::make_unique<HostStub>("host_stub");
    stub->noc_out.bind(host_inject_->in);
    host_eject_->out.bind(stub->noc_in);
    fillers_.push_back(std::move(stub));
  }
}

Netlist::~Netlist() = default;

noc::Channel& Netlist::make_local_channel(const std::string& name, noc::ChannelRole role) {
  local_ch_.push_back(std::make_unique<noc::Channel>(
      name.c_str(), noc::local_port_physics(cfg_.noc), role, cfg_.noc.router.flit_bytes));
  return *local_ch_.back();
}

tlm::tlm_target_socket<>& Netlist::host_in() {
  return host_inject_->in;
}
tlm::tlm_initiator_socket<>& Netlist::host_out() {
  return host_eject_->out;
}

}  // namespace atleus
