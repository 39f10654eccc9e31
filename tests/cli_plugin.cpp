// Block kinds loaded at run time: `run --plugin FILE.so` and `plugins:` in a platform YAML
// (paths relative to the YAML file) register the test plugin's "plugin_cim" kind; without the
// plugin the kind is unknown; a model too large for its macros fails with the capacity error.
#include "cli_support.hpp"

namespace {

namespace fs = std::filesystem;

// Twelve plugin_cim cores of 4096 x 16 kbit macros (one BERT-Base layer each fits).
fs::path write_platform(const std::string& name, const std::string& plugins_line) {
  const fs::path dir = fs::temp_directory_path() / ("atleus_plugin_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / (name + ".yaml");
  std::ofstream f(path);
  f << "include: " << ATLEUS_SOURCE_DIR << "/platform/configs/atleus.yaml\n"
    << "name: " << name << "\n"
    << plugins_line << "core_types:\n"
    << "  cim: {kind: plugin_cim, macros: 4096, macro_kbit: 16}\n"
    << "tiers:\n"
    << "  - {name: t0, core: cim, grid: [4, 3], topology: mesh}\n"
    << "vertical: {adjacent: false, skip: [], links: []}\n"
    << "memory:\n"
    << "  hbm: {attach: [[0, 0, 0]]}\n"
    << "host: {attach: [0, 0, 0]}\n"
    << "placement: {frozen: cim}\n";
  return path;
}

const std::string kWork = " --model bert-base --mode inference --batch 1 --seq-len 128";

}  // namespace

TEST_CASE("run --plugin loads a block kind from a shared object and runs a workload on it") {
  const fs::path yaml = write_platform("with-flag", "");
  const auto o = cli::run_ok("--plugin " + std::string(ATLEUS_TEST_PLUGIN) + " --platform " +
                             yaml.string() + kWork);
  CHECK(o.summary["energy_breakdown_j"]["plugin_cim"].get<double>() > 0);
  CHECK(o.summary["macs"]["plugin_cim"].get<double>() > 0);
  fs::remove_all(o.dir);

  const auto missing = cli::run("--platform " + yaml.string() + kWork);
  CHECK(missing.code == 2);
  CHECK(missing.err.find("unknown core kind 'plugin_cim'") != std::string::npos);

  const auto large =
      cli::run("--plugin " + std::string(ATLEUS_TEST_PLUGIN) + " --platform " + yaml.string() +
               " --model bert-large --mode inference --batch 1 --seq-len 128");
  CHECK(large.code == 3);  // a valid design the model does not fit: infeasible
  CHECK(large.err.find("does not fit in the memory of core type 'cim' (kind plugin_cim)") !=
        std::string::npos);
  fs::remove_all(large.dir);
  fs::remove_all(yaml.parent_path());
}

TEST_CASE("plugins: in a platform YAML loads shared objects relative to the YAML file") {
  const fs::path dir = fs::temp_directory_path() / ("atleus_plugin_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string rel = fs::relative(fs::path(ATLEUS_TEST_PLUGIN), dir).string();
  const fs::path yaml = write_platform("with-key", "plugins: [" + rel + "]\n");
  const auto o = cli::run_ok("--platform " + yaml.string() + kWork);
  CHECK(o.summary["energy_breakdown_j"]["plugin_cim"].get<double>() > 0);
  fs::remove_all(o.dir);

  const fs::path bad = write_platform("bad-plugin", "plugins: [no-such-plugin.so]\n");
  const auto b = cli::run("--platform " + bad.string() + kWork);
  CHECK(b.code == 2);
  CHECK(b.err.find(bad.string() + ":3:") != std::string::npos);
  CHECK(b.err.find("cannot load plugin") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a roofline core with local memory refuses frozen weights beyond its capacity") {
  const std::string w = " --platform gpu-v100 --model bert-base --mode inference --batch 1";
  // V100: 16 GB of HBM2 (whitepaper) hold BERT-Base's 85 M weights.
  const auto ok = cli::run_ok("--set core_types.v100.weight_capacity_bytes=16e9" + w);
  fs::remove_all(ok.dir);
  const auto full = cli::run("--set core_types.v100.weight_capacity_bytes=1e6" + w);
  CHECK(full.code == 3);  // a valid design the model does not fit: infeasible
  CHECK(full.err.find("does not fit in the memory of core type 'v100' (kind roofline)") !=
        std::string::npos);
  fs::remove_all(full.dir);
  const auto negative = cli::run("--set core_types.v100.weight_capacity_bytes=-1" + w);
  CHECK(negative.code == 2);
  CHECK(negative.err.find("core_types.v100.weight_capacity_bytes") != std::string::npos);
}
