// Hbm: one HBM2 stack beside the 3D stack (paper section 1), as a TLM-2.0 memory target.
//
// Models: channel interleaving (an access is split into interleave_bytes chunks assigned
// round-robin to the channels), whole bursts per channel (a channel's share rounds up to
// burst_bytes, and the bytes moved are what costs energy), per-channel bandwidth
// (peak / channels) with contention
// (each channel is a BusyCalendar: a transfer starts at the earliest free time at or after
// its arrival), a fixed access latency, per-bit dynamic energy and static power.
// Does not model: banks, rows, refresh, read/write turnaround, the DFI/PHY protocol, ECC.
// Data storage is optional (store_data): timing never depends on it.
// Timing style: loosely timed. transport() adds the completion time to `delay` and never
// calls wait(). An access arriving at now + delay completes at
//   max over touched channels (reserved start + channel bytes / channel bandwidth)
//   + access_latency_ns.
// Two sockets lead to the same transport(): `port` (a multi-socket: each binding is one NoC
// attachment point) and `direct` (for a host or test initiator without the NoC). Both may be
// left unbound.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <unordered_map>
#include <vector>

#include "atleus/models/busy_calendar.hpp"

namespace atleus {

struct HbmParams {
  // Start of the HBM window in the platform address map; transport() subtracts it.
  // [default] 0: the platform netlist places the window.
  uint64_t base_address = 0;
  // Paper section 1: "2 GB per tier"; one instance models one tier's 2 GB.
  double capacity_gib = 2.0;
  // Paper section 1: 256 GB/s peak (decimal GB: 1024 pins x 2 Gb/s / 8, the HBM2 stack rate).
  double peak_bandwidth_gbps = 256.0;
  // Paper section 1: 1024-bit interface, split evenly over `channels`: a channel is
  // interface_bits / channels wide and moves burst_length beats per access, so a channel
  // carries whole bursts (burst_bytes()) and a smaller share of an access costs a whole one.
  unsigned interface_bits = 1024;
  // [default] JESD235 HBM2 legacy mode: burst length 2 on a 128-bit channel (32 B per burst;
  // pseudo-channel mode is BL4 on 64 bits, the same 32 B).
  unsigned burst_length = 2;
  // [default] JESD235 HBM2: 8 independent 128-bit channels per stack.
  unsigned channels = 8;
  // [default] JESD235 HBM2 speed bins are around tRCD ~ 14 ns and tCL ~ 14 ns (row miss
  // ~ 28 ns at the device); 40 ns adds the controller and PHY. Not given by the paper.
  double access_latency_ns = 40.0;
  // Paper section 1 [default], after O'Connor et al., "Fine-Grained DRAM", MICRO 2017:
  // HBM2 ~3.9 pJ per bit transferred (activation + I/O).
  double energy_pj_per_bit = 3.9;
  // [default] 256 B channel interleaving, a typical address-interleaving granularity of HBM
  // memory controllers (a few 32-64 B bursts per channel); not given by the paper.
  uint64_t interleave_bytes = 256;
  // [default] 0 W: the paper gives no background power for the HBM. Set it from a datasheet
  // (IDD2N/IDD3N x VDD) to charge background and refresh power over the run.
  double static_power_w = 0.0;
  // Keep real bytes (sparse pages) so a functional mode can read back what was written.
  // [default] false: timing-only mode carries sizes, not data.
  bool store_data = false;

  void validate() const;
  uint64_t capacity_bytes() const;
  double channel_bandwidth_bytes_per_s() const { return peak_bandwidth_gbps * 1e9 / channels; }
  uint64_t burst_bytes() const { return uint64_t{interface_bits} / channels * burst_length / 8; }
};

// Zero-load cost of one access of `bytes` starting on an interleave boundary.
struct HbmAccessCost {
  uint64_t transfer_ps = 0;  // time the most loaded channel spends on the transfer
  uint64_t latency_ps = 0;   // transfer_ps + access latency
  unsigned channels_touched = 0;
  double energy_j = 0.0;  // dynamic energy of the bursts moved
};

// Bytes each channel carries for an access of `bytes` at window offset `offset`.
std::vector<uint64_t> hbm_channel_bytes(const HbmParams& p, uint64_t offset, uint64_t bytes);

// Bytes a channel moves for `bytes` of an access: whole bursts.
uint64_t hbm_burst_rounded(const HbmParams& p, uint64_t bytes);

// Picoseconds one channel needs for `bytes` (whole bursts) at its share of the peak bandwidth
// (rounded up).
uint64_t hbm_channel_transfer_ps(const HbmParams& p, uint64_t bytes);

HbmAccessCost hbm_access_cost(const HbmParams& p, uint64_t bytes);

struct HbmStats {
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t errors = 0;                    // address, command or burst errors answered
  std::vector<uint64_t> channel_busy_ps;  // booked transfer time per channel
  uint64_t queue_ps = 0;  // sum over accesses of (completion - zero-load completion)
  double energy_j = 0.0;  // dynamic energy of the bursts moved
};

class Hbm : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket_optional<Hbm> port;  // NoC attachment points
  tlm_utils::simple_target_socket_optional<Hbm> direct;           // initiators without the NoC

  Hbm(sc_core::sc_module_name name, const HbmParams& params);

  const HbmParams& params() const { return params_; }
  const HbmStats& stats() const { return stats_; }
  // Static energy over `elapsed_ps` of simulated time.
  double static_energy_j(uint64_t elapsed_ps) const {
    return params_.static_power_w * static_cast<double>(elapsed_ps) * 1e-12;
  }

 protected:
  void transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& tx);
  // With store_data: direct access to the 4 KiB page holding the address (read and write, the
  // access latency per access); without, DMI is refused.
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);

 private:
  static constexpr uint64_t kPageBytes = 4096;

  void port_b_transport(int id, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned int port_transport_dbg(int id, tlm::tlm_generic_payload& tx);
  bool port_get_direct_mem_ptr(int id, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  // Window offset of [addr, addr + len), or false if any of it lies outside the window.
  bool window_offset(uint64_t addr, uint64_t len, uint64_t& offset) const;
  // Copies between the payload and the page map, honouring byte enables.
  void copy_data(tlm::tlm_generic_payload& tx, uint64_t offset);

  HbmParams params_;
  uint64_t capacity_bytes_;
  uint64_t latency_ps_;
  std::vector<BusyCalendar> channels_;
  std::unordered_map<uint64_t, std::vector<uint8_t>> pages_;
  HbmStats stats_;
};

}  // namespace atleus
