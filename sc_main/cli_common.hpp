// Pieces every subcommand shares: the platform options, and how errors leave the program.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "atleus/models/finetune_demo.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/version.hpp"
#include "atleus/workloads/workload_spec.hpp"

namespace atleus::cli {

constexpr int kExitBadInput = 2;    // bad flags, files or values: nothing was written
constexpr int kExitInfeasible = 3;  // a valid design the workload does not fit

// Limits checked before a run or a traffic run builds anything (sc_main/limits.cpp); beyond
// them the command fails with its estimate (exit 2) unless --force is given.
constexpr uint64_t kMaxTasks = 5000000;             // tasks of a run's task graph
constexpr uint64_t kMaxRoutingEntries = 100000000;  // routing-table entries (targets x routers)
constexpr uint64_t kMaxPackets = 20000000;          // packets of a traffic run, all nodes
uint64_t platform_cores(const PlatformConfig& cfg);
void check_routing_size(const PlatformConfig& cfg, bool force);
void check_run_size(const PlatformConfig& cfg, const WorkloadSpec& spec, bool force);
void check_traffic_size(const PlatformConfig& cfg, uint64_t packets_per_node, bool force);

// Call inside a catch block: prints the exception as the one-line error it is and returns the
// exit code (2 bad input, 3 infeasible, 1 internal fault with "internal error" and the version).
int report_exception() noexcept;

// Flag checks whose message CLI11 prefixes with the flag: `--rate: must be in [0, 1] (got nan)`.
// A finite number in [lo, hi] (NaN and infinities are rejected: CLI11's Range lets NaN through).
inline CLI::Validator finite_in(double lo, double hi) {
  char range[96];
  std::snprintf(range, sizeof range, "[%g, %g]", lo, hi);
  const std::string r = range;
  return CLI::Validator(
      [r, lo, hi](std::string& text) {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size())
          return "expected a number (got '" + text + "')";
        if (!std::isfinite(v) || v < lo || v > hi) return "must be in " + r + " (got " + text + ")";
        return std::string();
      },
      "FLOAT in " + r);
}

// An integer in [lo, hi]: 0 for a count is an error, never "the default".
inline CLI::Validator integer_in(unsigned long long lo, unsigned long long hi) {
  const std::string r = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [r, lo, hi](std::string& text) {
        bool digits = !text.empty() && text.size() <= 40;
        for (char c : text) digits = digits && c >= '0' && c <= '9';
        if (!digits) return "expected a whole number (got '" + text + "')";
        errno = 0;
        const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || v < lo || v > hi) return "must be in " + r + " (got " + text + ")";
        return std::string();
      },
      "INT in " + r);
}

// A value that may not be empty.
inline CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& text) { return text.empty() ? std::string("must not be empty") : ""; }, "");
}

struct PlatformOptions {
  std::string platform = "atleus";
  std::vector<std::string> overrides;
  std::vector<std::string> plugins;  // --plugin: shared objects registering block kinds
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
  bool check_protocol = false;
  bool json = false;
  bool force = false;  // --force: past the size limits
};
int run_traffic_cmd(const PlatformOptions& p, const TrafficCliOptions& t);

struct RunCliOptions {
  std::string workload;  // workload YAML; else model + task
  std::string model = "roberta-base";
  std::string task = "squad";
  std::string mode = "both";
  bool mode_given = false;  // --mode on the command line (it overrides a workload's `mode:`)
  unsigned seq_len = 0, batch = 0, lora_rank = 0;
  std::string quant, backward, transpose_on;
  std::string duplication;  // "auto" or N; empty: the workload's (auto by default)
  bool allow_reload = false;
  uint64_t packet_bytes = 4096;
  std::string out = "out";
  bool quiet = false;
  bool trace = false;
  bool functional = false;
  bool check_protocol = false;
  bool steady_state = false;  // also simulate batch/2 and difference the two
  bool force = false;         // --force: past the size limits
  unsigned adc_bits = 0;      // 0: the platform's core_types.<reram>.adc_bits
  unsigned layers = 0;
  double noise = 0.0;
  uint64_t seed = 1;
  unsigned prompt_len = 0, gen_len = 0;  // --mode generate
  bool explain_model = false;            // list the model's fields and their effect; no run
  // Serving (--mode generate --arrival-rate): Poisson arrivals and continuous batching.
  double arrival_rate = 0;  // requests per second; 0: not a serving run
  unsigned requests = 0, max_batch = 0;
  std::vector<std::string> given;  // the run options given on the command line, by name
  bool was_given(const std::string& flag) const {
    return std::find(given.begin(), given.end(), flag) != given.end();
  }
  bool task_given = false;        // --task was on the command line
  std::vector<std::string> argv;  // the command line, recorded in summary.json
};
int run_run_cmd(const PlatformOptions& p, const RunCliOptions& o);
struct ProbeGemmOptions {
  std::string core;
  uint64_t m = 0, k = 0, n = 0;
  std::string dataflow;  // os | ws | is; empty: the core's
  unsigned bits = 0;     // operand bits; 0: the core's datapath width
  std::string topology;  // SCALE-Sim GEMM topology CSV
  bool json = false, csv = false;
  // probe mvm: m = vectors, k = d_in, n = d_out; probe sfu: m = rows, k = elements per row.
  std::string op = "gemm";  // gemm | mvm | sfu
  unsigned weight_bits = 8, input_bits = 8;
  bool transposed = false, backward = false;
  std::string func;  // sfu: softmax | layernorm | gelu
  uint64_t elements = 0, rows = 1;
};
int run_probe_cmd(const PlatformOptions& p, const ProbeGemmOptions& o);
struct ProbePacketOptions {
  std::string from, to;  // core sites, "TIER,X,Y"
  uint64_t bytes = 0;
  bool json = false;
};
int run_probe_packet_cmd(const PlatformOptions& p, const ProbePacketOptions& o);
struct ProbeHbmOptions {
  uint64_t bytes = 0;
  bool json = false;
};
int run_probe_hbm_cmd(const PlatformOptions& p, const ProbeHbmOptions& o);

int run_compare_cmd(const std::vector<std::string>& dirs, const std::string& out,
                    const std::vector<std::string>& labels = {});

struct SweepCliOptions {
  std::string spec;
  std::string out = "sweep";
  unsigned jobs = 0;  // 0: the machine's cores
  bool resume = false, dry_run = false;
  std::size_t max_points = 0;     // 0: all
  std::string backend = "local";  // local | slurm
  bool wait = false;              // slurm: wait for the job array, then collect
  std::vector<std::string> slurm_args;
  std::size_t shards = 0;  // slurm: array tasks (0: one per point, at most 1000)
};
int run_sweep_cmd(const SweepCliOptions& o);
int run_sweep_collect_cmd(const std::string& dir);
int run_sweep_shard_cmd(const std::string& dir, std::size_t index, std::size_t count);

CLI::App* add_finetune_demo_command(CLI::App& app, FinetuneDemoOptions& opt);
int run_finetune_demo_cmd(const FinetuneDemoOptions& opt);

}  // namespace atleus::cli
