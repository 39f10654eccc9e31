// sram_cim: an all-digital SRAM compute-in-memory core, as a block kind built outside the tree
// and loaded into atleus-vp at run time (`run --plugin libsram_cim.so`, or `plugins:` in a
// platform YAML). A core is `macros` CIM macros of `macro_kbit` kbit each; they hold the frozen
// weight matrices placed on the core and compute matrix-vector products where the weights are
// stored (the weights never leave their bit cells).
//
// Source of the figures: Y.-D. Chih et al., "An 89TOPS/W and 16.3TOPS/mm2 All-Digital
// SRAM-Based Full-Precision Compute-In Memory Macro in 22nm for Machine-Learning Edge
// Applications", ISSCC 2021, paper 16.4 (DOI 10.1109/ISSCC42613.2021.9365766). Only the two
// figures of its title are used: 89 TOPS/W and 16.3 TOPS/mm^2.
//  - Precision of those figures: not confirmed from the paper's text here; this model assumes
//    4-bit inputs x 4-bit weights (ref_input_bits, ref_weight_bits) and counts 2 operations
//    per MAC (a multiply and an add, the usual TOPS convention).
//  - Energy per MAC at the reference precision (derived): 2 op / 89e12 op/J = 22.47 fJ.
//  - Other precisions (this model's assumption): a bit-serial digital macro spends its energy
//    per input bit and per weight bit, so e_mac(ib, wb) = e_ref x (ib x wb) / (4 x 4).
//  - Timing (this model's assumption, after the macro's bit-serial inputs and adder trees): in
//    each clock cycle every macro applies one input bit to all the weights it stores, so a
//    product of m input vectors against a resident matrix takes m x input_bits cycles,
//    whatever the matrix's size, as long as it fits in the core's macros.
//  - Area per macro (derived): the macro's peak rate at the reference precision over the
//    cited area efficiency, (macro_kbit x 1024 / 4 weights) / 4 cycles per MAC x 2 op x clock
//    / 16.3 TOPS/mm^2.
//  - Weight reads: the cited figure is for the whole macro computing, which includes reading
//    the stored weights in place; there is no separate weight-read event to charge.
//  - Static power: 0. The TOPS/W figure covers the macro's whole power while it computes
//    (leakage included); its idle leakage is not given by the title figures.
//  - Transposed products (dX = dY W^T, fine-tuning's backward pass) are costed like forward
//    ones; the cited macro computes in one orientation, so a study faithful to it runs
//    fine-tuning with `--transpose-on systolic` (README.md).
// Not modelled: weight writes (the frozen weights are loaded before the run), pipeline fill of
// the adder trees, several products on one core at once (one op at a time per core).
#include <algorithm>
#include <any>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "atleus/models/block_model.hpp"
#include "atleus/models/busy_calendar.hpp"
#include "atleus/models/compute_op.hpp"
#include "atleus/models/param_check.hpp"
#include "atleus/models/sim_time.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/param_binding.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/run/compute_node.hpp"

namespace {

using namespace atleus;

struct SramCimParams {
  // Macros per core. [example setting] 1024: one RoBERTa-Base layer (7.08 M weights) at 8
  // bits fills 864 macros of 64 kbit.
  unsigned macros = 1024;
  // Weight storage per macro. [example setting] 64 kbit; not taken from the cited paper.
  unsigned macro_kbit = 64;
  // Macro clock. [example setting] 200 MHz; not taken from the cited paper.
  double clock_mhz = 200.0;
  double tops_per_w = 89.0;     // Chih et al., ISSCC 2021 (title)
  double tops_per_mm2 = 16.3;   // Chih et al., ISSCC 2021 (title)
  unsigned ref_input_bits = 4;  // precision assumed for the title figures (see above)
  unsigned ref_weight_bits = 4;

  void validate() const {
    require(macros > 0, "macros", "must be > 0");
    require(macro_kbit > 0, "macro_kbit", "must be > 0");
    require_clock_mhz(clock_mhz, "clock_mhz");
    require(std::isfinite(tops_per_w) && tops_per_w > 0, "tops_per_w", "must be > 0");
    require(std::isfinite(tops_per_mm2) && tops_per_mm2 > 0, "tops_per_mm2", "must be > 0");
    require(ref_input_bits > 0 && ref_input_bits <= 32, "ref_input_bits", "must be in [1, 32]");
    require(ref_weight_bits > 0 && ref_weight_bits <= 32, "ref_weight_bits", "must be in [1, 32]");
  }
  uint64_t macro_bits() const { return uint64_t{macro_kbit} * 1024; }
  // Joules per MAC at the reference precision: 2 operations per MAC at tops_per_w.
  double ref_mac_j() const { return 2.0 / (tops_per_w * 1e12); }
  double mac_j(unsigned input_bits, unsigned weight_bits) const {
    return ref_mac_j() * input_bits * weight_bits / (double(ref_input_bits) * ref_weight_bits);
  }
  // Operations per second of one macro at the reference precision (all its weights, one input
  // bit per cycle).
  double macro_peak_ops() const {
    const double weights = double(macro_bits()) / ref_weight_bits;
    return 2.0 * weights / ref_input_bits * clock_mhz * 1e6;
  }
  double macro_area_mm2() const { return macro_peak_ops() / (tops_per_mm2 * 1e12); }
};

struct SramCimCost {
  uint64_t cycles = 0;
  uint64_t time_ps = 0;
  uint64_t macs = 0;
  uint64_t macros_used = 0;
  double energy_j = 0;
};

// Cost of an MVM against a resident k x n matrix; throws when the matrix does not fit.
SramCimCost mvm_cost(const SramCimParams& p, const ComputeOp& op) {
  SramCimCost c;
  const uint64_t bits = op.k * op.n * op.weight_bits;
  c.macros_used = (bits + p.macro_bits() - 1) / p.macro_bits();
  if (c.macros_used > p.macros)
    throw std::invalid_argument("a " + std::to_string(op.k) + " x " + std::to_string(op.n) +
                                " matrix at " + std::to_string(op.weight_bits) + " bits needs " +
                                std::to_string(c.macros_used) + " macros of " +
                                std::to_string(p.macro_kbit) + " kbit; the core has " +
                                std::to_string(p.macros));
  c.cycles = op.batch * op.m * op.input_bits;
  c.time_ps = c.cycles * period_ps(p.clock_mhz);
  c.macs = op.macs();
  c.energy_j = double(c.macs) * p.mac_j(op.input_bits, op.weight_bits);
  return c;
}

class SramCimCore : public BlockModel {
 public:
  SramCimCore(sc_core::sc_module_name name, const SramCimParams& p) : BlockModel(name), p_(p) {}
  std::vector<std::pair<std::string, double>> dynamic_energy_j() const override {
    return {{"sram_cim", energy_j_}};
  }
  StaticCharge static_charge() const override { return StaticCharge::kNone; }
  double static_energy_j(uint64_t) const override { return 0.0; }

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) override {
    const uint64_t now = now_ps();
    calendar_.forget_before(now);
    auto* ext = tx.get_extension<ComputeExtension>();
    if (ext == nullptr) {  // activations landing in (or read from) the core's buffers: free
      tx.set_response_status(tlm::TLM_OK_RESPONSE);
      return;
    }
    if (ext->op.kind != OpKind::kMvm) {  // only products with its resident weights
      tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    SramCimCost c;
    try {
      c = mvm_cost(p_, ext->op);
    } catch (const std::invalid_argument&) {
      tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    const uint64_t arrival = now + to_ps(delay);
    const uint64_t start = c.time_ps ? calendar_.reserve(arrival, c.time_ps) : arrival;
    ext->result.start_ps = start;
    ext->result.finish_ps = start + c.time_ps;
    ext->result.queue_ps = start - arrival;
    ext->result.energy_j = c.energy_j;
    energy_j_ += c.energy_j;
    delay = from_ps(ext->result.finish_ps - now);
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
  }

 private:
  SramCimParams p_;
  BusyCalendar calendar_;
  double energy_j_ = 0.0;
};

class SramCimKind : public BlockKind {
 public:
  std::string name() const override { return "sram_cim"; }
  BlockRole role() const override { return BlockRole::kRoofline; }
  void read(const ConfigNode& node, CoreType& type) const override {
    using P = SramCimParams;
    static const auto fields = FieldTable<P>()
                                   .add("macros", &P::macros)
                                   .add("macro_kbit", &P::macro_kbit)
                                   .add("clock_mhz", &P::clock_mhz)
                                   .add("tops_per_w", &P::tops_per_w)
                                   .add("tops_per_mm2", &P::tops_per_mm2)
                                   .add("ref_input_bits", &P::ref_input_bits)
                                   .add("ref_weight_bits", &P::ref_weight_bits);
    P p;
    read_validated(node, fields, p, {"kind"});
    type.params = p;
  }
  static const SramCimParams& params(const CoreType& t) {
    return std::any_cast<const SramCimParams&>(t.params);
  }
  std::unique_ptr<BlockModel> make_model(const std::string& name,
                                         const CoreType& type) const override {
    return std::make_unique<SramCimCore>(name.c_str(), params(type));
  }
  // One op at a time per core (its single calendar).
  void node_options(const CoreType&, NodeOptions& o) const override { o.single_unit = true; }
  std::vector<Component> components(const CoreType& type) const override {
    const SramCimParams& p = params(type);
    const double peak_w = p.macros * p.macro_peak_ops() / 2.0 * p.ref_mac_j();
    return {{"macros", double(p.macros), p.macros * p.macro_area_mm2(), peak_w, 0.0,
             p.ref_mac_j() * 1e12}};
  }
  std::vector<std::string> units(const CoreType&) const override { return {"macros"}; }
  // Frozen projections only, like the ReRAM crossbars.
  bool can_run(const std::string& kernel_class) const override { return kernel_class == "frozen"; }
  std::optional<uint64_t> weight_capacity(const CoreType& type, unsigned bits) const override {
    return params(type).macros * params(type).macro_bits() / bits;
  }
  bool weights_resident(const CoreType&) const override { return true; }
  std::optional<BlockOpCost> op_cost(const CoreType& type, const ComputeOp& op,
                                     const std::string&) const override {
    if (op.kind != OpKind::kMvm) return std::nullopt;
    const SramCimParams& p = params(type);
    const SramCimCost c = mvm_cost(p, op);
    BlockOpCost r;
    r.cycles = c.cycles;
    r.time_ps = c.time_ps;
    r.macs = c.macs;
    r.utilisation = double(c.macros_used) / p.macros;  // macros holding the matrix
    r.energy_j = {{"sram_cim", c.energy_j}};
    r.detail = {{"macros_used", double(c.macros_used)},
                {"mac_j", p.mac_j(op.input_bits, op.weight_bits)},
                {"macro_area_mm2", p.macro_area_mm2()}};
    return r;
  }
};

RegisterBlockKind<SramCimKind> sram_cim_registration;

}  // namespace
