// The baseline platforms (GPU roofline, HAIMA, 3D-TPU) run the same operation graph as Atleus;
// dequantise-before-use, placement errors and ReRAM power gating, through the executable.
#include <catch2/catch.hpp>

#include "cli_support.hpp"

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json vp_run_ok(const std::string& args) {
  const cli::Out o = cli::run_ok(args);
  fs::remove_all(o.dir);
  return o.summary;
}

uint64_t total_macs(const json& s) {
  uint64_t t = 0;
  for (const auto& [kind, n] : s["macs"].items()) t += n.get<uint64_t>();
  return t;
}

fs::path write_platform(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / (name + std::to_string(::getpid()) + ".yaml");
  std::ofstream(p) << text;
  return p;
}

std::string preset(const std::string& name) {
  return std::string(ATLEUS_SOURCE_DIR) + "/platform/configs/" + name + ".yaml";
}

}  // namespace

TEST_CASE("every baseline runs the same operation graph: equal MACs on all four platforms") {
  const std::string w = " --model bert-base --task squad --seq-len 128 --batch 2 --mode finetune";
  const json atleus = vp_run_ok("--platform atleus" + w);
  const uint64_t ref = total_macs(atleus);
  REQUIRE(ref > 0);
  for (const char* p : {"3d-tpu", "gpu-v100", "haima"}) {
    INFO(p);
    const json s = vp_run_ok(std::string("--platform ") + p + w);
    CHECK(total_macs(s) == ref);
    CHECK(s["macs"]["reram"].get<uint64_t>() == 0);
  }
}

TEST_CASE("HAIMA places its kernels as the paper describes: HBM units host and SRAM units") {
  const json s = vp_run_ok(
      "--platform haima --model bert-base --seq-len 128 --batch 1 "
      "--mode inference");
  // Cores by tier name: host (tier 0), sram (tier 1, 4 units), pim (tier 2).
  std::map<int, uint64_t> tasks_by_tier;
  for (const auto& c : s["cores"])
    tasks_by_tier[c["tier"].get<int>()] += c["tasks"].get<uint64_t>();
  const uint64_t L = 12;
  // Per layer: host softmax + 2 norms + GELU = 4; PIM: QKV, O, FF1, FF2 products and Q.K^T = 5;
  // SRAM units: softmax(S).V and the LoRA products (2 targets x A, B) = 5; plus the head.
  CHECK(tasks_by_tier[0] >= 4 * L);
  CHECK(tasks_by_tier[2] == 5 * L);
  CHECK(tasks_by_tier[1] >= 5 * L);
}

TEST_CASE("GPU dequantise-before-use: 4-bit weights cost a dequantise kernel per product") {
  // V100 preset figures, restated: vector 7850 ops/ns at 0.5, HBM 900 B/ns at 0.83, launch
  // 5 us, 2 ops per weight; the dequantise step reads 0.5 B and writes 2 B per weight.
  const double vec = 7850 * 0.5, bw = 900 * 0.83, launch_ns = 5000;
  const uint64_t d = 768, f = 3072, L = 12, batch = 2;
  double extra_ns = 0;
  for (uint64_t w : {3 * d * d, d * d, d * f, f * d})
    extra_ns += launch_ns + std::max(2.0 * w / vec, 2.5 * w / bw);
  extra_ns *= L * batch;
  const std::string w = " --model bert-base --seq-len 128 --batch 2 --mode inference";
  const json q16 = vp_run_ok("--platform gpu-v100 --quant M16F16" + w);
  const json q4 = vp_run_ok("--platform gpu-v100 --quant M4F4" + w);
  const double dt = q4["simulated_time_s"].get<double>() - q16["simulated_time_s"].get<double>();
  CHECK(dt * 1e9 == Approx(extra_ns).epsilon(0.01));
  CHECK(q4["energy_j"].get<double>() > q16["energy_j"].get<double>());
}

TEST_CASE("3D-TPU dequantise-before-use: a 16-bit copy of every streamed matrix goes through HBM") {
  const std::string w = " --model bert-base --seq-len 128 --batch 1 --mode inference";
  const json q8 = vp_run_ok("--platform 3d-tpu --quant M8F8" + w);
  const json off =
      vp_run_ok("--platform 3d-tpu --quant M8F8 --set core_types.sa128.dequant=none" + w);
  // Per layer 12 d^2 weights; with the copy, HBM moves 1 B (read) + 2 B (write) + 2 B (read)
  // per weight instead of 1 B: 4 B more per weight, at 3.9 pJ/bit.
  const double d = 768, L = 12;
  const double extra_j = 12 * d * d * L * 4 * 8 * 3.9e-12;
  const double dh = q8["energy_breakdown_j"]["hbm"].get<double>() -
                    off["energy_breakdown_j"]["hbm"].get<double>();
  CHECK(dh == Approx(extra_j).epsilon(0.001));
}

TEST_CASE("unused ReRAM cores are power-gated: static energy falls by their share") {
  const std::string w =
      " --model bert-base --seq-len 128 --batch 1 --mode inference --duplication 1"
      " --set core_types.reram.clock_gate_idle=false";
  const json on = vp_run_ok("--platform atleus" + w);
  const json off =
      vp_run_ok("--platform atleus --set core_types.reram.power_gate_unused=false" + w);
  const int used = on["mapping"]["reram_cores_used"].get<int>();
  REQUIRE(used < 48);
  const double T = on["simulated_time_s"].get<double>();
  REQUIRE(off["simulated_time_s"].get<double>() == Approx(T));
  const double per_core_w =
      16 * (12 * (1.24e-3 + 0.23e-3 + 0.01e-3) + 7e-3 + 0.52e-3 + 0.4e-3 + 1.68e-3);
  const double ds = off["energy_breakdown_j"]["static"].get<double>() -
                    on["energy_breakdown_j"]["static"].get<double>();
  CHECK(ds == Approx((48 - used) * per_core_w * T).epsilon(1e-6));
}

TEST_CASE("placement errors name the file line and key") {
  const fs::path bad_class = write_platform("bad_class", "include: " + preset("gpu-v100") +
                                                             "\n"
                                                             "placement:\n"
                                                             "  attention: v100\n");
  cli::Out r = cli::run("--platform " + bad_class.string() + " --batch 1");
  CHECK(r.code == 2);
  CHECK(r.err.find(bad_class.string() + ":3:") != std::string::npos);
  CHECK(r.err.find("unknown kernel class 'attention'") != std::string::npos);
  const fs::path bad_type = write_platform("bad_type", "include: " + preset("haima") +
                                                           "\n"
                                                           "placement:\n"
                                                           "  softmax: gpu\n");
  r = cli::run("--platform " + bad_type.string() + " --batch 1");
  CHECK(r.code == 2);
  CHECK(r.err.find(":3:") != std::string::npos);
  CHECK(r.err.find("no tier has core type 'gpu'") != std::string::npos);
  fs::remove(bad_class);
  fs::remove(bad_type);
}
