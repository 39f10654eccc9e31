// Parameters of the NoC blocks. Field names are the YAML keys under `noc:`. The Atleus paper
// gives the TSV geometry and electricals (section 4) but not the router pipeline, flit or link
// width, or NoC clock; those defaults come from BookSim2, DSENT and wire-model literature as
// noted beside each field (the platform presets repeat the sources).
#pragma once

#include <cstdint>

namespace atleus::noc {

struct RouterParams {
  double clock_mhz = 1000.0;       // NoC clock [default; not given by the paper]
  unsigned latency_cycles = 3;     // route + switch allocation + traversal (BookSim2 iq router)
  unsigned flit_bytes = 32;        // 256-bit flits [default]
  double energy_pj_per_bit = 0.1;  // per traversal, DSENT-class 5-port router estimate
  double buffer_area_mm2_per_port = 0.01;      // input FIFO area per port [default, DSENT-class]
  double crossbar_area_mm2_per_port2 = 0.002;  // crossbar grows with ports^2 [default, DSENT-class]
  double static_power_w_per_port = 0.002;      // leakage per port [default, DSENT-class]
  void validate() const;
};

// Electrical model of on-tier wires and TSVs: energy per bit = activity x C x V^2 and an Elmore
// delay; both kinds of link share the supply and switching activity.
struct WireParams {
  double supply_v = 0.9;                  // [default] core supply at 10-32 nm
  double activity = 0.5;                  // probability a bit toggles [default, random data]
  double driver_resistance_ohm = 1000.0;  // link driver output resistance [default]
  double load_capacitance_ff = 5.0;       // receiver input [default]
  void validate() const;
};

struct PlanarLinkParams {
  unsigned width_bits = 256;             // one flit per cycle [default, = flit width]
  double length_mm = 2.5;                // 10 mm tier / 4 cores per side (paper section 1)
  double capacitance_ff_per_mm = 200.0;  // global wire ~0.2 fF/um (ITRS interconnect)
  double delay_ps_per_mm = 100.0;        // optimally repeated global wire (ITRS interconnect)
  unsigned min_latency_cycles = 1;       // a link is registered at the receiving router
  void validate() const;
};

struct TsvParams {
  unsigned width_bits = 256;        // data TSVs per vertical link, one flit per cycle
  double diameter_um = 5.0;         // paper section 4
  double height_um = 15.0;          // paper section 4 (one tier)
  double capacitance_ff = 37.0;     // paper section 4
  double resistance_mohm = 20.0;    // paper section 4
  double pitch_factor = 3.0;        // pitch = 3 x diameter (paper section 4)
  unsigned min_latency_cycles = 1;  // registered at the receiving router
  void validate() const;
};

struct NocParams {
  RouterParams router;
  WireParams wire;
  PlanarLinkParams planar;
  TsvParams tsv;
  void validate() const;
};

}  // namespace atleus::noc
