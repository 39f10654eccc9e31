#include "atleus/platform/cost_model.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "atleus/models/param_check.hpp"

namespace atleus {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

void CostParams::validate() const {
  require_positive(wafer_diameter_mm, "wafer_diameter_mm");
  require_positive(wafer_cost_usd, "wafer_cost_usd");
  require_non_negative(defect_density_per_cm2, "defect_density_per_cm2");
  require_positive(alpha, "alpha");
  require(wafer_yield > 0.0 && wafer_yield <= 1.0, "wafer_yield", "must be in (0, 1]");
  require(stacking_yield > 0.0 && stacking_yield <= 1.0, "stacking_yield", "must be in (0, 1]");
  require(tsv_yield > 0.0 && tsv_yield <= 1.0, "tsv_yield", "must be in (0, 1]");
}

double dies_per_wafer(double wafer_diameter_mm, double die_area_mm2) {
  if (!(wafer_diameter_mm > 0.0) || !(die_area_mm2 > 0.0))
    throw std::invalid_argument("dies_per_wafer needs a positive wafer diameter and die area");
  const double r = wafer_diameter_mm / 2.0;
  // Wafer area over die area, less the partial dies lost along the edge.
  const double gross =
      kPi * r * r / die_area_mm2 - kPi * wafer_diameter_mm / std::sqrt(2.0 * die_area_mm2);
  return gross > 0.0 ? std::floor(gross) : 0.0;
}

double die_yield(double die_area_mm2, double defect_density_per_cm2, double alpha,
                 double wafer_yield) {
  const double area_cm2 = die_area_mm2 / 100.0;
  return wafer_yield * std::pow(1.0 + area_cm2 * defect_density_per_cm2 / alpha, -alpha);
}

double die_cost(const CostParams& p, double die_area_mm2, double wafer_cost_usd) {
  const double dpw = dies_per_wafer(p.wafer_diameter_mm, die_area_mm2);
  if (dpw < 1.0) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "a %.6g mm^2 die does not fit on a %.6g mm wafer", die_area_mm2,
                  p.wafer_diameter_mm);
    throw InfeasibleDesign(msg);
  }
  const double y = die_yield(die_area_mm2, p.defect_density_per_cm2, p.alpha, p.wafer_yield);
  return wafer_cost_usd / (dpw * y);
}

StackCost stack_cost(const CostParams& p, const std::vector<TierCostInput>& tiers,
                     uint64_t tsv_count) {
  p.validate();
  if (tiers.empty()) throw std::invalid_argument("stack_cost needs at least one tier");
  StackCost out;
  double sum = 0.0;
  for (const TierCostInput& t : tiers) {
    if (t.wafer_cost_usd < 0.0) throw std::invalid_argument("a tier's wafer_cost_usd is negative");
    const double wafer_cost = t.wafer_cost_usd > 0.0 ? t.wafer_cost_usd : p.wafer_cost_usd;
    out.dies_per_wafer.push_back(dies_per_wafer(p.wafer_diameter_mm, t.area_mm2));
    out.die_yield.push_back(
        die_yield(t.area_mm2, p.defect_density_per_cm2, p.alpha, p.wafer_yield));
    out.die_cost_usd.push_back(die_cost(p, t.area_mm2, wafer_cost));
    sum += out.die_cost_usd.back();
  }
  out.stacking_yield = std::pow(p.stacking_yield, static_cast<double>(tiers.size() - 1));
  out.tsv_yield = std::pow(p.tsv_yield, static_cast<double>(tsv_count));
  if (!(out.stacking_yield * out.tsv_yield > 0.0)) {
    char msg[200];
    std::snprintf(msg, sizeof msg,
                  "the stack's yield rounds to 0 (stacking %.6g per bond over %zu bonds, TSV "
                  "%.6g each over %llu TSVs): no good stack at any cost",
                  p.stacking_yield, tiers.size() - 1, p.tsv_yield,
                  static_cast<unsigned long long>(tsv_count));
    throw InfeasibleDesign(msg);
  }
  out.total_usd = sum / (out.stacking_yield * out.tsv_yield);
  return out;
}

PlanarCost planar_cost(const CostParams& p, double area_mm2, double wafer_cost_usd) {
  p.validate();
  if (wafer_cost_usd < 0.0) throw std::invalid_argument("planar_cost: wafer_cost_usd is negative");
  PlanarCost out;
  out.area_mm2 = area_mm2;
  out.dies_per_wafer = dies_per_wafer(p.wafer_diameter_mm, area_mm2);
  out.die_yield = die_yield(area_mm2, p.defect_density_per_cm2, p.alpha, p.wafer_yield);
  out.die_cost_usd =
      die_cost(p, area_mm2, wafer_cost_usd > 0.0 ? wafer_cost_usd : p.wafer_cost_usd);
  return out;
}

double tier_area_mm2(double logic_area_mm2, uint64_t tsv_count, double tsv_pitch_um) {
  return logic_area_mm2 + static_cast<double>(tsv_count) * tsv_pitch_um * tsv_pitch_um * 1e-6;
}

}  // namespace atleus
