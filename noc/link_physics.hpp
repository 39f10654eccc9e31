// Physical figures of a link, from its wires or TSVs: latency in NoC cycles, energy per bit,
// area. A TSV that crosses several tiers (a skip link) keeps the aspect ratio of a one-tier
// TSV (paper section 4): its height, diameter and capacitance scale with the tiers crossed,
// its resistance falls by the same factor, and its footprint grows with the square. Planar
// wires run in the upper metal layers over the cores: no silicon area of their own.
#pragma once

#include <cstdint>
#include <vector>

#include "atleus/models/component.hpp"
#include "atleus/noc/noc_params.hpp"
#include "atleus/noc/topology.hpp"

namespace atleus::noc {

struct LinkPhysics {
  unsigned width_bits = 0;
  uint64_t period_ps = 0;   // NoC cycle
  uint64_t latency_ps = 0;  // head latency across the link
  double energy_j_per_bit = 0.0;
  double area_mm2 = 0.0;  // silicon footprint of the TSVs (0 for planar wires)
  uint64_t tsv_count = 0;
};

// Elmore delay of a driver into a TSV of `tier_span` tiers plus the receiver, in picoseconds.
double tsv_delay_ps(const TsvParams& tsv, const WireParams& wire, int tier_span);
double tsv_capacitance_ff(const TsvParams& tsv, int tier_span);
double tsv_area_um2(const TsvParams& tsv, int tier_span);  // (pitch x span)^2 per TSV
// Footprint of a link's `count` TSVs laid out as a square bundle, with its keep-out zone around
// it: (ceil(sqrt(count)) x pitch x span + 2 x keep_out x span)^2. A skip TSV keeps the aspect
// ratio (diameter, pitch and keep-out zone scale with the span). Inside the bundle the pitch
// already keeps TSVs apart; the keep-out ring is where no transistor may sit.
double tsv_bundle_area_um2(const TsvParams& tsv, uint64_t count, int tier_span);

LinkPhysics link_physics(const NocParams& p, LinkKind kind, int tier_span);
// The local port between a router and its endpoint: flit-wide, no wire latency.
LinkPhysics local_port_physics(const NocParams& p);

// Router of `ports` ports (network and local), ORION 2.0 / DSENT style (see RouterParams):
//   buffers:    P x V x depth x flit bits registers; area, leakage; a write and a read per bit
//   crossbar:   (P x flit bits x track pitch)^2; energy per bit = wire energy x 2 sides
//   allocators: matrix-arbiter priority bits, P (PV)(PV - 1)/2 (+ PV (PV)(PV - 1)/2 with VCs)
// Not modelled: crossbar and allocator dynamic energy beyond the wires, clock tree.
std::vector<Component> router_components(const RouterParams& r, int ports);
double router_area_mm2(const RouterParams& r, int ports);
double router_static_power_w(const RouterParams& r, int ports);
double router_energy_pj_per_bit(const RouterParams& r, int ports);  // per bit switched

}  // namespace atleus::noc
