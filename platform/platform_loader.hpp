// Reads a platform YAML (with includes and --set overrides) into a validated PlatformConfig.
// Every error is a ConfigError naming FILE:LINE:COL and the key path.
#pragma once

#include <string>
#include <vector>

#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/yaml_config.hpp"

namespace atleus {

constexpr int kPlatformSchemaVersion = 1;

// A preset name ("atleus") or a path to a YAML file. Presets are looked up in the source
// tree's platform/configs and in share/atleus-vp/configs next to the installed executable.
std::string resolve_platform_path(const std::string& name_or_path);
std::vector<std::string> preset_names();

PlatformConfig load_platform(const std::string& name_or_path,
                             const std::vector<std::string>& overrides = {});

}  // namespace atleus
