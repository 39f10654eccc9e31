// Describe: what a platform is made of, computed from its configuration without simulating:
// tiers, cores and links per kind, router radix histogram, ReRAM weight capacity, area per tier
// (cores + routers + TSVs), the 3D stack cost of the paper's cost model (Eqs. 6-11) and, for
// comparison, the cost of the same design as one planar die (cores and routers, no TSVs).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "atleus/platform/cost_model.hpp"
#include "atleus/platform/platform_config.hpp"

namespace atleus {

struct TierSummary {
  int index = 0;
  std::string name, core_type, kind, topology;
  int width = 0, height = 0;
  double cores_mm2 = 0, routers_mm2 = 0, tsv_mm2 = 0, total_mm2 = 0;
  double die_area_mm2 = 0;  // area used for cost (the YAML's die_area_mm2 if given)
  uint64_t tsvs = 0;        // TSVs whose footprint this tier carries
};

struct PlatformSummary {
  std::string name, file;
  std::vector<TierSummary> tiers;
  std::map<std::string, int> cores;  // per core kind
  std::map<std::string, int> links;  // per link kind
  std::map<int, int> router_radix;   // network ports (local ports excluded) -> routers
  std::map<unsigned, uint64_t> reram_capacity_weights;  // weight bits -> weights
  double area_total_mm2 = 0, area_cores_mm2 = 0, area_routers_mm2 = 0, area_tsv_mm2 = 0;
  uint64_t tsv_count = 0;
  StackCost cost;
  // The same design as one 2D die: the sum over tiers of cores + routers (a tier's YAML
  // die_area_mm2 where given, its TSV share unknown), at the base wafer price.
  PlanarCost planar_2d;
};

PlatformSummary describe_platform(const PlatformConfig& cfg);
nlohmann::ordered_json to_json(const PlatformSummary& s);
std::string to_text(const PlatformSummary& s);

}  // namespace atleus
