#include "atleus/noc/link_physics.hpp"

#include <algorithm>
#include <cmath>

#include "atleus/models/param_check.hpp"
#include "atleus/models/sim_time.hpp"

namespace atleus::noc {

void RouterParams::validate() const {
  require_clock_mhz(clock_mhz, "clock_mhz");
  require_positive(flit_bytes, "flit_bytes");
  require_positive(buffer_depth_flits, "buffer_depth_flits");
  require_range(virtual_channels, 1u, 64u, "virtual_channels");
  require(std::isfinite(buffer_bit_area_um2) && buffer_bit_area_um2 >= 0, "buffer_bit_area_um2",
          "must be finite and >= 0");
  require(std::isfinite(buffer_bit_energy_pj) && buffer_bit_energy_pj >= 0, "buffer_bit_energy_pj",
          "must be finite and >= 0");
  require(std::isfinite(buffer_bit_leakage_nw) && buffer_bit_leakage_nw >= 0,
          "buffer_bit_leakage_nw", "must be finite and >= 0");
  require(std::isfinite(crossbar_track_pitch_um) && crossbar_track_pitch_um >= 0,
          "crossbar_track_pitch_um", "must be finite and >= 0");
  require(std::isfinite(crossbar_energy_fj_per_bit_mm) && crossbar_energy_fj_per_bit_mm >= 0,
          "crossbar_energy_fj_per_bit_mm", "must be finite and >= 0");
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
  require_non_negative(capacitance_ff, "capacitance_ff");
  require_non_negative(resistance_mohm, "resistance_mohm");
  require(pitch_factor >= 1.0, "pitch_factor", "must be >= 1 (pitch cannot be below the diameter)");
  require(std::isfinite(keep_out_um) && keep_out_um >= 0, "keep_out_um", "must be finite and >= 0");
}

void PacketParams::validate() const {
  require(terminal_latency_cycles <= 64, "terminal_latency_cycles", "must be at most 64");
}

void NocParams::validate() const {
  packet.validate();
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
  const double r_tsv = tsv.resistance_mohm * 1e-3 * tier_span;  // TSVs in series
  const double seconds =
      0.69 * (wire.driver_resistance_ohm * (c_tsv + c_load) + r_tsv * (c_tsv / 2 + c_load));
  return seconds * 1e12;
}

double tsv_area_um2(const TsvParams& tsv, int tier_span) {
  const double pitch = tsv.pitch_factor * tsv.diameter_um * tier_span;
  return pitch * pitch;
}

double tsv_bundle_area_um2(const TsvParams& tsv, uint64_t count, int tier_span) {
  if (count == 0) return 0.0;
  const double pitch = tsv.pitch_factor * tsv.diameter_um * tier_span;
  const auto per_side = static_cast<double>(
      static_cast<uint64_t>(std::ceil(std::sqrt(static_cast<double>(count)) - 1e-9)));
  const double side = per_side * pitch + 2.0 * tsv.keep_out_um * tier_span;
  return side * side;
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
  l.area_mm2 = tsv_bundle_area_um2(p.tsv, l.tsv_count, span) * 1e-6;
  return l;
}

LinkPhysics local_port_physics(const NocParams& p) {
  LinkPhysics l;
  l.period_ps = period_ps(p.router.clock_mhz);
  l.latency_ps = uint64_t{p.packet.terminal_latency_cycles} * l.period_ps;
  l.width_bits = p.router.flit_bytes * 8;
  return l;
}

std::vector<Component> router_components(const RouterParams& r, int ports) {
  const double P = ports, V = r.virtual_channels, W = r.flit_bytes * 8.0;
  const double f_hz = r.clock_mhz * 1e6;
  std::vector<Component> v;
  // Input buffers: one write and one read per bit switched.
  const double buf_bits = P * V * r.buffer_depth_flits * W;
  const double buf_pj = 2.0 * r.buffer_bit_energy_pj;
  v.push_back({"buffers", buf_bits, buf_bits * r.buffer_bit_area_um2 * 1e-6,
               P * W * f_hz * buf_pj * 1e-12 + buf_bits * r.buffer_bit_leakage_nw * 1e-9,
               buf_bits * r.buffer_bit_leakage_nw * 1e-9, buf_pj});
  // Matrix crossbar: a bit crosses one input wire and one output wire, each a side long.
  const double side_um = P * W * r.crossbar_track_pitch_um;
  const double xbar_pj = r.crossbar_energy_fj_per_bit_mm * 2.0 * side_um * 1e-3 * 1e-3;
  v.push_back(
      {"crossbar", P * P, side_um * side_um * 1e-6, P * W * f_hz * xbar_pj * 1e-12, 0.0, xbar_pj});
  // Allocators as matrix arbiters (Dally & Towles, "Principles and Practices of Interconnection
  // Networks", ch. 18-19): one priority bit per requester pair. Switch allocation: P output
  // arbiters over the P x V input VCs; VC allocation (V > 1): P x V arbiters over P x V.
  const double req = P * V;
  double arb_bits = P * req * (req - 1) / 2;
  if (r.virtual_channels > 1) arb_bits += req * req * (req - 1) / 2;
  v.push_back({"allocators", arb_bits, arb_bits * r.buffer_bit_area_um2 * 1e-6,
               arb_bits * r.buffer_bit_leakage_nw * 1e-9, arb_bits * r.buffer_bit_leakage_nw * 1e-9,
               0.0});
  return v;
}

double router_area_mm2(const RouterParams& r, int ports) {
  double a = 0.0;
  for (const auto& c : router_components(r, ports)) a += c.area_mm2;
  return a;
}

double router_static_power_w(const RouterParams& r, int ports) {
  double w = 0.0;
  for (const auto& c : router_components(r, ports)) w += c.static_power_w;
  return w;
}

double router_energy_pj_per_bit(const RouterParams& r, int ports) {
  double e = 0.0;
  for (const auto& c : router_components(r, ports)) e += c.energy_pj;
  return e;
}

}  // namespace atleus::noc
