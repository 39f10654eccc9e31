// Physical figures of a link, from its wires or TSVs: latency in NoC cycles, energy per bit,
// area. A TSV that crosses several tiers (a skip link) keeps the aspect ratio of a one-tier
// TSV (paper section 4): its height, diameter and capacitance scale with the tiers crossed,
// its resistance falls by the same factor, and its footprint grows with the square.
#pragma once

#include <cstdint>

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

LinkPhysics link_physics(const NocParams& p, LinkKind kind, int tier_span);
// The local port between a router and its endpoint: flit-wide, no wire latency.
LinkPhysics local_port_physics(const NocParams& p);

double router_area_mm2(const RouterParams& r, int ports);
double router_static_power_w(const RouterParams& r, int ports);

}  // namespace atleus::noc
