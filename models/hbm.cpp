#include "atleus/models/hbm.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "atleus/models/param_check.hpp"
#include "atleus/models/sim_time.hpp"

namespace atleus {

uint64_t HbmParams::capacity_bytes() const {
  return static_cast<uint64_t>(std::llround(capacity_gib * 1024.0 * 1024.0 * 1024.0));
}

void HbmParams::validate() const {
  require_positive(capacity_gib, "capacity_gib");
  require(capacity_gib < 1024.0 * 1024.0, "capacity_gib", "must be below 1 PiB");
  require(capacity_bytes() > 0, "capacity_gib", "must be at least one byte");
  require(base_address <= std::numeric_limits<uint64_t>::max() - (capacity_bytes() - 1),
          "base_address", "window [base_address, base_address + capacity) overflows 64 bits");
  require_positive(peak_bandwidth_gbps, "peak_bandwidth_gbps");
  require_positive(interface_bits, "interface_bits");
  require_positive(channels, "channels");
  require(interface_bits % channels == 0, "channels",
          "must divide interface_bits (" + std::to_string(interface_bits) + ") evenly");
  require_positive(burst_length, "burst_length");
  require(burst_length <= 64, "burst_length", "must be at most 64");
  require(burst_bytes() > 0, "interface_bits",
          "a channel (interface_bits / channels) times burst_length must make at least a byte");
  require_duration_ns(access_latency_ns, "access_latency_ns");
  require_non_negative(energy_pj_per_bit, "energy_pj_per_bit");
  require_positive(interleave_bytes, "interleave_bytes");
  require_non_negative(static_power_w, "static_power_w");
}

std::vector<uint64_t> hbm_channel_bytes(const HbmParams& p, uint64_t offset, uint64_t bytes) {
  const uint64_t il = p.interleave_bytes;
  const uint64_t ch = p.channels;
  std::vector<uint64_t> out(ch, 0);
  if (bytes == 0) return out;

  // Head: the part of the first interleave chunk covered by the access.
  uint64_t chunk = offset / il;
  const uint64_t head = std::min(bytes, il - offset % il);
  out[chunk % ch] += head;
  uint64_t left = bytes - head;
  ++chunk;

  // Whole rounds over all channels add the same amount to each, so count them at once.
  const uint64_t full_chunks = left / il;
  const uint64_t rounds = full_chunks / ch;
  for (auto& b : out) b += rounds * il;
  chunk += rounds * ch;
  for (uint64_t i = 0; i < full_chunks % ch; ++i, ++chunk) out[chunk % ch] += il;
  left %= il;
  if (left > 0) out[chunk % ch] += left;
  return out;
}

uint64_t hbm_burst_rounded(const HbmParams& p, uint64_t bytes) {
  const uint64_t b = p.burst_bytes();
  return (bytes + b - 1) / b * b;
}

uint64_t hbm_channel_transfer_ps(const HbmParams& p, uint64_t bytes) {
  const double ps =
      static_cast<double>(hbm_burst_rounded(p, bytes)) * 1e12 / p.channel_bandwidth_bytes_per_s();
  return static_cast<uint64_t>(std::ceil(ps));
}

HbmAccessCost hbm_access_cost(const HbmParams& p, uint64_t bytes) {
  HbmAccessCost cost;
  uint64_t moved = 0;
  for (uint64_t b : hbm_channel_bytes(p, 0, bytes)) {
    if (b == 0) continue;
    ++cost.channels_touched;
    cost.transfer_ps = std::max(cost.transfer_ps, hbm_channel_transfer_ps(p, b));
    moved += hbm_burst_rounded(p, b);
  }
  cost.latency_ps = cost.transfer_ps + ps_from_ns(p.access_latency_ns);
  cost.energy_j = static_cast<double>(moved) * 8.0 * p.energy_pj_per_bit * 1e-12;
  return cost;
}

Hbm::Hbm(sc_core::sc_module_name name, const HbmParams& params)
    : sc_core::sc_module(name), port("port"), direct("direct"), params_(params) {
  params_.validate();
  capacity_bytes_ = params_.capacity_bytes();
  latency_ps_ = ps_from_ns(params_.access_latency_ns);
  channels_.resize(params_.channels);
  stats_.channel_busy_ps.assign(params_.channels, 0);
  port.register_b_transport(this, &Hbm::port_b_transport);
  port.register_transport_dbg(this, &Hbm::port_transport_dbg);
  direct.register_b_transport(this, &Hbm::transport);
  direct.register_transport_dbg(this, &Hbm::transport_dbg);
  port.register_get_direct_mem_ptr(this, &Hbm::port_get_direct_mem_ptr);
  direct.register_get_direct_mem_ptr(this, &Hbm::get_direct_mem_ptr);
}

bool Hbm::port_get_direct_mem_ptr(int /*id*/, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
  return get_direct_mem_ptr(tx, dmi);
}

bool Hbm::get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
  uint64_t offset = 0;
  if (!params_.store_data || !window_offset(tx.get_address(), 1, offset)) {
    dmi.allow_none();
    return false;
  }
  const uint64_t page = offset / kPageBytes;
  auto& bytes = pages_[page];
  if (bytes.empty()) bytes.assign(kPageBytes, 0);
  const uint64_t first = params_.base_address + page * kPageBytes;
  dmi.set_dmi_ptr(bytes.data());
  dmi.set_start_address(first);
  dmi.set_end_address(first + std::min<uint64_t>(kPageBytes, capacity_bytes_ - page * kPageBytes) -
                      1);
  dmi.allow_read_write();
  dmi.set_read_latency(from_ps(latency_ps_));
  dmi.set_write_latency(from_ps(latency_ps_));
  return true;
}

void Hbm::port_b_transport(int /*id*/, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  transport(tx, delay);
}

unsigned int Hbm::port_transport_dbg(int /*id*/, tlm::tlm_generic_payload& tx) {
  return transport_dbg(tx);
}

bool Hbm::window_offset(uint64_t addr, uint64_t len, uint64_t& offset) const {
  if (addr < params_.base_address) return false;
  offset = addr - params_.base_address;
  return offset <= capacity_bytes_ && len <= capacity_bytes_ - offset;
}

void Hbm::transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  const tlm::tlm_command cmd = tx.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) {
    ++stats_.errors;
    tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  const uint64_t len = tx.get_data_length();
  uint64_t offset = 0;
  if (!window_offset(tx.get_address(), len, offset)) {
    ++stats_.errors;
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  // Streaming (a FIFO-like target address) is not supported; 0 is read as "not set".
  const unsigned sw = tx.get_streaming_width();
  if (sw != 0 && sw < len) {
    ++stats_.errors;
    tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }

  const uint64_t now = now_ps();
  const uint64_t arrival = now + to_ps(delay);
  const std::vector<uint64_t> per_channel = hbm_channel_bytes(params_, offset, len);
  uint64_t finish = arrival;
  uint64_t zero_load_finish = arrival;
  uint64_t moved = 0;
  for (unsigned c = 0; c < params_.channels; ++c) {
    if (per_channel[c] == 0) continue;
    moved += hbm_burst_rounded(params_, per_channel[c]);
    BusyCalendar& cal = channels_[c];
    cal.forget_before(now);  // nothing can arrive before now any more
    const uint64_t dur = hbm_channel_transfer_ps(params_, per_channel[c]);
    const uint64_t start = cal.reserve(arrival, dur);
    finish = std::max(finish, start + dur);
    zero_load_finish = std::max(zero_load_finish, arrival + dur);
    stats_.channel_busy_ps[c] += dur;
  }
  stats_.queue_ps += finish - zero_load_finish;
  stats_.energy_j += static_cast<double>(moved) * 8.0 * params_.energy_pj_per_bit * 1e-12;
  if (cmd == tlm::TLM_READ_COMMAND) {
    ++stats_.reads;
    stats_.bytes_read += len;
  } else {
    ++stats_.writes;
    stats_.bytes_written += len;
  }

  if (params_.store_data && tx.get_data_ptr() != nullptr) copy_data(tx, offset);

  delay = from_ps(finish + latency_ps_ - now);
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int Hbm::transport_dbg(tlm::tlm_generic_payload& tx) {
  const tlm::tlm_command cmd = tx.get_command();
  if (!params_.store_data || tx.get_data_ptr() == nullptr) return 0;
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) return 0;
  uint64_t offset = 0;
  if (!window_offset(tx.get_address(), tx.get_data_length(), offset)) return 0;
  // Debug transport ignores byte enables (IEEE 1666 debug interface semantics).
  unsigned char* const be = tx.get_byte_enable_ptr();
  tx.set_byte_enable_ptr(nullptr);
  copy_data(tx, offset);
  tx.set_byte_enable_ptr(be);
  return tx.get_data_length();
}

void Hbm::copy_data(tlm::tlm_generic_payload& tx, uint64_t offset) {
  const bool write = tx.get_command() == tlm::TLM_WRITE_COMMAND;
  unsigned char* data = tx.get_data_ptr();
  const unsigned char* be = tx.get_byte_enable_ptr();
  const unsigned be_len = tx.get_byte_enable_length();
  const uint64_t len = tx.get_data_length();

  uint64_t done = 0;
  while (done < len) {
    const uint64_t addr = offset + done;
    const uint64_t page = addr / kPageBytes;
    const uint64_t in_page = addr % kPageBytes;
    const uint64_t n = std::min(len - done, kPageBytes - in_page);
    uint8_t* stored = nullptr;
    if (write) {
      auto& vec = pages_[page];
      if (vec.empty()) vec.assign(kPageBytes, 0);
      stored = vec.data() + in_page;
    } else {
      auto it = pages_.find(page);
      if (it != pages_.end()) stored = it->second.data() + in_page;
    }
    if (be == nullptr || be_len == 0) {
      if (write)
        std::memcpy(stored, data + done, n);
      else if (stored != nullptr)
        std::memcpy(data + done, stored, n);
      else
        std::memset(data + done, 0, n);  // never-written memory reads as zero
      done += n;
      continue;
    }
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t k = done + i;
      if (be[k % be_len] != TLM_BYTE_ENABLED) continue;
      if (write)
        stored[i] = data[k];
      else
        data[k] = stored != nullptr ? stored[i] : 0;
    }
    done += n;
  }
}

}  // namespace atleus
