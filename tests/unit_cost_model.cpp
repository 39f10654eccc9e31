// Cost model against hand-derived numbers (paper section 8: D0 = 0.2 /cm^2, alpha = 3, 300 mm).
#include <catch2/catch.hpp>
#include <cmath>

#include "atleus/models/param_check.hpp"
#include "atleus/platform/cost_model.hpp"
#include "atleus/platform/describe.hpp"
#include "atleus/platform/platform_loader.hpp"

using namespace atleus;

namespace {
CostParams paper_params() {
  CostParams p;
  p.wafer_diameter_mm = 300.0;
  p.defect_density_per_cm2 = 0.2;
  p.alpha = 3.0;
  p.wafer_yield = 1.0;
  p.wafer_cost_usd = 5000.0;
  p.stacking_yield = 0.99;
  p.tsv_yield = 0.99999;
  return p;
}
}  // namespace

TEST_CASE("dies_per_wafer matches hand-computed gross die counts", "[cost]") {
  // 300 mm, 100 mm^2: pi*150^2/100 = 706.858; pi*300/sqrt(200) = 66.643; 640.215 -> 640.
  CHECK(dies_per_wafer(300.0, 100.0) == 640.0);
  // 300 mm, 400 mm^2: 176.715 - 33.322 = 143.393 -> 143.
  CHECK(dies_per_wafer(300.0, 400.0) == 143.0);
  // 200 mm, 100 mm^2: 314.159 - 44.429 = 269.730 -> 269.
  CHECK(dies_per_wafer(200.0, 100.0) == 269.0);
  // A die larger than the wafer gives nothing.
  CHECK(dies_per_wafer(300.0, 80000.0) == 0.0);
  CHECK_THROWS_AS(dies_per_wafer(300.0, 0.0), std::invalid_argument);
}

TEST_CASE("die_yield follows the negative-binomial model", "[cost]") {
  // A = 1 cm^2: (1 + 0.2/3)^-3 = (16/15)^-3 = 3375/4096.
  CHECK(die_yield(100.0, 0.2, 3.0) == Approx(3375.0 / 4096.0).epsilon(1e-12));
  // A = 4 cm^2: (1 + 0.8/3)^-3 = (19/15)^-3 = 3375/6859.
  CHECK(die_yield(400.0, 0.2, 3.0) == Approx(3375.0 / 6859.0).epsilon(1e-12));
  // Wafer yield scales linearly; zero defects gives the wafer yield.
  CHECK(die_yield(400.0, 0.2, 3.0, 0.9) == Approx(0.9 * 3375.0 / 6859.0).epsilon(1e-12));
  CHECK(die_yield(400.0, 0.0, 3.0, 0.95) == Approx(0.95));
  // Large alpha tends to the Poisson model exp(-A D0).
  CHECK(die_yield(400.0, 0.2, 1e7) == Approx(std::exp(-0.8)).epsilon(1e-6));
}

TEST_CASE("die yield and cost per area are monotonic in area and defect density", "[cost]") {
  const CostParams p = paper_params();
  double prev_yield = 1.0;
  double prev_cost_per_mm2 = 0.0;
  for (double a = 25.0; a <= 800.0; a *= 2.0) {
    const double y = die_yield(a, p.defect_density_per_cm2, p.alpha);
    const double cost_per_mm2 = die_cost(p, a, p.wafer_cost_usd) / a;
    CHECK(y < prev_yield);
    CHECK(cost_per_mm2 > prev_cost_per_mm2);
    prev_yield = y;
    prev_cost_per_mm2 = cost_per_mm2;
  }
  CHECK(die_yield(100.0, 0.4, 3.0) < die_yield(100.0, 0.2, 3.0));
}

TEST_CASE("one 400 mm^2 die versus four stacked 100 mm^2 tiers", "[cost]") {
  const CostParams p = paper_params();
  const double w = p.wafer_cost_usd;

  // 2D: W / (143 x 3375/6859).
  const double expect_2d = w / (143.0 * 3375.0 / 6859.0);
  const StackCost flat = stack_cost(p, {{400.0, 0.0}}, 0);
  CHECK(flat.total_usd == Approx(expect_2d).epsilon(1e-12));
  CHECK(flat.stacking_yield == 1.0);
  CHECK(flat.tsv_yield == 1.0);

  // 3D, no TSVs: 4 W / (640 x 3375/4096), over three bonding steps at 0.99.
  const double tier_die = w / (640.0 * 3375.0 / 4096.0);
  const std::vector<TierCostInput> tiers(4, TierCostInput{100.0, 0.0});
  const StackCost stacked = stack_cost(p, tiers, 0);
  REQUIRE(stacked.die_cost_usd.size() == 4);
  CHECK(stacked.dies_per_wafer[0] == 640.0);
  CHECK(stacked.die_yield[0] == Approx(3375.0 / 4096.0).epsilon(1e-12));
  CHECK(stacked.die_cost_usd[3] == Approx(tier_die).epsilon(1e-12));
  CHECK(stacked.stacking_yield == Approx(0.99 * 0.99 * 0.99).epsilon(1e-12));
  CHECK(stacked.total_usd == Approx(4.0 * tier_die / (0.99 * 0.99 * 0.99)).epsilon(1e-12));
  // Small tiers are cheaper: ratio 2D / 3D = (6859 x 640) / (4 x 4096 x 143) x 0.99^3 ~ 1.818.
  CHECK(flat.total_usd / stacked.total_usd == Approx(1.8179853696).epsilon(1e-9));

  // TSVs: each one multiplies the yield by 0.99999.
  const StackCost with_tsv = stack_cost(p, tiers, 1000);
  CHECK(with_tsv.tsv_yield == Approx(std::pow(0.99999, 1000)).epsilon(1e-12));
  CHECK(with_tsv.total_usd == Approx(stacked.total_usd / std::pow(0.99999, 1000)).epsilon(1e-12));
  CHECK(stack_cost(p, tiers, 2000).total_usd > with_tsv.total_usd);
}

TEST_CASE("tiers may use their own wafer price", "[cost]") {
  const CostParams p = paper_params();
  const StackCost mixed = stack_cost(p, {{100.0, 2000.0}, {100.0, 0.0}}, 0);
  CHECK(mixed.die_cost_usd[0] == Approx(2000.0 / (640.0 * 3375.0 / 4096.0)).epsilon(1e-12));
  CHECK(mixed.die_cost_usd[1] == Approx(5000.0 / (640.0 * 3375.0 / 4096.0)).epsilon(1e-12));
}

TEST_CASE("tier_area_mm2 adds one pitch-square per TSV", "[cost]") {
  // Paper section 4: 5 um TSVs at 3 x diameter pitch -> 225 um^2 each; 1000 of them 0.225 mm^2.
  CHECK(tier_area_mm2(100.0, 1000, 15.0) == Approx(100.225).epsilon(1e-12));
}

TEST_CASE("CostParams::validate names the bad field", "[cost]") {
  CostParams p = paper_params();
  p.stacking_yield = 1.2;
  try {
    p.validate();
    FAIL("no exception");
  } catch (const ParamError& e) {
    CHECK(e.field() == "stacking_yield");
  }
  p = paper_params();
  p.alpha = 0.0;
  CHECK_THROWS_AS(p.validate(), ParamError);
  CHECK_THROWS_AS(stack_cost(p, {{100.0, 0.0}}, 0), ParamError);
  CHECK_THROWS_AS(stack_cost(paper_params(), {{90000.0, 0.0}}, 0), atleus::InfeasibleDesign);
}

TEST_CASE("planar_cost prices the design as one 2D die", "[cost]") {
  const CostParams p = paper_params();
  // 400 mm^2 on a 300 mm wafer: 143 gross dies (above), yield (19/15)^-3 = 3375/6859.
  const PlanarCost flat = planar_cost(p, 400.0);
  CHECK(flat.area_mm2 == 400.0);
  CHECK(flat.dies_per_wafer == 143.0);
  CHECK(flat.die_yield == Approx(3375.0 / 6859.0).epsilon(1e-12));
  CHECK(flat.die_cost_usd == Approx(5000.0 * 6859.0 / (143.0 * 3375.0)).epsilon(1e-12));

  // 260 mm^2 at $3,000 a wafer: pi 150^2 / 260 = 271.8686, pi 300 / sqrt(520) = 41.3304,
  // difference 230.54 -> 230 dies; A = 2.6 cm^2: (1 + 0.52/3)^-3 = (3.52/3)^-3 = 27 / 3.52^3.
  const double yield_260 = 27.0 / (3.52 * 3.52 * 3.52);
  const PlanarCost own_price = planar_cost(p, 260.0, 3000.0);
  CHECK(own_price.dies_per_wafer == 230.0);
  CHECK(own_price.die_yield == Approx(yield_260).epsilon(1e-12));
  CHECK(own_price.die_cost_usd == Approx(3000.0 / (230.0 * yield_260)).epsilon(1e-12));

  // The paper's comparison (section 8): the 400 mm^2 die against four stacked 100 mm^2 tiers
  // with no TSV losses, 640 dies of yield 3375/4096 each, three bonding steps at 0.99.
  const double stacked = 4.0 * 5000.0 * 4096.0 / (640.0 * 3375.0) / (0.99 * 0.99 * 0.99);
  CHECK(flat.die_cost_usd / stacked == Approx(1.8179853696).epsilon(1e-9));

  CHECK_THROWS_AS(planar_cost(p, 90000.0), atleus::InfeasibleDesign);
  CHECK_THROWS_AS(planar_cost(p, 100.0, -1.0), std::invalid_argument);
  CostParams bad = p;
  bad.wafer_yield = 0.0;
  CHECK_THROWS_AS(planar_cost(bad, 100.0), ParamError);
}

TEST_CASE("describe: the Atleus preset as one planar die holds cores and routers, no TSVs",
          "[cost][describe]") {
  const PlatformSummary s = describe_platform(load_platform("atleus"));
  REQUIRE(s.tsv_count > 0);
  const double area = s.area_cores_mm2 + s.area_routers_mm2;
  CHECK(s.planar_2d.area_mm2 == Approx(area).epsilon(1e-12));
  CHECK(s.planar_2d.area_mm2 < s.area_total_mm2);  // the stack's TSV footprint is gone

  // Eqs. 6-8 written out for this area with the preset's cost parameters.
  const CostParams& c = load_platform("atleus").cost;
  const double d = c.wafer_diameter_mm;
  const double dies = std::floor(3.14159265358979 * d * d / 4.0 / area -
                                 3.14159265358979 * d / std::sqrt(2.0 * area));
  const double yield =
      c.wafer_yield * std::pow(1.0 + area / 100.0 * c.defect_density_per_cm2 / c.alpha, -c.alpha);
  CHECK(s.planar_2d.dies_per_wafer == dies);
  CHECK(s.planar_2d.die_yield == Approx(yield).epsilon(1e-12));
  CHECK(s.planar_2d.die_cost_usd == Approx(c.wafer_cost_usd / (dies * yield)).epsilon(1e-12));

  const auto j = to_json(s);
  CHECK(j["cost"]["planar_2d"]["area_mm2"].get<double>() == Approx(area).epsilon(1e-12));
  CHECK(j["cost"]["planar_2d"]["die_cost_usd"].get<double>() ==
        Approx(s.planar_2d.die_cost_usd).epsilon(1e-12));
}
