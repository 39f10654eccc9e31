// Conversions between sc_time and the integer picoseconds the calendars use. Any SystemC time
// resolution of 1 ps or finer works (1 ps, 100 fs, 10 fs, 1 fs: a picosecond is a whole number
// of ticks); ensure_ps_resolution() checks it at elaboration and names the coarsest allowed.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <systemc>

namespace atleus {

// Kernel ticks per picosecond (1 at SystemC's default resolution). Read once: the resolution is
// fixed before elaboration ends.
inline uint64_t ticks_per_ps() {
  static const uint64_t ticks = [] {
    const sc_core::sc_time res = sc_core::sc_get_time_resolution();
    const sc_core::sc_time ps(1, sc_core::SC_PS);
    if (res > ps)
      throw std::invalid_argument("SystemC's time resolution is " + res.to_string() +
                                  "; the platform needs 1 ps or finer "
                                  "(sc_core::sc_set_time_resolution before any sc_time)");
    return static_cast<uint64_t>(ps.value());
  }();
  return ticks;
}

inline uint64_t to_ps(const sc_core::sc_time& t) {
  return t.value() / ticks_per_ps();
}
inline sc_core::sc_time from_ps(uint64_t ps) {
  return sc_core::sc_time::from_value(ps * ticks_per_ps());
}
inline uint64_t ps_from_ns(double ns) {
  return static_cast<uint64_t>(std::llround(ns * 1e3));
}
inline uint64_t now_ps() {
  return to_ps(sc_core::sc_time_stamp());
}

// Cycle period in picoseconds for a clock in MHz (rounded to the nearest picosecond).
inline uint64_t period_ps(double mhz) {
  return static_cast<uint64_t>(std::llround(1e6 / mhz));
}

inline void ensure_ps_resolution() {
  (void)ticks_per_ps();
}

}  // namespace atleus
