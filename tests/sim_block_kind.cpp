// A block kind added by a test file alone: "test_cim", an SRAM compute-in-memory core that
// holds frozen weights in its macros (capacity = macros x bits per macro) and runs every kernel
// class at a roofline cost. It registers through RegisterBlockKind, the same mechanism the
// built-in kinds use, and runs a workload end to end; a model too large for it is refused with
// the capacity error; its keys are bound and validated like any other kind's.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "atleus/models/param_check.hpp"
#include "atleus/models/roofline_core.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/param_binding.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/run/compute_node.hpp"
#include "atleus/platform/run/run_engine.hpp"
#include "atleus/workloads/mapping.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/task_spec.hpp"

namespace {

using namespace atleus;

struct TestCimParams {
  unsigned macros = 64;       // macros per core
  unsigned macro_kbit = 16;   // weight bits per macro, in kbit (1024 bits)
  double macs_per_ns = 1000;  // peak MAC rate of the core
  double bytes_per_ns = 100;  // activation traffic
  double e_mac_pj = 0.05;     // energy per MAC
  double area_mm2_per_macro = 0.2;

  void validate() const {
    require(macros > 0, "macros", "must be > 0");
    require(macro_kbit > 0, "macro_kbit", "must be > 0");
    require(macs_per_ns > 0, "macs_per_ns", "must be > 0");
    require(bytes_per_ns > 0, "bytes_per_ns", "must be > 0");
    require(e_mac_pj >= 0, "e_mac_pj", "must be >= 0");
    require(area_mm2_per_macro >= 0, "area_mm2_per_macro", "must be >= 0");
  }
};

const FieldTable<TestCimParams>& test_cim_fields() {
  using P = TestCimParams;
  static const auto t = FieldTable<P>()
                            .add("macros", &P::macros)
                            .add("macro_kbit", &P::macro_kbit)
                            .add("macs_per_ns", &P::macs_per_ns)
                            .add("bytes_per_ns", &P::bytes_per_ns)
                            .add("e_mac_pj", &P::e_mac_pj)
                            .add("area_mm2_per_macro", &P::area_mm2_per_macro);
  return t;
}

// The model: a roofline core whose energy is reported under the kind's own name.
class TestCimCore : public RooflineCore {
 public:
  using RooflineCore::RooflineCore;
  std::vector<std::pair<std::string, double>> dynamic_energy_j() const override {
    return {{"test_cim", stats().energy_j}};
  }
};

class TestCimKind : public BlockKind {
 public:
  std::string name() const override { return "test_cim"; }
  BlockRole role() const override { return BlockRole::kRoofline; }
  void read(const ConfigNode& node, CoreType& type) const override {
    TestCimParams p;
    read_validated(node, test_cim_fields(), p, {"kind"});
    type.params = p;
  }
  static const TestCimParams& params(const CoreType& t) {
    return std::any_cast<const TestCimParams&>(t.params);
  }
  std::unique_ptr<BlockModel> make_model(const std::string& name,
                                         const CoreType& type) const override {
    const TestCimParams& p = params(type);
    RooflineCoreParams r;
    r.peak_macs_per_ns = p.macs_per_ns;
    r.peak_vector_ops_per_ns = p.macs_per_ns / 8;
    r.memory_bytes_per_ns = p.bytes_per_ns;
    r.matmul_utilisation = r.vector_utilisation = r.memory_utilisation = 1.0;
    r.launch_overhead_ns = 0;
    r.active_power_w = 0;
    r.idle_power_w = 0.001 * p.macros;
    r.e_mac_pj = p.e_mac_pj;
    r.e_byte_pj = 0;
    r.e_vector_op_pj = p.e_mac_pj;
    r.area_mm2 = area_mm2(type);
    return std::make_unique<TestCimCore>(name.c_str(), r);
  }
  void node_options(const CoreType&, NodeOptions& o) const override {
    o.local_memory = true;
    o.batch_instances = true;
    o.single_unit = true;
  }
  std::vector<Component> components(const CoreType& type) const override {
    const TestCimParams& p = params(type);
    return {{"macros", double(p.macros), p.macros * p.area_mm2_per_macro, 0.0, 0.001 * p.macros,
             p.e_mac_pj}};
  }
  std::optional<uint64_t> weight_capacity(const CoreType& type, unsigned bits) const override {
    const TestCimParams& p = params(type);
    return uint64_t(p.macros) * p.macro_kbit * 1024 / bits;
  }
  bool weights_resident(const CoreType&) const override { return true; }
};

RegisterBlockKind<TestCimKind> test_cim_registration;

// 12 cores of `macros` macros of 16 kbit: one BERT-Base layer (7.1 M weights, 56.6 Mbit at
// 8 bits) per core fits in 4096 macros (67.1 Mbit); two BERT-Large layers (25.2 M weights,
// 201 Mbit) do not.
std::string write_platform(const std::string& extra_core_keys) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("atleus_test_cim_" + std::to_string(::getpid()) + ".yaml"))
                               .string();
  std::ofstream f(path);
  f << "include: " << ATLEUS_SOURCE_DIR << "/platform/configs/atleus.yaml\n"
    << "name: test-cim\n"
    << "core_types:\n"
    << "  cim: {kind: test_cim, macros: 4096, macro_kbit: 16" << extra_core_keys << "}\n"
    << "tiers:\n"
    << "  - {name: t0, core: cim, grid: [4, 3], topology: mesh}\n"
    << "vertical: {adjacent: false, skip: [], links: []}\n"
    << "memory:\n"
    << "  hbm: {attach: [[0, 0, 0]]}\n"
    << "host: {attach: [0, 0, 0]}\n"
    << "placement: {frozen: cim}\n";
  return path;
}

WorkloadSpec inference(const std::string& model) {
  WorkloadSpec spec;
  spec.model = resolve_model(model);
  spec.task = task_preset("squad", spec.model);
  spec.task.batch = 1;
  spec.task.seq_len = 128;
  spec.mode = Mode::kInference;
  return spec;
}

}  // namespace

TEST_CASE("a block kind added in a test file runs a workload through the registry") {
  REQUIRE(find_block_kind("test_cim") != nullptr);
  const std::string path = write_platform("");
  const PlatformConfig cfg = load_platform(path);
  std::filesystem::remove(path);
  REQUIRE(cfg.core_type("cim").kind_name() == "test_cim");
  CHECK(cfg.core_type("cim").area_mm2() == Approx(4096 * 0.2));
  const RunResult r = run_workload(cfg, inference("bert-base"), {});
  CHECK(r.simulated_time_s > 0);
  REQUIRE(r.macs.count("test_cim") == 1);
  CHECK(r.macs.at("test_cim") > 0);
  REQUIRE(r.energy_breakdown_j.count("test_cim") == 1);
  // Every MAC at e_mac_pj; SFU work is charged per vector op at the same energy.
  CHECK(r.energy_breakdown_j.at("test_cim") >= r.macs.at("test_cim") * 0.05e-12 * 0.999);
  CHECK(r.energy_breakdown_j.at("static") > 0);
  for (const auto& c : r.cores) CHECK(c.kind == "test_cim");
}

TEST_CASE("a model too large for the test kind's macros fails with the capacity error") {
  const std::string path = write_platform("");
  const PlatformConfig cfg = load_platform(path);
  std::filesystem::remove(path);
  try {
    run_workload(cfg, inference("bert-large"), {});
    FAIL("BERT-Large fitted in 67 Mbit per core");
  } catch (const MappingError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("does not fit in the memory of core type 'cim' (kind test_cim)") !=
          std::string::npos);
  }
}

TEST_CASE("the test kind's keys are bound and validated like a built-in kind's") {
  const std::string bad = write_platform(", macros: 0");
  try {
    load_platform(bad);
    FAIL("macros: 0 was accepted");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("core_types.cim.macros") != std::string::npos);
  }
  std::filesystem::remove(bad);
  const std::string unknown = write_platform(", macro_kbits: 8");
  try {
    load_platform(unknown);
    FAIL("an unknown key was accepted");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("macro_kbits") != std::string::npos);
  }
  std::filesystem::remove(unknown);
  // --set reaches the kind's table too.
  const std::string ok = write_platform("");
  const PlatformConfig cfg = load_platform(ok, {"core_types.cim.macros=8"});
  std::filesystem::remove(ok);
  CHECK(cfg.core_type("cim").area_mm2() == Approx(8 * 0.2));
}
