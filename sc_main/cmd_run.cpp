// `atleus-vp run`: a transformer fine-tuned and/or served on the platform. Each mode is
// simulated in its own process (SystemC elaborates once per process); outputs are staged and
// replace the --out folder as a whole only when every mode succeeded (OutputFolder).
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "atleus/noc/flit_network.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/describe.hpp"
#include "atleus/platform/run/run_engine.hpp"
#include "atleus/platform/run/serving.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "atleus/workloads/mapping.hpp"
#include "sc_main/cli_common.hpp"
#include "sc_main/output_folder.hpp"
#include "sc_main/report_html.hpp"
#include "sc_main/sha256.hpp"

namespace atleus::cli {

namespace fs = std::filesystem;

namespace {

constexpr int kSchemaVersion = 1;

// What a run leaves in its --out folder (plots/ is scripts/plot.sh's).
const std::vector<std::string> kRunFiles = {"summary.json", "kernels.csv", "links.csv",
                                            "report.html",  "trace.json",  "plots",
                                            "requests.csv"};

// The signal that asked this process to stop (SIGINT, SIGTERM, SIGHUP), 0 if none.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_stop_signal == 0) g_stop_signal = sig;
}

// Handlers without SA_RESTART, so that waitpid() returns EINTR and the parent can clean up.
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

// In a forked child: default signal actions, and die with the parent.
void child_dies_with_parent(pid_t parent) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, SIG_DFL);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
  // A signal the parent forwarded before the default actions were back.
  if (g_stop_signal) _exit(128 + static_cast<int>(g_stop_signal));
}

// Run figures every design study compares: power, efficiency per watt and per area, EDP.
void add_derived_metrics(nlohmann::ordered_json& s, double area_mm2) {
  const double t = s["simulated_time_s"].get<double>();
  const double e = s["energy_j"].get<double>();
  double macs = 0;
  for (auto& [kind, n] : s["macs"].items()) macs += n.get<double>();
  const double ops = 2.0 * macs;  // one MAC = two operations
  s["average_power_w"] = t > 0 ? e / t : 0.0;
  s["tops"] = t > 0 ? ops / t / 1e12 : 0.0;
  s["tops_per_w"] = e > 0 ? ops / e / 1e12 : 0.0;
  s["tops_per_mm2"] = t > 0 && area_mm2 > 0 ? ops / t / 1e12 / area_mm2 : 0.0;
  s["edp_js"] = e * t;
  const double tokens = s["sequences"].get<double>() * s["seq_len"].get<double>();
  s["energy_per_token_j"] = tokens > 0 ? e / tokens : 0.0;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A file of the --out folder; a full or failing file system is the folder's problem (exit 2,
// naming --out), not an internal fault.
void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p);
  f << text;
  f.close();
  if (!f)
    throw ConfigError("", 0, 0, "--out",
                      "cannot write " + p.filename().string() + " (" + std::strerror(errno) +
                          "); the folder is left as it was");
}

// Per-sequence figures of a pipeline in flight: the difference of a run of B sequences and
// one of B/2 over B - B/2, so the fill and drain and the energy spent in them cancel out.
nlohmann::ordered_json steady_state_json(const nlohmann::ordered_json& small,
                                         const nlohmann::ordered_json& large) {
  const double db = large["sequences"].get<double>() - small["sequences"].get<double>();
  const double dt =
      large["simulated_time_s"].get<double>() - small["simulated_time_s"].get<double>();
  const double de = large["energy_j"].get<double>() - small["energy_j"].get<double>();
  nlohmann::ordered_json breakdown = nlohmann::ordered_json::object();
  for (auto& [k, v] : large["energy_breakdown_j"].items()) {
    const double a = small["energy_breakdown_j"].contains(k)
                         ? small["energy_breakdown_j"][k].get<double>()
                         : 0.0;
    breakdown[k] = (v.get<double>() - a) / db;
  }
  return {{"batches", {small["sequences"], large["sequences"]}},
          {"time_per_sequence_s", dt / db},
          {"throughput_sequences_per_s", dt > 0 ? db / dt : 0.0},
          {"energy_per_sequence_j", de / db},
          {"energy_breakdown_per_sequence_j", breakdown}};
}

WorkloadSpec make_spec(const RunCliOptions& o, Mode mode) {
  WorkloadSpec w;
  if (!o.workload.empty()) {
    w = load_workload_yaml(o.workload);
  } else {
    w.model = resolve_model(o.model);
    // The preset's own sequence length may exceed the model's before --seq-len replaces it;
    // the whole workload is validated below.
    ModelSpec roomy = w.model;
    if (o.seq_len) roomy.max_seq_len = std::max(roomy.max_seq_len, 1u << 20);
    w.task = task_preset(o.task, roomy);
  }
  w.mode = mode;
  if (o.seq_len) w.task.seq_len = o.seq_len;
  if (mode == Mode::kGenerate) {
    if (o.seq_len) {
      throw WorkloadError("command line", 0, 0, "--seq-len",
                          "--mode generate takes --prompt-len (the prefill's length) instead");
    }
    if (o.task_given) {
      throw WorkloadError("command line", 0, 0, "--task",
                          "--mode generate has no task: it takes --prompt-len and --gen-len");
    }
    if (o.prompt_len == 0 || o.gen_len == 0) {
      throw WorkloadError("command line", 0, 0, o.prompt_len == 0 ? "--prompt-len" : "--gen-len",
                          "--mode generate needs --prompt-len and --gen-len");
    }
    w.generate.prompt_len = o.prompt_len;
    w.generate.gen_len = o.gen_len;
    w.task.seq_len = o.prompt_len;
    w.task.name =
        "prompt " + std::to_string(o.prompt_len) + ", generate " + std::to_string(o.gen_len);
  } else if (o.prompt_len || o.gen_len) {
    throw WorkloadError("command line", 0, 0, o.prompt_len ? "--prompt-len" : "--gen-len",
                        "only --mode generate reads it");
  }
  if (o.batch) w.task.batch = o.batch;
  // Serving: the largest batch a step can have (the size limits and the cache are checked for it).
  if (o.arrival_rate > 0 && o.max_batch) w.task.batch = o.max_batch;
  // A value from a flag: its error names the flag.
  auto from_flag = [](const char* flag, auto&& parse) {
    try {
      return parse();
    } catch (const WorkloadError& e) {
      throw ConfigError("command line", 0, 0, flag,
                        (e.key().empty() ? "" : e.key() + ": ") + e.message());
    }
  };
  if (!o.quant.empty()) w.quant = from_flag("--quant", [&] { return QuantSpec::parse(o.quant); });
  if (!o.backward.empty()) w.backward = parse_backward_mode(o.backward);
  if (!o.transpose_on.empty()) w.transpose_on = parse_transpose_unit(o.transpose_on);
  if (o.lora_rank) w.lora.rank = o.lora_rank;
  if (!o.duplication.empty()) w.duplication = parse_duplication(o.duplication);
  if (o.layers) w.model.layers = o.layers;
  if (o.functional && (w.model.gated_ffn || w.model.kv_head_count() != w.model.heads ||
                       w.model.norm != "layernorm")) {
    throw WorkloadError("command line", 0, 0, "--functional",
                        "the numerical layer models layer norm, GELU and multi-head attention; "
                        "model '" +
                            w.model.name + "' (" + w.model.family +
                            ": RMSNorm, SwiGLU, grouped-query attention) has no numerical model");
  }
  w.validate();
  return w;
}

// A progress line on stderr: nothing in the first second, then at most every 200 ms and at the
// end; end() closes the line if anything was shown.
class ProgressLine {
 public:
  bool due(uint64_t done, uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) ||
        (now - last_ < std::chrono::milliseconds(200) && done < total))
      return false;
    last_ = now;
    shown_ = true;
    return true;
  }
  void end() const {
    if (shown_) std::fprintf(stderr, "\n");
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
  bool shown_ = false;
};

// A serving run (--arrival-rate): the scheduler of serving.hpp over steps simulated in child
// processes; summary.json holds `generate` with `serving`, and requests.csv one line per request.
int serve_one(const PlatformConfig& cfg, const RunCliOptions& o, const WorkloadSpec& spec,
              const fs::path& dir) {
  RunOptions ro;
  ro.allow_reload = o.allow_reload;
  ro.packet_bytes = o.packet_bytes;
  ServeOptions so;
  so.arrival_rate = o.arrival_rate;
  so.requests = o.requests;
  so.max_batch = o.max_batch;
  so.seed = o.seed;
  const auto wall0 = std::chrono::steady_clock::now();
  ProgressLine line;
  if (!o.quiet && isatty(STDERR_FILENO))
    so.progress = [&](unsigned done, unsigned total) {
      if (line.due(done, total))
        std::fprintf(stderr, "\rserving   %u/%u requests done", done, total);
    };
  const ServeResult r = serve(spec, so, forked_step_simulator(cfg, spec, ro));
  line.end();
  nlohmann::ordered_json j;
  j["mode"] = to_string(Mode::kGenerate);
  j["sequences"] = r.requests.size();
  j["seq_len"] = spec.task.seq_len;
  j["generate"] = serving_json(r);
  j["simulated_time_s"] = j["generate"]["serving"]["span_s"];
  j["wall_time_s"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  write_file(dir / "summary.json", j.dump(2));
  write_file(dir / "requests.csv", requests_csv(r));
  return 0;
}

// The flags of a serving run: --arrival-rate needs --mode generate, --requests and
// --max-batch, and replaces --batch; flags a serving run does not read are errors.
void check_serving_flags(const RunCliOptions& o, const std::string& mode_name) {
  const bool serving = o.arrival_rate > 0;
  if (!serving) {
    if (o.requests)
      throw ConfigError("", 0, 0, "--requests", "only a serving run (--arrival-rate) reads it");
    if (o.max_batch)
      throw ConfigError("", 0, 0, "--max-batch", "only a serving run (--arrival-rate) reads it");
    return;
  }
  if (mode_name != "generate")
    throw ConfigError("", 0, 0, "--arrival-rate", "only --mode generate reads it");
  if (o.batch)
    throw ConfigError("", 0, 0, "--batch",
                      "a serving run (--arrival-rate) batches continuously up to --max-batch; "
                      "--batch is the static batch of a plain generate run");
  if (!o.requests)
    throw ConfigError("", 0, 0, "--arrival-rate", "needs --requests (how many requests arrive)");
  if (!o.max_batch)
    throw ConfigError("", 0, 0, "--arrival-rate",
                      "needs --max-batch (how many requests are decoded together at most)");
  const std::pair<bool, const char*> unread[] = {{o.steady_state, "--steady-state"},
                                                 {o.trace, "--trace"},
                                                 {o.functional, "--functional"},
                                                 {o.check_protocol, "--check-protocol"}};
  for (const auto& [on, flag] : unread)
    if (on)
      throw ConfigError("", 0, 0, flag,
                        "a serving run (--arrival-rate) does not read it: its steps are "
                        "simulated one by one");
}

// Writes mode `m`'s files into `dir` (with `half`, of half the batch, for --steady-state);
// returns the process exit code.
int run_one(const PlatformConfig& cfg, const RunCliOptions& o, Mode mode, bool half,
            const fs::path& dir) {
  WorkloadSpec spec = make_spec(o, mode);
  if (o.arrival_rate > 0) return serve_one(cfg, o, spec, dir);
  if (half) spec.task.batch /= 2;
  RunOptions ro;
  ro.allow_reload = o.allow_reload;
  ro.packet_bytes = o.packet_bytes;
  ro.trace = o.trace && !half;
  ro.functional = o.functional;
  ro.check_protocol = o.check_protocol;
  ro.functional_options.noise_sigma = o.noise;
  ro.functional_options.seed = o.seed;
  // A progress bar on stderr for runs longer than a second, when it is a terminal.
  const bool bar = !o.quiet && !half && isatty(STDERR_FILENO);
  ProgressLine line;
  if (bar)
    ro.progress = [&](uint64_t done, uint64_t total) {
      if (!line.due(done, total)) return;
      const int width = 30, fill = static_cast<int>(width * done / std::max<uint64_t>(total, 1));
      std::fprintf(stderr, "\r%-9s [%s%s] %3d%% %llu/%llu tasks", to_string(mode),
                   std::string(fill, '#').c_str(), std::string(width - fill, '.').c_str(),
                   static_cast<int>(100 * done / std::max<uint64_t>(total, 1)),
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
    };
  const RunResult r = run_workload(cfg, spec, ro);
  line.end();
  auto j = to_json(r, spec);
  j["wall_time_s"] = r.wall_s;
  write_file(dir / "summary.json", j.dump(2));
  write_file(dir / "kernels.csv", kernels_csv(r));
  write_file(dir / "links.csv", links_csv(r));
  if (o.trace) write_file(dir / "trace.json", r.trace.dump());
  return 0;
}

// A serving run's figures (serving.hpp).
void print_serving_summary(const nlohmann::ordered_json& s) {
  const auto& g = s["generate"];
  const auto& v = g["serving"];
  std::printf("\n== generate, serving: %s on %s, %s, %s ==\n",
              s["workload"]["model"].get<std::string>().c_str(),
              s["platform"].get<std::string>().c_str(),
              s["workload"]["task"].get<std::string>().c_str(),
              s["workload"]["quant"].get<std::string>().c_str());
  std::printf(
      "  arrivals              %d requests, Poisson at %.6g/s (seed %llu); continuous batching "
      "up to %d\n",
      v["requests"].get<int>(), v["arrival_rate_per_s"].get<double>(),
      static_cast<unsigned long long>(v["seed"].get<uint64_t>()), v["max_batch"].get<int>());
  auto dist = [](const char* name, const nlohmann::ordered_json& d) {
    std::printf("  %-21s mean %.6g s, p50 %.6g s, p99 %.6g s\n", name, d["mean"].get<double>(),
                d["p50"].get<double>(), d["p99"].get<double>());
  };
  dist("TTFT", g["ttft_s"]);
  dist("TPOT", g["tpot_s"]);
  dist("queueing delay", v["queueing_delay_s"]);
  std::printf("  throughput            %.6g tokens/s, %.6g requests/s over %.6g s\n",
              g["tokens_per_s"].get<double>(), g["requests_per_s"].get<double>(),
              v["span_s"].get<double>());
  std::printf(
      "  steps                 %llu decode steps (mean batch %.3g, max %d), %llu prefills; "
      "simulated %llu + %llu distinct ones\n",
      static_cast<unsigned long long>(v["decode_steps"].get<uint64_t>()),
      v["mean_decode_batch"].get<double>(), v["max_decode_batch"].get<int>(),
      static_cast<unsigned long long>(v["prefills"].get<uint64_t>()),
      static_cast<unsigned long long>(v["decode_steps_simulated"].get<uint64_t>()),
      static_cast<unsigned long long>(v["prefills_simulated"].get<uint64_t>()));
  std::printf("  wall time             %.3g s\n", s["wall_time_s"].get<double>());
}

// The per-token figures of a generate run.
void print_generate_summary(const nlohmann::ordered_json& g) {
  std::printf("  TTFT                  mean %.6g s, p50 %.6g s, p99 %.6g s\n",
              g["ttft_s"]["mean"].get<double>(), g["ttft_s"]["p50"].get<double>(),
              g["ttft_s"]["p99"].get<double>());
  std::printf("  TPOT                  mean %.6g s, p50 %.6g s, p99 %.6g s\n",
              g["tpot_s"]["mean"].get<double>(), g["tpot_s"]["p50"].get<double>(),
              g["tpot_s"]["p99"].get<double>());
  std::printf("  tokens/s              %.6g (%d requests x %d tokens; %.6g requests/s)\n",
              g["tokens_per_s"].get<double>(), g["requests"].get<int>(), g["gen_len"].get<int>(),
              g["requests_per_s"].get<double>());
  std::printf(
      "  energy / token        prefill %.6g J per prompt token, decode %.6g J per "
      "output token\n",
      g["energy_per_prompt_token_j"].get<double>(), g["energy_per_output_token_j"].get<double>());
  std::printf(
      "  KV cache              %.6g B per token, %.6g B per request; HBM %.6g B per "
      "output token, weights read %.6g B per step\n",
      g["kv_cache_bytes_per_token"].get<double>(), g["kv_cache_bytes_per_request"].get<double>(),
      g["hbm_bytes_per_output_token"].get<double>(), g["weight_read_bytes_per_step"].get<double>());
  if (g["decode_bottleneck"].contains("stage"))
    std::printf("  decode bottleneck     %s on %s (%.1f%% of the decode time)\n",
                g["decode_bottleneck"]["stage"].get<std::string>().c_str(),
                g["decode_bottleneck"]["core"].get<std::string>().c_str(),
                100.0 * g["decode_bottleneck"]["share_of_decode_time"].get<double>());
}

// The pipeline stages and the one that limits it.
void print_pipeline(const nlohmann::ordered_json& s) {
  std::printf("\n  pipeline (busy utilisation, queueing):\n");
  std::string bottleneck;
  double top = -1;
  for (const auto& st : s["pipeline"]) {
    std::printf("    %-16s %3d cores  util %5.1f%% (busiest core %5.1f%%)  queue %.4g s\n",
                st["stage"].get<std::string>().c_str(), st["cores"].get<int>(),
                100.0 * st["utilisation"].get<double>(),
                100.0 * st["max_core_utilisation"].get<double>(), st["queue_s"].get<double>());
    // The stage whose busiest core is busiest limits the pipeline.
    if (st["max_core_utilisation"].get<double>() > top) {
      top = st["max_core_utilisation"].get<double>();
      bottleneck = st["stage"].get<std::string>();
    }
  }
  std::printf("  bottleneck            %s\n", bottleneck.c_str());
}

void print_summary(const nlohmann::ordered_json& s) {
  if (s.contains("generate") && s["generate"].contains("serving")) return print_serving_summary(s);
  std::printf(
      "\n== %s: %s on %s, %s, seq_len %d, batch %d, %s ==\n", s["mode"].get<std::string>().c_str(),
      s["workload"]["model"].get<std::string>().c_str(), s["platform"].get<std::string>().c_str(),
      s["workload"]["task"].get<std::string>().c_str(), s["seq_len"].get<int>(),
      s["sequences"].get<int>(), s["workload"]["quant"].get<std::string>().c_str());
  if (s.contains("generate")) print_generate_summary(s["generate"]);
  std::printf("  simulated time        %.6g s for %d sequences\n",
              s["simulated_time_s"].get<double>(), s["sequences"].get<int>());
  std::printf("  latency / sequence    %.6g s\n", s["latency_per_sequence_s"].get<double>());
  std::printf("  throughput            %.6g sequences/s (bound of the busiest core: %.6g)\n",
              s["throughput_sequences_per_s"].get<double>(),
              s["bottleneck_throughput_sequences_per_s"].get<double>());
  std::printf("  energy / sequence     %.6g J (total %.6g J)\n",
              s["energy_per_sequence_j"].get<double>(), s["energy_j"].get<double>());
  if (s.contains("epoch_time_s"))
    std::printf("  epoch                 %.6g s, %.6g J (%llu sequences)\n",
                s["epoch_time_s"].get<double>(), s["epoch_energy_j"].get<double>(),
                static_cast<unsigned long long>(s["sequences_per_epoch"].get<uint64_t>()));
  std::printf("  MACs                 ");
  for (auto& [kind, n] : s["macs"].items())
    if (n.get<double>() > 0) std::printf(" %s %.4g", kind.c_str(), n.get<double>());
  std::printf(
      ": reram share %.1f%%, %.1f%% of the layers' work (paper, GPT-2 Medium n=1024: 91.9%%)\n",
      100.0 * s["reram_mac_share"].get<double>(),
      100.0 * s["mac_split"]["reram_share_layers_only"].get<double>());
  std::printf("  energy breakdown     ");
  for (auto& [k, v] : s["energy_breakdown_j"].items())
    std::printf(" %s %.1f%%", k.c_str(), 100.0 * v.get<double>() / s["energy_j"].get<double>());
  if (s.contains("core_energy_components_j"))
    for (auto& [cls, parts] : s["core_energy_components_j"].items()) {
      double total = 0;
      for (auto& [k, v] : parts.items()) total += v.get<double>();
      if (total <= 0) continue;
      std::printf("\n    %-19s", (cls + " by component").c_str());
      for (auto& [k, v] : parts.items())
        std::printf(" %s %.1f%%", k.c_str(), 100.0 * v.get<double>() / total);
    }
  print_pipeline(s);
  if (s.contains("warnings"))
    for (const auto& w : s["warnings"])
      std::printf("  warning               %s\n", w.get<std::string>().c_str());
  if (s.contains("protocol_check"))
    std::printf("  protocol check        %llu transactions on %llu bindings: %llu violations\n",
                s["protocol_check"]["transactions"].get<unsigned long long>(),
                s["protocol_check"]["bindings"].get<unsigned long long>(),
                s["protocol_check"]["violations"].get<unsigned long long>());
  std::printf("  wall time             %.3g s\n", s["wall_time_s"].get<double>());
}

// Base-protocol violations found by --check-protocol in a mode's summary: printed, and the
// run is an internal fault.
uint64_t report_violations(const nlohmann::ordered_json& s) {
  if (!s.contains("protocol_check")) return 0;
  const auto n = s["protocol_check"]["violations"].get<uint64_t>();
  for (const auto& v : s["protocol_check"]["first_violations"])
    std::fprintf(stderr, "atleus-vp: protocol violation: %s\n", v.get<std::string>().c_str());
  return n;
}

// --explain-model: every field of the model's config.json and its effect, then the shapes the
// operation graph uses.
int explain_model(const RunCliOptions& o) {
  if (!o.workload.empty()) {
    throw WorkloadError("command line", 0, 0, "--explain-model",
                        "explains --model (a preset or a config.json), not a workload YAML");
  }
  std::vector<ConfigFieldEffect> fields;
  const ModelSpec m = resolve_model(o.model, &fields);
  std::printf("model %s (family %s)\n", m.name.c_str(), m.family.c_str());
  if (fields.empty()) {
    std::printf(
        "  built-in preset (no config.json): the numbers and their sources are in "
        "workloads/model_spec.cpp\n");
  } else {
    std::size_t width = 0;
    for (const auto& f : fields) width = std::max(width, f.key.size());
    for (const auto& f : fields)
      std::printf("  %-*s = %-14s %s\n", static_cast<int>(width), f.key.c_str(), f.value.c_str(),
                  f.effect.c_str());
  }
  std::printf(
      "operation graph per layer: qkv %llu x %llu, o %llu x %llu, ff1 %llu x %llu, ff2 "
      "%llu x %llu; %u heads, %u K/V heads of %u; %s, %s%s, %s positions\n",
      static_cast<unsigned long long>(m.matrix_rows("qkv")),
      static_cast<unsigned long long>(m.matrix_cols("qkv")),
      static_cast<unsigned long long>(m.matrix_rows("o")),
      static_cast<unsigned long long>(m.matrix_cols("o")),
      static_cast<unsigned long long>(m.matrix_rows("ff1")),
      static_cast<unsigned long long>(m.matrix_cols("ff1")),
      static_cast<unsigned long long>(m.matrix_rows("ff2")),
      static_cast<unsigned long long>(m.matrix_cols("ff2")), m.heads, m.kv_head_count(),
      m.head_dim(), m.norm.c_str(), m.activation.c_str(), m.gated_ffn ? " (gated, 3 matrices)" : "",
      m.position.c_str());
  std::printf("weights per layer %llu; KV cache %llu B per token at 16 bits; head %u x %u%s\n",
              static_cast<unsigned long long>(m.params_per_layer()),
              static_cast<unsigned long long>(m.kv_bytes_per_token(16)), m.d_model, m.vocab_size,
              m.tie_word_embeddings ? " (tied to the embedding)" : "");
  return 0;
}

// Checks each mode's workload, its size and the mapping before forking, so bad input fails at
// once.
void check_modes(const PlatformConfig& cfg, const RunCliOptions& o,
                 const std::vector<Mode>& modes) {
  for (Mode m : modes) {
    const WorkloadSpec checked = make_spec(o, m);
    check_run_size(cfg, checked, o.force);
    if (!o.steady_state) continue;
    if (m == Mode::kGenerate)
      throw ConfigError("", 0, 0, "--steady-state",
                        "is for finetune and inference runs; generate reports its own per-token "
                        "figures");
    if (checked.task.batch < 2)
      throw ConfigError("", 0, 0, "--steady-state",
                        "needs a batch of at least 2 (it also simulates half the batch); got " +
                            std::to_string(checked.task.batch));
  }
}

// One process per mode, and per mode one of half the batch for --steady-state, each writing its
// own folder under the staging folder's `.modes/`.
class ModeProcesses {
 public:
  ModeProcesses(OutputFolder& folder, bool steady_state)
      : folder_(folder), tmp_(folder.staging() / ".modes"), steady_state_(steady_state) {
    fs::create_directories(tmp_);
  }

  const fs::path& tmp() const { return tmp_; }
  fs::path dir(Mode m, bool half = false) const {
    return tmp_ / (std::string(to_string(m)) + (half ? "-half" : ""));
  }

  // Runs every job; 0 when all succeeded, else the first failure's code (its error printed) or
  // 128 + signal.
  int run(const PlatformConfig& cfg, const RunCliOptions& o, const std::vector<Mode>& modes) {
    for (Mode m : modes)
      for (bool half : {false, true})
        if (!half || steady_state_) jobs_.emplace_back(m, half);
    for (const auto& [m, half] : jobs_) {
      const pid_t pid = spawn(cfg, o, m, half);
      if (pid < 0) {
        g_stop_signal = g_stop_signal ? g_stop_signal : SIGTERM;
        stop();
        throw std::runtime_error("cannot fork");
      }
      children_.push_back(pid);
      if (g_stop_signal) return stop();
    }
    return reap();
  }

  // On SIGINT/SIGTERM/SIGHUP: forward it to the children, wait for them, remove the staging
  // folder, exit 128 + signal.
  int stop() {
    for (pid_t c : children_)
      if (c > 0) kill(c, g_stop_signal ? static_cast<int>(g_stop_signal) : SIGTERM);
    for (pid_t c : children_)
      if (c > 0)
        while (waitpid(c, nullptr, 0) < 0 && errno == EINTR) {
        }
    folder_.abandon();
    return 128 + static_cast<int>(g_stop_signal);
  }

 private:
  pid_t spawn(const PlatformConfig& cfg, const RunCliOptions& o, Mode m, bool half) {
    const fs::path d = dir(m, half);
    fs::create_directories(d);
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = fork();
    if (pid != 0) return pid;
    child_dies_with_parent(parent);
    int code = 0;
    // The error goes to DIR/error.txt: the parent prints the first failed mode's only, so two
    // modes failing alike give one line, not two interleaved.
    std::ostringstream error;
    std::streambuf* const cerr_buf = std::cerr.rdbuf(error.rdbuf());
    try {
      code = run_one(cfg, o, m, half, d);
    } catch (const MappingError& e) {
      std::string why = e.what();
      const std::string hint = "enable weight reloading to run it anyway";
      const auto at = why.find(hint);
      if (at != std::string::npos)
        why.replace(at, hint.size(), "run with --allow-reload (weight reloading) anyway");
      std::cerr << "atleus-vp: infeasible: " << why << "\n";
      code = kExitInfeasible;
    } catch (const noc::FlitDeadlock& e) {
      // A valid platform whose routing deadlocks in the flit model, as under `traffic`.
      std::cerr << "atleus-vp: infeasible: " << e.what() << "\n";
      code = kExitInfeasible;
    } catch (...) {
      code = report_exception();
    }
    std::cerr.rdbuf(cerr_buf);
    if (!error.str().empty()) {
      std::ofstream f(d / "error.txt");
      f << error.str();
      if (!f) std::cerr << error.str();
    }
    std::fflush(nullptr);
    _exit(code);
  }

  int reap() {
    int worst = 0;
    std::size_t worst_job = 0;
    for (pid_t& c : children_) {
      int status = 0;
      while (waitpid(c, &status, 0) < 0) {
        if (errno != EINTR) break;
        if (g_stop_signal) return stop();
      }
      c = -c;  // reaped
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      if (code != 0 && worst == 0) {
        worst = code;
        worst_job = static_cast<std::size_t>(&c - children_.data());
      }
    }
    children_.clear();
    if (g_stop_signal) return stop();
    if (worst != 0) {
      // The first failed process's error; the folder is abandoned, so the previous run stays.
      const auto& [m, half] = jobs_[worst_job];
      std::cerr << slurp(dir(m, half) / "error.txt") << std::flush;
    }
    return worst;
  }

  OutputFolder& folder_;
  fs::path tmp_;
  bool steady_state_;
  std::vector<std::pair<Mode, bool>> jobs_;
  std::vector<pid_t> children_;
};

nlohmann::ordered_json workload_json(const WorkloadSpec& spec, const RunCliOptions& o) {
  nlohmann::ordered_json workload = {{"model", spec.model.name},
                                     {"task", spec.task.name},
                                     {"seq_len", spec.task.seq_len},
                                     {"batch", spec.task.batch},
                                     {"quant", spec.quant.name()},
                                     {"backward", to_string(spec.backward)},
                                     {"lora_rank", spec.lora.rank},
                                     {"lora_targets", spec.lora.targets},
                                     {"transpose_on", to_string(spec.transpose_on)},
                                     {"duplication", duplication_name(spec.duplication)}};
  if (spec.mode == Mode::kGenerate) {
    workload["prompt_len"] = spec.generate.prompt_len;
    workload["gen_len"] = spec.generate.gen_len;
    workload["kv_bits"] = spec.generate.kv_bits;
    workload["head_bits"] = spec.generate.head_bits;
    if (o.arrival_rate > 0) {
      // Served: the batch is whatever the scheduler forms, up to --max-batch.
      workload.erase("batch");
      workload["max_batch"] = o.max_batch;
      workload["arrival_rate_per_s"] = o.arrival_rate;
      workload["requests"] = o.requests;
      workload["seed"] = o.seed;
    }
  }
  return workload;
}

// What produced this run and what the platform is, before the modes' results.
nlohmann::ordered_json summary_head(const PlatformOptions& p, const RunCliOptions& o,
                                    const PlatformConfig& cfg, const PlatformSummary& d,
                                    const nlohmann::ordered_json& workload,
                                    const std::string& mode_name) {
  nlohmann::ordered_json summary;
  summary["schema_version"] = kSchemaVersion;
  summary["tool"] = std::string("atleus-vp ") + atleus::version();
  summary["platform"] = cfg.name;
  summary["platform_name"] = cfg.name;
  summary["platform_file"] = cfg.file;
  summary["workload"] = workload;
  // The merged platform YAML (includes and --set applied) and its hash, the workload, the
  // command line and the version.
  summary["config"] = {{"platform_yaml", cfg.effective_yaml},
                       {"platform_sha256", sha256_hex(cfg.effective_yaml)},
                       {"overrides", p.overrides},
                       {"workload", workload},
                       {"mode", mode_name},
                       {"argv", o.argv},
                       {"version", atleus::version()}};
  summary["warnings"] = platform_warnings(cfg);
  summary["area_mm2"] = {{"cores", d.area_cores_mm2},
                         {"routers", d.area_routers_mm2},
                         {"tsv", d.area_tsv_mm2},
                         {"total", d.area_total_mm2}};
  summary["stack_cost"] = {{"total_usd", d.cost.total_usd},
                           {"die_cost_usd", d.cost.die_cost_usd},
                           {"die_yield", d.cost.die_yield},
                           {"stacking_yield", d.cost.stacking_yield},
                           {"tsv_yield", d.cost.tsv_yield}};
  return summary;
}

// Appends one mode's CSV to the merged one, each row prefixed with the mode (header once).
void append_mode_csv(std::string& acc, const std::string& csv, Mode m, bool header) {
  std::istringstream in(csv);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first) {
      if (header) acc += line + "\n";
      first = false;
      continue;
    }
    acc += std::string(to_string(m)) + "," + line + "\n";
  }
}

// Each mode's results into the summary (at the top level for one mode, under its name for
// several), the merged CSVs and the report into the staging folder; returns the protocol
// violations found.
uint64_t merge_modes(const ModeProcesses& procs, const std::vector<Mode>& modes,
                     const RunCliOptions& o, const PlatformConfig& cfg,
                     const PlatformSummary& described, const nlohmann::ordered_json& workload,
                     nlohmann::ordered_json& summary) {
  const fs::path staging = procs.tmp().parent_path();
  uint64_t violations = 0;
  std::string kernels = "mode,", links = "mode,";
  bool header = true;
  for (Mode m : modes) {
    const fs::path dir = procs.dir(m);
    auto s = nlohmann::ordered_json::parse(slurp(dir / "summary.json"));
    const bool serving = s.contains("generate") && s["generate"].contains("serving");
    // A serving run reports times only (serving.hpp): no energy or MACs to derive from.
    if (!serving) add_derived_metrics(s, described.area_total_mm2);
    if (serving) write_file(staging / "requests.csv", slurp(dir / "requests.csv"));
    if (o.steady_state) {
      const auto small = nlohmann::ordered_json::parse(slurp(procs.dir(m, true) / "summary.json"));
      s["steady_state"] = steady_state_json(small, s);
      s["wall_time_s"] = s["wall_time_s"].get<double>() + small["wall_time_s"].get<double>();
    }
    append_mode_csv(kernels, slurp(dir / "kernels.csv"), m, header);
    append_mode_csv(links, slurp(dir / "links.csv"), m, header);
    header = false;
    nlohmann::ordered_json printable = s;
    printable["platform"] = cfg.name;
    printable["workload"] = workload;
    if (!o.quiet) print_summary(printable);
    violations += report_violations(s);
    if (modes.size() == 1) {
      for (auto& [k, v] : s.items()) summary[k] = v;
    } else {
      summary[to_string(m)] = s;
    }
  }
  write_file(staging / "report.html", render_run_report(summary, kernels, links));
  // A serving run has no single simulation to break down by kernel and link (serving.hpp).
  if (o.arrival_rate <= 0) {
    write_file(staging / "kernels.csv", kernels);
    write_file(staging / "links.csv", links);
  }
  return violations;
}

// One timeline: each mode's processes renumbered and named after the mode.
nlohmann::ordered_json merged_trace(const ModeProcesses& procs, const std::vector<Mode>& modes) {
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  int offset = 0;
  for (Mode m : modes) {
    auto t = nlohmann::ordered_json::parse(slurp(procs.dir(m) / "trace.json"));
    for (auto& e : t["traceEvents"]) {
      e["pid"] = e["pid"].get<int>() + offset;
      if (e["ph"] == "M" && e["name"] == "process_name")
        e["args"]["name"] = std::string(to_string(m)) + " " + e["args"]["name"].get<std::string>();
      events.push_back(e);
    }
    offset += 2;
  }
  return nlohmann::ordered_json{{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

}  // namespace

int run_run_cmd(const PlatformOptions& p, const RunCliOptions& o) {
  if (o.explain_model) {
    // It reads the model and nothing else: another flag beside it would change nothing.
    for (const std::string& flag : o.given)
      if (flag != "--explain-model" && flag != "--model")
        throw ConfigError("", 0, 0, flag,
                          "--explain-model reads only --model and runs nothing; drop " + flag);
    return explain_model(o);
  }
  PlatformConfig cfg = load(p);
  // --adc-bits overrides core_types.<every ReRAM type>.adc_bits: timing, energy, area and the
  // functional model all read the platform's value.
  if (o.adc_bits != 0)
    for (auto& type : cfg.core_types) type.kind->set_adc_bits(type, o.adc_bits);
  if (cfg.memory_external) {
    const auto& at = cfg.memory_kind_at;
    throw ConfigError(at.file.empty() ? cfg.file : at.file, at.line, at.column, "memory.kind",
                      "'external' memory is a user's TLM target given through the library "
                      "(RunOptions::memory); the command line has none to attach");
  }
  if (cfg.noc.model == noc::NocModel::kFlit &&
      cfg.noc.flit.routing != noc::FlitRouting::kDeterministic)
    throw ConfigError(cfg.file, 0, 0, "noc.flit.routing",
                      "a run under noc.model flit keeps per-link statistics along the routing "
                      "table's paths, which adaptive routing leaves; `run` takes deterministic");
  if (cfg.noc.model == noc::NocModel::kFlit && cfg.noc.packet.back_pressure)
    throw ConfigError(cfg.file, 0, 0, "noc.packet.back_pressure",
                      "gives the packet model input FIFOs and changes nothing under noc.model "
                      "flit, whose routers have their own buffers (noc.flit.vcs, buffer_flits)");
  if (cfg.noc.model == noc::NocModel::kFlow && o.was_given("--packet-bytes"))
    throw ConfigError("", 0, 0, "--packet-bytes",
                      "changes nothing under noc.model flow, which carries each message as one "
                      "transaction");
  // Area and cost first: a die that does not fit its wafer is infeasible before any run.
  const PlatformSummary described = describe_platform(cfg);
  // The modes: --mode when given, else the workload YAML's `mode:`, else both (README).
  std::string mode_name = o.mode;
  if (!o.mode_given && !o.workload.empty()) {
    const WorkloadSpec w = load_workload_yaml(o.workload);
    if (w.mode_given) mode_name = to_string(w.mode);
  }
  check_serving_flags(o, mode_name);
  std::vector<Mode> modes;
  if (mode_name == "both" || mode_name == "finetune") modes.push_back(Mode::kFinetune);
  if (mode_name == "both" || mode_name == "inference") modes.push_back(Mode::kInference);
  if (mode_name == "generate") modes.push_back(Mode::kGenerate);
  check_modes(cfg, o, modes);

  const fs::path out = o.out;
  install_stop_handlers();
  // Locked against a second run, staged beside the target, replaced as a whole.
  OutputFolder folder(out, "--out", kRunFiles);
  ModeProcesses procs(folder, o.steady_state);
  if (const int code = procs.run(cfg, o, modes); code != 0) return code;

  const WorkloadSpec spec = make_spec(o, modes.front());
  const nlohmann::ordered_json workload = workload_json(spec, o);
  nlohmann::ordered_json summary = summary_head(p, o, cfg, described, workload, mode_name);
  const uint64_t violations = merge_modes(procs, modes, o, cfg, described, workload, summary);
  if (o.trace) write_file(folder.staging() / "trace.json", merged_trace(procs, modes).dump());
  write_file(folder.staging() / "summary.json", summary.dump(2) + "\n");
  fs::remove_all(procs.tmp());
  if (g_stop_signal) return procs.stop();
  folder.commit();
  if (!o.quiet) {
    std::printf("\nwrote %s/{summary.json,%s,report.html}\n", out.c_str(),
                o.arrival_rate > 0 ? "requests.csv" : "kernels.csv,links.csv");
    if (o.trace)
      std::printf("trace: %s/trace.json (open it in ui.perfetto.dev or chrome://tracing)\n",
                  out.c_str());
  }
  return violations > 0 ? 1 : 0;
}

}  // namespace atleus::cli
