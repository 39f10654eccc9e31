// Netlist: elaborates a PlatformConfig into SystemC modules and binds their TLM-2.0 sockets:
// one router per core site, two Channels per link (one each way) and per local port, a core
// (or any Endpoint a caller supplies) on every site, the HBM on its attachment routers, and a
// host port whose two sockets an external host model binds (a stub answers when none is given).
// noc.model: packet sends every transaction through the routers and channels. noc.model: flow
// and flit elaborate them too, but the endpoints, memory, host and ports bind to one fabric
// (noc/fabric.hpp) that carries each message and keeps its statistics in those routers and
// channels: a FlowFabric (noc/flow_fabric.hpp, one flow per message) or a FlitFabric
// (noc/flit_fabric.hpp, the message's packets through the cycle-level flit network).
// Address map: core i owns [core_base(i), +core_window); the HBM owns hbm_base().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/models/endpoint.hpp"
#include "atleus/models/hbm.hpp"
#include "atleus/noc/address_map.hpp"
#include "atleus/noc/channel.hpp"
#include "atleus/noc/router.hpp"
#include "atleus/noc/routing.hpp"
#include "atleus/noc/topology.hpp"
#include "atleus/platform/bind_hook.hpp"
#include "atleus/platform/platform_config.hpp"

namespace atleus {

// The topology a platform describes (also used without SystemC, by `describe`).
noc::Topology build_topology(const PlatformConfig& cfg);

struct Site {
  int index = 0;  // = router id = core index = target id
  int tier = 0, x = 0, y = 0;
  const CoreType* type = nullptr;
  std::string name;  // e.g. "t1_x2_y0"
};

// Static routing figures (no simulation): target lists, routing table, address map.
struct NetworkPlan {
  noc::Topology topology;
  std::vector<Site> sites;
  std::vector<int> hbm_routers;
  int host_router = 0;
  int hbm_target = 0;             // target id of the HBM (= number of sites)
  int host_target = 0;            // target id of the host port
  std::vector<int> port_routers;  // PlatformConfig::ports: the router of each
  std::vector<int> port_targets;  // its target id, or -1 for an initiator
  noc::AddressMap address_map;
  std::unique_ptr<noc::RoutingTable> routing;
};
NetworkPlan plan_network(const PlatformConfig& cfg);

constexpr uint64_t kCoreWindow = 1ull << 32;
inline uint64_t core_base(int core) {
  return (static_cast<uint64_t>(core) + 1) << 32;
}
constexpr uint64_t kHostBase = 1ull << 47;
constexpr uint64_t kHostWindow = 1ull << 32;
constexpr uint64_t kHbmBase = 1ull << 48;

// Optional interface of a user's main memory: its energy, so the run can account for it.
class MemoryEnergy {
 public:
  virtual ~MemoryEnergy() = default;
  virtual double dynamic_energy_j() const = 0;
  virtual double static_energy_j(uint64_t elapsed_ps) const = 0;
};

// A user's TLM-2.0 target as the platform's main memory, in place of the built-in HBM. It sees
// local offsets: the platform subtracts the window base (kHbmBase) on the way in (DMI regions
// and invalidations are translated back). Its window and attachment routers come from the
// platform's `memory.hbm` (capacity_gib, attach).
struct ExternalMemory {
  tlm::tlm_base_target_socket_b<>* target = nullptr;
  const MemoryEnergy* energy = nullptr;  // none: the run reports the memory's energy as unknown
};

struct NetlistOptions {
  // Puts a block on each core site; by default the site's core model.
  std::function<std::unique_ptr<Endpoint>(const Site&)> make_endpoint;
  bool host_stub = true;  // a stub host answers packets sent to the host port
  BindHook bind_hook;     // every internal binding passes through it
  ExternalMemory memory;  // replaces the HBM when `target` is set
  // noc.model: flit: the fabric cuts messages into packets of this many bytes (under packet
  // the initiators cut them; flow carries whole messages).
  uint64_t packet_bytes = 4096;
};

class MemoryPort;
namespace noc {
class Fabric;
class FlowFabric;
class FlitFabric;
}  // namespace noc

class Netlist : public sc_core::sc_module {
 public:
  using EndpointFactory = std::function<std::unique_ptr<Endpoint>(const Site&)>;

  // `make_endpoint` puts a block on each core site; by default the site's core model.
  // With `host_stub`, a stub host answers packets sent to the host port.
  Netlist(sc_core::sc_module_name name, const PlatformConfig& cfg,
          EndpointFactory make_endpoint = nullptr, bool host_stub = true);
  Netlist(sc_core::sc_module_name name, const PlatformConfig& cfg, NetlistOptions options);
  ~Netlist() override;

  // Binds `from` to `to`, through the bind hook when one is set.
  void connect(tlm::tlm_initiator_socket<>& from, tlm::tlm_base_target_socket_b<>& to);

  const PlatformConfig& config() const { return cfg_; }
  const NetworkPlan& plan() const { return plan_; }
  const std::vector<Site>& sites() const { return plan_.sites; }
  Endpoint& endpoint(int site) { return *endpoints_.at(site); }
  // The built-in HBM; throws std::logic_error when the main memory is external.
  Hbm& hbm();
  bool has_hbm() const { return hbm_ != nullptr; }
  const ExternalMemory& external_memory() const { return options_.memory; }
  const std::vector<std::unique_ptr<noc::Router>>& routers() const { return routers_; }
  // Channels of router-to-router links: [2*link] is a->b, [2*link+1] is b->a.
  const std::vector<std::unique_ptr<noc::Channel>>& link_channels() const { return link_ch_; }
  const std::vector<std::unique_ptr<noc::Channel>>& local_channels() const { return local_ch_; }

  // The host port: an external host binds its initiator socket to host_in() and its target
  // socket to host_out() (only when constructed without the stub).
  tlm::tlm_target_socket<>& host_in();
  tlm::tlm_initiator_socket<>& host_out();

  // The platform's `ports:`. A target port's socket to bind to the user's target (it carries
  // the packets addressed to the port's window); an initiator port's socket to bind the user's
  // initiator to (it injects at the port's router). Throws std::invalid_argument for an
  // unknown name or the wrong kind.
  tlm::tlm_initiator_socket<>& port_target(const std::string& name);
  tlm::tlm_target_socket<>& port_initiator(const std::string& name);

  uint64_t hbm_base() const { return kHbmBase; }
  // Under noc.model: flow (flit), the fabric that carries every message (the routers and
  // channels then only keep its statistics); nullptr under the other models.
  const noc::FlowFabric* flow_fabric() const;
  const noc::FlitFabric* flit_fabric() const;

 private:
  noc::Channel& make_local_channel(const std::string& name, noc::ChannelRole role);

  void build(EndpointFactory make_endpoint, bool host_stub);
  void attach_memory(const std::vector<int>& hbm_port);
  void attach_ports(const std::vector<int>& first_port);
  // noc.model: flow or flit: endpoints bind to the fabric, the channels' own ends to fillers.
  void attach_fabric(bool host_stub);
  void idle_into(noc::Channel& inject);
  void null_after(noc::Channel& eject);
  int port_index(const std::string& name, bool initiator) const;

  PlatformConfig cfg_;
  NetlistOptions options_;
  NetworkPlan plan_;
  std::unique_ptr<MemoryPort> memory_port_;
  std::vector<std::unique_ptr<noc::Router>> routers_;
  void give_input_buffer(noc::Channel& ch) const;  // when noc.packet.back_pressure
  std::vector<std::unique_ptr<noc::Channel>> link_ch_;
  std::vector<std::unique_ptr<noc::Channel>> local_ch_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::unique_ptr<Hbm> hbm_;
  std::vector<std::unique_ptr<sc_core::sc_module>> fillers_;  // drive unused router inputs
  std::vector<noc::Channel*> port_channel_;  // per port: its eject (target) or inject channel
  noc::Channel* host_inject_ = nullptr;
  noc::Channel* host_eject_ = nullptr;
  tlm::tlm_base_target_socket_b<>* memory_ = nullptr;  // the HBM's or the user's memory port
  std::vector<std::pair<noc::Channel*, noc::Channel*>> site_channels_;  // (inject, eject)
  std::vector<std::pair<noc::Channel*, noc::Channel*>> hbm_channels_;   // per hbm_routers
  std::vector<std::pair<noc::Channel*, noc::Channel*>> port_channels_;  // per port
  std::unique_ptr<noc::Fabric> fabric_;
};

}  // namespace atleus
