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

// Area and static power of one kind of component summed over a tier.
struct ComponentTotal {
  double units = 0, area_mm2 = 0, static_power_w = 0;
};

struct TierSummary {
  int index = 0;
  std::string name, core_type, kind, topology;
  int width = 0, height = 0;
  double cores_mm2 = 0, routers_mm2 = 0, tsv_mm2 = 0, total_mm2 = 0;
  double die_area_mm2 = 0;  // area used for cost (the YAML's die_area_mm2 if given)
  uint64_t tsvs = 0;        // TSVs whose footprint this tier carries
  // Per component, summed over the tier: the cores' components, the routers' (buffers,
  // crossbar, allocators) and the TSV bundles with their keep-out zones.
  std::map<std::string, ComponentTotal> core_components, router_components;
  ComponentTotal tsv;
  double static_power_w = 0;  // cores + routers
};

struct PlatformSummary {
  std::string name, file;
  std::vector<std::string> warnings;  // platform_warnings()
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

// Valid designs that a user should know about, one sentence each: a ReRAM ADC coarser than
// the resolution its crossbars need (required_adc_bits()). Deterministic order.
std::vector<std::string> platform_warnings(const PlatformConfig& cfg);

PlatformSummary describe_platform(const PlatformConfig& cfg);
nlohmann::ordered_json to_json(const PlatformSummary& s);
std::string to_text(const PlatformSummary& s);

}  // namespace atleus
