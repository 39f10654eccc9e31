// Parameters of the NoC blocks. Field names are the YAML keys under `noc:`. The Atleus paper
// gives the TSV geometry and electricals (section 4) but not the router pipeline, flit or link
// width, or NoC clock; those defaults come from BookSim2, DSENT and wire-model literature as
// noted beside each field (the platform presets repeat the sources).
#pragma once

#include <cstdint>
#include <string>

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
  double capacitance_ff = 37.0;   // paper section 4, one 15 um TSV (one tier)
  double resistance_mohm = 20.0;  // paper section 4
  double pitch_factor = 3.0;      // pitch = 3 x diameter (paper section 4)
  // Keep-out zone around a link's TSV bundle, where stress shifts transistor mobility and no
  // active device may sit. [default] one diameter, the order reported for Cu TSVs of a few um
  // (keep-out zones of a few um around 5 um TSVs in stress studies such as Yang et al., DAC 2010).
  double keep_out_um = 5.0;
  unsigned min_latency_cycles = 1;  // registered at the receiving router
  void validate() const;
};

// Which model of the network a run uses (design.md, "Abstraction and timing"): `packet`, the
// loosely-timed channel calendars of router.hpp / channel.hpp, `flit`, the cycle-level
// input-queued virtual-channel router of flit_network.hpp, or `flow`, the message-level
// max-min fair fluid model of flow_network.hpp (`run` carries it in flow_fabric.hpp). `run`
// takes packet and flow; flit runs synthetic traffic only for now.
enum class NocModel { kPacket, kFlit, kFlow };
NocModel parse_noc_model(const std::string& name);  // "packet" | "flit" | "flow"; throws
const char* to_string(NocModel model);

// Wormhole: a packet may hold a virtual channel while only part of it is buffered downstream.
// Virtual cut-through: a head is granted a downstream virtual channel only when that buffer has
// room for the whole packet (so a blocked packet sits in one router).
enum class FlowControl { kWormhole, kVirtualCutThrough };
FlowControl parse_flow_control(const std::string& name);  // "wormhole" | "vct"
const char* to_string(FlowControl fc);

// Separable allocators (Dally & Towles, "Principles and Practices of Interconnection Networks",
// ch. 19): `round-robin` is input-first with round-robin arbiters whose pointers move past every
// match; `islip` is McKeown's iSLIP (request, grant, accept; pointers move only on matches
// accepted in the first iteration).
enum class AllocatorKind { kRoundRobin, kIslip };
AllocatorKind parse_allocator(const std::string& name);  // "round-robin" | "islip"
const char* to_string(AllocatorKind kind);

// Route computation of the flit model. `deterministic`: the platform's routing table (one
// output per destination). `adaptive`: minimal adaptive routing with an escape channel (Duato,
// IEEE TPDS 1993): virtual channel 0 of every port is the escape class and may be taken only
// along the deterministic route; virtual channels 1..vcs-1 may be taken on any output that
// brings the packet one hop closer to its destination, the selection preferring the minimal
// output with the most free downstream buffer slots. Needs vcs >= 2.
enum class FlitRouting { kDeterministic, kAdaptive };
FlitRouting parse_flit_routing(const std::string& name);  // "deterministic" | "adaptive"
const char* to_string(FlitRouting routing);

// Parameters of the flit-level model (noc.model: flit); YAML keys under `noc.flit`. Defaults
// follow BookSim2's (src/booksim_config.cpp) where it has one.
struct FlitParams {
  unsigned vcs = 4;  // virtual channels per port [default; BookSim2's num_vcs is 16, more than
                     // on-chip routers usually afford]
  unsigned buffer_flits = 8;  // buffer depth per virtual channel (BookSim2 vc_buf_size = 8)
  FlowControl flow_control = FlowControl::kWormhole;  // BookSim2 iq router (vct = 0)
  AllocatorKind allocator = AllocatorKind::kIslip;    // VC and switch (BookSim2 vc_/sw_allocator)
  FlitRouting routing = FlitRouting::kDeterministic;  // BookSim2's dim_order on meshes
  unsigned iterations = 1;                            // allocator iterations (BookSim2 alloc_iters)
  unsigned routing_cycles = 1;           // route computation (BookSim2 routing_delay = 1)
  unsigned vc_alloc_cycles = 1;          // VC allocation (BookSim2 vc_alloc_delay = 1)
  unsigned switch_alloc_cycles = 1;      // switch allocation (BookSim2 sw_alloc_delay = 1)
  unsigned switch_traversal_cycles = 1;  // crossbar (BookSim2 st_final_delay = 1)
  // The next router's output port is computed one hop ahead, in parallel with this router's
  // stages, so route computation leaves the pipeline (Galles, SGI Spider, 1997). BookSim2: off.
  bool lookahead_routing = false;
  unsigned credit_cycles = 0;  // credit processing on top of the link latency (BookSim2
                               // credit_delay = 0; a credit crosses the link like a flit)
  // Injection and ejection channels between a router and its endpoint, in cycles; at least 1
  // (a channel is registered at its receiver). [default] 1: BookSim2's terminal channels.
  unsigned terminal_latency_cycles = 1;
  void validate() const;
};

// Parameters of the packet model (noc.model: packet) that the flit model does not share; YAML
// keys under `noc.packet`. Both default to today's idealised channel so that runs keep their
// results unless a platform asks for more.
struct PacketParams {
  // Injection and ejection channels between an endpoint and its router, in NoC cycles of head
  // latency (each is serialised as before). 0: the terminal channels cost only serialisation.
  // BookSim2 gives each terminal channel 1 cycle, as does noc.flit.terminal_latency_cycles.
  unsigned terminal_latency_cycles = 0;
  // Finite input buffering with back-pressure: every router input is router.virtual_channels
  // FIFOs of router.buffer_depth_flits flits (channel.hpp). A packet waits behind the one ahead
  // of it in its FIFO (head-of-line blocking), and the channel feeding a full buffer holds
  // until a packet leaves it. false: unbounded buffers, every packet contends only for links.
  bool back_pressure = false;
  void validate() const;
};

struct NocParams {
  NocModel model = NocModel::kPacket;  // [default] packet: the fast loosely-timed model
  PacketParams packet;
  RouterParams router;
  WireParams wire;
  PlanarLinkParams planar;
  TsvParams tsv;
  FlitParams flit;
  void validate() const;
};

}  // namespace atleus::noc
