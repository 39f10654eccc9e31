// Parameters of the NoC blocks. Field names are the YAML keys under `noc:`. The Atleus paper
// gives the TSV geometry and electricals (section 4) but not the router pipeline, flit or link
// width, or NoC clock; those defaults come from BookSim2, DSENT and wire-model literature as
// noted beside each field (the platform presets repeat the sources).
#pragma once

#include <cstdint>

namespace atleus::noc {

// Router area and power (noc/link_physics.hpp router_components()) are built from its input
// buffers, crossbar and allocators, ORION 2.0 / DSENT style (Kahng et al., DATE 2009; Sun et al.,
// NOCS 2012), from ports, flit width, buffer depth and virtual channels. The router is one
// design for every tier; its technology figures are taken at 32 nm, the ReRAM tiers' node.
struct RouterParams {
  double clock_mhz = 1000.0;    // NoC clock [default; not given by the paper]
  unsigned latency_cycles = 3;  // route + switch allocation + traversal (BookSim2 iq router)
  unsigned flit_bytes = 32;     // 256-bit flits [default]
  // Input buffering per port: virtual_channels FIFOs of buffer_depth_flits flits each. Atleus
  // uses FIFO flow control (section 4): one VC. Depth: BookSim2's default vc_buf_size of 8.
  unsigned buffer_depth_flits = 8;
  unsigned virtual_channels = 1;
  // Register-based FIFO bit: Aladdin (Shao et al., ISCA 2014) 40 nm register, 5.98 um^2,
  // 9.0 fJ per access and 73.95 nW leakage per bit, scaled to 32 nm (area x (32/40)^2, energy
  // and leakage x 32/40).
  double buffer_bit_area_um2 = 5.98 * 0.8 * 0.8;
  double buffer_bit_energy_pj = 9.0e-3 * 0.8;
  double buffer_bit_leakage_nw = 73.95 * 0.8;
  // Matrix crossbar: P inputs x P outputs of flit-wide buses, each wire on one track, so a side
  // is P x flit bits x pitch (ORION 2.0's crossbar model). [default] 0.2 um, the order of a
  // 32 nm semi-global track pitch (ITRS interconnect).
  double crossbar_track_pitch_um = 0.2;
  // Energy per bit per mm of crossbar wire: activity x C x V^2 = 0.5 x 200 fF/mm x 0.9^2 =
  // 81 fJ (the ITRS global-wire capacitance, supply and activity of noc.wire / noc.planar).
  double crossbar_energy_fj_per_bit_mm = 0.5 * 200.0 * 0.9 * 0.9;
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
  unsigned width_bits = 256;      // data TSVs per vertical link, one flit per cycle
  double diameter_um = 5.0;       // paper section 4
  double height_um = 15.0;        // paper section 4 (one tier)
  double capacitance_ff = 37.0;   // paper section 4
  double resistance_mohm = 20.0;  // paper section 4
  double pitch_factor = 3.0;      // pitch = 3 x diameter (paper section 4)
  // Keep-out zone around a link's TSV bundle, where stress shifts transistor mobility and no
  // active device may sit. [default] one diameter, the order reported for Cu TSVs of a few um
  // (keep-out zones of a few um around 5 um TSVs in stress studies such as Yang et al., DAC 2010).
  double keep_out_um = 5.0;
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
