// PacketInfo: an ignorable extension that follows a packet through the NoC. The first channel
// that sees a payload without one adds it and removes it when the call returns; an initiator
// that wants the figures (latency, hops, queueing) attaches its own before sending.
#pragma once

#include <cstdint>
#include <tlm>

namespace atleus::noc {

class Channel;

class PacketInfo : public tlm::tlm_extension<PacketInfo> {
 public:
  uint64_t inject_ps = 0;        // when the head entered the first channel
  uint64_t request_ser_ps = 0;   // longest serialisation of the request on its path
  uint64_t response_ser_ps = 0;  // longest serialisation of the read data on the way back
  uint64_t queue_ps = 0;         // time spent waiting for busy channels
  unsigned hops = 0;             // router-to-router links crossed by the request
  unsigned routers = 0;          // routers crossed by the request
  bool started = false;
  // The target the address decoded to, so that routers after the first look it up no more.
  uint64_t decoded_address = 0;
  int target = -1;
  // Finite input buffering (Channel::set_input_buffer): the channel whose receiving buffer holds
  // the request now, its FIFO there, and when the packet ahead in that FIFO has left it.
  Channel* buffered_in = nullptr;
  unsigned buffer_fifo = 0;
  uint64_t fifo_ahead_left_ps = 0;

  void reset() { *this = PacketInfo(); }
  tlm::tlm_extension_base* clone() const override { return new PacketInfo(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const PacketInfo&>(other);
  }
};

}  // namespace atleus::noc
