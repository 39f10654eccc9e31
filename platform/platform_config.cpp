#include "atleus/platform/platform_config.hpp"

#include <stdexcept>

namespace atleus {

const char* to_string(CoreKind kind) {
  switch (kind) {
    case CoreKind::kReram:
      return "reram";
    case CoreKind::kSystolic:
      return "systolic";
    case CoreKind::kRoofline:
      return "roofline";
  }
  return "?";
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
  switch (kind) {
    case CoreKind::kReram:
      return atleus::core_area_mm2(reram);
    case CoreKind::kSystolic:
      return atleus::core_area_mm2(systolic);
    case CoreKind::kRoofline:
      return roofline.area_mm2;
  }
  return 0.0;
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
