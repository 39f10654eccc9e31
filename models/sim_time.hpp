// Conversions between sc_time and the integer picoseconds the calendars use. The platform runs
// with SystemC's default 1 ps resolution; ensure_ps_resolution() checks it at elaboration.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <systemc>

namespace atleus {

inline uint64_t to_ps(const sc_core::sc_time& t) {
  return t.value();
}
inline sc_core::sc_time from_ps(uint64_t ps) {
  return sc_core::sc_time::from_value(ps);
}
inline uint64_t ps_from_ns(double ns) {
  return static_cast<uint64_t>(std::llround(ns * 1e3));
}
inline uint64_t now_ps() {
  return sc_core::sc_time_stamp().value();
}

// Cycle period in picoseconds for a clock in MHz (rounded to the nearest picosecond).
inline uint64_t period_ps(double mhz) {
  return static_cast<uint64_t>(std::llround(1e6 / mhz));
}

inline void ensure_ps_resolution() {
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    throw std::logic_error("atleus-vp needs SystemC's time resolution at 1 ps");
}

}  // namespace atleus
