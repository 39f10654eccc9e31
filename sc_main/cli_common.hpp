// Pieces every subcommand shares: the platform options, and how errors leave the program.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "platform/platform_config.hpp"

namespace atleus::cli {

constexpr int kExitBadInput = 2;  // bad flags, files or values: nothing was written

struct PlatformOptions {
  std::string platform = "atleus";
  std::vector<std::string> overrides;
};

void add_platform_options(CLI::App& app, PlatformOptions& opt);
PlatformConfig load(const PlatformOptions& opt);  // throws ConfigError

int run_describe(const PlatformOptions& p, bool json);

struct TrafficCliOptions {
  std::string pattern = "uniform";
  double rate = 0.0;
  uint64_t packets = 2000;
  unsigned packet_flits = 4;
  uint64_t seed = 1;
  double hotspot_fraction = 0.1;
  bool json = false;
};
int run_traffic_cmd(const PlatformOptions& p, const TrafficCliOptions& t);

}  // namespace atleus::cli
