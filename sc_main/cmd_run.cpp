// `atleus-vp run`: a transformer fine-tuned and/or served on the platform. Each mode is
// simulated in its own process (SystemC elaborates once per process); outputs are written to a
// temporary folder and moved into place only when every mode succeeded.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/describe.hpp"
#include "atleus/platform/run_engine.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "atleus/workloads/mapping.hpp"
#include "sc_main/cli_common.hpp"
#include "sc_main/report_html.hpp"
#include "sc_main/sha256.hpp"

namespace atleus::cli {

namespace fs = std::filesystem;

namespace {

constexpr int kSchemaVersion = 1;

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

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + p.string());
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
  if (o.batch) w.task.batch = o.batch;
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
  w.validate();
  return w;
}

// Writes mode `m`'s files into `dir`; returns the process exit code.
int run_one(const PlatformConfig& cfg, const RunCliOptions& o, Mode mode, const fs::path& dir) {
  const WorkloadSpec spec = make_spec(o, mode);
  RunOptions ro;
  ro.allow_reload = o.allow_reload;
  ro.packet_bytes = o.packet_bytes;
  ro.trace = o.trace;
  ro.functional = o.functional;
  ro.check_protocol = o.check_protocol;
  ro.functional_options.noise_sigma = o.noise;
  ro.functional_options.seed = o.seed;
  // A progress bar on stderr for runs longer than a second, when it is a terminal.
  const bool bar = !o.quiet && isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  auto last = t0;
  bool shown = false;
  if (bar)
    ro.progress = [&](uint64_t done, uint64_t total) {
      const auto now = std::chrono::steady_clock::now();
      if (now - t0 < std::chrono::seconds(1) ||
          (now - last < std::chrono::milliseconds(200) && done < total))
        return;
      last = now;
      shown = true;
      const int width = 30, fill = static_cast<int>(width * done / std::max<uint64_t>(total, 1));
      std::fprintf(stderr, "\r%-9s [%s%s] %3d%% %llu/%llu tasks", to_string(mode),
                   std::string(fill, '#').c_str(), std::string(width - fill, '.').c_str(),
                   static_cast<int>(100 * done / std::max<uint64_t>(total, 1)),
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
    };
  const RunResult r = run_workload(cfg, spec, ro);
  if (shown) std::fprintf(stderr, "\n");
  auto j = to_json(r, spec);
  j["wall_time_s"] = r.wall_s;
  write_file(dir / "summary.json", j.dump(2));
  write_file(dir / "kernels.csv", kernels_csv(r));
  write_file(dir / "links.csv", links_csv(r));
  if (o.trace) write_file(dir / "trace.json", r.trace.dump());
  return 0;
}

void print_summary(const nlohmann::ordered_json& s) {
  std::printf(
      "\n== %s: %s on %s, %s, seq_len %d, batch %d, %s ==\n", s["mode"].get<std::string>().c_str(),
      s["workload"]["model"].get<std::string>().c_str(), s["platform"].get<std::string>().c_str(),
      s["workload"]["task"].get<std::string>().c_str(), s["seq_len"].get<int>(),
      s["sequences"].get<int>(), s["workload"]["quant"].get<std::string>().c_str());
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

}  // namespace

int run_run_cmd(const PlatformOptions& p, const RunCliOptions& o) {
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
  if (cfg.noc.model != noc::NocModel::kPacket) {
    const auto& at = cfg.noc_model_at;
    throw ConfigError(at.file.empty() ? cfg.file : at.file, at.line, at.column, "noc.model",
                      std::string("'") + noc::to_string(cfg.noc.model) +
                          "' is supported only by `atleus-vp traffic` for now; `run` needs "
                          "'packet'");
  }
  // A die that does not fit its wafer makes the design infeasible before anything runs.
  (void)describe_platform(cfg);
  // The modes: --mode when given, else the workload YAML's `mode:`, else both (README).
  std::string mode_name = o.mode;
  if (!o.mode_given && !o.workload.empty()) {
    const WorkloadSpec w = load_workload_yaml(o.workload);
    if (w.mode_given) mode_name = to_string(w.mode);
  }
  std::vector<Mode> modes;
  if (mode_name == "both" || mode_name == "finetune") modes.push_back(Mode::kFinetune);
  if (mode_name == "both" || mode_name == "inference") modes.push_back(Mode::kInference);
  // Check the workload, its size and the mapping before forking, so bad input fails at once.
  for (Mode m : modes) check_run_size(cfg, make_spec(o, m), o.force);

  const fs::path out = o.out;
  const fs::path tmp = out.parent_path().empty()
                           ? fs::path(".atleus-tmp-" + std::to_string(::getpid()))
                           : out.parent_path() / (".atleus-tmp-" + std::to_string(::getpid()));
  install_stop_handlers();
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  std::vector<pid_t> children;
  // On SIGINT/SIGTERM/SIGHUP: stop the children, remove the temporary folder, 128 + signal.
  auto stop = [&]() {
    for (pid_t c : children)
      if (c > 0) kill(c, SIGKILL);
    for (pid_t c : children)
      if (c > 0)
        while (waitpid(c, nullptr, 0) < 0 && errno == EINTR) {
        }
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return 128 + static_cast<int>(g_stop_signal);
  };
  for (Mode m : modes) {
    const fs::path dir = tmp / to_string(m);
    fs::create_directories(dir);
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      child_dies_with_parent(parent);
      int code = 0;
      // The error goes to DIR/error.txt: the parent prints the first failed mode's only, so two
      // modes failing alike give one line, not two interleaved.
      std::ostringstream error;
      std::streambuf* const cerr_buf = std::cerr.rdbuf(error.rdbuf());
      try {
        code = run_one(cfg, o, m, dir);
      } catch (const MappingError& e) {
        std::string why = e.what();
        const std::string hint = "enable weight reloading to run it anyway";
        const auto at = why.find(hint);
        if (at != std::string::npos)
          why.replace(at, hint.size(), "run with --allow-reload (weight reloading) anyway");
        std::cerr << "atleus-vp: infeasible: " << why << "\n";
        code = kExitInfeasible;
      } catch (...) {
        code = report_exception();
      }
      std::cerr.rdbuf(cerr_buf);
      if (!error.str().empty()) {
        std::ofstream f(dir / "error.txt");
        f << error.str();
        if (!f) std::cerr << error.str();
      }
      std::fflush(nullptr);
      _exit(code);
    }
    if (pid < 0) {
      g_stop_signal = g_stop_signal ? g_stop_signal : SIGTERM;
      stop();
      throw std::runtime_error("cannot fork");
    }
    children.push_back(pid);
    if (g_stop_signal) return stop();
  }
  int worst = 0;
  std::size_t worst_mode = 0;
  for (pid_t& c : children) {
    int status = 0;
    while (waitpid(c, &status, 0) < 0) {
      if (errno != EINTR) break;
      if (g_stop_signal) return stop();
    }
    c = -c;  // reaped
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (code != 0 && worst == 0) {
      worst = code;
      worst_mode = static_cast<std::size_t>(&c - children.data());
    }
  }
  children.clear();
  if (g_stop_signal) return stop();
  if (worst != 0) {
    std::cerr << slurp(tmp / to_string(modes[worst_mode]) / "error.txt") << std::flush;
    fs::remove_all(tmp);
    return worst;
  }

  nlohmann::ordered_json summary;
  summary["schema_version"] = kSchemaVersion;
  summary["tool"] = std::string("atleus-vp ") + atleus::version();
  const WorkloadSpec spec = make_spec(o, modes.front());
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
  summary["platform"] = cfg.name;
  summary["platform_name"] = cfg.name;
  summary["platform_file"] = cfg.file;
  summary["workload"] = workload;
  // What produced this run: the merged platform YAML (includes and --set applied) and its hash,
  // the workload, the command line and the version.
  summary["config"] = {{"platform_yaml", cfg.effective_yaml},
                       {"platform_sha256", sha256_hex(cfg.effective_yaml)},
                       {"overrides", p.overrides},
                       {"workload", workload},
                       {"mode", mode_name},
                       {"argv", o.argv},
                       {"version", atleus::version()}};
  summary["warnings"] = platform_warnings(cfg);
  const PlatformSummary described = describe_platform(cfg);
  {
    const PlatformSummary& d = described;
    summary["area_mm2"] = {{"cores", d.area_cores_mm2},
                           {"routers", d.area_routers_mm2},
                           {"tsv", d.area_tsv_mm2},
                           {"total", d.area_total_mm2}};
    summary["stack_cost"] = {{"total_usd", d.cost.total_usd},
                             {"die_cost_usd", d.cost.die_cost_usd},
                             {"die_yield", d.cost.die_yield},
                             {"stacking_yield", d.cost.stacking_yield},
                             {"tsv_yield", d.cost.tsv_yield}};
  }
  uint64_t violations = 0;
  std::string kernels = "mode,", links = "mode,";
  bool header = true;
  for (Mode m : modes) {
    const fs::path dir = tmp / to_string(m);
    auto s = nlohmann::ordered_json::parse(slurp(dir / "summary.json"));
    add_derived_metrics(s, described.area_total_mm2);
    auto add_mode = [&](std::string& acc, const std::string& csv) {
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
    };
    add_mode(kernels, slurp(dir / "kernels.csv"));
    add_mode(links, slurp(dir / "links.csv"));
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
  std::vector<std::string> files = {"summary.json", "kernels.csv", "links.csv", "report.html"};
  write_file(tmp / "report.html", render_run_report(summary, kernels, links));
  if (o.trace) {
    // One timeline: each mode's processes renumbered and named after the mode.
    nlohmann::ordered_json events = nlohmann::ordered_json::array();
    int offset = 0;
    for (Mode m : modes) {
      auto t = nlohmann::ordered_json::parse(slurp(tmp / to_string(m) / "trace.json"));
      for (auto& e : t["traceEvents"]) {
        e["pid"] = e["pid"].get<int>() + offset;
        if (e["ph"] == "M" && e["name"] == "process_name")
          e["args"]["name"] =
              std::string(to_string(m)) + " " + e["args"]["name"].get<std::string>();
        events.push_back(e);
      }
      offset += 2;
    }
    write_file(tmp / "trace.json",
               nlohmann::ordered_json{{"traceEvents", events}, {"displayTimeUnit", "ns"}}.dump());
    files.push_back("trace.json");
  }
  fs::create_directories(out);
  write_file(tmp / "summary.json", summary.dump(2) + "\n");
  write_file(tmp / "kernels.csv", kernels);
  write_file(tmp / "links.csv", links);
  if (g_stop_signal) return stop();
  for (const auto& f : files) fs::rename(tmp / f, out / f);
  fs::remove_all(tmp);
  if (!o.quiet) {
    std::printf("\nwrote %s/{summary.json,kernels.csv,links.csv,report.html}\n", out.c_str());
    if (o.trace)
      std::printf("trace: %s/trace.json (open it in ui.perfetto.dev or chrome://tracing)\n",
                  out.c_str());
  }
  return violations > 0 ? 1 : 0;
}

}  // namespace atleus::cli
