// libFuzzer target: the platform YAML reader (checks, merge, typed access) on arbitrary text.
// Every failure must be a ConfigError; nothing else may escape, crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "atleus/platform/yaml_config.hpp"

namespace {

void walk(const atleus::ConfigNode& n, int depth) {
  if (depth > 80) return;
  try {
    if (n.is_map()) {
      for (const auto& k : n.keys()) walk(n.child(k), depth + 1);
    } else if (n.is_seq()) {
      for (std::size_t i = 0; i < n.size(); ++i) walk(n[i], depth + 1);
    } else {
      (void)n.as<double>();
    }
  } catch (const atleus::ConfigError&) {
  }
  try {
    (void)n.as<int64_t>();
  } catch (const atleus::ConfigError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const atleus::ConfigDoc doc = atleus::load_config_text(text, "fuzz.yaml");
    walk(doc.root(), 0);
    (void)doc.to_yaml();
    doc.root().expect_keys({"name", "core_types", "tiers", "noc"});
  } catch (const atleus::ConfigError&) {
  }
  return 0;
}
