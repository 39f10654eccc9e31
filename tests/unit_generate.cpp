// Llama-style models from HuggingFace config.json (RMSNorm, rotary positions, SwiGLU with three
// matrices, grouped-query attention, explicit head_dim, tied embeddings) and the decode step of
// generation: the presets load with their published numbers; the MACs of one decode step per
// layer and the KV-cache bytes per token against closed forms written here; missing fields are
// errors naming the file and the key; --explain-model lists every field.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "atleus/workloads/op_graph.hpp"

using namespace atleus;
namespace fs = std::filesystem;

namespace {

struct Published {
  const char* name;
  unsigned d, f, layers, heads, kv, vocab, max_pos;
  bool tie;
};

// The published config.json values (huggingface.co/<repo>/blob/main/config.json).
const Published kPublished[] = {
    {"qwen2.5-0.5b", 896, 4864, 24, 14, 2, 151936, 32768, true},
    {"llama-3.2-1b", 2048, 8192, 16, 32, 8, 128256, 131072, true},
    {"tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32000, 2048, false},
    {"smollm2-360m", 960, 2560, 32, 15, 5, 49152, 8192, true},
};

WorkloadSpec generate_spec(const std::string& model, unsigned prompt, unsigned gen,
                           unsigned batch) {
  WorkloadSpec w;
  w.model = resolve_model(model);
  w.mode = Mode::kGenerate;
  w.task = custom_task(prompt, batch, batch);
  w.generate.prompt_len = prompt;
  w.generate.gen_len = gen;
  return w;
}

uint64_t macs(const LayerProgram& p) {
  uint64_t total = 0;
  for (const Kernel& k : p.kernels) total += k.macs;
  return total;
}

fs::path write_json(const std::string& stem, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / (stem + std::to_string(::getpid()) + ".json");
  std::ofstream(p) << text;
  return p;
}

}  // namespace

TEST_CASE("generate: every Llama-style preset loads its published config.json values") {
  for (const Published& p : kPublished) {
    INFO(p.name);
    const ModelSpec m = resolve_model(p.name);
    CHECK(m.name == p.name);
    CHECK(m.d_model == p.d);
    CHECK(m.d_ff == p.f);
    CHECK(m.layers == p.layers);
    CHECK(m.heads == p.heads);
    CHECK(m.kv_head_count() == p.kv);
    CHECK(m.vocab_size == p.vocab);
    CHECK(m.max_seq_len == p.max_pos);
    CHECK(m.tie_word_embeddings == p.tie);
    CHECK(m.head_dim() == 64);  // 896/14, 2048/32 (and head_dim 64 given), 960/15
    CHECK(m.gated_ffn);
    CHECK(m.norm == "rmsnorm");
    CHECK(m.activation == "silu");
    CHECK(m.position == "rope");
    CHECK(m.causal);
  }
  // The HuggingFace repository names are aliases.
  CHECK(resolve_model("Qwen/Qwen2.5-0.5B").name == "qwen2.5-0.5b");
}

TEST_CASE("generate: Qwen2.5-0.5B has the published 0.36B non-embedding parameters") {
  // Model card: 0.49B parameters, 0.36B of them outside the embedding. Projections with GQA
  // (q 896, k and v 2 x 64 = 128 each, o 896) and SwiGLU's three 896 x 4864 matrices; biases
  // and norms (a few hundred thousand) are not matrices.
  const ModelSpec m = resolve_model("qwen2.5-0.5b");
  const uint64_t per_layer = 896ull * (896 + 128 + 128) + 896ull * 896 + 3ull * 896 * 4864;
  CHECK(m.params_per_layer() == per_layer);
  const double non_embedding = 24.0 * static_cast<double>(per_layer);
  CHECK(non_embedding == Approx(0.36e9).epsilon(0.01));
  CHECK(non_embedding + 151936.0 * 896 == Approx(0.49e9).epsilon(0.01));
}

TEST_CASE("generate: MACs of one decode step per layer equal the closed form") {
  for (const Published& p : kPublished) {
    for (unsigned batch : {1u, 3u}) {
      for (uint64_t t : {0ull, 37ull, 300ull}) {
        INFO(p.name << " batch " << batch << " cache " << t);
        const WorkloadSpec w = generate_spec(p.name, 16, 4, batch);
        const LayerProgram layer = build_decode_layer(w, std::vector<uint64_t>(batch, t));
        const uint64_t dh = 64, d = p.d, f = p.f;
        // Projections (Q h dh, K and V kv dh each, O), SwiGLU gate, up and down, and attention:
        // each query head scores t + 1 keys and sums t + 1 values of dh.
        const uint64_t proj = d * (p.heads * dh + 2 * p.kv * dh) + p.heads * dh * d + 3 * d * f;
        const uint64_t attn = 2 * p.heads * dh * (t + 1);
        CHECK(macs(layer) == batch * (proj + attn));
        // Mixed cache lengths: attention adds up request by request.
        const LayerProgram mixed = build_decode_layer(w, {t, t + 5});
        CHECK(macs(mixed) == 2 * proj + 2 * p.heads * dh * (t + 1) + 2 * p.heads * dh * (t + 6));
      }
    }
  }
}

TEST_CASE("generate: KV-cache bytes per token are 2 L n_kv d_head bytes") {
  // 16-bit cache: 2 (K, V) x layers x kv heads x 64 x 2 bytes.
  CHECK(resolve_model("qwen2.5-0.5b").kv_bytes_per_token(16) == 2 * 24 * 2 * 64 * 2);
  CHECK(resolve_model("llama-3.2-1b").kv_bytes_per_token(16) == 2 * 16 * 8 * 64 * 2);
  CHECK(resolve_model("tinyllama-1.1b").kv_bytes_per_token(16) == 2 * 22 * 4 * 64 * 2);
  CHECK(resolve_model("smollm2-360m").kv_bytes_per_token(8) == 2 * 32 * 5 * 64 * 1);
  // A decode step appends that much per request per layer, and reads the cache of t tokens.
  const WorkloadSpec w = generate_spec("qwen2.5-0.5b", 16, 4, 2);
  const LayerProgram layer = build_decode_layer(w, {100, 100});
  uint64_t written = 0, read = 0;
  for (const Kernel& k : layer.kernels) {
    written += k.hbm_write_bytes;
    read += k.hbm_read_bytes;
  }
  CHECK(written * 24 == 2 * resolve_model("qwen2.5-0.5b").kv_bytes_per_token(16));
  CHECK(read == 2 * 100 * 2 * 2 * 64 * 2);  // requests x tokens x (K, V) x kv heads x dh x 2 B
}

TEST_CASE("generate: the graph has a prefill, then gen_len - 1 decode steps over a growing cache") {
  const WorkloadGraph g = build_graph(generate_spec("smollm2-360m", 32, 5, 2));
  REQUIRE(g.decode.size() == 4);
  for (std::size_t j = 0; j < g.decode.size(); ++j) {
    CHECK(g.decode[j].cache_len == std::vector<uint64_t>(2, 32 + j));
    CHECK(g.decode[j].head.at("head_proj").m == 2);
    CHECK(g.decode[j].head.at("head_proj").n == 49152);
  }
  CHECK(g.head.at("head_proj").m == 1);  // the prefill samples the last position only
  // The prefill writes every prompt token's K and V: 32 x 2 x 5 x 64 x 2 B per layer.
  CHECK(g.forward.at("qkv_proj").hbm_write_bytes == 32ull * 2 * 5 * 64 * 2);
  // Weights one step reads: every layer's matrices at 8 bits and the 16-bit head.
  const ModelSpec& m = g.spec.model;
  const uint64_t layer = 960ull * (960 + 2 * 320) + 960ull * 960 + 3ull * 960 * 2560;
  CHECK(decode_weight_bytes(g.spec) == 32 * layer + 960ull * 49152 * 2);
  CHECK(m.params_per_layer() == layer);
}

TEST_CASE("generate: prompt plus generated tokens beyond the positions is an error") {
  WorkloadSpec w = generate_spec("tinyllama-1.1b", 2000, 49, 1);
  CHECK_THROWS_WITH(w.validate(), Catch::Contains("gen_len") && Catch::Contains("2048"));
  w = generate_spec("tinyllama-1.1b", 2000, 48, 1);
  CHECK_NOTHROW(w.validate());
  WorkloadSpec enc = generate_spec("tinyllama-1.1b", 16, 4, 1);
  enc.model = model_preset("bert-base");
  CHECK_THROWS_WITH(enc.validate(), Catch::Contains("causal decoder"));
}

TEST_CASE("generate: a Llama config.json lacking a field the family needs names the file and key") {
  const std::string full = R"({"model_type": "llama", "hidden_size": 512, "intermediate_size": 1024,
    "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,
    "vocab_size": 1000, "max_position_embeddings": 256, "hidden_act": "silu"})";
  const fs::path ok = write_json("llama_ok", full);
  const ModelSpec m = load_hf_config(ok.string());
  CHECK(m.kv_dim() == 2 * 64);
  CHECK(m.matrix_cols("qkv") == 512 + 2 * 128);
  CHECK(m.matrix_cols("ff1") == 2 * 1024);
  CHECK_FALSE(m.tie_word_embeddings);  // absent: HuggingFace's default
  fs::remove(ok);
  for (const char* key : {"intermediate_size", "num_attention_heads", "vocab_size",
                          "max_position_embeddings", "hidden_act"}) {
    nlohmann::json doc = nlohmann::json::parse(full);
    doc.erase(key);
    const fs::path p = write_json("llama_missing", doc.dump());
    INFO(key);
    CHECK_THROWS_WITH(load_hf_config(p.string()),
                      Catch::Contains(p.string()) && Catch::Contains(std::string("'") + key + "'"));
    fs::remove(p);
  }
  nlohmann::json bad = nlohmann::json::parse(full);
  bad["num_key_value_heads"] = 3;  // 8 query heads cannot share 3 K/V heads
  const fs::path p = write_json("llama_badkv", bad.dump());
  CHECK_THROWS_WITH(load_hf_config(p.string()), Catch::Contains("kv_heads"));
  fs::remove(p);
}

TEST_CASE("generate: explain lists every field of the config.json and what it did") {
  std::vector<ConfigFieldEffect> fields;
  const ModelSpec m = resolve_model("llama-3.2-1b", &fields);
  std::ifstream in(hf_model_preset_path("llama-3.2-1b"));
  const nlohmann::json doc = nlohmann::json::parse(in);
  CHECK(fields.size() == doc.size());
  auto effect = [&fields](const std::string& key) {
    for (const auto& f : fields)
      if (f.key == key) return f.effect;
    return std::string("(not listed)");
  };
  CHECK_THAT(effect("rope_theta"), Catch::StartsWith("ignored"));
  CHECK_THAT(effect("rms_norm_eps"), Catch::StartsWith("ignored"));
  CHECK_THAT(effect("_source"), Catch::StartsWith("ignored"));
  CHECK_THAT(effect("num_key_value_heads"), Catch::Contains("2048 x 3072"));
  CHECK_THAT(effect("intermediate_size"), Catch::Contains("2048 x 16384"));
  CHECK_THAT(effect("tie_word_embeddings"), Catch::StartsWith("true"));
  CHECK(m.q_dim() == 2048);
}
