// atleus-vp probe packet and probe hbm: the zero-load cost of moving data, one message between
// two core sites over the NoC (packet model, platform/packet_probe.hpp) or one HBM access with
// no NoC in front of it (models/hbm.hpp's closed form).
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "atleus/models/hbm.hpp"
#include "atleus/platform/packet_probe.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

namespace {

// "T,X,Y" -> the index of the core site there.
int site_at(const NetworkPlan& plan, const std::string& text, const char* flag) {
  int v[3] = {-1, -1, -1};
  std::istringstream in(text);
  char c1 = 0, c2 = 0;
  if (!(in >> v[0] >> c1 >> v[1] >> c2 >> v[2]) || c1 != ',' || c2 != ',' || !in.eof() ||
      v[0] < 0 || v[1] < 0 || v[2] < 0)
    throw ConfigError("command line", 0, 0, flag,
                      "expected a site as TIER,X,Y (e.g. 0,1,2), got '" + text + "'");
  const int node = plan.topology.tiers() > v[0] ? plan.topology.node_at(v[0], v[1], v[2]) : -1;
  if (node < 0)
    throw ConfigError("command line", 0, 0, flag,
                      "no core site at tier " + std::to_string(v[0]) + ", x " +
                          std::to_string(v[1]) + ", y " + std::to_string(v[2]));
  return node;
}

void require_bytes(uint64_t bytes) {
  if (bytes == 0) throw ConfigError("command line", 0, 0, "--bytes", "must be > 0");
}

}  // namespace

int run_probe_packet_cmd(const PlatformOptions& p, const ProbePacketOptions& o) {
  const PlatformConfig cfg = load(p);
  require_bytes(o.bytes);
  const NetworkPlan plan = plan_network(cfg);
  const int src = site_at(plan, o.from, "--from"), dst = site_at(plan, o.to, "--to");
  const PacketProbe r = probe_packet(cfg, plan, src, dst, o.bytes);
  if (o.json) {
    nlohmann::ordered_json j;
    j["platform"] = cfg.name;
    j["model"] = "packet";
    j["from"] = plan.sites[src].name;
    j["to"] = plan.sites[dst].name;
    j["bytes"] = o.bytes;
    j["hops"] = r.hops();
    j["path"] = nlohmann::json::array();
    for (int s : r.path) j["path"].push_back(plan.sites[s].name);
    j["links"] = r.links;
    j["cycles"] = r.cycles();
    j["time_s"] = r.latency_ps * 1e-12;
    j["terminal_s"] = r.terminal_ps * 1e-12;
    j["router_s"] = r.router_ps * 1e-12;
    j["link_s"] = r.link_ps * 1e-12;
    j["serialisation_s"] = r.serialisation_ps * 1e-12;
    j["energy_j"] = {{"router", r.router_j}, {"link", r.link_j}, {"tsv", r.tsv_j}};
    j["energy_total_j"] = r.energy_j();
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << std::setprecision(6) << "packet " << plan.sites[src].name << " -> "
            << plan.sites[dst].name << ", " << o.bytes << " B on " << cfg.name
            << " (packet model, zero load)\npath:";
  for (std::size_t i = 0; i < r.path.size(); ++i)
    std::cout << (i ? " -" + r.links[i - 1] + "- " : " ") << plan.sites[r.path[i]].name;
  std::cout << "\n"
            << r.hops() << " hops, " << r.cycles() << " cycles, " << r.latency_ps * 1e-3
            << " ns (terminal " << r.terminal_ps * 1e-3 << ", routers " << r.router_ps * 1e-3
            << ", links " << r.link_ps * 1e-3 << ", serialisation " << r.serialisation_ps * 1e-3
            << ")\nenergy " << r.energy_j() * 1e12 << " pJ (router " << r.router_j * 1e12
            << ", link " << r.link_j * 1e12 << ", tsv " << r.tsv_j * 1e12 << ")\n";
  return 0;
}

int run_probe_hbm_cmd(const PlatformOptions& p, const ProbeHbmOptions& o) {
  const PlatformConfig cfg = load(p);
  require_bytes(o.bytes);
  const HbmParams& h = cfg.hbm;
  const HbmAccessCost c = hbm_access_cost(h, o.bytes);
  uint64_t moved = 0;
  for (uint64_t b : hbm_channel_bytes(h, 0, o.bytes)) moved += b ? hbm_burst_rounded(h, b) : 0;
  const uint64_t bursts = moved / h.burst_bytes();
  const double peak = h.peak_bandwidth_gbps * 1e9;  // bytes per second
  // Share of the stack's peak the access gets while it transfers, and over its whole latency.
  const double utilisation = c.transfer_ps ? o.bytes / (peak * c.transfer_ps * 1e-12) : 0;
  const double effective = c.latency_ps ? o.bytes / (c.latency_ps * 1e-12) : 0;
  if (o.json) {
    nlohmann::ordered_json j;
    j["platform"] = cfg.name;
    j["bytes"] = o.bytes;
    j["bytes_moved"] = moved;
    j["bursts"] = bursts;
    j["burst_bytes"] = h.burst_bytes();
    j["channels_touched"] = c.channels_touched;
    j["transfer_s"] = c.transfer_ps * 1e-12;
    j["time_s"] = c.latency_ps * 1e-12;
    j["bandwidth_utilisation"] = utilisation;
    j["effective_bandwidth_gbps"] = effective * 1e-9;
    j["energy_j"] = {{"hbm", c.energy_j}};
    j["energy_total_j"] = c.energy_j;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << std::setprecision(6) << "hbm access of " << o.bytes << " B on " << cfg.name
            << " (zero load, from an interleave boundary)\n"
            << bursts << " bursts of " << h.burst_bytes() << " B (" << moved << " B moved) over "
            << c.channels_touched << " of " << h.channels << " channels\n"
            << c.latency_ps * 1e-3 << " ns (transfer " << c.transfer_ps * 1e-3 << " + access "
            << h.access_latency_ns << "), utilisation of the peak while transferring "
            << utilisation * 100 << "%, effective " << effective * 1e-9 << " GB/s\nenergy "
            << c.energy_j * 1e9 << " nJ (hbm)\n";
  return 0;
}

}  // namespace atleus::cli
