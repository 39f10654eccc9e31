// A block kind built as a shared object and loaded at run time (`atleus-vp run --plugin`, or
// `plugins:` in a platform YAML): "plugin_cim", a compute-in-memory core holding its frozen
// weights (capacity = macros x kbit per macro) and running every kernel class at a roofline
// cost. Its static RegisterBlockKind object adds it to the program's registry when loaded.
#include <any>

#include "atleus/models/param_check.hpp"
#include "atleus/models/roofline_core.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/param_binding.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/run/compute_node.hpp"

namespace {

using namespace atleus;

struct PluginCimParams {
  unsigned macros = 64;
  unsigned macro_kbit = 16;
  double macs_per_ns = 1000;
  double e_mac_pj = 0.05;

  void validate() const {
    require(macros > 0, "macros", "must be > 0");
    require(macro_kbit > 0, "macro_kbit", "must be > 0");
    require(macs_per_ns > 0, "macs_per_ns", "must be > 0");
    require(e_mac_pj >= 0, "e_mac_pj", "must be >= 0");
  }
};

class PluginCimCore : public RooflineCore {
 public:
  using RooflineCore::RooflineCore;
  std::vector<std::pair<std::string, double>> dynamic_energy_j() const override {
    return {{"plugin_cim", stats().energy_j}};
  }
};

class PluginCimKind : public BlockKind {
 public:
  std::string name() const override { return "plugin_cim"; }
  BlockRole role() const override { return BlockRole::kRoofline; }
  void read(const ConfigNode& node, CoreType& type) const override {
    using P = PluginCimParams;
    static const auto fields = FieldTable<P>()
                                   .add("macros", &P::macros)
                                   .add("macro_kbit", &P::macro_kbit)
                                   .add("macs_per_ns", &P::macs_per_ns)
                                   .add("e_mac_pj", &P::e_mac_pj);
    P p;
    read_validated(node, fields, p, {"kind"});
    type.params = p;
  }
  static const PluginCimParams& params(const CoreType& t) {
    return std::any_cast<const PluginCimParams&>(t.params);
  }
  std::unique_ptr<BlockModel> make_model(const std::string& name,
                                         const CoreType& type) const override {
    const PluginCimParams& p = params(type);
    RooflineCoreParams r;
    r.peak_macs_per_ns = p.macs_per_ns;
    r.peak_vector_ops_per_ns = p.macs_per_ns / 8;
    r.memory_bytes_per_ns = 100;
    r.matmul_utilisation = r.vector_utilisation = r.memory_utilisation = 1.0;
    r.launch_overhead_ns = 0;
    r.active_power_w = 0;
    r.idle_power_w = 0.001 * p.macros;
    r.e_mac_pj = p.e_mac_pj;
    r.e_byte_pj = 0;
    r.e_vector_op_pj = p.e_mac_pj;
    r.area_mm2 = 0.002 * p.macros;
    return std::make_unique<PluginCimCore>(name.c_str(), r);
  }
  void node_options(const CoreType&, NodeOptions& o) const override {
    o.local_memory = true;
    o.batch_instances = true;
    o.single_unit = true;
  }
  std::vector<Component> components(const CoreType& type) const override {
    const PluginCimParams& p = params(type);
    return {{"macros", double(p.macros), 0.002 * p.macros, 0.0, 0.001 * p.macros, p.e_mac_pj}};
  }
  std::optional<uint64_t> weight_capacity(const CoreType& type, unsigned bits) const override {
    const PluginCimParams& p = params(type);
    return uint64_t(p.macros) * p.macro_kbit * 1024 / bits;
  }
  bool weights_resident(const CoreType&) const override { return true; }
};

RegisterBlockKind<PluginCimKind> plugin_cim_registration;

}  // namespace
