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
  const uint64_t arrival = now + to_ps(delay);
  if (!info->started) {
    info->started = true;
    info->inject_ps = arrival;
  }

  // A write carries its data; a read request carries only a header.
  const bool is_read = tx.get_command() == tlm::TLM_READ_COMMAND;
  const uint64_t bytes = is_read ? header_bytes_ : tx.get_data_length();
  uint64_t wait = 0;
  const uint64_t start = occupy(arrival, bytes, wait);
  info->queue_ps += wait;
  info->request_ser_ps = std::max(info->request_ser_ps, serialisation_ps(bytes));
  if (role_ == ChannelRole::kNetwork) info->hops++;

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
