// End-to-end runs through the executable: MAC counts against closed forms, energy and
// utilisation sanity, pipelining, determinism, model loading and mapping errors.
#include <catch2/catch.hpp>

#include "cli_support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using cli::Out;
using cli::run;
using cli::run_ok;
using cli::slurp;

uint64_t u(const json& j) {
  return j.get<uint64_t>();
}

// Closed-form MACs of one layer for one sequence of n tokens (d model width, f FF width,
// r LoRA rank, t adapted matrices), written from the transformer's algebra.
struct LayerMacs {
  uint64_t fwd_reram, fwd_sa, bwd_reram, bwd_sa;
};

uint64_t attention_pairs(uint64_t n, bool causal, uint64_t tile) {
  if (!causal) return n * n;
  uint64_t pairs = 0;  // (query, key) pairs inside computed tiles: key block <= query block
  for (uint64_t qb = 0; qb * tile < n; ++qb)
    for (uint64_t kb = 0; kb <= qb; ++kb)
      pairs += std::min(tile, n - qb * tile) * std::min(tile, n - kb * tile);
  return pairs;
}

LayerMacs layer_macs(uint64_t d, uint64_t f, uint64_t n, uint64_t r, uint64_t t, bool causal,
                     bool full_backward) {
  LayerMacs m{};
  m.fwd_reram = n * d * 3 * d + n * d * d + n * d * f + n * f * d;
  const uint64_t attn = d * attention_pairs(n, causal, 128);  // one n x n x d product
  m.fwd_sa = 2 * attn + t * 2 * n * d * r;
  if (full_backward) {
    m.bwd_reram = m.fwd_reram;                // dX = dY W^T through every frozen matrix
    m.bwd_sa = 5 * attn + t * 4 * n * d * r;  // recompute S, dV, dP, dQ, dK; LoRA dB dXA dA dX
  } else {
    m.bwd_reram = 0;
    m.bwd_sa = t * 3 * n * d * r;  // dB, d(XA), dA only
  }
  return m;
}

}  // namespace

TEST_CASE("RoBERTa-Base fine-tuning MACs equal the closed form in both backward accountings",
          "[run][macs]") {
  for (const char* bwd : {"full", "lora-only"}) {
    const Out o = run_ok(
        std::string("--model roberta-base --task squad --mode finetune --batch 2 --backward ") +
        bwd);
    const json& s = o.summary;
    const uint64_t L = 12, B = 2;
    const LayerMacs m = layer_macs(768, 3072, 384, 32, 2, false, std::string(bwd) == "full");
    INFO(bwd);
    CHECK(u(s["macs_by_phase"]["forward"]["reram"]) == L * B * m.fwd_reram);
    // The task head (n x d x 2 on the systolic array) comes on top of the layers.
    CHECK(u(s["macs_by_phase"]["forward"]["systolic"]) == L * B * m.fwd_sa + B * 384 * 768 * 2);
    const uint64_t bwd_reram =
        s["macs_by_phase"].contains("backward") && s["macs_by_phase"]["backward"].contains("reram")
            ? u(s["macs_by_phase"]["backward"]["reram"])
            : 0;
    CHECK(bwd_reram == L * B * m.bwd_reram);
    // Full backward also takes the gradient through the head (n x 2 x d); lora-only does not.
    const uint64_t head_dx = std::string(bwd) == "full" ? B * 384 * 2 * 768 : 0;
    CHECK(u(s["macs_by_phase"]["backward"]["systolic"]) == L * B * m.bwd_sa + head_dx);
  }
}

TEST_CASE(
    "GPT-2 Medium at n = 1024 with lora-only accounting: ReRAM/SA split against the closed form",
    "[run][macs]") {
  const Out o = run_ok(
      "--model gpt2-medium --task wikitext --seq-len 1024 --mode finetune "
      "--backward lora-only --batch 1");
  const json& s = o.summary;
  const uint64_t L = 24, d = 1024, n = 1024;
  const LayerMacs m = layer_macs(d, 4 * d, n, 32, 2, true, false);
  CHECK(m.fwd_reram == 12 * d * d * n);
  CHECK(u(s["macs_by_phase"]["forward"]["reram"]) == L * m.fwd_reram);
  const uint64_t head = n * d * 50257;  // the language-model head, on the systolic array
  CHECK(u(s["macs_by_phase"]["forward"]["systolic"]) == L * m.fwd_sa + head);
  CHECK(u(s["macs_by_phase"]["backward"]["systolic"]) == L * m.bwd_sa);
  // Layers only: ReRAM share of the matrix work, next to the paper's 91.9%.
  const double layers_share =
      static_cast<double>(L * m.fwd_reram) / (L * (m.fwd_reram + m.fwd_sa + m.bwd_sa));
  CHECK(layers_share > 0.80);
  CHECK(layers_share < 0.919);
}

TEST_CASE("energy breakdown sums to the total and utilisation stays within [0, 1]", "[run]") {
  const Out o = run_ok("--model roberta-base --task squad --mode both --batch 2");
  for (const char* mode : {"finetune", "inference"}) {
    const json& s = o.summary[mode];
    INFO(mode);
    double sum = 0;
    for (auto& [k, v] : s["energy_breakdown_j"].items()) {
      CHECK(v.get<double>() >= 0);
      sum += v.get<double>();
    }
    CHECK(sum == Approx(s["energy_j"].get<double>()).epsilon(1e-9));
    CHECK(s["energy_breakdown_j"]["reram"].get<double>() > 0);
    CHECK(s["energy_breakdown_j"]["systolic"].get<double>() > 0);
    CHECK(s["energy_breakdown_j"]["hbm"].get<double>() > 0);
    for (const auto& st : s["pipeline"]) {
      CHECK(st["utilisation"].get<double>() >= 0);
      CHECK(st["utilisation"].get<double>() <= 1.0);
    }
    for (auto& [k, v] : s["noc"]["link_utilisation"].items()) CHECK(v.get<double>() <= 1.0);
  }
  CHECK(o.summary["finetune"]["epoch_time_s"].get<double>() > 0);
  CHECK(fs::exists(o.dir / "kernels.csv"));
  CHECK(fs::exists(o.dir / "links.csv"));
}

TEST_CASE("a batch streams through the pipeline and throughput is bounded by the slowest stage",
          "[run][pipeline]") {
  const Out one = run_ok("--model roberta-base --task squad --mode inference --batch 1");
  const Out many = run_ok("--model roberta-base --task squad --mode inference --batch 16");
  const double t1 = one.summary["simulated_time_s"].get<double>();
  const double t16 = many.summary["simulated_time_s"].get<double>();
  INFO("one sequence " << t1 << " s, sixteen " << t16 << " s");
  CHECK(t16 < 0.5 * 16 * t1);
  // No stage can be busier than the whole run: the throughput cannot beat the busiest core of
  // the busiest stage, busy_s / cores per sequence.
  double slowest = 0;
  for (const auto& st : many.summary["pipeline"])
    slowest = std::max(slowest, st["busy_s"].get<double>() / st["cores"].get<int>());
  CHECK(many.summary["throughput_sequences_per_s"].get<double>() <= 16.0 / slowest * 1.000001);
  CHECK(many.summary["throughput_sequences_per_s"].get<double>() <=
        many.summary["bottleneck_throughput_sequences_per_s"].get<double>() * 1.000001);
}

TEST_CASE("same inputs give the same summary", "[run]") {
  const Out a = run_ok("--model bert-base --task swag --mode finetune --batch 2");
  const Out b = run_ok("--model bert-base --task swag --mode finetune --batch 2");
  json sa = a.summary, sb = b.summary;
  sa.erase("wall_time_s");
  sb.erase("wall_time_s");
  // The command lines differ in --out only.
  sa["config"].erase("argv");
  sb["config"].erase("argv");
  CHECK(sa.dump() == sb.dump());
  CHECK(slurp(a.dir / "kernels.csv") == slurp(b.dir / "kernels.csv"));
  CHECK(slurp(a.dir / "links.csv") == slurp(b.dir / "links.csv"));
}

TEST_CASE("HuggingFace config.json of each family runs", "[run][hf]") {
  struct Family {
    const char* file;
    uint64_t layers, d, f;  // from the published configs
  };
  const Family families[] = {
      {"roberta-base", 12, 768, 3072},         {"bert-base-uncased", 12, 768, 3072},
      {"gpt2-medium", 24, 1024, 4096},         {"bloom-560m", 24, 1024, 4096},
      {"vit-base-patch16-224", 12, 768, 3072}, {"bert-large-uncased", 24, 1024, 4096}};
  for (const auto& fam : families) {
    const std::string path =
        std::string(ATLEUS_SOURCE_DIR) + "/tests/data/hf/" + fam.file + ".json";
    INFO(fam.file);
    REQUIRE(fs::exists(path));
    const Out o =
        run_ok("--model " + path + " --task squad --seq-len 128 --mode inference --batch 1");
    // One sequence of 128 tokens: the ReRAM work is n (4 d^2 + 2 d f) per layer.
    const uint64_t n = 128;
    CHECK(u(o.summary["macs"]["reram"]) ==
          fam.layers * n * (4 * fam.d * fam.d + 2 * fam.d * fam.f));
  }
  const Out missing = run("--model " + std::string(ATLEUS_SOURCE_DIR) +
                          "/tests/data/hf/missing-hidden-size.json --mode inference --batch 1");
  CHECK(missing.code == 2);
  CHECK(missing.err.find("hidden_size") != std::string::npos);
}

TEST_CASE("a model that does not fit fails clearly and runs with reloading", "[run][mapping]") {
  const Out bad = run("--model bert-large --task squad --quant M16F16 --mode inference --batch 1");
  CHECK(bad.code == 3);  // a valid design that is infeasible, not bad input
  CHECK(bad.err.find("does not fit") != std::string::npos);
  CHECK(bad.err.find("--allow-reload") != std::string::npos);
  CHECK(bad.err.find("crossbars") != std::string::npos);
  CHECK_FALSE(fs::exists(bad.dir / "summary.json"));
  const Out ok = run_ok(
      "--model bert-large --task squad --quant M16F16 --mode inference "
      "--batch 1 --allow-reload");
  CHECK(ok.summary["mapping"]["weight_reloading"].get<bool>());
  CHECK(ok.summary["mapping"]["cells_written"].get<uint64_t>() > 0);
}

TEST_CASE("a platform without ReRAM streams the frozen weights to its systolic arrays",
          "[run][mapping]") {
  // A platform without ReRAM (3D-TPU) runs every product on its systolic arrays, with the
  // frozen weights streamed from HBM: all MACs are systolic and the layers' count is unchanged.
  const Out tpu =
      run_ok("--platform 3d-tpu --model roberta-base --task squad --mode inference --batch 1");
  const uint64_t L = 12, n = 384, d = 768, f = 3072;
  CHECK(tpu.summary["macs"]["reram"].get<uint64_t>() == 0);
  const LayerMacs m = layer_macs(d, f, n, 32, 2, false, false);
  CHECK(u(tpu.summary["macs"]["systolic"]) == L * (m.fwd_reram + m.fwd_sa) + n * d * 2);
  // Streaming the weights costs HBM energy the ReRAM platform does not pay.
  const Out atleus = run_ok("--model roberta-base --task squad --mode inference --batch 1");
  CHECK(tpu.summary["energy_breakdown_j"]["hbm"].get<double>() >
        10 * atleus.summary["energy_breakdown_j"]["hbm"].get<double>());
}

TEST_CASE("functional and timing-only runs give identical time and energy", "[run][functional]") {
  const std::string args = "--model roberta-base --layers 1 --seq-len 128 --mode both --batch 2";
  const Out timing = run_ok(args);
  const Out functional = run_ok(args + " --functional");
  for (const char* mode : {"finetune", "inference"}) {
    INFO(mode);
    json a = timing.summary[mode], b = functional.summary[mode];
    REQUIRE(b.contains("functional"));
    // Every layer kernel of every sequence was computed; the head, loss and Adam are timed only.
    CHECK(b["functional"]["kernels_computed"].get<int>() > 0);
    b.erase("functional");
    a.erase("wall_time_s");
    b.erase("wall_time_s");
    CHECK(a.dump() == b.dump());
  }
}

TEST_CASE("functional errors against float grow as precision falls", "[run][functional]") {
  auto error = [](const std::string& extra) {
    const Out o = run_ok(
        "--model roberta-base --layers 1 --seq-len 128 --mode inference --batch 1 "
        "--functional " +
        extra);
    return o.summary["functional"]["layers"][0]["output_relative_error"].get<double>();
  };
  const double m8f8 = error("--quant M8F8");
  const double m4f4 = error("--quant M4F4");
  const double noisy = error("--quant M8F8 --noise 0.05");
  const double adc6 = error("--quant M8F8 --adc-bits 6");
  INFO("M8F8 " << m8f8 << " M4F4 " << m4f4 << " noise " << noisy << " adc6 " << adc6);
  // 8-bit weights and activations with per-crossbar scales: about 2^-7 relative per operand,
  // compounded over four matrices and two layer norms: well under 5%.
  CHECK(m8f8 > 0);
  CHECK(m8f8 < 0.05);
  CHECK(m4f4 > 3 * m8f8);
  CHECK(noisy > m8f8);
  CHECK(adc6 > m8f8);
}

TEST_CASE("weight duplication: spare crossbars hold copies and make inference faster",
          "[run][mapping]") {
  // RoBERTa-Base at 8 bits fills a quarter of the crossbars: auto holds 2 copies of each
  // matrix (tests/unit_mapping.cpp derives the number), and each ReRAM op splits its input
  // vectors between them.
  const std::string args = "--model roberta-base --task squad --mode inference --batch 1";
  const Out one = run_ok(args + " --duplication 1");
  const Out aut = run_ok(args);
  CHECK(one.summary["mapping"]["duplication"].get<unsigned>() == 1);
  CHECK(aut.summary["mapping"]["duplication"].get<unsigned>() == 2);
  CHECK(aut.summary["workload"]["duplication"].get<std::string>() == "auto");
  CHECK(u(aut.summary["mapping"]["crossbars_needed"]) ==
        2 * u(one.summary["mapping"]["crossbars_needed"]));
  // Same work, less time.
  CHECK(u(aut.summary["macs"]["reram"]) == u(one.summary["macs"]["reram"]));
  CHECK(aut.summary["simulated_time_s"].get<double>() <
        one.summary["simulated_time_s"].get<double>());

  const Out too_many = run(args + " --duplication 4");
  CHECK(too_many.code == 3);
  CHECK(too_many.err.find("does not fit") != std::string::npos);
  CHECK_FALSE(fs::exists(too_many.dir / "summary.json"));
  for (const char* bad : {"0", "many"}) {
    const Out o = run(args + " --duplication " + bad);
    INFO(o.err);
    CHECK(o.code == 2);
    CHECK(o.err.find("--duplication") != std::string::npos);
  }
}

TEST_CASE(
    "units serve the oldest sequence first: sequences finish in order, the first unhindered") {
  const std::string args = "--model roberta-base --task squad --mode inference";
  const Out lone = run_ok(args + " --batch 1");
  const Out batch = run_ok(args + " --batch 8 --trace");
  const json trace = json::parse(slurp(batch.dir / "trace.json"));
  const json& events = trace.is_object() ? trace["traceEvents"] : trace;
  std::map<int, double> finish_us;  // per sequence: when its last kernel ended
  for (const auto& e : events) {
    if (e.value("ph", "") != "X" || e["pid"].get<int>() != 1) continue;
    const int seq = e["args"].value("sequence", -1);
    if (seq < 0) continue;
    const double end = e["ts"].get<double>() + e["dur"].get<double>();
    finish_us[seq] = std::max(finish_us[seq], end);
  }
  REQUIRE(finish_us.size() == 8);
  for (int s = 1; s < 8; ++s) CHECK(finish_us[s] > finish_us[s - 1]);
  // Sequence 0 shares every unit with 7 younger sequences, yet finishes close to a lone
  // sequence's latency: younger sequences wait for it, not the other way round.
  const double lone_us = lone.summary["latency_per_sequence_s"].get<double>() * 1e6;
  CHECK(finish_us[0] < 1.15 * lone_us);
}

TEST_CASE(
    "adc_bits 6 vs 8: energy and area fall by the Walden and SAR-DAC scalings, the coarse "
    "ADC draws the resolution warning and a larger functional error",
    "[run][adc]") {
  const std::string args =
      "--model roberta-base --layers 1 --seq-len 128 --mode inference --batch 1";
  const Out a8 = run_ok(args);
  const Out a6 = run_ok(args + " --set core_types.reram.adc_bits=6");
  const json &s8 = a8.summary, &s6 = a6.summary;
  // ADC energy per conversion = FoM x 2^bits: a 6-bit conversion costs 1/4 of an 8-bit one, so
  // the ReRAM energy falls by 3/4 of the 8-bit run's ADC energy. The ADC energy of the run is
  // conversions x 1.5625 pJ; conversions are the kernels' ReRAM reads, unchanged, and time is
  // unchanged (a 6-bit SAR converts 128 lines in 75 ns < the 100 ns read cycle).
  CHECK(s6["simulated_time_s"].get<double>() == Approx(s8["simulated_time_s"].get<double>()));
  const double e8 = s8["energy_j"].get<double>(), e6 = s6["energy_j"].get<double>();
  CHECK(e6 < e8);
  const double r8 = s8["energy_breakdown_j"]["reram"].get<double>();
  const double r6 = s6["energy_breakdown_j"]["reram"].get<double>();
  // Area: every ADC shrinks from 1200 to 300 um^2 (area doubles per bit): 48 cores x 16 tiles x
  // 96 ADCs x 900 um^2.
  const double da = s8["area_mm2"]["total"].get<double>() - s6["area_mm2"]["total"].get<double>();
  CHECK(da == Approx(48 * 16 * 96 * 900e-6));
  // Closed form of the run's ADC conversions: every frozen matrix (d_in x d_out) converts
  // vectors x 8 input slices x ceil(d_in / 128) row blocks x d_out x 4 cells per 8-bit weight.
  // RoBERTa-Base layer: Wqkv 768 x 2304, Wo 768 x 768, FF1 768 x 3072, FF2 3072 x 768; 128 tokens.
  const double conversions = 128.0 * 8 * 4 * (6 * 2304 + 6 * 768 + 6 * 3072 + 24 * 768);
  // Walden: E = FoM x 2^bits, so each conversion saves (256 - 64) x 6.1035 fJ = 1.171875 pJ;
  // nothing else moves (same time, same static energy).
  const double saved = conversions * (1.5625 - 0.390625) * 1e-12;
  CHECK(e8 - e6 == Approx(saved).epsilon(1e-6));
  CHECK(r8 - r6 == Approx(saved).epsilon(1e-6));
  CHECK(s8["warnings"].empty());
  // 128 rows, 2-bit cells, 1-bit DACs with ISAAC's encoding need 8 bits: 6 bits warn.
  REQUIRE(s6["warnings"].size() == 1);
  const std::string w = s6["warnings"][0].get<std::string>();
  CHECK(w.find("6-bit ADCs are coarser than the 8 bits") != std::string::npos);
  CHECK(slurp(a6.dir / "report.html").find("coarser than the 8 bits") != std::string::npos);
  // --functional reads the platform key: the 6-bit platform's error is larger.
  auto error = [&](const std::string& extra) {
    const Out o = run_ok(args + " --functional " + extra);
    CHECK(o.summary["functional"]["adc_bits"].get<int>() ==
          (extra.find("=6") != std::string::npos ? 6 : 8));
    return o.summary["functional"]["layers"][0]["output_relative_error"].get<double>();
  };
  const double err8 = error(""), err6 = error("--set core_types.reram.adc_bits=6");
  WARN("adc 8 vs 6: energy " << e8 << " -> " << e6 << " J, area "
                             << s8["area_mm2"]["total"].get<double>() << " -> "
                             << s6["area_mm2"]["total"].get<double>() << " mm^2, functional error "
                             << err8 << " -> " << err6);
  CHECK(err6 > err8);
}

TEST_CASE("summary.json records the effective configuration, area, cost and efficiency",
          "[run][record]") {
  const Out a = run_ok("--model bert-base --layers 1 --seq-len 64 --mode inference --batch 1");
  const Out b = run_ok(
      "--model bert-base --layers 1 --seq-len 64 --mode inference --batch 1 --set "
      "noc.router.flit_bytes=16");
  for (const Out* o : {&a, &b}) {
    const json& s = o->summary;
    CHECK(s["platform_name"] == "atleus");
    CHECK(s["config"]["platform_sha256"].get<std::string>().size() == 64);
    CHECK(s["config"]["platform_yaml"].get<std::string>().find("tiers") != std::string::npos);
    CHECK(s["area_mm2"]["total"].get<double>() > 0);
    CHECK(s["stack_cost"]["total_usd"].get<double>() > 0);
    const double t = s["simulated_time_s"].get<double>(), e = s["energy_j"].get<double>();
    CHECK(s["average_power_w"].get<double>() == Approx(e / t));
    CHECK(s["edp_js"].get<double>() == Approx(e * t));
    CHECK(s["tops_per_w"].get<double>() > 0);
    CHECK(s["tops_per_mm2"].get<double>() > 0);
  }
  // A --set variant is a different design, and says so.
  CHECK(a.summary["config"]["platform_sha256"] != b.summary["config"]["platform_sha256"]);
  CHECK(b.summary["config"]["platform_yaml"].get<std::string>().find("flit_bytes: 16") !=
        std::string::npos);
}

TEST_CASE("SIGTERM to run stops its children and leaves no temporary folder", "[run][signal]") {
  const fs::path base = fs::temp_directory_path() / ("atleus_sig_" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base);
  const fs::path out = base / "out";
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string o = out.string();
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(ATLEUS_VP_BIN, ATLEUS_VP_BIN, "run", "--quiet", "--out", o.c_str(), "--model",
          "roberta-base", "--mode", "both", "--batch", "64", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait for the per-mode children to exist (the temporary folder holds their folders).
  using cli::children_of;
  std::vector<pid_t> kids;
  for (int i = 0; i < 200 && kids.size() < 2; ++i) {
    usleep(50000);
    kids = children_of(pid);
  }
  REQUIRE(kids.size() == 2);
  usleep(200000);  // simulating
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGTERM);
  for (pid_t k : kids) CHECK((kill(k, 0) != 0 && errno == ESRCH));
  // Nothing beside the output: no staging folder, no lock file.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(base)) left.push_back(e.path().filename());
  CHECK(left.empty());
  CHECK_FALSE(fs::exists(out / "summary.json"));
  fs::remove_all(base);
}

TEST_CASE("run --steady-state differences the batch and half the batch, as two runs do",
          "[cli][steady]") {
  const std::string w = "--model bert-base --mode inference --seq-len 64 --layers 2";
  const auto both = cli::run_ok(w + " --batch 4 --steady-state");
  const auto half = cli::run_ok(w + " --batch 2");
  const auto full = cli::run_ok(w + " --batch 4");
  const auto& st = both.summary["steady_state"];
  const double dt = full.summary["simulated_time_s"].get<double>() -
                    half.summary["simulated_time_s"].get<double>();
  const double de = full.summary["energy_j"].get<double>() - half.summary["energy_j"].get<double>();
  CHECK(st["batches"][0] == 2);
  CHECK(st["batches"][1] == 4);
  CHECK(st["time_per_sequence_s"].get<double>() == Approx(dt / 2).epsilon(1e-12));
  CHECK(st["energy_per_sequence_j"].get<double>() == Approx(de / 2).epsilon(1e-12));
  CHECK(st["throughput_sequences_per_s"].get<double>() == Approx(2 / dt).epsilon(1e-12));
  // The run's own figures are those of the full batch.
  CHECK(both.summary["simulated_time_s"] == full.summary["simulated_time_s"]);
  // Pipelining: a sequence in flight costs less time than the whole batch's average.
  CHECK(st["time_per_sequence_s"].get<double>() <
        full.summary["latency_per_sequence_s"].get<double>());
  for (const auto* d : {&both, &half, &full}) fs::remove_all(d->dir);

  const auto bad = cli::run(w + " --batch 1 --steady-state");
  CHECK(bad.code == 2);
  CHECK(bad.err ==
        "atleus-vp: error: --steady-state: needs a batch of at least 2 (it also "
        "simulates half the batch); got 1\n");
  CHECK_FALSE(fs::exists(bad.dir));
}

TEST_CASE(
    "the ReRAM energy by component sums to the class, and the ADC's follows Walden's "
    "2^bits",
    "[cli][energy]") {
  const std::string w = "--model bert-base --mode inference --seq-len 64 --layers 1 --batch 2";
  const auto r8 = cli::run_ok(w);
  const auto r6 = cli::run_ok(w + " --set core_types.reram.adc_bits=6");
  for (const auto* r : {&r8, &r6}) {
    const auto& parts = r->summary["core_energy_components_j"]["reram"];
    double sum = 0;
    for (const auto& [k, v] : parts.items()) sum += v.get<double>();
    CHECK(sum == Approx(r->summary["energy_breakdown_j"]["reram"].get<double>()).epsilon(1e-12));
    for (const char* k : {"crossbar", "adc", "dac", "shift_add", "dequant", "buffer"})
      CHECK(parts[k].get<double>() > 0);
    // Static energy by core type sums to what the cores add to the static class (routers
    // add the rest).
    double core_static = 0;
    for (const auto& [k, v] : r->summary["core_static_energy_j"].items())
      core_static += v.get<double>();
    CHECK(core_static > 0);
    CHECK(core_static <= r->summary["energy_breakdown_j"]["static"].get<double>());
  }
  // Walden: energy per conversion = FoM x 2^bits, and the conversions are the same.
  const double a8 = r8.summary["core_energy_components_j"]["reram"]["adc"].get<double>();
  const double a6 = r6.summary["core_energy_components_j"]["reram"]["adc"].get<double>();
  CHECK(a6 / a8 == Approx(0.25).epsilon(1e-9));
  // The crossbars read the same cells either way.
  CHECK(r6.summary["core_energy_components_j"]["reram"]["crossbar"] ==
        r8.summary["core_energy_components_j"]["reram"]["crossbar"]);
  fs::remove_all(r8.dir);
  fs::remove_all(r6.dir);
}
