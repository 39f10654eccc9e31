// The built-in block kinds: reram (ISAAC-style crossbar core), systolic (SCALE-Sim-style array)
// and roofline (GPU and in-memory baselines). Each registers through BlockKindRegistry::add,
// the same call a user's RegisterBlockKind makes.
#include <stdexcept>
#include <string>

#include "atleus/models/reram_components.hpp"
#include "atleus/models/reram_core.hpp"
#include "atleus/models/roofline_core.hpp"
#include "atleus/models/systolic_core.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/core_fields.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/run/compute_node.hpp"

namespace atleus {

namespace {

class ReramKind : public BlockKind {
 public:
  std::string name() const override { return "reram"; }
  BlockRole role() const override { return BlockRole::kCrossbar; }
  void read(const ConfigNode& node, CoreType& type) const override {
    read_validated(node, reram_fields(), type.reram, {"kind"});
  }
  std::unique_ptr<BlockModel> make_model(const std::string& name,
                                         const CoreType& type) const override {
    return std::make_unique<ReramCore>(name.c_str(), type.reram);
  }
  std::vector<Component> components(const CoreType& type) const override {
    std::vector<Component> v = reram_tile_components(type.reram);
    for (auto& c : v) {  // per tile -> per core
      c.units *= type.reram.tiles;
      c.area_mm2 *= type.reram.tiles;
      c.peak_power_w *= type.reram.tiles;
      c.static_power_w *= type.reram.tiles;
    }
    return v;
  }
  double area_mm2(const CoreType& type) const override { return core_area_mm2(type.reram); }
  std::vector<std::string> units(const CoreType&) const override {
    return {"crossbar group (one per weight matrix)", "buffer"};
  }
  std::optional<uint64_t> weight_capacity(const CoreType& type, unsigned bits) const override {
    return capacity_weights(type.reram, bits);
  }
  std::optional<BlockOpCost> op_cost(const CoreType& type, const ComputeOp& op,
                                     const std::string&) const override {
    if (op.kind != OpKind::kMvm) return std::nullopt;
    const ReramCoreParams& p = type.reram;
    const ReramPlacement pl = place_matrix(p, op.k, op.n, op.weight_bits, op.duplication);
    if (!pl.fits)
      throw std::invalid_argument("a " + std::to_string(op.k) + " x " + std::to_string(op.n) +
                                  " matrix at " + std::to_string(op.weight_bits) + " bits needs " +
                                  std::to_string(pl.tiles) + " tiles; the core has " +
                                  std::to_string(p.tiles));
    const ReramMvmCost c = mvm_cost(p, pl, op.m, op.input_bits, op.transposed);
    BlockOpCost r;
    r.time_ps = c.latency_ps;
    r.macs = op.m * op.k * op.n;
    r.utilisation = pl.utilisation;
    r.energy_j = {{"crossbar_read", c.xbar_j},  {"adc", c.adc_j},         {"dac", c.dac_j},
                  {"shift_add", c.shift_add_j}, {"dequant", c.dequant_j}, {"buffer", c.buffer_j}};
    r.detail = {{"crossbars", double(pl.crossbars)},
                {"tiles", double(pl.tiles)},
                {"cycle_ps", double(c.cycle_ps)},
                {"interval_ps", double(c.interval_ps)},
                {"single_vector_ps", double(c.stage_sum_ps)},
                {"adc_conversions", double(c.adc_conversions)},
                {"crossbar_reads", double(c.xbar_reads)}};
    return r;
  }
  const ReramCoreParams* crossbar_params(const CoreType& type) const override {
    return &type.reram;
  }
  bool set_adc_bits(CoreType& type, unsigned bits) const override {
    type.reram.adc_bits = bits;
    return true;
  }
  std::vector<std::string> warnings(const CoreType& type) const override {
    const ReramCoreParams& p = type.reram;
    const unsigned need = required_adc_bits(p);
    if (p.adc_bits >= need) return {};
    return {"core type '" + type.name + "': " + std::to_string(p.adc_bits) +
            "-bit ADCs are coarser than the " + std::to_string(need) + " bits a " +
            std::to_string(p.crossbar_rows) + "-row crossbar of " +
            std::to_string(p.bits_per_cell) + "-bit cells with " + std::to_string(p.dac_bits) +
            "-bit DACs needs" + (p.isaac_encoding ? " with ISAAC's encoding" : "") +
            ": each conversion drops its low " + std::to_string(need - p.adc_bits) +
            " bit(s) (see --functional for the accuracy cost)"};
  }
};

class SystolicKind : public BlockKind {
 public:
  std::string name() const override { return "systolic"; }
  BlockRole role() const override { return BlockRole::kArray; }
  void read(const ConfigNode& node, CoreType& type) const override {
    read_validated(node, systolic_fields(), type.systolic, {"kind", "dequant"});
    if (node.has("dequant")) {
      const ConfigNode v = node.child("dequant");
      try {
        type.dequant_materialize =
            parse_dequant_mode(v.as<std::string>()) == DequantMode::kMaterialize;
      } catch (const ParamError& e) {
        v.fail(e.what());
      }
    }
  }
  std::unique_ptr<BlockModel> make_model(const std::string& name,
                                         const CoreType& type) const override {
    return std::make_unique<SystolicCore>(name.c_str(), type.systolic);
  }
  std::vector<Component> components(const CoreType& type) const override {
    return core_components(type.systolic);
  }
  double area_mm2(const CoreType& type) const override { return core_area_mm2(type.systolic); }
  std::vector<std::string> units(const CoreType&) const override {
    return {"array", "sfu", "sram port"};
  }
  bool dequant_materialize(const CoreType& type) const override { return type.dequant_materialize; }
  std::optional<uint64_t> buffer_bytes(const CoreType& type) const override {
    return uint64_t(type.systolic.sram_kib) * 1024;
  }
  std::optional<BlockOpCost> op_cost(const CoreType& type, const ComputeOp& op,
                                     const std::string& dataflow) const override {
    if (op.kind == OpKind::kSoftmax || op.kind == OpKind::kLayerNorm || op.kind == OpKind::kGelu ||
        op.kind == OpKind::kAdam) {
      const SystolicCoreParams& sp = type.systolic;
      const SfuCost c = sfu_cost(sp.sfu, op.kind, op.m, op.k, op.backward, sp.clock_mhz);
      BlockOpCost r;
      r.cycles = c.cycles;
      r.time_ps = c.latency_ps;
      r.energy_j = {{"sfu", c.energy_j}};
      // Lanes busy: rows are spread across lanes, one row per lane at a time.
      const uint64_t lanes = sp.sfu.lanes, rounds = (op.m + lanes - 1) / lanes;
      r.utilisation = rounds > 0 ? static_cast<double>(op.m) / (rounds * lanes) : 0;
      r.detail = {{"elements", double(c.elements)}, {"element_ops", double(c.element_ops)}};
      return r;
    }
    if (op.kind != OpKind::kGemm) return std::nullopt;
    SystolicCoreParams p = type.systolic;
    if (!dataflow.empty()) p.dataflow = parse_dataflow(dataflow);
    const SystolicGemmCost c = gemm_cost(p, op.m, op.k, op.n, operand_bytes_for(p, op));
    const SystolicFolding f = gemm_folding(p, op.m, op.k, op.n);
    BlockOpCost r;
    r.cycles = c.total_cycles;
    r.stall_cycles = c.stall_cycles;
    if (c.bandwidth_stall_cycles > 0) r.stall_reason = "sram bandwidth";
    if (c.spill_stall_cycles > 0)
      r.stall_reason += std::string(r.stall_reason.empty() ? "" : ", ") + "sram capacity spill";
    r.time_ps = c.latency_ps;
    r.macs = c.macs;
    r.utilisation = c.utilisation;
    r.energy_j = {{"pe_mac", c.energy_mac_j}, {"sram", c.energy_sram_j}};
    r.detail = {{"compute_cycles", double(c.compute_cycles)},
                {"fold_cycles", double(f.fold_cycles)},
                {"row_folds", double(f.row_folds)},
                {"col_folds", double(f.col_folds)},
                {"sram_read_bytes", double(c.sram_read_bytes)},
                {"sram_write_bytes", double(c.sram_write_bytes)},
                {"spill_bytes", double(c.spill_bytes)}};
    return r;
  }
};

class RooflineKind : public BlockKind {
 public:
  std::string name() const override { return "roofline"; }
  BlockRole role() const override { return BlockRole::kRoofline; }
  void read(const ConfigNode& node, CoreType& type) const override {
    read_validated(node, roofline_fields(), type.roofline, {"kind", "local_memory"});
    type.local_memory = node.get_or<bool>("local_memory", false);
  }
  std::unique_ptr<BlockModel> make_model(const std::string& name,
                                         const CoreType& type) const override {
    return std::make_unique<RooflineCore>(name.c_str(), type.roofline);
  }
  void node_options(const CoreType& type, NodeOptions& o) const override {
    o.local_memory = type.local_memory;
    o.batch_instances = true;
    o.single_unit = true;
  }
  std::vector<Component> components(const CoreType& type) const override {
    const RooflineCoreParams& r = type.roofline;
    return {{"core", 1.0, r.area_mm2, r.active_power_w + r.idle_power_w, r.idle_power_w, 0.0}};
  }
  double area_mm2(const CoreType& type) const override { return type.roofline.area_mm2; }
  std::vector<std::string> units(const CoreType&) const override { return {"stream"}; }
  // Resident weights fill the core's own memory (weight_capacity_bytes; 0 leaves it unbounded).
  std::optional<uint64_t> weight_capacity(const CoreType& type, unsigned bits) const override {
    if (!type.local_memory || type.roofline.weight_capacity_bytes <= 0) return std::nullopt;
    return static_cast<uint64_t>(type.roofline.weight_capacity_bytes * 8.0 / bits);
  }
  bool weights_resident(const CoreType& type) const override { return type.local_memory; }
  std::optional<BlockOpCost> op_cost(const CoreType& type, const ComputeOp& op,
                                     const std::string&) const override {
    const RooflineCost c = roofline_cost(type.roofline, op);
    BlockOpCost r;
    r.time_ps = c.latency_ps;
    r.macs = c.macs;
    const double peak_macs = type.roofline.peak_macs_per_ns * c.latency_ps * 1e-3;
    r.utilisation = peak_macs > 0 ? c.macs / peak_macs : 0;
    r.energy_j = {{"roofline", c.energy_j}};
    r.detail = {{"bytes", double(c.bytes)}, {"vector_ops", double(c.vector_ops)}};
    if (c.bound != RooflineBound::kCompute)
      r.stall_reason = std::string(to_string(c.bound)) + " bound";
    return r;
  }
};

}  // namespace

void register_builtin_block_kinds(BlockKindRegistry& registry) {
  registry.add(std::make_unique<ReramKind>());
  registry.add(std::make_unique<SystolicKind>());
  registry.add(std::make_unique<RooflineKind>());
}

}  // namespace atleus
