// Seeded random numbers that are the same with every standard library: splitmix64 and
// standard normal draws by Box-Muller. Used for synthetic weights, inputs and noise.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace atleus {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Normal {
 public:
  explicit Normal(uint64_t seed) : state_(seed) {}
  double next() {
    constexpr double kPi = 3.14159265358979323846;
    const double u1 = 1.0 - static_cast<double>(splitmix64(state_++) >> 11) * 0x1.0p-53;
    const double u2 = static_cast<double>(splitmix64(state_++) >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }
  std::vector<float> vec(std::size_t n, double sd, double mean = 0.0) {
    std::vector<float> v(n);
    for (float& e : v) e = static_cast<float>(mean + sd * next());
    return v;
  }

 private:
  uint64_t state_;
};

}  // namespace atleus
