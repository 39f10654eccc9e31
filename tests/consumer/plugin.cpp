// atleus::vp linked into a shared object (the static library is position-independent).
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/version.hpp"

extern "C" const char* consumer_plugin_version() {
  return atleus::version();
}

extern "C" unsigned consumer_plugin_tiers(const char* preset) {
  return static_cast<unsigned>(atleus::load_platform(preset).tiers.size());
}
