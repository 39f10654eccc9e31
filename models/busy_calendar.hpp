// BusyCalendar: when a shared resource (a link, a port, a compute array, an HBM channel) is
// busy. Contention is modelled by reserving an interval at the earliest free time at or after a
// request's arrival; a request that arrives while the resource is busy waits, and the wait is
// the queueing delay. Reservations may be made ahead of the current simulated time (a packet's
// later hops are booked when it is injected), so a later request may still use an earlier gap.
// Times are integer picoseconds so results are exact and deterministic.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace atleus {

class BusyCalendar {
 public:
  // Books `duration` picoseconds at the earliest start >= `arrival` that overlaps nothing
  // already booked, and returns that start.
  uint64_t reserve(uint64_t arrival, uint64_t duration);

  // Earliest start >= `arrival` at which `duration` picoseconds are free, without booking.
  uint64_t earliest_start(uint64_t arrival, uint64_t duration) const;

  // Drops bookings that end at or before `now`: no request can arrive before now any more.
  void forget_before(uint64_t now);

  uint64_t busy_ps() const { return busy_ps_; }       // total booked time, ever
  uint64_t last_end_ps() const { return last_end_; }  // end of the latest booking, ever
  std::size_t open_intervals() const { return busy_.size() - head_; }

 private:
  using Iter = std::vector<std::pair<uint64_t, uint64_t>>::iterator;
  // (start, end), sorted, disjoint, adjacent intervals merged; those before head_ are forgotten.
  // A sorted vector, not a map: bookings land at or near the end, and forgetting moves head_.
  std::vector<std::pair<uint64_t, uint64_t>> busy_;
  std::size_t head_ = 0;
  uint64_t busy_ps_ = 0;
  uint64_t last_end_ = 0;
};

}  // namespace atleus
