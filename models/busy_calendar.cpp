#include "atleus/models/busy_calendar.hpp"

#include <algorithm>
#include <iterator>

namespace atleus {

namespace {
using Interval = std::pair<uint64_t, uint64_t>;
bool start_before(uint64_t t, const Interval& i) {
  return t < i.first;
}
bool starts_before(const Interval& i, uint64_t t) {
  return i.first < t;
}
}  // namespace

uint64_t BusyCalendar::earliest_start(uint64_t arrival, uint64_t duration) const {
  uint64_t start = arrival;
  const auto first = busy_.begin() + static_cast<std::ptrdiff_t>(head_);
  auto it = std::upper_bound(first, busy_.end(), start, start_before);
  if (it != first) {
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
  const auto first = busy_.begin() + static_cast<std::ptrdiff_t>(head_);
  Iter next = std::lower_bound(first, busy_.end(), start, starts_before);
  if (next != busy_.end() && next->first == end) {
    end = next->second;
    next = busy_.erase(next);
  }
  if (next != first) {
    auto prev = std::prev(next);
    if (prev->second == start) {
      prev->second = end;
      return start;
    }
  }
  busy_.insert(next, {start, end});
  return start;
}

void BusyCalendar::forget_before(uint64_t now) {
  while (head_ < busy_.size() && busy_[head_].second <= now) ++head_;
  if (head_ == busy_.size()) {
    busy_.clear();
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= busy_.size()) {
    busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

}  // namespace atleus
