// AddressMap: which target (endpoint) owns an address. Every router decodes a packet's address
// with it, as a standard TLM interconnect does, so any TLM-2.0 target can sit on a local port.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace atleus::noc {

struct AddressRange {
  uint64_t base = 0;
  uint64_t size = 0;
  int target = -1;
  std::string name;
};

class AddressMap {
 public:
  // Adds a window; throws std::invalid_argument if it overlaps another or is empty. The windows
  // stay sorted and disjoint, so only the neighbours of the insertion point can overlap: adding
  // n windows in address order is linear (a platform has one per core).
  void add(uint64_t base, uint64_t size, int target, std::string name) {
    if (size == 0) throw std::invalid_argument("empty address window for " + name);
    auto it = std::lower_bound(ranges_.begin(), ranges_.end(), base,
                               [](const AddressRange& r, uint64_t b) { return r.base < b; });
    if (it != ranges_.begin()) {
      const AddressRange& before = *(it - 1);
      if (base - before.base < before.size)
        throw std::invalid_argument("address window of " + name + " overlaps " + before.name);
    }
    if (it != ranges_.end() && it->base - base < size)
      throw std::invalid_argument("address window of " + name + " overlaps " + it->name);
    ranges_.insert(it, AddressRange{base, size, target, std::move(name)});
  }

  // Target owning `addr`, or -1.
  int decode(uint64_t addr) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                               [](uint64_t a, const AddressRange& r) { return a < r.base; });
    if (it == ranges_.begin()) return -1;
    --it;
    return addr - it->base < it->size ? it->target : -1;
  }

  const AddressRange* range_of_target(int target) const {
    for (const auto& r : ranges_)
      if (r.target == target) return &r;
    return nullptr;
  }
  const std::vector<AddressRange>& ranges() const { return ranges_; }

 private:
  std::vector<AddressRange> ranges_;
};

}  // namespace atleus::noc
