// Zero-load cost of one message between two core sites over the platform's NoC, as the packet
// model (noc/router.hpp, noc/channel.hpp) times and charges it, from the routing table and the
// link physics alone (no simulation): what `atleus-vp probe packet` prints.
//   latency = injection channel + one router pipeline per router visited + each link's head
//             latency + ejection channel + the serialisation of the message on the narrowest
//             channel of its path (virtual cut-through: the tail follows the head)
//   energy  = bytes x 8 x (each router's energy per bit at its port count
//             + each link's energy per bit), split into routers, planar links and TSVs
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atleus/platform/netlist.hpp"

namespace atleus {

// Ports of a router as the netlist builds it: its links, its core, and the HBM, host and
// external ports attached to it.
int router_ports(const NetworkPlan& plan, int router);

struct PacketProbe {
  std::vector<int> path;           // sites whose routers the message visits, source first
  std::vector<std::string> links;  // kind of each link crossed (planar, vertical, skip)
  uint64_t period_ps = 0;          // NoC cycle
  uint64_t terminal_ps = 0;        // injection + ejection channel head latency
  uint64_t router_ps = 0;          // router pipelines, all routers visited
  uint64_t link_ps = 0;            // link head latencies, all links crossed
  uint64_t serialisation_ps = 0;   // on the narrowest channel of the path
  uint64_t latency_ps = 0;         // the sum of the four above
  double router_j = 0.0;
  double link_j = 0.0;  // planar links
  double tsv_j = 0.0;   // vertical and skip links
  unsigned hops() const { return static_cast<unsigned>(links.size()); }
  uint64_t cycles() const { return period_ps ? latency_ps / period_ps : 0; }
  double energy_j() const { return router_j + link_j + tsv_j; }
};

// A write of `bytes` from core site `src` to core site `dst` (site indices of plan.sites).
// Throws std::invalid_argument when the routing cannot join them.
PacketProbe probe_packet(const PlatformConfig& cfg, const NetworkPlan& plan, int src, int dst,
                         uint64_t bytes);

}  // namespace atleus
