// Channel: one direction of a NoC link (router to router, or a router's local port to or from
// its endpoint). Covers serialisation (bytes / width per NoC cycle), head latency, contention
// (a BusyCalendar: a packet that finds the channel busy waits, and the wait is counted) and
// energy per bit. Flow control is virtual cut-through: the head moves on after the link
// latency while the body streams behind it, so a packet's delivery time is the head's arrival
// plus the longest serialisation on its path. Read data returns on the reverse channel of the
// same link. Does not model buffers filling up (back-pressure) or virtual channels.
// Timing style: loosely timed, b_transport adds to `delay`, never waits.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
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

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  // Books `bytes` on this channel for a head arriving at `arrival_ps`; returns the start.
  uint64_t occupy(uint64_t arrival_ps, uint64_t bytes, uint64_t& wait_ps);

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
