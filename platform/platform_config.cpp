#include "platform/platform_config.hpp"

#include <stdexcept>

namespace atleus {

const char* to_string(CoreKind kind) {
  return kind == CoreKind::kReram ? "reram" : "systolic";
}

const char* to_string(PlanarTopology t) {
  switch (t) {
    case PlanarTopology::kMesh:
      return "mesh";
    case PlanarTopology::kTorus:
      return "torus";
    case PlanarTopology::kSfc:
      return "sfc";
    case PlanarTopology::kNone:
      return "none";
  }
  return "?";
}

double CoreType::area_mm2() const {
  return kind == CoreKind::kReram ? atleus::core_area_mm2(reram) : atleus::core_area_mm2(systolic);
}

const CoreType& PlatformConfig::core_type(const std::string& name) const {
  for (const auto& c : core_types)
    if (c.name == name) return c;
  throw std::invalid_argument("no core type named '" + name + "'");
}

int PlatformConfig::core_count() const {
  int n = 0;
  for (const auto& t : tiers) n += t.width * t.height;
  return n;
}

}  // namespace atleus
