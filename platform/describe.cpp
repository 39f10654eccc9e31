#include "atleus/platform/describe.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "atleus/noc/link_physics.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/workloads/mapping.hpp"

namespace atleus {

std::vector<std::string> platform_warnings(const PlatformConfig& cfg) {
  std::vector<std::string> w;
  for (const auto& type : cfg.core_types)
    for (auto& line : type.kind->warnings(type)) w.push_back(std::move(line));
  return w;
}

PlatformSummary describe_platform(const PlatformConfig& cfg) {
  PlatformSummary s;
  s.name = cfg.name;
  s.file = cfg.file;
  s.warnings = platform_warnings(cfg);
  const NetworkPlan plan = plan_network(cfg);
  const auto& topo = plan.topology;

  for (int i = 0; i < static_cast<int>(cfg.tiers.size()); ++i) {
    const auto& t = cfg.tiers[i];
    const auto& type = cfg.core_type(t.core_type);
    TierSummary ts;
    ts.index = i;
    ts.name = t.name;
    ts.core_type = t.core_type;
    ts.kind = type.kind_name();
    ts.topology = to_string(t.topology);
    ts.width = t.width;
    ts.height = t.height;
    ts.cores_mm2 = type.area_mm2() * t.width * t.height;
    for (const Component& c : type.components()) {
      auto& tot = ts.core_components[c.name];
      tot.units += c.units * t.width * t.height;
      tot.area_mm2 += c.area_mm2 * t.width * t.height;
      tot.static_power_w += c.static_power_w * t.width * t.height;
      ts.static_power_w += c.static_power_w * t.width * t.height;
    }
    s.cores[ts.kind] += t.width * t.height;
    s.tiers.push_back(ts);
  }

  // Routers: network ports plus local ports (the core, and the HBM or host where attached).
  for (const auto& site : plan.sites) {
    const int radix = topo.radix(site.index);
    s.router_radix[radix]++;
    int ports = radix + 1;
    if (std::count(plan.hbm_routers.begin(), plan.hbm_routers.end(), site.index)) ports++;
    if (site.index == plan.host_router) ports++;
    s.tiers[site.tier].routers_mm2 += noc::router_area_mm2(cfg.noc.router, ports);
    for (const Component& c : noc::router_components(cfg.noc.router, ports)) {
      auto& tot = s.tiers[site.tier].router_components[c.name];
      tot.units += c.units;
      tot.area_mm2 += c.area_mm2;
      tot.static_power_w += c.static_power_w;
      s.tiers[site.tier].static_power_w += c.static_power_w;
    }
  }

  // Links; a TSV's footprint is paid in every tier it passes through (all but the lowest).
  for (const auto& l : topo.links()) {
    s.links[noc::to_string(l.kind)]++;
    if (l.kind == noc::LinkKind::kPlanar) continue;
    const auto phys = noc::link_physics(cfg.noc, l.kind, l.tier_span);
    const int lo = std::min(topo.nodes()[l.a].tier, topo.nodes()[l.b].tier);
    const int hi = std::max(topo.nodes()[l.a].tier, topo.nodes()[l.b].tier);
    for (int t = lo + 1; t <= hi; ++t) {
      s.tiers[t].tsv_mm2 += phys.area_mm2;
      s.tiers[t].tsvs += phys.tsv_count;
      s.tiers[t].tsv.units += phys.tsv_count;
      s.tiers[t].tsv.area_mm2 += phys.area_mm2;
    }
    s.tsv_count += phys.tsv_count;
  }
  for (const char* k : {"planar", "vertical", "skip"}) s.links.emplace(k, 0);
  for (const char* k : {"reram", "systolic"}) s.cores.emplace(k, 0);

  std::vector<TierCostInput> cost_in;
  double planar_mm2 = 0.0;
  for (std::size_t i = 0; i < s.tiers.size(); ++i) {
    auto& ts = s.tiers[i];
    ts.total_mm2 = ts.cores_mm2 + ts.routers_mm2 + ts.tsv_mm2;
    ts.die_area_mm2 = cfg.tiers[i].die_area_mm2 > 0 ? cfg.tiers[i].die_area_mm2 : ts.total_mm2;
    s.area_cores_mm2 += ts.cores_mm2;
    s.area_routers_mm2 += ts.routers_mm2;
    s.area_tsv_mm2 += ts.tsv_mm2;
    s.area_total_mm2 += ts.total_mm2;
    cost_in.push_back({ts.die_area_mm2, cfg.tiers[i].wafer_cost_usd});
    planar_mm2 +=
        cfg.tiers[i].die_area_mm2 > 0 ? cfg.tiers[i].die_area_mm2 : ts.cores_mm2 + ts.routers_mm2;
  }
  try {
    s.cost = stack_cost(cfg.cost, cost_in, s.tsv_count);
    s.planar_2d = planar_cost(cfg.cost, planar_mm2);
  } catch (const InfeasibleDesign& e) {
    // A die larger than the wafer, a stack no one can yield: a valid description of a chip
    // that cannot be made.
    const bool wafer = std::string(e.what()).find("wafer") != std::string::npos;
    throw InfeasibleDesign(cfg.file + (wafer ? ": cost.wafer_diameter_mm: " : ": cost: ") +
                           e.what());
  }

  for (unsigned bits : {8u, 4u}) {
    uint64_t total = 0;
    for (const auto& site : plan.sites)
      if (site.type->kind->role() == BlockRole::kCrossbar)
        total += site.type->kind->weight_capacity(*site.type, bits).value_or(0);
    s.reram_capacity_weights[bits] = total;
  }
  return s;
}

nlohmann::ordered_json to_json(const PlatformSummary& s) {
  using J = nlohmann::ordered_json;
  J j;
  j["name"] = s.name;
  j["file"] = s.file;
  j["warnings"] = s.warnings;
  auto components = [](const std::map<std::string, ComponentTotal>& m) {
    J o = J::object();
    for (const auto& [name, c] : m)
      o[name] = {
          {"units", c.units}, {"area_mm2", c.area_mm2}, {"static_power_w", c.static_power_w}};
    return o;
  };
  J tiers = J::array();
  for (const auto& t : s.tiers)
    tiers.push_back({{"index", t.index},
                     {"name", t.name},
                     {"core_type", t.core_type},
                     {"kind", t.kind},
                     {"grid", {t.width, t.height}},
                     {"topology", t.topology},
                     {"cores", t.width * t.height},
                     {"area_mm2",
                      {{"cores", t.cores_mm2},
                       {"routers", t.routers_mm2},
                       {"tsv", t.tsv_mm2},
                       {"total", t.total_mm2}}},
                     {"die_area_mm2", t.die_area_mm2},
                     {"tsvs", t.tsvs},
                     {"static_power_w", t.static_power_w},
                     {"components",
                      {{"cores", components(t.core_components)},
                       {"routers", components(t.router_components)},
                       {"tsv",
                        {{"units", t.tsv.units},
                         {"area_mm2", t.tsv.area_mm2},
                         {"static_power_w", t.tsv.static_power_w}}}}}});
  j["tiers"] = tiers;
  j["cores"] = s.cores;
  J links = s.links;
  int total = 0;
  for (const auto& [k, v] : s.links) total += v;
  links["total"] = total;
  j["links"] = links;
  J radix = J::object();
  for (const auto& [r, n] : s.router_radix) radix[std::to_string(r)] = n;
  j["router_radix"] = radix;
  J cap = J::object();
  for (const auto& [bits, w] : s.reram_capacity_weights) cap[std::to_string(bits)] = w;
  j["reram_capacity_weights"] = cap;
  J per_tier = J::array();
  for (const auto& t : s.tiers) per_tier.push_back(t.total_mm2);
  j["area_mm2"] = {{"per_tier", per_tier},
                   {"cores", s.area_cores_mm2},
                   {"routers", s.area_routers_mm2},
                   {"tsv", s.area_tsv_mm2},
                   {"total", s.area_total_mm2}};
  j["cost"] = {{"die_cost_usd", s.cost.die_cost_usd},     {"die_yield", s.cost.die_yield},
               {"dies_per_wafer", s.cost.dies_per_wafer}, {"stacking_yield", s.cost.stacking_yield},
               {"tsv_yield", s.cost.tsv_yield},           {"tsv_count", s.tsv_count},
               {"stack_cost_usd", s.cost.total_usd}};
  j["cost"]["planar_2d"] = {{"area_mm2", s.planar_2d.area_mm2},
                            {"dies_per_wafer", s.planar_2d.dies_per_wafer},
                            {"die_yield", s.planar_2d.die_yield},
                            {"die_cost_usd", s.planar_2d.die_cost_usd}};
  return j;
}

std::string to_text(const PlatformSummary& s) {
  std::ostringstream o;
  char buf[256];
  o << "Platform " << s.name << " (" << s.file << ")\n\n";
  o << "Tiers (bottom to top)\n";
  std::snprintf(buf, sizeof buf, "  %-4s %-10s %-10s %-6s %-8s %10s %10s %10s %10s\n", "tier",
                "name", "core", "grid", "planar", "cores mm2", "routers", "TSVs", "total");
  o << buf;
  for (const auto& t : s.tiers) {
    const std::string grid = std::to_string(t.width) + "x" + std::to_string(t.height);
    std::snprintf(buf, sizeof buf, "  %-4d %-10s %-10s %-6s %-8s %10.2f %10.2f %10.2f %10.2f\n",
                  t.index, t.name.c_str(), t.core_type.c_str(), grid.c_str(), t.topology.c_str(),
                  t.cores_mm2, t.routers_mm2, t.tsv_mm2, t.total_mm2);
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "  %-42s %10.2f %10.2f %10.2f %10.2f\n", "all tiers",
                s.area_cores_mm2, s.area_routers_mm2, s.area_tsv_mm2, s.area_total_mm2);
  o << buf << "\nCores\n";
  for (const auto& [k, n] : s.cores) o << "  " << k << ": " << n << "\n";
  o << "\nLinks\n";
  for (const auto& [k, n] : s.links) o << "  " << k << ": " << n << "\n";
  o << "\nRouter radix (network ports, local ports not counted)\n";
  for (const auto& [r, n] : s.router_radix) o << "  " << r << " ports: " << n << " routers\n";
  o << "\nReRAM weight capacity\n";
  for (auto it = s.reram_capacity_weights.rbegin(); it != s.reram_capacity_weights.rend(); ++it) {
    std::snprintf(buf, sizeof buf, "  %2u-bit weights: %llu (%.1f M)\n", it->first,
                  static_cast<unsigned long long>(it->second), it->second / 1e6);
    o << buf;
  }
  o << "\nArea and static power per component (per tier: mm2, mW)\n";
  for (const auto& t : s.tiers) {
    std::snprintf(buf, sizeof buf, "  tier %d (%s):", t.index, t.name.c_str());
    o << buf;
    for (const auto& [name, c] : t.core_components) {
      std::snprintf(buf, sizeof buf, " %s %.3f/%.1f", name.c_str(), c.area_mm2,
                    c.static_power_w * 1e3);
      o << buf;
    }
    for (const auto& [name, c] : t.router_components) {
      std::snprintf(buf, sizeof buf, " router %s %.3f/%.1f", name.c_str(), c.area_mm2,
                    c.static_power_w * 1e3);
      o << buf;
    }
    std::snprintf(buf, sizeof buf, " tsv %.3f\n", t.tsv.area_mm2);
    o << buf;
  }
  o << "\n3D stack cost (paper Eqs. 6-11)\n";
  for (std::size_t i = 0; i < s.tiers.size(); ++i) {
    std::snprintf(buf, sizeof buf,
                  "  tier %zu: die %.2f mm2, %.0f dies/wafer, yield %.3f, good die $%.2f\n", i,
                  s.tiers[i].die_area_mm2, s.cost.dies_per_wafer[i], s.cost.die_yield[i],
                  s.cost.die_cost_usd[i]);
    o << buf;
  }
  std::snprintf(buf, sizeof buf,
                "  %llu TSVs, TSV yield %.4f, stacking yield %.4f, stack cost $%.2f\n",
                static_cast<unsigned long long>(s.tsv_count), s.cost.tsv_yield,
                s.cost.stacking_yield, s.cost.total_usd);
  o << buf;
  std::snprintf(buf, sizeof buf,
                "  as one planar die (no TSVs): %.2f mm2, %.0f dies/wafer, yield %.3f, good die "
                "$%.2f (%.2fx the stack)\n",
                s.planar_2d.area_mm2, s.planar_2d.dies_per_wafer, s.planar_2d.die_yield,
                s.planar_2d.die_cost_usd, s.planar_2d.die_cost_usd / s.cost.total_usd);
  o << buf;
  for (const auto& w : s.warnings) o << "\nwarning: " << w << "\n";
  return o.str();
}

}  // namespace atleus
