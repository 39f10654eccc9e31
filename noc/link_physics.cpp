#include "atleus/noc/link_physics.hpp"

#include <algorithm>
#include <cmath>

#include "atleus/models/param_check.hpp"
#include "atleus/models/sim_time.hpp"

namespace atleus::noc {

void RouterParams::validate() const {
  require_positive(clock_mhz, "clock_mhz");
  require_positive(flit_bytes, "flit_bytes");
  require_non_negative(energy_pj_per_bit, "energy_pj_per_bit");
  require_non_negative(buffer_area_mm2_per_port, "buffer_area_mm2_per_port");
  require_non_negative(crossbar_area_mm2_per_port2, "crossbar_area_mm2_per_port2");
  require_non_negative(static_power_w_per_port, "static_power_w_per_port");
}

void WireParams::validate() const {
  require_positive(supply_v, "supply_v");
  require_range(activity, 0.0, 1.0, "activity");
  require_non_negative(driver_resistance_ohm, "driver_resistance_ohm");
  require_non_negative(load_capacitance_ff, "load_capacitance_ff");
}

void PlanarLinkParams::validate() const {
  require_positive(width_bits, "width_bits");
  require_positive(length_mm, "length_mm");
  require_non_negative(capacitance_ff_per_mm, "capacitance_ff_per_mm");
  require_non_negative(delay_ps_per_mm, "delay_ps_per_mm");
}

void TsvParams::validate() const {
  require_positive(width_bits, "width_bits");
  require_positive(diameter_um, "diameter_um");
  require_positive(height_um, "height_um");
  require_non_negative(capacitance_ff, "capacitance_ff");
  require_non_negative(resistance_mohm, "resistance_mohm");
  require(pitch_factor >= 1.0, "pitch_factor", "must be >= 1 (pitch cannot be below the diameter)");
}

void NocParams::validate() const {
  router.validate();
  wire.validate();
  planar.validate();
  tsv.validate();
  flit.validate();
}

double tsv_capacitance_ff(const TsvParams& tsv, int tier_span) {
  return tsv.capacitance_ff * tier_span;
}

double tsv_delay_ps(const TsvParams& tsv, const WireParams& wire, int tier_span) {
  const double c_tsv = tsv_capacitance_ff(tsv, tier_span) * 1e-15;
  const double c_load = wire.load_capacitance_ff * 1e-15;
  const double r_tsv = tsv.resistance_mohm * 1e-3 / tier_span;
  const double seconds =
      0.69 * (wire.driver_resistance_ohm * (c_tsv + c_load) + r_tsv * (c_tsv / 2 + c_load));
  return seconds * 1e12;
}

double tsv_area_um2(const TsvParams& tsv, int tier_span) {
  const double pitch = tsv.pitch_factor * tsv.diameter_um * tier_span;
  return pitch * pitch;
}

namespace {

uint64_t cycles_for(double delay_ps, uint64_t period, unsigned min_cycles) {
  const auto c = static_cast<uint64_t>(std::ceil(delay_ps / static_cast<double>(period) - 1e-9));
  return std::max<uint64_t>(c, min_cycles);
}

double switching_energy_j(const WireParams& w, double capacitance_ff) {
  return w.activity * capacitance_ff * 1e-15 * w.supply_v * w.supply_v;
}

}  // namespace

LinkPhysics link_physics(const NocParams& p, LinkKind kind, int tier_span) {
  LinkPhysics l;
  l.period_ps = period_ps(p.router.clock_mhz);
  if (kind == LinkKind::kPlanar) {
    l.width_bits = p.planar.width_bits;
    const double delay = p.planar.delay_ps_per_mm * p.planar.length_mm;
    l.latency_ps = cycles_for(delay, l.period_ps, p.planar.min_latency_cycles) * l.period_ps;
    l.energy_j_per_bit =
        switching_energy_j(p.wire, p.planar.capacitance_ff_per_mm * p.planar.length_mm);
    return l;
  }
  const int span = std::max(1, tier_span);
  l.width_bits = p.tsv.width_bits;
  l.latency_ps =
      cycles_for(tsv_delay_ps(p.tsv, p.wire, span), l.period_ps, p.tsv.min_latency_cycles) *
      l.period_ps;
  l.energy_j_per_bit =
      switching_energy_j(p.wire, tsv_capacitance_ff(p.tsv, span) + p.wire.load_capacitance_ff);
  // One TSV per data bit in each direction.
  l.tsv_count = 2ull * p.tsv.width_bits;
  l.area_mm2 = static_cast<double>(l.tsv_count) * tsv_area_um2(p.tsv, span) * 1e-6;
  return l;
}

LinkPhysics local_port_physics(const NocParams& p) {
  LinkPhysics l;
  l.period_ps = period_ps(p.router.clock_mhz);
  l.width_bits = p.router.flit_bytes * 8;
  return l;
}

double router_area_mm2(const RouterParams& r, int ports) {
  return r.buffer_area_mm2_per_port * ports + r.crossbar_area_mm2_per_port2 * ports * ports;
}

double router_static_power_w(const RouterParams& r, int ports) {
  return r.static_power_w_per_port * ports;
}

}  // namespace atleus::noc
