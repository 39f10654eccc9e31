// Channel: one direction of a NoC link (router to router, or a router's local port to or from
// its endpoint). Covers serialisation (bytes / width per NoC cycle), head latency, contention
// (a BusyCalendar: a packet that finds the channel busy waits, and the wait is counted) and
// energy per bit. Flow control is virtual cut-through: the head moves on after the link
// latency while the body streams behind it, so a packet's delivery time is the head's arrival
// plus the longest serialisation on its path. Read data returns on the reverse channel of the
// same link. A channel into a router may be given that router's input buffer
// (set_input_buffer: V FIFOs of D flits): a packet then takes the FIFO that has room first,
// leaves it only after the packet ahead of it has (head-of-line blocking) and when the input's
// crossbar port (one flit per cycle for all the FIFOs) is free, and the channel does
// not start a packet until the FIFO has room for it (back-pressure, which propagates upstream
// as FIFOs fill). Read responses return unbuffered. Without an input buffer (the default) a
// channel has unbounded buffering. Does not model virtual-channel or switch allocation: FIFOs
// are taken in the order b_transport calls arrive, which under temporal decoupling is not
// always simulated-time order.
// Timing style: loosely timed, b_transport adds to `delay`, never waits.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "atleus/models/busy_calendar.hpp"
#include "atleus/noc/link_physics.hpp"

namespace atleus::noc {

enum class ChannelRole { kNetwork, kInject, kEject };

struct ChannelStats {
  uint64_t packets = 0;
  uint64_t flits = 0;
  uint64_t bytes = 0;
  uint64_t busy_ps = 0;
  uint64_t queue_ps = 0;
  uint64_t max_queue_ps = 0;
  double energy_j = 0.0;
};

class Channel : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Channel> in;
  tlm_utils::simple_initiator_socket<Channel> out;

  Channel(sc_core::sc_module_name name, const LinkPhysics& phys, ChannelRole role,
          unsigned flit_bytes);

  // The channel that carries this link's traffic the other way (read data comes back on it).
  void set_reverse(Channel* reverse) { reverse_ = reverse; }

  const LinkPhysics& physics() const { return phys_; }
  ChannelRole role() const { return role_; }
  const ChannelStats& stats() const { return stats_; }
  // Busy intervals for a timeline, kept only once enabled (they cost memory).
  void keep_busy_intervals() { keep_intervals_ = true; }
  std::vector<std::pair<uint64_t, uint64_t>> busy_intervals() const;  // sorted, merged
  uint64_t serialisation_ps(uint64_t bytes) const;
  // Gives the router at this channel's receiving end `fifos` input FIFOs of `depth_flits` each.
  // A FIFO serves one packet at a time: the next packet's route computation and allocation
  // take `turnaround_cycles` after the tail ahead of it has left.
  void set_input_buffer(unsigned fifos, unsigned depth_flits, unsigned turnaround_cycles);
  // A whole message of `bytes` carried by the flow model (platform/flow_fabric.hpp) instead of
  // this channel's own timing: counted as one packet, busy for its serialisation at full
  // rate, charged its energy per bit.
  void record_message(uint64_t bytes);
  // The interval [start, end) during which a flow-model message held a share of this channel
  // (for a timeline, once keep_busy_intervals() is on).
  void record_busy(uint64_t start_ps, uint64_t end_ps);
  // Called by the next channel on a packet's path when the packet's tail leaves this
  // channel's receiving buffer.
  void note_departure(unsigned fifo, uint64_t left_ps, uint64_t flits);

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  // Debug transport and DMI pass through untimed; DMI invalidations travel back.
  unsigned int transport_dbg(tlm::tlm_generic_payload& tx) { return out->transport_dbg(tx); }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
    return out->get_direct_mem_ptr(tx, dmi);
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    in->invalidate_direct_mem_ptr(start, end);
  }
  // Books `bytes` on this channel for a head arriving at `arrival_ps`; returns the start.
  uint64_t occupy(uint64_t arrival_ps, uint64_t bytes, uint64_t& wait_ps);

  // Earliest time >= `at` at which FIFO `f` has room for `flits`.
  uint64_t room_at(unsigned f, uint64_t at, uint64_t flits) const;
  uint64_t flits_of(uint64_t bytes) const {
    return (std::max<uint64_t>(bytes, 1) + flit_bytes_ - 1) / flit_bytes_;
  }

  struct Fifo {
    std::deque<std::pair<uint64_t, uint64_t>> held;  // (tail leaves, flits), in leaving order
    uint64_t last_left_ps = 0;
  };
  std::vector<Fifo> fifos_;  // empty: unbounded buffering
  BusyCalendar read_port_;   // the receiving router's crossbar input behind the FIFOs
  unsigned depth_flits_ = 0;
  uint64_t turnaround_ps_ = 0;

  LinkPhysics phys_;
  ChannelRole role_;
  unsigned flit_bytes_;
  unsigned header_bytes_;
  Channel* reverse_ = nullptr;
  BusyCalendar calendar_;
  ChannelStats stats_;
  bool keep_intervals_ = false;
  std::vector<std::pair<uint64_t, uint64_t>> intervals_;
};

}  // namespace atleus::noc
