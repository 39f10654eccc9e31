// atleus-vp: the command line over the atleus_vp library.
#include <cstdlib>
#include <iostream>

#include "platform/platform_loader.hpp"
#include "platform/yaml_config.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

void add_platform_options(CLI::App& app, PlatformOptions& opt) {
  app.add_option(
         "--platform", opt.platform,
         "platform preset name or YAML file (presets: " +
             [] {
               std::string s;
               for (const auto& n : preset_names()) s += (s.empty() ? "" : ", ") + n;
               return s;
             }() +
             ")")
      ->capture_default_str();
  app.add_option("--set", opt.overrides, "override a platform parameter: key.path=value")
      ->type_name("KEY=VALUE");
}

PlatformConfig load(const PlatformOptions& opt) {
  return load_platform(opt.platform, opt.overrides);
}

}  // namespace atleus::cli

int main(int argc, char** argv) {
  // The SystemC banner would land in the middle of --json output.
  setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  using namespace atleus;
  CLI::App app{"atleus-vp: virtual platform of the Atleus 3D heterogeneous manycore accelerator"};
  app.set_version_flag("--version", std::string("atleus-vp ") + ATLEUS_VERSION);
  app.require_subcommand(0, 1);

  cli::PlatformOptions describe_p;
  bool describe_json = false;
  auto* describe = app.add_subcommand(
      "describe", "print what a platform is made of: tiers, cores, links, capacity, area, cost");
  cli::add_platform_options(*describe, describe_p);
  describe->add_flag("--json", describe_json, "print JSON");

  cli::PlatformOptions traffic_p;
  cli::TrafficCliOptions traffic_o;
  auto* traffic = app.add_subcommand(
      "traffic", "synthetic traffic over the platform's NoC: latency, throughput, energy");
  cli::add_platform_options(*traffic, traffic_p);
  traffic->add_option("--pattern", traffic_o.pattern, "uniform, transpose, hotspot or neighbor")
      ->check(CLI::IsMember({"uniform", "transpose", "hotspot", "neighbor"}))
      ->capture_default_str();
  traffic->add_option("--rate", traffic_o.rate, "offered load, flits per node per NoC cycle")
      ->required()
      ->check(CLI::Range(1e-9, 1.0));
  traffic->add_option("--packets", traffic_o.packets, "packets injected per node")
      ->check(CLI::Range(uint64_t{10}, uint64_t{100000000}))
      ->capture_default_str();
  traffic->add_option("--packet-flits", traffic_o.packet_flits, "flits per packet")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  traffic->add_option("--seed", traffic_o.seed, "random seed")->capture_default_str();
  traffic
      ->add_option("--hotspot-fraction", traffic_o.hotspot_fraction,
                   "share of packets sent to the hotspot (hotspot pattern)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  traffic->add_flag("--json", traffic_o.json, "print JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "atleus-vp: " << e.what() << "\n";
    return cli::kExitBadInput;
  }

  try {
    // With no subcommand the main job runs: describe the default platform.
    if (*describe || app.get_subcommands().empty())
      return cli::run_describe(describe_p, describe_json);
    if (*traffic) return cli::run_traffic_cmd(traffic_p, traffic_o);
  } catch (const ConfigError& e) {
    std::cerr << "atleus-vp: error: " << e.what() << "\n";
    return cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "atleus-vp: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// libsystemc's own main() refers to sc_main; this program's main() is the one that runs.
extern "C" int sc_main(int, char**) {
  return 0;
}
