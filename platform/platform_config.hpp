// PlatformConfig: everything a platform YAML says, as validated parameter structs. The loader
// (platform_loader.hpp) fills it; the netlist and the reports read it. Models never see YAML.
#pragma once

#include <any>
#include <map>
#include <string>
#include <vector>

#include "atleus/models/component.hpp"
#include "atleus/models/hbm.hpp"
#include "atleus/models/reram_core.hpp"
#include "atleus/models/roofline_core.hpp"
#include "atleus/models/systolic_core.hpp"
#include "atleus/noc/noc_params.hpp"
#include "atleus/noc/topology.hpp"
#include "atleus/platform/cost_model.hpp"

namespace atleus {

class BlockKind;

struct CoreType {
  std::string name;                 // key under core_types
  const BlockKind* kind = nullptr;  // from the registry (platform/block_kind.hpp)
  ReramCoreParams reram;            // kind reram
  SystolicCoreParams systolic;      // kind systolic
  RooflineCoreParams roofline;      // kind roofline
  std::any params;                  // a kind added outside the built-ins keeps its struct here
  // Roofline cores only: the core streams its operands from a memory of its own (a GPU's
  // HBM2, the banks of an in-memory compute unit), so its tasks' memory traffic is part of its
  // roofline and does not cross the NoC to the platform's HBM.
  bool local_memory = false;
  // Systolic cores only (YAML `dequant: materialize`): frozen matrices streamed from HBM in
  // k-bit form are first dequantised into a 16-bit copy in HBM, which the product then reads
  // (the QLoRA software flow); the product runs at 16 bits.
  bool dequant_materialize = false;
  std::string kind_name() const;
  double area_mm2() const;
  // Area, peak and static power per component of one core of this type.
  std::vector<Component> components() const;
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
  // The merged document the configuration was read from (includes and --set overrides
  // applied), as YAML text: what a run records to say which design produced it.
  std::string effective_yaml;
  std::vector<CoreType> core_types;
  std::vector<TierConfig> tiers;
  VerticalConfig vertical;
  noc::NocParams noc;
  HbmParams hbm;
  std::vector<SiteRef> hbm_attach;  // routers the HBM controller ports attach to
  SiteRef host_attach;              // router the host's port attaches to
  // A user's TLM-2.0 target (with an address window) or initiator on a router of its own
  // choosing, beside the cores (YAML `ports:`). The netlist exposes each by name; the target
  // receives the global address.
  struct ExternalPort {
    std::string name;
    bool initiator = false;  // false: a target with the window below
    SiteRef attach;
    uint64_t base = 0, size = 0;
  };
  std::vector<ExternalPort> ports;
  CostParams cost;
  // Kernel class (workloads/op_graph.hpp kernel_class()) -> core type that runs it. Classes
  // not listed follow the default: frozen matrices on ReRAM cores (else systolic, else
  // roofline cores), everything else on systolic cores (else roofline cores).
  std::map<std::string, std::string> placement;
  // Where generation keeps its KV cache (YAML `kv_cache:`): "hbm" [default] (traffic and
  // capacity counted), or "sram", the SRAM of the systolic cores that run each layer's attention
  // (no HBM traffic; the run is infeasible when a core's layers do not fit its SRAM).
  std::string kv_cache = "hbm";
  // Where `noc.model` was set (line and column 1-based, 0 when the key is absent or came from
  // --set), so a command that does not support the chosen model can point at the key.
  struct KeyAt {
    std::string file;
    int line = 0, column = 0;
  };
  KeyAt noc_model_at;
  // `memory.kind: external`: the main memory is a user's TLM-2.0 target given through the
  // library (NetlistOptions::memory); `memory.hbm` still gives its window (capacity) and the
  // routers it attaches to. [default] false: the built-in HBM model.
  bool memory_external = false;
  KeyAt memory_kind_at;

  const CoreType& core_type(const std::string& name) const;
  int core_count() const;
};

}  // namespace atleus
