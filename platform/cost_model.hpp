// Fabrication cost of a 2D die or a 3D stack of dies: the paper's cost model (Eqs. 6-11,
// reference section 8). Pure functions, no SystemC.
//   dies per wafer   = floor(pi (d/2)^2 / A - pi d / sqrt(2 A))       (d, A in mm, mm^2)
//   die yield        = wafer_yield (1 + A D0 / alpha)^-alpha            (negative binomial, A in
//   cm^2) die cost         = wafer cost / (dies per wafer x die yield)        (cost per good die)
//   stack cost       = sum of die costs / (stacking yield x TSV yield)
// with stacking yield = stacking_yield^(tiers - 1) (one bonding step per tier joined) and
// TSV yield = tsv_yield^(TSV count) (each TSV fails independently).
// planar_cost prices the same design as one planar die: the tiers' logic side by side, no TSVs,
// no bonding steps, one wafer price.
// Not modelled: test, packaging, interposer, HBM, cooling, design (NRE) costs; defect clustering
// beyond alpha; TSV redundancy.
#pragma once

#include "atleus/workloads/infeasible.hpp"

#include <cstdint>
#include <vector>

namespace atleus {

struct CostParams {
  // Paper section 8: 300 mm wafers.
  double wafer_diameter_mm = 300.0;
  // [default] USD per processed 300 mm wafer at 10 nm (the SA tier's node, paper section 3):
  // $5,992, CSET's foundry-price estimate (Khan & Mann, "AI Chips: What They Are and Why They
  // Matter", CSET 2020). Tiers in an older node pass their own price in TierCostInput (the same
  // source gives $2,891 for 28 nm, the nearest node to the ReRAM tiers' 32 nm).
  double wafer_cost_usd = 5992.0;
  // Paper section 8: D0 = 0.2 defects per cm^2.
  double defect_density_per_cm2 = 0.2;
  // Paper section 8: clustering parameter alpha = 3.
  double alpha = 3.0;
  // [default] 1.0: whole-wafer losses folded into D0; the paper names the factor but gives no
  // value.
  double wafer_yield = 1.0;
  // [default] 0.99 per die-to-wafer bonding step, an assumed value of the kind used in 3D cost
  // studies (Dong & Xie, ASP-DAC 2009, treat bonding yield as a per-step factor); the paper
  // gives none.
  double stacking_yield = 0.99;
  // [default] 0.99999 per TSV (a 1e-5 TSV failure rate, the order assumed in TSV-redundancy
  // studies); the paper gives none.
  double tsv_yield = 0.99999;

  void validate() const;  // throws ParamError naming the field
};

struct TierCostInput {
  double area_mm2 = 0.0;
  double wafer_cost_usd = 0.0;  // 0: use CostParams::wafer_cost_usd
};

struct StackCost {
  std::vector<double> dies_per_wafer;  // per tier
  std::vector<double> die_yield;       // per tier
  std::vector<double> die_cost_usd;    // per tier, cost of one good die
  double stacking_yield = 1.0;         // all bonding steps together
  double tsv_yield = 1.0;              // all TSVs together
  double total_usd = 0.0;              // cost of one good stack
};

// One planar (2D) die: its area and what the cost model makes of it.
struct PlanarCost {
  double area_mm2 = 0.0;
  double dies_per_wafer = 0.0;
  double die_yield = 0.0;
  double die_cost_usd = 0.0;  // cost of one good die
};

// Gross dies per wafer (floored; 0 when the die does not fit). Throws std::invalid_argument
// for non-positive inputs.
double dies_per_wafer(double wafer_diameter_mm, double die_area_mm2);

// Fraction of good dies for a die of `die_area_mm2` (converted to cm^2 for D0).
double die_yield(double die_area_mm2, double defect_density_per_cm2, double alpha,
                 double wafer_yield = 1.0);

// Cost of one good die; throws InfeasibleDesign (workloads/infeasible.hpp) if no die fits on
// the wafer.
double die_cost(const CostParams& p, double die_area_mm2, double wafer_cost_usd);

// Cost of one good stack of `tiers` (bottom to top) joined by `tsv_count` TSVs in total.
// One tier and no TSVs is a plain 2D die. Throws InfeasibleDesign when a die does not fit on
// the wafer or the stack's yield rounds to 0.
StackCost stack_cost(const CostParams& p, const std::vector<TierCostInput>& tiers,
                     uint64_t tsv_count);

// The whole design as one planar die of `area_mm2` on `wafer_cost_usd` wafers (0: the
// CostParams price). No stacking or TSV yield applies. Throws InfeasibleDesign if the die
// does not fit on the wafer.
PlanarCost planar_cost(const CostParams& p, double area_mm2, double wafer_cost_usd = 0.0);

// Tier area with its TSVs: logic + tsv_count x pitch^2 (each TSV takes a pitch x pitch cell;
// paper section 4: pitch = 3 x diameter).
double tier_area_mm2(double logic_area_mm2, uint64_t tsv_count, double tsv_pitch_um);

}  // namespace atleus
