// Validation of parameter structs. A struct's validate() throws ParamError naming the field
// (the field name is also the YAML key), so the platform loader can point at file:line:column.
#pragma once

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace atleus {

class ParamError : public std::invalid_argument {
 public:
  ParamError(std::string field, const std::string& message)
      : std::invalid_argument(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

inline void require(bool ok, const char* field, const std::string& message) {
  if (!ok) throw ParamError(field, message);
}

template <typename T>
void require_positive(T value, const char* field) {
  require(value > T(0) && !(std::isnan(static_cast<double>(value))), field,
          "must be > 0 (got " + std::to_string(value) + ")");
}

template <typename T>
void require_non_negative(T value, const char* field) {
  require(value >= T(0), field, "must be >= 0 (got " + std::to_string(value) + ")");
}

template <typename T>
void require_range(T value, T lo, T hi, const char* field) {
  require(value >= lo && value <= hi, field,
          "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] (got " +
              std::to_string(value) + ")");
}

// A number as printed in errors: shortest general form (1e-300, 800, 0.5).
inline std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A clock whose period in whole picoseconds is representable and not zero: 1 kHz to 1 THz.
inline void require_clock_mhz(double mhz, const char* field) {
  require(std::isfinite(mhz) && mhz >= 1e-3 && mhz <= 1e6, field,
          "must be in [0.001, 1000000] MHz so that a cycle is a whole number of picoseconds "
          "(got " +
              number_text(mhz) + ")");
}

// A duration in nanoseconds whose picosecond value fits: finite, >= 0 and at most one second.
inline void require_duration_ns(double ns, const char* field) {
  require(std::isfinite(ns) && ns >= 0 && ns <= 1e9, field,
          "must be in [0, 1e9] ns (got " + number_text(ns) + ")");
}

}  // namespace atleus
