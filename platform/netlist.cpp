#include "atleus/platform/netlist.hpp"

#include <algorithm>
#include <stdexcept>

#include "atleus/models/reram_core.hpp"
#include "atleus/models/roofline_core.hpp"
#include "atleus/models/sim_time.hpp"
#include "atleus/models/systolic_core.hpp"
#include "atleus/noc/flit_fabric.hpp"
#include "atleus/noc/flow_fabric.hpp"
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

// The fabric's source index of initiator port `port` (after the sites and the host).
int fabric_source_of_port(const PlatformConfig& cfg, int n_sites, int port) {
  int s = n_sites + 1;
  for (int i = 0; i < port; ++i) s += cfg.ports[i].initiator ? 1 : 0;
  return s;
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
  for (const auto& port : cfg.ports) {
    const int r = site_node(p.topology, port.attach, ("ports." + port.name + ".attach").c_str());
    p.port_routers.push_back(r);
    if (port.initiator) {
      p.port_targets.push_back(-1);
      continue;
    }
    p.port_targets.push_back(static_cast<int>(targets.size()));
    targets.push_back({r});
    p.address_map.add(port.base, port.size, p.port_targets.back(), "port " + port.name);
  }
  p.routing = std::make_unique<noc::RoutingTable>(p.topology, std::move(targets));
  return p;
}

// The join between the NoC's memory attachment points and a user's memory target: many NoC
// bindings in, one out, global addresses in, window offsets out.
class MemoryPort : public sc_core::sc_module, public tlm::tlm_bw_transport_if<> {
 public:
  tlm_utils::multi_passthrough_target_socket<MemoryPort> in;
  tlm::tlm_initiator_socket<> out;

  MemoryPort(sc_core::sc_module_name name, uint64_t base)
      : sc_core::sc_module(name), in("in"), out("out"), base_(base) {
    in.register_b_transport(this, &MemoryPort::b_transport);
    in.register_nb_transport_fw(this, &MemoryPort::nb_transport_fw);
    in.register_transport_dbg(this, &MemoryPort::transport_dbg);
    in.register_get_direct_mem_ptr(this, &MemoryPort::get_direct_mem_ptr);
    out.bind(*this);
  }

 private:
  // Runs `call` with the payload's address as a window offset, then restores it.
  template <typename Call>
  auto local(tlm::tlm_generic_payload& tx, Call call) {
    const uint64_t global = tx.get_address();
    tx.set_address(global - base_);
    auto result = call();
    tx.set_address(global);
    return result;
  }
  void b_transport(int, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
    local(tx, [&] {
      out->b_transport(tx, delay);
      return 0;
    });
  }
  tlm::tlm_sync_enum nb_transport_fw(int, tlm::tlm_generic_payload& tx, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) {
    // The NoC's channels call b_transport only; a forward nb call would need the backward path
    // of one of many bindings, which the platform does not use.
    (void)phase;
    (void)delay;
    tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  unsigned int transport_dbg(int, tlm::tlm_generic_payload& tx) {
    return local(tx, [&] { return out->transport_dbg(tx); });
  }
  bool get_direct_mem_ptr(int, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
    const bool ok = local(tx, [&] { return out->get_direct_mem_ptr(tx, dmi); });
    dmi.set_start_address(dmi.get_start_address() + base_);
    const uint64_t end = dmi.get_end_address();
    dmi.set_end_address(end > ~uint64_t{0} - base_ ? ~uint64_t{0} : end + base_);
    return ok;
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                     sc_core::sc_time&) override {
    return tlm::TLM_COMPLETED;
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override {
    const uint64_t hi = end > ~uint64_t{0} - base_ ? ~uint64_t{0} : end + base_;
    for (unsigned i = 0; i < in.size(); ++i) in[i]->invalidate_direct_mem_ptr(start + base_, hi);
  }

  uint64_t base_;
};

Netlist::Netlist(sc_core::sc_module_name name, const PlatformConfig& cfg,
                 EndpointFactory make_endpoint, bool host_stub)
    : Netlist(name, cfg, NetlistOptions{std::move(make_endpoint), host_stub, nullptr, {}}) {}

Netlist::Netlist(sc_core::sc_module_name name, const PlatformConfig& cfg, NetlistOptions options)
    : sc_core::sc_module(name), cfg_(cfg), options_(std::move(options)), plan_(plan_network(cfg_)) {
  build(options_.make_endpoint, options_.host_stub);
}

void Netlist::connect(tlm::tlm_initiator_socket<>& from, tlm::tlm_base_target_socket_b<>& to) {
  bind_through(options_.bind_hook, from, to);
}

void Netlist::build(EndpointFactory make_endpoint, bool host_stub) {
  ensure_ps_resolution();
  if (cfg_.memory_external && options_.memory.target == nullptr)
    throw std::invalid_argument(
        "memory.kind is external but no memory target was given (NetlistOptions::memory)");
  cfg_.noc.validate();
  // Under flow and flit one fabric carries the transactions (attach_fabric).
  const bool fabric = cfg_.noc.model != noc::NocModel::kPacket;
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
  // Then one port per external port attached to the router.
  std::vector<int> ext_port(plan_.port_routers.size());
  for (std::size_t i = 0; i < ext_port.size(); ++i) ext_port[i] = ports[plan_.port_routers[i]]++;

  // Routers with their routing-table rows translated to output ports.
  const auto& rt = *plan_.routing;
  for (int r = 0; r < n_sites; ++r) {
    std::vector<int> route(rt.targets(), -1);
    for (int tg = 0; tg < rt.targets(); ++tg) {
      const int link = rt.next_link(r, tg);
      if (link == noc::RoutingTable::kDeliver) {
        route[tg] = tg == plan_.hbm_target    ? hbm_port[r]
                    : tg == plan_.host_target ? host_port[r]
                    : tg < n_sites            ? core_port[r]
                                              : -1;
        for (std::size_t i = 0; i < ext_port.size(); ++i)
          if (plan_.port_targets[i] == tg) route[tg] = ext_port[i];
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
    connect(routers_[link.a]->out[pa], ab->in);
    connect(ab->out, routers_[link.b]->in[pb]);
    connect(routers_[link.b]->out[pb], ba->in);
    connect(ba->out, routers_[link.a]->in[pa]);
    ab->set_reverse(ba.get());
    ba->set_reverse(ab.get());
    give_input_buffer(*ab);
    give_input_buffer(*ba);
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
    if (!fabric) connect(ep->noc_out, inj.in);
    connect(inj.out, routers_[site.index]->in[core_port[site.index]]);
    connect(routers_[site.index]->out[core_port[site.index]], ej.in);
    if (!fabric) connect(ej.out, ep->noc_in);
    site_channels_.emplace_back(&inj, &ej);
    inj.set_reverse(&ej);
    ej.set_reverse(&inj);
    endpoints_.push_back(std::move(ep));
  }

  attach_memory(hbm_port);
  attach_ports(ext_port);

  // The host port.
  const int hr = plan_.host_router;
  host_inject_ = &make_local_channel("inject_host", noc::ChannelRole::kInject);
  host_eject_ = &make_local_channel("eject_host", noc::ChannelRole::kEject);
  connect(host_inject_->out, routers_[hr]->in[host_port[hr]]);
  connect(routers_[hr]->out[host_port[hr]], host_eject_->in);
  host_inject_->set_reverse(host_eject_);
  host_eject_->set_reverse(host_inject_);
  if (fabric) {
    attach_fabric(host_stub);
  } else if (host_stub) {
    auto stub = std::make_unique<HostStub>("host_stub");
    connect(stub->noc_out, host_inject_->in);
    connect(host_eject_->out, stub->noc_in);
    fillers_.push_back(std::move(stub));
  }
}

// The main memory (the HBM, or the user's target behind a MemoryPort): an eject channel from
// each attachment router into it, and an idle initiator on the inputs it never drives.
void Netlist::attach_memory(const std::vector<int>& hbm_port) {
  tlm::tlm_base_target_socket_b<>* memory = nullptr;
  if (options_.memory.target != nullptr) {
    memory_port_ = std::make_unique<MemoryPort>("memory_port", kHbmBase);
    connect(memory_port_->out, *options_.memory.target);
    memory = &memory_port_->in;
  } else {
    HbmParams hbm_params = cfg_.hbm;
    hbm_params.base_address = kHbmBase;
    hbm_ = std::make_unique<Hbm>("hbm", hbm_params);
    memory = &hbm_->port;
  }
  memory_ = memory;
  const bool fabric = cfg_.noc.model != noc::NocModel::kPacket;
  for (int r : plan_.hbm_routers) {
    auto& ej = make_local_channel("eject_hbm_" + plan_.sites[r].name, noc::ChannelRole::kEject);
    auto& inj = make_local_channel("inject_hbm_" + plan_.sites[r].name, noc::ChannelRole::kInject);
    connect(routers_[r]->out[hbm_port[r]], ej.in);
    if (fabric)
      null_after(ej);  // the fabric delivers to the memory
    else
      connect(ej.out, *memory);
    hbm_channels_.emplace_back(&inj, &ej);
    ej.set_reverse(&inj);
    inj.set_reverse(&ej);
    auto idle = std::make_unique<IdleInitiator>(("idle_hbm_" + plan_.sites[r].name).c_str());
    connect(idle->out, inj.in);
    connect(inj.out, routers_[r]->in[hbm_port[r]]);
    fillers_.push_back(std::move(idle));
  }
}

// External ports: a target port gets an eject channel whose output the user binds to their
// target (an idle initiator drives its inject side); an initiator port gets an inject channel
// the user's initiator binds to (a null target ends its eject side, which nothing addresses).
void Netlist::attach_ports(const std::vector<int>& first_port) {
  for (std::size_t i = 0; i < cfg_.ports.size(); ++i) {
    const auto& port = cfg_.ports[i];
    const int r = plan_.port_routers[i], rp = first_port[i];
    auto& inj = make_local_channel("inject_port_" + port.name, noc::ChannelRole::kInject);
    auto& ej = make_local_channel("eject_port_" + port.name, noc::ChannelRole::kEject);
    connect(inj.out, routers_[r]->in[rp]);
    connect(routers_[r]->out[rp], ej.in);
    inj.set_reverse(&ej);
    ej.set_reverse(&inj);
    port_channels_.emplace_back(&inj, &ej);
    if (port.initiator) {
      auto end = std::make_unique<NullTarget>(("null_port_" + port.name).c_str());
      connect(ej.out, end->in);
      fillers_.push_back(std::move(end));
      port_channel_.push_back(&inj);
    } else {
      auto idle = std::make_unique<IdleInitiator>(("idle_port_" + port.name).c_str());
      connect(idle->out, inj.in);
      fillers_.push_back(std::move(idle));
      port_channel_.push_back(&ej);
    }
  }
}

void Netlist::idle_into(noc::Channel& inject) {
  auto idle = std::make_unique<IdleInitiator>((std::string("idle_") + inject.basename()).c_str());
  connect(idle->out, inject.in);
  fillers_.push_back(std::move(idle));
}

void Netlist::null_after(noc::Channel& eject) {
  auto end = std::make_unique<NullTarget>((std::string("null_") + eject.basename()).c_str());
  connect(eject.out, end->in);
  fillers_.push_back(std::move(end));
}

// Sources of the fabric: the core sites by index, then the host, then the initiator ports.
// Its targets are the routing table's.
void Netlist::attach_fabric(bool host_stub) {
  const int n_sites = static_cast<int>(plan_.sites.size());
  noc::Fabric::Wiring w;
  for (const auto& ch : link_ch_) w.link_channels.push_back(ch.get());
  for (const auto& r : routers_) w.routers.push_back(r.get());
  for (int i = 0; i < n_sites; ++i) {
    auto [inj, ej] = site_channels_[i];
    w.sources.push_back({i, inj, ej, i});
    w.target_ports[{i, i}] = {ej, inj};
    idle_into(*inj);
    null_after(*ej);
  }
  for (std::size_t k = 0; k < plan_.hbm_routers.size(); ++k)
    w.target_ports[{plan_.hbm_target, plan_.hbm_routers[k]}] = {hbm_channels_[k].second,
                                                                hbm_channels_[k].first};
  const int hr = plan_.host_router;
  w.sources.push_back({hr, host_inject_, host_eject_, plan_.host_target});
  w.target_ports[{plan_.host_target, hr}] = {host_eject_, host_inject_};
  idle_into(*host_inject_);
  null_after(*host_eject_);
  for (std::size_t i = 0; i < cfg_.ports.size(); ++i) {
    auto [inj, ej] = port_channels_[i];
    const int r = plan_.port_routers[i];
    if (cfg_.ports[i].initiator) {
      w.sources.push_back({r, inj, ej});
      idle_into(*inj);  // the user's initiator binds to the fabric instead
    } else {
      w.target_ports[{plan_.port_targets[i], r}] = {ej, inj};
      null_after(*ej);  // the user's target binds to the fabric instead
    }
  }
  if (cfg_.noc.model == noc::NocModel::kFlit)
    fabric_ = std::make_unique<noc::FlitFabric>("flit_fabric", plan_.topology, *plan_.routing,
                                                plan_.address_map, cfg_.noc, options_.packet_bytes,
                                                std::move(w));
  else
    fabric_ = std::make_unique<noc::FlowFabric>("flow_fabric", plan_.topology, *plan_.routing,
                                                plan_.address_map, cfg_.noc.router, std::move(w));
  for (int i = 0; i < n_sites; ++i) {
    connect(endpoints_[i]->noc_out, fabric_->in[i]);
    connect(fabric_->out[i], endpoints_[i]->noc_in);
  }
  connect(fabric_->out[plan_.hbm_target], *memory_);
  if (host_stub) {
    auto stub = std::make_unique<HostStub>("host_stub");
    connect(stub->noc_out, fabric_->in[n_sites]);
    connect(fabric_->out[plan_.host_target], stub->noc_in);
    fillers_.push_back(std::move(stub));
  }
}

int Netlist::port_index(const std::string& name, bool initiator) const {
  for (std::size_t i = 0; i < cfg_.ports.size(); ++i)
    if (cfg_.ports[i].name == name) {
      if (cfg_.ports[i].initiator != initiator)
        throw std::invalid_argument("port " + name + " is " +
                                    (initiator ? "a target" : "an initiator") + " port");
      return static_cast<int>(i);
    }
  throw std::invalid_argument("no port named " + name + " in the platform's ports:");
}

tlm::tlm_initiator_socket<>& Netlist::port_target(const std::string& name) {
  const int i = port_index(name, false);
  if (fabric_) return fabric_->out[plan_.port_targets[i]];
  return port_channel_[i]->out;
}

tlm::tlm_target_socket<>& Netlist::port_initiator(const std::string& name) {
  const int i = port_index(name, true);
  if (fabric_)
    return fabric_->in[fabric_source_of_port(cfg_, static_cast<int>(plan_.sites.size()), i)];
  return port_channel_[i]->in;
}

const noc::FlowFabric* Netlist::flow_fabric() const {
  return dynamic_cast<const noc::FlowFabric*>(fabric_.get());
}

const noc::FlitFabric* Netlist::flit_fabric() const {
  return dynamic_cast<const noc::FlitFabric*>(fabric_.get());
}

Hbm& Netlist::hbm() {
  if (!hbm_) throw std::logic_error("the platform's main memory is external: no built-in HBM");
  return *hbm_;
}

Netlist::~Netlist() = default;

noc::Channel& Netlist::make_local_channel(const std::string& name, noc::ChannelRole role) {
  local_ch_.push_back(std::make_unique<noc::Channel>(
      name.c_str(), noc::local_port_physics(cfg_.noc), role, cfg_.noc.router.flit_bytes));
  if (role == noc::ChannelRole::kInject) give_input_buffer(*local_ch_.back());
  return *local_ch_.back();
}

void Netlist::give_input_buffer(noc::Channel& ch) const {
  if (cfg_.noc.packet.back_pressure)
    // Every router stage but the traversal is per packet: the turnaround of an input FIFO.
    ch.set_input_buffer(
        cfg_.noc.router.virtual_channels, cfg_.noc.router.buffer_depth_flits,
        cfg_.noc.router.latency_cycles > 0 ? cfg_.noc.router.latency_cycles - 1 : 0);
}

tlm::tlm_target_socket<>& Netlist::host_in() {
  if (fabric_) return fabric_->in[plan_.sites.size()];
  return host_inject_->in;
}
tlm::tlm_initiator_socket<>& Netlist::host_out() {
  if (fabric_) return fabric_->out[plan_.host_target];
  return host_eject_->out;
}

}  // namespace atleus
