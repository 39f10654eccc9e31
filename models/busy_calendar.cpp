#include "atleus/models/busy_calendar.hpp"

#include <algorithm>
#include <iterator>

namespace atleus {

uint64_t BusyCalendar::earliest_start(uint64_t arrival, uint64_t duration) const {
  uint64_t start = arrival;
  auto it = busy_.upper_bound(start);
  if (it != busy_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > start) start = prev->second;
  }
  // Walk forward past every booking that the candidate interval would overlap.
  while (it != busy_.end() && it->first < start + duration) {
    start = std::max(start, it->second);
    ++it;
  }
  return start;
}

uint64_t BusyCalendar::reserve(uint64_t arrival, uint64_t duration) {
  const uint64_t start = earliest_start(arrival, duration);
  if (duration == 0) return start;
  uint64_t end = start + duration;
  busy_ps_ += duration;
  last_end_ = std::max(last_end_, end);

  // Merge with a booking that ends exactly where this one starts, or starts where it ends.
  auto next = busy_.lower_bound(start);
  if (next != busy_.end() && next->first == end) {
    end = next->second;
    next = busy_.erase(next);
  }
  if (next != busy_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == start) {
      prev->second = end;
      return start;
    }
  }
  busy_.emplace_hint(next, start, end);
  return start;
}

void BusyCalendar::forget_before(uint64_t now) {
  while (!busy_.empty() && busy_.begin()->second <= now) busy_.erase(busy_.begin());
}

}  // namespace atleus
