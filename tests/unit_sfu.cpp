// Special-function unit: cycles = ceil(rows / lanes) x (cols x per-element + per-row cycles),
// energy = elements x per-element pJ + rows x per-row pJ. Operation counts below are derived
// here from each function's formula (defaults: add/mul 1 cycle, exp/recip/rsqrt/tanh 4).
#include <catch2/catch.hpp>

#include "atleus/models/param_check.hpp"
#include "atleus/models/sfu.hpp"

using namespace atleus;

namespace {

// Energy in joules of `adds` add-class ops, `muls` multiplies and `specials` special functions.
double energy_j(const SfuParams& p, double adds, double muls, double specials) {
  return (adds * p.e_add_pj + muls * p.e_mul_pj + specials * p.e_special_pj) * 1e-12;
}

}  // namespace

TEST_CASE("sfu softmax forward and backward", "[sfu]") {
  const SfuParams p;
  REQUIRE(p.lanes == 32);
  // Forward per element: max compare, x - max, running sum (3 add-class), exp (4 cycles),
  // scale by 1/sum (1 mul): 3 + 4 + 1 = 8 cycles. Per row: one reciprocal, 4 cycles.
  // 64 rows on 32 lanes = 2 rounds: 2 x (128 x 8 + 4) = 2056 cycles.
  const SfuCost f = sfu_cost(p, OpKind::kSoftmax, 64, 128, false, 800.0);
  CHECK(f.cycles == 2056);
  CHECK(f.latency_ps == 2056u * 1250u);
  CHECK(f.elements == 64u * 128u);
  CHECK(f.element_ops == 64u * 128u * 5u + 64u * 1u);
  CHECK(f.energy_j == Approx(64 * 128 * (energy_j(p, 3, 1, 1)) + 64 * energy_j(p, 0, 0, 1)));

  // Backward dx = y (dy - sum(dy y)): dy*y, sum, subtract, times y: 2 add + 2 mul = 4 cycles.
  const SfuCost b = sfu_cost(p, OpKind::kSoftmax, 64, 128, true, 800.0);
  CHECK(b.cycles == 2u * 128u * 4u);
  CHECK(b.energy_j == Approx(64 * 128 * energy_j(p, 2, 2, 0)));
}

TEST_CASE("sfu layernorm forward and backward", "[sfu]") {
  const SfuParams p;
  // Forward per element: mean sum (add); x - mean, square, variance sum (add, mul, add);
  // (x - mean) * rstd * gamma + beta (add, mul, mul, add): 5 add + 3 mul = 8 cycles.
  // Per row: two 1/n scalings (2 mul), + eps (add), rsqrt (4): 7 cycles.
  // 100 rows -> 4 rounds of 32 lanes: 4 x (768 x 8 + 7) = 24604.
  const SfuCost f = sfu_cost(p, OpKind::kLayerNorm, 100, 768, false, 800.0);
  CHECK(f.cycles == 24604);
  CHECK(f.energy_j == Approx(100 * 768 * energy_j(p, 5, 3, 0) + 100 * energy_j(p, 1, 2, 1)));

  // Backward per element: xhat (sub, mul), g = dy gamma (mul), s1 += g (add),
  // s2 += g xhat (mul, add), dgamma += dy xhat (mul, add), dbeta += dy (add),
  // dx = rstd (g - m1 - xhat m2) (mul, 2 sub, mul): 7 add + 6 mul = 13 cycles.
  // Per row: m1 = s1 / n, m2 = s2 / n: 2 mul.
  const SfuCost b = sfu_cost(p, OpKind::kLayerNorm, 100, 768, true, 800.0);
  CHECK(b.cycles == 4u * (768u * 13u + 2u));
}

TEST_CASE("sfu gelu tanh and erf approximations", "[sfu]") {
  SfuParams p;
  REQUIRE(p.gelu_approx == GeluApprox::kTanh);
  // tanh form 0.5 x (1 + tanh(s (x + c x^3))): x^2, x^3, c x^3, s * (4 mul), one add,
  // tanh (4 cycles), 1 + t (add), 0.5 x and the product (2 mul): 2 add + 6 mul + 4 = 12.
  const SfuCost f = sfu_cost(p, OpKind::kGelu, 32, 3072, false, 800.0);
  CHECK(f.cycles == 3072u * 12u);
  CHECK(f.energy_j == Approx(32 * 3072 * energy_j(p, 2, 6, 1)));
  // Backward: recompute u and t (4 mul, add, tanh), 0.5 (1 + t) (add, mul), 1 - t^2 (mul,
  // add), s (1 + 3c x^2) (2 mul, add), sum of the two terms with 0.5 x (3 mul, add), times dy
  // (mul): 5 add + 12 mul + 4 = 21 cycles.
  CHECK(sfu_cost(p, OpKind::kGelu, 32, 3072, true, 800.0).cycles == 3072u * 21u);

  // erf form, erf by Abramowitz & Stegun 7.1.26: t = 1/(1 + p z) (mul, add, recip), degree-5
  // Horner polynomial (5 mul, 4 add), exp(-z^2) (mul, exp), 1 - poly e (mul, add) = 6 add,
  // 8 mul, recip, exp. GELU adds x / sqrt 2 (mul), 1 + erf (add), 0.5 x and product (2 mul):
  // 7 add + 11 mul + 2 specials x 4 = 26 cycles.
  p.gelu_approx = GeluApprox::kErf;
  const SfuCost e = sfu_cost(p, OpKind::kGelu, 32, 3072, false, 800.0);
  CHECK(e.cycles == 3072u * 26u);
  CHECK(e.energy_j == Approx(32 * 3072 * energy_j(p, 7, 11, 2)));
}

TEST_CASE("sfu lanes and clock and wrong kinds", "[sfu]") {
  SfuParams p;
  p.lanes = 1;  // every row in turn: 3 rows x (10 elements x 8 + 4) for softmax
  CHECK(sfu_cost(p, OpKind::kSoftmax, 3, 10, false, 800.0).cycles == 3u * 84u);
  // 1 GHz: 1000 ps per cycle.
  CHECK(sfu_cost(p, OpKind::kSoftmax, 3, 10, false, 1000.0).latency_ps == 3u * 84u * 1000u);
  CHECK(sfu_cost(p, OpKind::kSoftmax, 0, 10, false, 800.0).cycles == 0);
  CHECK_THROWS_AS(sfu_cost(p, OpKind::kGemm, 3, 10, false, 800.0), std::invalid_argument);
  CHECK_THROWS_AS(sfu_cost(p, OpKind::kMvm, 3, 10, false, 800.0), std::invalid_argument);
}

TEST_CASE("sfu params validate and name the field", "[sfu]") {
  SfuParams p;
  REQUIRE_NOTHROW(p.validate());
  p.cycles_exp = 0;
  try {
    p.validate();
    FAIL("no throw");
  } catch (const ParamError& e) {
    CHECK(e.field() == "cycles_exp");
  }
  CHECK(parse_gelu_approx("erf") == GeluApprox::kErf);
  CHECK(std::string(to_string(GeluApprox::kTanh)) == "tanh");
  CHECK_THROWS_AS(parse_gelu_approx("relu"), ParamError);
}
