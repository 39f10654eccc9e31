#include "atleus/platform/platform_config.hpp"

#include <stdexcept>

#include "atleus/platform/block_kind.hpp"

namespace atleus {

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

std::string CoreType::kind_name() const {
  return kind != nullptr ? kind->name() : "?";
}

double CoreType::area_mm2() const {
  return kind->area_mm2(*this);
}

std::vector<Component> CoreType::components() const {
  return kind->components(*this);
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
