// Generation through the executable: prefill then token-by-token decode with a KV cache on
// Atleus and the baselines (time to first token, time per output token, tokens/s), the decode
// step's growth with the cache length, the GPU's weight reads per step, and infeasible designs
// (crossbars too small without --allow-reload, a KV cache larger than the HBM): exit 3.
#include <catch2/catch.hpp>

#include "cli_support.hpp"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json generate_ok(const std::string& args) {
  const cli::Out o = cli::run_ok("--mode generate " + args);
  fs::remove_all(o.dir);
  return o.summary;
}

// stdout of `atleus-vp ARGS` and its exit code.
std::pair<int, std::string> vp(const std::string& args) {
  const std::string cmd = std::string(ATLEUS_VP_BIN) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("generate: TTFT, TPOT and tokens/s on atleus, gpu-v100 and 3d-tpu") {
  // Four of the 24 layers keep the weight-streaming 3D-TPU run short.
  for (const char* platform : {"atleus", "gpu-v100", "3d-tpu"}) {
    INFO(platform);
    const json s = generate_ok(std::string("--platform ") + platform +
                               " --model qwen2.5-0.5b --quant M4F4 --prompt-len 16 --gen-len 3 "
                               "--batch 2 --layers 4");
    REQUIRE(s.contains("generate"));
    const json& g = s["generate"];
    const double T = s["simulated_time_s"].get<double>();
    CHECK(g["decode_steps"].get<int>() == 2);
    CHECK(g["ttft_s"]["mean"].get<double>() > 0);
    CHECK(g["ttft_s"]["p99"].get<double>() < T);
    CHECK(g["tpot_s"]["mean"].get<double>() > 0);
    // Every request's tokens: the first at its TTFT, the last when the run ends.
    CHECK(g["ttft_s"]["p99"].get<double>() + 2 * g["tpot_s"]["p50"].get<double>() ==
          Approx(T).epsilon(1e-9));
    CHECK(g["tokens_per_s"].get<double>() == Approx(2 * 3 / T));
    CHECK(g["kv_cache_bytes_per_token"].get<uint64_t>() == 2 * 4 * 2 * 64 * 2);
    CHECK(g["energy_per_output_token_j"].get<double>() > 0);
    CHECK(g["decode_bottleneck"].contains("stage"));
  }
}

TEST_CASE("generate: the GPU reads every weight once per decode step, whatever the batch") {
  // Closed form: SmolLM2-360M's 32 layers at 8 bits (Q 960, K and V 5 x 64 each, O, SwiGLU's
  // three 960 x 2560 matrices) and the 16-bit 960 x 49152 LM head.
  const double layer = 960.0 * (960 + 320 + 320) + 960.0 * 960 + 3.0 * 960 * 2560;
  const double weights = 32 * layer + 960.0 * 49152 * 2;
  for (int batch : {1, 4}) {
    INFO("batch " << batch);
    const json s = generate_ok(
        "--platform gpu-v100 --model smollm2-360m --quant M8F8 "
        "--prompt-len 8 --gen-len 3 --batch " +
        std::to_string(batch));
    const json& g = s["generate"];
    CHECK(g["weight_read_bytes_per_step"].get<double>() == Approx(weights).epsilon(1e-12));
    CHECK(g["weight_read_bytes_per_output_token"].get<double>() ==
          Approx(weights / batch).epsilon(1e-12));
    // Memory-bound: a step takes at least the weights over the achieved HBM2 bandwidth
    // (900 GB/s x 0.83, the preset's numbers).
    for (const auto& t : g["decode_step_time_s"])
      CHECK(t.get<double>() >= weights / (900e9 * 0.83));
  }
}

TEST_CASE("generate: a model larger than the crossbars exits 3 unless --allow-reload") {
  // Llama-3.2-1B holds 16 x 60.8 M frozen weights; Atleus's 48 ReRAM cores x 16 tiles x 96
  // crossbars of 128 x 128 two-bit cells hold 48 x 1536 x 128 x 64 = 604 M four-bit weights.
  const std::string w =
      "--mode generate --platform atleus --model llama-3.2-1b --quant M4F4 --prompt-len 8 "
      "--gen-len 2 --batch 1";
  const cli::Out no = cli::run(w);
  CHECK(no.code == 3);
  CHECK_THAT(no.err, Catch::Contains("--allow-reload"));
  fs::remove_all(no.dir);
  const cli::Out yes = cli::run_ok(w + " --allow-reload");
  CHECK(yes.summary["mapping"]["weight_reloading"].get<bool>());
  fs::remove_all(yes.dir);
}

TEST_CASE("generate: a KV cache larger than the HBM exits 3 with the numbers") {
  // 2048 requests x (30000 + 100) tokens x 12288 B = 757 GB of cache > Atleus's 8 GiB.
  const cli::Out o = cli::run(
      "--mode generate --platform atleus --model qwen2.5-0.5b --quant M4F4 --prompt-len 30000 "
      "--gen-len 100 --batch 2048");
  CHECK(o.code == 3);
  CHECK_THAT(o.err, Catch::Contains("KV cache") && Catch::Contains("12288") &&
                        Catch::Contains("8589934592"));
  fs::remove_all(o.dir);
}

TEST_CASE("generate: its flags are errors elsewhere, and required with it") {
  auto code = [](const std::string& args) {
    const cli::Out o = cli::run(args);
    fs::remove_all(o.dir);
    return std::make_pair(o.code, o.err);
  };
  auto [c1, e1] = code("--model qwen2.5-0.5b --mode generate --gen-len 4");
  CHECK(c1 == 2);
  CHECK_THAT(e1, Catch::Contains("--prompt-len"));
  auto [c2, e2] = code("--model gpt2-medium --mode inference --prompt-len 4");
  CHECK(c2 == 2);
  CHECK_THAT(e2, Catch::Contains("--prompt-len"));
  auto [c3, e3] = code("--model bert-base --mode generate --prompt-len 4 --gen-len 2");
  CHECK(c3 == 2);
  CHECK_THAT(e3, Catch::Contains("causal decoder"));
  auto [c4, e4] = code(
      "--model gpt2-medium --mode generate --task squad --prompt-len 4 "
      "--gen-len 2");
  CHECK(c4 == 2);
  CHECK_THAT(e4, Catch::Contains("--task"));
}

TEST_CASE("generate: --explain-model lists every config.json field and its effect") {
  const auto [code, out] = vp("run --model qwen2.5-0.5b --explain-model");
  CHECK(code == 0);
  CHECK_THAT(out, Catch::Contains("num_key_value_heads") && Catch::Contains("896 x 1152"));
  CHECK_THAT(out, Catch::Contains("rope_theta") && Catch::Contains("ignored"));
  CHECK_THAT(out, Catch::Contains("tie_word_embeddings"));
}

TEST_CASE("generate: decode time per token grows with the cache length as attention predicts") {
  // GPU roofline, Qwen2.5-0.5B, 2 requests: three prompt lengths 512 tokens apart. Only the
  // attention kernels depend on the cache length t (scores and context over t + 1 keys, the
  // softmax over t + 1 scores, the cached K and V read), each linearly, so the step time is
  // affine in t; each extra cached token costs at least its K and V reads on every layer:
  // 24 layers x 2 requests x 2 (K, V) x 128 values x 2 B over 900 GB/s x 0.83.
  std::vector<double> step, attention;
  for (int prompt : {64, 576, 1088}) {
    const json s = generate_ok(
        "--platform gpu-v100 --model qwen2.5-0.5b --quant M16F16 "
        "--prompt-len " +
        std::to_string(prompt) + " --gen-len 2 --batch 2");
    const json& g = s["generate"];
    REQUIRE(g["decode_step_time_s"].size() == 1);
    step.push_back(g["decode_step_time_s"][0].get<double>());
    const json& busy = g["decode_busy_per_step_s"];
    attention.push_back(busy["attn_scores"].get<double>() + busy["attn_context"].get<double>() +
                        busy["softmax"].get<double>());
  }
  const double slope1 = (step[1] - step[0]) / 512, slope2 = (step[2] - step[1]) / 512;
  CHECK(slope1 > 0);
  CHECK(slope2 == Approx(slope1).epsilon(0.01));
  // The growth is the attention's: the other kernels take the same time at every length.
  CHECK(step[2] - step[0] == Approx(attention[2] - attention[0]).epsilon(0.01));
  CHECK(slope1 >= 24.0 * 2 * 2 * 128 * 2 / (900e9 * 0.83));
}

TEST_CASE(
    "generate: kv_cache: sram removes the cache's HBM traffic, and a cache too large exits 3") {
  const std::string w =
      "--platform atleus --model qwen2.5-0.5b --quant M4F4 --prompt-len 8 "
      "--gen-len 2 --batch 1";
  const json hbm = generate_ok(w);
  const json sram = generate_ok("--set kv_cache=sram " + w);
  CHECK(sram["generate"]["kv_cache_placement"] == "sram");
  // One decode step over a cache of 8 tokens: per layer K and V of 8 tokens read and of the new
  // one written, 2 x 64 values of 2 B each, on 24 layers.
  const double kv_step = 24.0 * (2 * 8 * 128 * 2 + 2 * 128 * 2);
  CHECK(hbm["generate"]["hbm_bytes_per_output_token"].get<double>() -
            sram["generate"]["hbm_bytes_per_output_token"].get<double>() ==
        Approx(kv_step).epsilon(1e-12));
  // 8 requests x 1024 tokens x 2 x 128 x 2 B = 4 MiB per layer > 128 KiB of SA SRAM.
  const cli::Out big = cli::run(
      "--mode generate --set kv_cache=sram --platform atleus "
      "--model qwen2.5-0.5b --quant M4F4 --prompt-len 1000 "
      "--gen-len 24 --batch 8");
  CHECK(big.code == 3);
  CHECK_THAT(big.err, Catch::Contains("SRAM") && Catch::Contains("131072"));
  fs::remove_all(big.dir);
}
