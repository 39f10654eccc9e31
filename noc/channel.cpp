#include "atleus/noc/channel.hpp"

#include <algorithm>

#include "atleus/models/sim_time.hpp"
#include "atleus/noc/packet.hpp"

namespace atleus::noc {

Channel::Channel(sc_core::sc_module_name name, const LinkPhysics& phys, ChannelRole role,
                 unsigned flit_bytes)
    : sc_core::sc_module(name),
      in("in"),
      out("out"),
      phys_(phys),
      role_(role),
      flit_bytes_(flit_bytes),
      header_bytes_(flit_bytes) {
  in.register_b_transport(this, &Channel::b_transport);
  in.register_transport_dbg(this, &Channel::transport_dbg);
  in.register_get_direct_mem_ptr(this, &Channel::get_direct_mem_ptr);
  out.register_invalidate_direct_mem_ptr(this, &Channel::invalidate_direct_mem_ptr);
}

uint64_t Channel::serialisation_ps(uint64_t bytes) const {
  const uint64_t bits = std::max<uint64_t>(bytes, 1) * 8;
  return (bits + phys_.width_bits - 1) / phys_.width_bits * phys_.period_ps;
}

uint64_t Channel::occupy(uint64_t arrival_ps, uint64_t bytes, uint64_t& wait_ps) {
  const uint64_t ser = serialisation_ps(bytes);
  calendar_.forget_before(now_ps());
  const uint64_t start = calendar_.reserve(arrival_ps, ser);
  wait_ps = start - arrival_ps;
  stats_.packets++;
  stats_.flits += (std::max<uint64_t>(bytes, 1) + flit_bytes_ - 1) / flit_bytes_;
  stats_.bytes += bytes;
  stats_.busy_ps += ser;
  stats_.queue_ps += wait_ps;
  stats_.max_queue_ps = std::max(stats_.max_queue_ps, wait_ps);
  stats_.energy_j += static_cast<double>(bytes) * 8.0 * phys_.energy_j_per_bit;
  if (keep_intervals_) {
    if (!intervals_.empty() && intervals_.back().second == start)
      intervals_.back().second = start + ser;
    else
      intervals_.emplace_back(start, start + ser);
  }
  return start;
}

void Channel::record_message(uint64_t bytes) {
  stats_.packets++;
  stats_.flits += flits_of(bytes);
  stats_.bytes += bytes;
  stats_.busy_ps += serialisation_ps(bytes);
  stats_.energy_j += static_cast<double>(bytes) * 8.0 * phys_.energy_j_per_bit;
}

void Channel::record_busy(uint64_t start_ps, uint64_t end_ps) {
  if (keep_intervals_ && end_ps > start_ps) intervals_.emplace_back(start_ps, end_ps);
}

void Channel::set_input_buffer(unsigned fifos, unsigned depth_flits, unsigned turnaround_cycles) {
  turnaround_ps_ = uint64_t{turnaround_cycles} * phys_.period_ps;
  fifos_.assign(depth_flits == 0 ? 0 : fifos, Fifo{});
  depth_flits_ = depth_flits;
}

void Channel::note_departure(unsigned fifo, uint64_t left_ps, uint64_t flits) {
  Fifo& f = fifos_[fifo];
  f.last_left_ps = std::max(f.last_left_ps, left_ps);
  f.held.emplace_back(f.last_left_ps, std::min<uint64_t>(flits, depth_flits_));
}

uint64_t Channel::room_at(unsigned f, uint64_t at, uint64_t flits) const {
  // A held packet's flits leave one per cycle up to its tail: its last k flits are still in the
  // buffer until k cycles before the tail leaves. Each such moment frees one slot.
  const uint64_t period = phys_.period_ps;
  uint64_t used = 0;
  std::vector<uint64_t> frees;
  const auto& held = fifos_[f].held;
  // Held packets leave in order: walk back from the latest until one has left by `at`.
  for (auto it = held.rbegin(); it != held.rend() && it->first > at; ++it) {
    const auto& h = *it;
    for (uint64_t k = 0; k < h.second; ++k) {
      const uint64_t t = h.first > k * period ? h.first - k * period : 0;
      if (t > at) {
        ++used;
        frees.push_back(t);
      }
    }
  }
  const uint64_t need = std::min<uint64_t>(flits, depth_flits_);
  if (used + need <= depth_flits_) return at;
  const uint64_t excess = used + need - depth_flits_;
  std::nth_element(frees.begin(), frees.begin() + (excess - 1), frees.end());
  return frees[excess - 1];
}

std::vector<std::pair<uint64_t, uint64_t>> Channel::busy_intervals() const {
  auto iv = intervals_;
  std::sort(iv.begin(), iv.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (const auto& i : iv) {
    if (!merged.empty() && i.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, i.second);
    else
      merged.push_back(i);
  }
  return merged;
}

void Channel::b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  PacketInfo* info = nullptr;
  tx.get_extension(info);
  const bool owner = (info == nullptr);
  if (owner) {
    info = new PacketInfo;
    tx.set_extension(info);
  }
  const uint64_t now = now_ps();
  uint64_t arrival = now + to_ps(delay);
  if (!info->started) {
    info->started = true;
    info->inject_ps = arrival;
    info->buffered_in = nullptr;
  }

  // A write carries its data; a read request carries only a header.
  const bool is_read = tx.get_command() == tlm::TLM_READ_COMMAND;
  const uint64_t bytes = is_read ? header_bytes_ : tx.get_data_length();
  // The packet leaves the buffer it sits in only after the packet ahead of it there has.
  Channel* const from = info->buffered_in;
  const unsigned from_fifo = info->buffer_fifo;
  if (from) arrival = std::max(arrival, info->fifo_ahead_left_ps);
  uint64_t ready = arrival;
  unsigned fifo = 0;
  if (!fifos_.empty()) {
    // The receiving FIFO that has room first; the head enters it one link latency after start.
    for (auto& f : fifos_)
      while (!f.held.empty() && f.held.front().first <= now) f.held.pop_front();
    // The FIFO the packet can leave soonest: it has room, and the packet ahead of it there has
    // left longest ago (idle FIFOs first, as a virtual-channel allocator prefers free VCs).
    uint64_t best = UINT64_MAX, best_room = 0;
    for (unsigned f = 0; f < fifos_.size(); ++f) {
      const uint64_t room = room_at(f, arrival + phys_.latency_ps, flits_of(bytes));
      const uint64_t leave = std::max(room, fifos_[f].last_left_ps + turnaround_ps_);
      if (leave < best) best = leave, best_room = room, fifo = f;
    }
    ready = std::max(arrival, best_room - phys_.latency_ps);
  }
  if (from) {
    // Leaving a buffer also takes that input's crossbar port, one flit per cycle for all its
    // FIFOs: the earliest time both this channel and that port are free.
    const uint64_t ser = serialisation_ps(bytes);
    from->read_port_.forget_before(now);
    calendar_.forget_before(now);
    for (;;) {
      const uint64_t a = calendar_.earliest_start(ready, ser);
      ready = from->read_port_.earliest_start(a, flits_of(bytes) * phys_.period_ps);
      if (ready == a) break;
    }
    from->read_port_.reserve(ready, flits_of(bytes) * phys_.period_ps);
  }
  uint64_t wait = 0;
  const uint64_t start = occupy(ready, bytes, wait);
  wait += ready - (now + to_ps(delay));
  stats_.queue_ps += ready - (now + to_ps(delay));
  stats_.max_queue_ps = std::max(stats_.max_queue_ps, wait);
  info->queue_ps += wait;
  info->request_ser_ps = std::max(info->request_ser_ps, serialisation_ps(bytes));
  if (role_ == ChannelRole::kNetwork) info->hops++;
  if (from) from->note_departure(from_fifo, start + serialisation_ps(bytes), flits_of(bytes));
  if (!fifos_.empty()) {
    info->buffered_in = this;
    info->buffer_fifo = fifo;
    info->fifo_ahead_left_ps =
        fifos_[fifo].last_left_ps == 0 ? 0 : fifos_[fifo].last_left_ps + turnaround_ps_;
  } else {
    info->buffered_in = nullptr;
  }

  uint64_t head = start + phys_.latency_ps;
  // The endpoint sees the packet when its tail has arrived.
  if (role_ == ChannelRole::kEject) head += info->request_ser_ps;
  delay = from_ps(head - now);
  out->b_transport(tx, delay);

  if (is_read && tx.is_response_ok()) {
    // Read data flows back on the reverse channel of this link.
    Channel* back = reverse_ ? reverse_ : this;
    const uint64_t ready = now + to_ps(delay);
    uint64_t back_wait = 0;
    const uint64_t back_start = back->occupy(ready, tx.get_data_length(), back_wait);
    info->queue_ps += back_wait;
    info->response_ser_ps =
        std::max(info->response_ser_ps, back->serialisation_ps(tx.get_data_length()));
    uint64_t done = back_start + back->phys_.latency_ps;
    if (role_ == ChannelRole::kInject) done += info->response_ser_ps;
    delay = from_ps(done - now);
  }
  if (owner) {
    tx.clear_extension(info);
    delete info;
  }
}

}  // namespace atleus::noc
