// BlockKind: one kind of compute block (reram, systolic, roofline, or any a user adds) behind
// one interface, registered by name. The loader binds a core type's YAML keys through the
// kind's parameter table; the run builds the kind's model on each of its sites and collects
// energy through BlockModel (models/block_model.hpp); mapping, describe and the report ask
// the kind for its role, capacity, area and kernel classes. Nothing outside the registry and
// the models switches on a kind or casts to a concrete model.
//
// Adding a kind: derive from BlockKind, and register it once, from any source file (or a
// plugin) linked into the program:
//   static atleus::RegisterBlockKind<MyKind> my_kind_registration;
// Its YAML is `core_types: {name: {kind: my_kind, ...its keys...}}`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atleus/models/block_model.hpp"
#include "atleus/models/component.hpp"
#include "atleus/models/compute_op.hpp"
#include "atleus/models/reram_core.hpp"

namespace atleus {

class ConfigNode;
struct CoreType;
struct NodeOptions;

// How the mapping uses a kind's sites when `placement` does not say otherwise.
enum class BlockRole {
  kCrossbar,  // frozen matrices placed in its crossbars (crossbar_params() gives the geometry)
  kArray,     // dynamic products, attention, LoRA, SFU work; frozen products when no crossbar
  kRoofline,  // everything, when the platform has neither of the above
};

// Cost of one op on an idle core of a kind (no NoC, no queueing): what `probe` prints.
struct BlockOpCost {
  uint64_t cycles = 0;        // at the core's clock (0: the kind has no clock)
  uint64_t stall_cycles = 0;  // of which stalls
  std::string stall_reason;   // what the stalls wait for ("" when none)
  uint64_t time_ps = 0;
  uint64_t macs = 0;
  double utilisation = 0;                                // of the core's MAC units over the op
  std::vector<std::pair<std::string, double>> energy_j;  // by event class
  std::vector<std::pair<std::string, double>> detail;    // further figures of the kind
};

class BlockKind {
 public:
  virtual ~BlockKind() = default;

  // The `kind:` value in YAML, and the key of its energy, MACs and report rows.
  virtual std::string name() const = 0;
  virtual BlockRole role() const = 0;

  // Reads a core type's keys (all but `kind`) into `type`, through the kind's FieldTable, and
  // validates them; errors go through ConfigNode::fail (FILE:LINE:COL: key: message).
  virtual void read(const ConfigNode& node, CoreType& type) const = 0;

  // The SystemC model of one core of this type.
  virtual std::unique_ptr<BlockModel> make_model(const std::string& name,
                                                 const CoreType& type) const = 0;
  // How a run's compute node drives this core (local memory, batched instances, one unit).
  virtual void node_options(const CoreType&, NodeOptions&) const {}

  // Area, peak and static power per component of one core.
  virtual std::vector<Component> components(const CoreType& type) const = 0;
  virtual double area_mm2(const CoreType& type) const;
  virtual double static_power_w(const CoreType& type) const;
  // The units a core's work contends on (its calendars), for reports.
  virtual std::vector<std::string> units(const CoreType&) const { return {"compute"}; }

  // Kernel classes (workloads/op_graph.hpp kernel_classes()) a core of this kind can run.
  virtual bool can_run(const std::string& kernel_class) const;
  // Frozen weights a core holds at `bits` per weight; nullopt: it stores none (streams them).
  virtual std::optional<uint64_t> weight_capacity(const CoreType&, unsigned /*bits*/) const {
    return std::nullopt;
  }
  // Bytes of on-core SRAM that may keep data between kernels (a generation's KV cache with
  // platform key kv_cache: sram); nullopt: none.
  virtual std::optional<uint64_t> buffer_bytes(const CoreType&) const { return std::nullopt; }
  // Frozen matrices placed on this type live in the core's own memory (not streamed from HBM).
  virtual bool weights_resident(const CoreType&) const { return false; }
  // Frozen matrices streamed in k-bit form are first expanded into a 16-bit copy in HBM.
  virtual bool dequant_materialize(const CoreType&) const { return false; }
  // Crossbar geometry for the mapping and the functional numerics (kCrossbar kinds).
  virtual const ReramCoreParams* crossbar_params(const CoreType&) const { return nullptr; }
  // `run --adc-bits`: kinds with ADCs take the new resolution; false when it does not apply.
  virtual bool set_adc_bits(CoreType&, unsigned /*bits*/) const { return false; }
  // Cost of `op` on one idle core; nullopt when the kind cannot run it or has no closed form.
  // `dataflow` (os, ws, is; empty: the core's own) applies to kinds with a dataflow choice.
  virtual std::optional<BlockOpCost> op_cost(const CoreType&, const ComputeOp&,
                                             const std::string& /*dataflow*/) const {
    return std::nullopt;
  }
  // Accepted-but-suspicious settings, reported by describe, run and the report.
  virtual std::vector<std::string> warnings(const CoreType&) const { return {}; }
};

class BlockKindRegistry {
 public:
  // The process-wide registry; the built-in kinds are in it from the start.
  static BlockKindRegistry& instance();
  // Throws std::invalid_argument when a kind of that name exists.
  void add(std::unique_ptr<BlockKind> kind);
  const BlockKind* find(const std::string& name) const;  // nullptr when unknown
  std::vector<std::string> names() const;                // in registration order

 private:
  BlockKindRegistry() = default;
  std::vector<std::unique_ptr<BlockKind>> kinds_;
};

inline const BlockKind* find_block_kind(const std::string& name) {
  return BlockKindRegistry::instance().find(name);
}

// Registration object: `static RegisterBlockKind<MyKind> reg;` adds one MyKind at load time.
template <typename K>
struct RegisterBlockKind {
  RegisterBlockKind() { BlockKindRegistry::instance().add(std::make_unique<K>()); }
};

// Loads a shared object (dlopen) whose RegisterBlockKind objects add its kinds. The program's
// own symbols must be visible to it (atleus-vp exports them; a program linking the static
// library needs ENABLE_EXPORTS, or link atleus::vp as a shared library). Loading the same file
// again does nothing. Throws std::invalid_argument naming the file and dlerror() on failure.
void load_block_kind_plugin(const std::string& path);

// Adds reram, systolic and roofline (platform/builtin_kinds.cpp); called by instance().
void register_builtin_block_kinds(BlockKindRegistry& registry);

}  // namespace atleus
