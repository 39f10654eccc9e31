// libFuzzer target: `--set key.path=value` overrides (one per input line) on the Atleus preset.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "atleus/platform/yaml_config.hpp"

#ifndef ATLEUS_PRESET
#error "ATLEUS_PRESET: path of platform/configs/atleus.yaml"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<std::string> overrides;
  for (std::string line; std::getline(in, line) && overrides.size() < 8;) overrides.push_back(line);
  try {
    const atleus::ConfigDoc doc = atleus::load_config(ATLEUS_PRESET, overrides);
    (void)doc.to_yaml();
    for (const auto& k : doc.root().keys()) (void)doc.root().child(k).is_map();
  } catch (const atleus::ConfigError&) {
  }
  return 0;
}
