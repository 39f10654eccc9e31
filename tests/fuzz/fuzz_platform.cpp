// libFuzzer target: the whole platform loader (load_platform: YAML reader, every section's
// bound and validated keys, plugins, placement, the network plan) and the area/cost summary
// that `describe` and every run compute first, on arbitrary text. A bad platform must be a
// ConfigError (exit 2) and an infeasible one an InfeasibleDesign (exit 3); nothing else may
// escape, crash, hang or exhaust memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "atleus/platform/describe.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "atleus/workloads/infeasible.hpp"
#include "fuzz_common.hpp"

// Debian's libsystemc refers to sc_main; libFuzzer owns main, so this one is never called.
int sc_main(int, char**) {
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::as_file(data, size, ".yaml");
  try {
    const atleus::PlatformConfig cfg = atleus::load_platform(path);
    (void)atleus::describe_platform(cfg);
  } catch (const atleus::ConfigError&) {
  } catch (const atleus::InfeasibleDesign&) {
  }
  return 0;
}
