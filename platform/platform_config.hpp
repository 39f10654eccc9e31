// PlatformConfig: everything a platform YAML says, as validated parameter structs. The loader
// (platform_loader.hpp) fills it; the netlist and the reports read it. Models never see YAML.
#pragma once

#include <string>
#include <vector>

#include "models/hbm.hpp"
#include "models/reram_core.hpp"
#include "models/systolic_core.hpp"
#include "noc/noc_params.hpp"
#include "noc/topology.hpp"
#include "platform/cost_model.hpp"

namespace atleus {

enum class CoreKind { kReram, kSystolic };
const char* to_string(CoreKind kind);

struct CoreType {
  std::string name;  // key under core_types
  CoreKind kind = CoreKind::kReram;
  ReramCoreParams reram;        // when kind == kReram
  SystolicCoreParams systolic;  // when kind == kSystolic
  double area_mm2() const;
};

enum class PlanarTopology { kMesh, kTorus, kSfc, kNone };
const char* to_string(PlanarTopology t);

struct TierConfig {
  std::string name;
  std::string core_type;  // key into PlatformConfig::core_types
  int width = 0, height = 0;
  PlanarTopology topology = PlanarTopology::kMesh;
  noc::SfcCurve curve = noc::SfcCurve::kHilbert;
  double die_area_mm2 = 0.0;  // 0: computed from cores, routers and TSVs
  double wafer_cost_usd = 0.0;
};

struct SiteRef {
  int tier = 0, x = 0, y = 0;
};

struct ExplicitLink {
  SiteRef a, b;
  noc::LinkKind kind = noc::LinkKind::kPlanar;
};

struct VerticalConfig {
  bool adjacent = true;                   // one TSV link per column between adjacent tiers
  std::vector<std::pair<int, int>> skip;  // tier pairs joined column by column
  bool wrap = false;                      // top tier to bottom tier (3D torus)
  std::vector<ExplicitLink> links;        // any further links, by site
};

struct PlatformConfig {
  std::string name;
  std::string file;  // the top YAML file
  std::vector<CoreType> core_types;
  std::vector<TierConfig> tiers;
  VerticalConfig vertical;
  noc::NocParams noc;
  HbmParams hbm;
  std::vector<SiteRef> hbm_attach;  // routers the HBM controller ports attach to
  SiteRef host_attach;              // router the host's port attaches to
  CostParams cost;

  const CoreType& core_type(const std::string& name) const;
  int core_count() const;
};

}  // namespace atleus
