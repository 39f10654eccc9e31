// Router area, leakage and energy per bit from ports, flit width, buffer depth and virtual
// channels; TSV bundle footprints with their keep-out zone. Closed forms written here.
#include <catch2/catch.hpp>
#include <cmath>

#include "atleus/noc/link_physics.hpp"

using namespace atleus::noc;

TEST_CASE("router area, leakage and energy follow its buffers, crossbar and allocators",
          "[noc][router]") {
  const RouterParams r;  // 256-bit flits, 8-flit FIFOs, 1 VC, 32 nm figures
  const double bit_um2 = 5.98 * 0.64, leak_w = 73.95e-9 * 0.8, bit_pj = 9.0e-3 * 0.8;
  auto area = [&](double P, double V, double D, double W) {
    const double side = P * W * 0.2;  // um
    const double req = P * V;
    double arb = P * req * (req - 1) / 2;
    if (V > 1) arb += req * req * (req - 1) / 2;
    return (P * V * D * W * bit_um2 + side * side + arb * bit_um2) * 1e-6;
  };
  CHECK(router_area_mm2(r, 5) == Approx(area(5, 1, 8, 256)));
  CHECK(router_static_power_w(r, 5) == Approx((5 * 8 * 256 + 5 * 4 * 5 / 2.0) * leak_w));
  // A bit is written and read once and crosses two crossbar wires of P x W x pitch each.
  const double xbar_pj = 0.5 * 200 * 0.81 * 2 * 5 * 256 * 0.2e-3 * 1e-3;
  CHECK(router_energy_pj_per_bit(r, 5) == Approx(2 * bit_pj + xbar_pj));
  // Every knob moves the area.
  RouterParams narrow = r, deep = r, vcs = r;
  narrow.flit_bytes = 16;
  deep.buffer_depth_flits = 16;
  vcs.virtual_channels = 4;
  CHECK(router_area_mm2(narrow, 5) == Approx(area(5, 1, 8, 128)));
  CHECK(router_area_mm2(narrow, 5) < router_area_mm2(r, 5));
  CHECK(router_area_mm2(deep, 5) == Approx(area(5, 1, 16, 256)));
  CHECK(router_area_mm2(vcs, 5) == Approx(area(5, 4, 8, 256)));
  CHECK(router_area_mm2(r, 7) == Approx(area(7, 1, 8, 256)));
  CHECK(router_energy_pj_per_bit(narrow, 5) < router_energy_pj_per_bit(r, 5));
}

TEST_CASE("TSV bundles: width, pitch and keep-out zone, skip TSVs scale with their span",
          "[noc][tsv]") {
  TsvParams t;  // 5 um diameter, pitch 3 x diameter, keep-out 5 um
  // 512 TSVs (256 bits each way): a 23 x 23 bundle at 15 um pitch plus a 5 um ring.
  CHECK(tsv_bundle_area_um2(t, 512, 1) == Approx(std::pow(23 * 15.0 + 10, 2)));
  CHECK(tsv_bundle_area_um2(t, 512, 3) == Approx(std::pow(23 * 45.0 + 30, 2)));
  CHECK(tsv_bundle_area_um2(t, 256, 1) == Approx(std::pow(16 * 15.0 + 10, 2)));
  TsvParams wide = t;
  wide.keep_out_um = 10;
  CHECK(tsv_bundle_area_um2(wide, 512, 1) == Approx(std::pow(23 * 15.0 + 20, 2)));
  NocParams p;
  const LinkPhysics l = link_physics(p, LinkKind::kVertical, 1);
  CHECK(l.tsv_count == 512);
  CHECK(l.area_mm2 == Approx(std::pow(355.0, 2) * 1e-6));
}
