#include "atleus/models/sfu.hpp"

#include <stdexcept>

#include "atleus/models/param_check.hpp"
#include "atleus/models/sim_time.hpp"

namespace atleus {

const char* to_string(GeluApprox approx) {
  switch (approx) {
    case GeluApprox::kTanh:
      return "tanh";
    case GeluApprox::kErf:
      return "erf";
  }
  return "?";
}

GeluApprox parse_gelu_approx(const std::string& text) {
  if (text == "tanh") return GeluApprox::kTanh;
  if (text == "erf") return GeluApprox::kErf;
  throw ParamError("gelu_approx", "must be \"tanh\" or \"erf\" (got \"" + text + "\")");
}

void SfuParams::validate() const {
  require_positive(lanes, "lanes");
  require_positive(cycles_add, "cycles_add");
  require_positive(cycles_mul, "cycles_mul");
  require_positive(cycles_exp, "cycles_exp");
  require_positive(cycles_recip, "cycles_recip");
  require_positive(cycles_rsqrt, "cycles_rsqrt");
  require_positive(cycles_tanh, "cycles_tanh");
  require_non_negative(e_add_pj, "e_add_pj");
  require_non_negative(e_mul_pj, "e_mul_pj");
  require_non_negative(e_special_pj, "e_special_pj");
}

namespace {

SfuOpCounts ops(uint64_t add, uint64_t mul, uint64_t exp = 0, uint64_t recip = 0,
                uint64_t rsqrt = 0, uint64_t tanh = 0) {
  SfuOpCounts c;
  c.add = add;
  c.mul = mul;
  c.exp = exp;
  c.recip = recip;
  c.rsqrt = rsqrt;
  c.tanh = tanh;
  return c;
}

SfuOpCounts plus(SfuOpCounts a, const SfuOpCounts& b) {
  a.add += b.add;
  a.mul += b.mul;
  a.exp += b.exp;
  a.recip += b.recip;
  a.rsqrt += b.rsqrt;
  a.tanh += b.tanh;
  return a;
}

// erf(z), Abramowitz & Stegun 7.1.26: t = 1/(1 + p|z|) (mul, add, recip); a 5-term polynomial
// in t by Horner (5 mul, 4 add); exp(-z^2) (mul, exp); 1 - poly * exp (mul, add).
SfuOpCounts erf_ops() {
  return ops(/*add=*/6, /*mul=*/8, /*exp=*/1, /*recip=*/1);
}

[[noreturn]] void not_sfu(OpKind kind) {
  throw std::invalid_argument(std::string("the SFU does not run ") + to_string(kind));
}

}  // namespace

SfuOpCounts sfu_element_ops(OpKind kind, bool backward, GeluApprox gelu) {
  switch (kind) {
    case OpKind::kSoftmax:
      // fwd: max pass (compare); exp pass (x - max, exp, sum +=); scale pass (* 1/sum).
      // bwd: dx = y (dy - sum(dy y)): dy*y, sum +=, dy - s, * y.
      return backward ? ops(2, 2) : ops(3, 1, 1);
    case OpKind::kLayerNorm:
      // fwd: mean pass (+=); variance pass (x - mean, square, +=);
      //      normalise pass ((x - mean) * rstd * gamma + beta).
      // bwd: xhat = (x - mean) rstd; g = dy gamma; s1 += g; s2 += g xhat; dgamma += dy xhat;
      //      dbeta += dy; dx = rstd (g - s1/n - xhat s2/n). xhat stays in the lane's row buffer.
      return backward ? ops(7, 6) : ops(5, 3);
    case OpKind::kGelu:
      if (gelu == GeluApprox::kTanh) {
        // fwd: u = s (x + c x^3) (x^2, x^3, c x^3, add, s *); t = tanh u; 0.5 x (1 + t).
        // bwd: recompute u, t; 0.5 (1 + t); 1 - t^2; s (1 + 3c x^2);
        //      a + 0.5 x (1 - t^2) s (1 + 3c x^2); times dy.
        return backward ? ops(5, 12, 0, 0, 0, 1) : ops(2, 6, 0, 0, 0, 1);
      }
      // fwd: 0.5 x (1 + erf(x / sqrt 2)): scale, erf, add, two muls.
      // bwd: Phi(x) + x phi(x): 0.5 (1 + erf(x / sqrt 2)) plus x exp(-x^2 / 2) / sqrt(2 pi)
      //      (x^2, * -0.5, exp, x *, * const, add), times dy.
      return backward ? plus(erf_ops(), ops(2, 7, 1)) : plus(erf_ops(), ops(1, 3));
    case OpKind::kAdam:
      // One parameter (Kingma & Ba 2015): m = b1 m + (1 - b1) g (2 mul, add);
      // v = b2 v + (1 - b2) g^2 (3 mul, add); bias corrections m c1, v c2 (2 mul);
      // rsqrt(v_hat + eps) (add, rsqrt); w -= lr m_hat rs (2 mul, add). No backward.
      return ops(/*add=*/4, /*mul=*/9, 0, 0, /*rsqrt=*/1);
    case OpKind::kMvm:
    case OpKind::kGemm:
      break;
  }
  not_sfu(kind);
}

SfuOpCounts sfu_row_ops(OpKind kind, bool backward, GeluApprox /*gelu*/) {
  switch (kind) {
    case OpKind::kSoftmax:
      return backward ? ops(0, 0) : ops(0, 0, 0, /*recip=*/1);
    case OpKind::kLayerNorm:
      // fwd: mean = s/n, var = s2/n (2 mul), var + eps (add), rsqrt. bwd: s1/n, s2/n (2 mul).
      return backward ? ops(0, 2) : ops(1, 2, 0, 0, /*rsqrt=*/1);
    case OpKind::kGelu:
    case OpKind::kAdam:
      return ops(0, 0);
    case OpKind::kMvm:
    case OpKind::kGemm:
      break;
  }
  not_sfu(kind);
}

uint64_t sfu_cycles_of(const SfuParams& p, const SfuOpCounts& c) {
  return c.add * p.cycles_add + c.mul * p.cycles_mul + c.exp * p.cycles_exp +
         c.recip * p.cycles_recip + c.rsqrt * p.cycles_rsqrt + c.tanh * p.cycles_tanh;
}

double sfu_energy_pj_of(const SfuParams& p, const SfuOpCounts& c) {
  const uint64_t special = c.exp + c.recip + c.rsqrt + c.tanh;
  return static_cast<double>(c.add) * p.e_add_pj + static_cast<double>(c.mul) * p.e_mul_pj +
         static_cast<double>(special) * p.e_special_pj;
}

SfuCost sfu_cost(const SfuParams& p, OpKind kind, uint64_t rows, uint64_t cols, bool backward,
                 double clock_mhz) {
  const SfuOpCounts per_elem = sfu_element_ops(kind, backward, p.gelu_approx);
  const SfuOpCounts per_row = sfu_row_ops(kind, backward, p.gelu_approx);
  SfuCost cost;
  cost.elements = rows * cols;
  if (cost.elements == 0) return cost;
  const uint64_t row_rounds = (rows + p.lanes - 1) / p.lanes;  // a lane owns one row per round
  cost.cycles = row_rounds * (cols * sfu_cycles_of(p, per_elem) + sfu_cycles_of(p, per_row));
  cost.latency_ps = cost.cycles * period_ps(clock_mhz);
  cost.element_ops = cost.elements * per_elem.total() + rows * per_row.total();
  const double pj = static_cast<double>(cost.elements) * sfu_energy_pj_of(p, per_elem) +
                    static_cast<double>(rows) * sfu_energy_pj_of(p, per_row);
  cost.energy_j = pj * 1e-12;
  return cost;
}

}  // namespace atleus
