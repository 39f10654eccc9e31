// HBM pure functions: interleaving, zero-load latency, energy, parameter checks.
#include <catch2/catch.hpp>
#include <vector>

#include "atleus/models/hbm.hpp"
#include "atleus/models/param_check.hpp"

using namespace atleus;

namespace {
// Byte-by-byte reference: byte b of the window sits on channel (b / interleave) % channels.
std::vector<uint64_t> naive_split(uint64_t offset, uint64_t bytes, uint64_t il, unsigned ch) {
  std::vector<uint64_t> out(ch, 0);
  for (uint64_t b = offset; b < offset + bytes; ++b) ++out[(b / il) % ch];
  return out;
}

std::string field_of(const HbmParams& p) {
  try {
    p.validate();
  } catch (const ParamError& e) {
    return e.field();
  }
  return "";
}
}  // namespace

TEST_CASE("HBM defaults describe one 2 GB 256 GB/s HBM2 stack", "[hbm]") {
  const HbmParams p;
  CHECK_NOTHROW(p.validate());
  CHECK(p.capacity_bytes() == 2ULL * 1024 * 1024 * 1024);
  CHECK(p.channel_bandwidth_bytes_per_s() == Approx(32e9));  // 256 GB/s over 8 channels
}

TEST_CASE("interleaving splits an access like the byte-by-byte reference", "[hbm]") {
  HbmParams p;
  p.interleave_bytes = 256;
  p.channels = 8;
  const uint64_t offsets[] = {0, 1, 255, 256, 1000, 2047, 2048, 4095};
  const uint64_t lengths[] = {0, 1, 64, 255, 256, 257, 2048, 2049, 5000, 12345};
  for (uint64_t off : offsets)
    for (uint64_t len : lengths) {
      INFO("offset " << off << " length " << len);
      CHECK(hbm_channel_bytes(p, off, len) == naive_split(off, len, 256, 8));
    }
  p.interleave_bytes = 64;
  p.channels = 4;
  p.interface_bits = 512;
  CHECK(hbm_channel_bytes(p, 100, 3000) == naive_split(100, 3000, 64, 4));
}

TEST_CASE("zero-load access cost from bandwidth and latency and pJ per bit", "[hbm]") {
  HbmParams p;  // 32 GB/s per channel = 31.25 ps per byte, 40 ns, 3.9 pJ/bit
  const HbmAccessCost small = hbm_access_cost(p, 64);
  CHECK(small.channels_touched == 1);
  CHECK(small.transfer_ps == 2000);  // 64 B x 31.25 ps
  CHECK(small.latency_ps == 42000);
  CHECK(small.energy_j == Approx(64 * 8 * 3.9e-12));

  const HbmAccessCost stripe = hbm_access_cost(p, 2048);  // 256 B on each of the 8 channels
  CHECK(stripe.channels_touched == 8);
  CHECK(stripe.transfer_ps == 8000);
  CHECK(stripe.latency_ps == 48000);

  const HbmAccessCost big = hbm_access_cost(p, 1 << 20);  // 1 MiB: 128 KiB per channel
  CHECK(big.transfer_ps == 131072ULL * 125 / 4);          // x 31.25 ps
  CHECK(big.energy_j == Approx((1 << 20) * 8 * 3.9e-12));

  const HbmAccessCost uneven = hbm_access_cost(p, 300);  // 256 B on ch 0, 44 B on ch 1
  CHECK(uneven.channels_touched == 2);
  CHECK(uneven.transfer_ps == 8000);
  // Channel 1 moves two whole 32 B bursts (128-bit channel x BL2) for its 44 B.
  CHECK(uneven.energy_j == Approx((256 + 64) * 8 * 3.9e-12));

  // A channel carries whole bursts: one byte costs a 32 B burst, 32 x 31.25 ps.
  CHECK(p.burst_bytes() == 1024 / 8 / 8 * 2);
  CHECK(hbm_channel_transfer_ps(p, 1) == 1000);
  CHECK(hbm_channel_transfer_ps(p, 33) == 2000);
  // Wider channels make bigger bursts: 4 channels of 256 bits, BL2 = 64 B.
  HbmParams wide = p;
  wide.channels = 4;
  CHECK(wide.burst_bytes() == 64);
  CHECK(hbm_access_cost(wide, 1).energy_j == Approx(64 * 8 * 3.9e-12));
  // A byte count that does not divide evenly rounds up to the next picosecond.
  HbmParams odd = p;
  odd.peak_bandwidth_gbps = 300;  // 37.5 GB/s per channel: 32 B in 853.33 ps
  CHECK(hbm_channel_transfer_ps(odd, 1) == 854);
}

TEST_CASE("HbmParams::validate names the offending field", "[hbm]") {
  HbmParams p;
  p.channels = 0;
  CHECK(field_of(p) == "channels");
  p = HbmParams{};
  p.channels = 3;  // 1024 bits do not split into 3 equal channels
  CHECK(field_of(p) == "channels");
  p = HbmParams{};
  p.interleave_bytes = 0;
  CHECK(field_of(p) == "interleave_bytes");
  p = HbmParams{};
  p.peak_bandwidth_gbps = 0.0;
  CHECK(field_of(p) == "peak_bandwidth_gbps");
  p = HbmParams{};
  p.access_latency_ns = -1.0;
  CHECK(field_of(p) == "access_latency_ns");
  p = HbmParams{};
  p.capacity_gib = 0.0;
  CHECK(field_of(p) == "capacity_gib");
  p = HbmParams{};
  p.base_address = ~0ULL - 100;
  CHECK(field_of(p) == "base_address");
  p = HbmParams{};
  p.energy_pj_per_bit = -0.1;
  CHECK(field_of(p) == "energy_pj_per_bit");
}
