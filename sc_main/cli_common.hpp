// Pieces every subcommand shares: the platform options, and how errors leave the program.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "atleus/platform/finetune_demo.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/version.hpp"

namespace atleus::cli {

constexpr int kExitBadInput = 2;    // bad flags, files or values: nothing was written
constexpr int kExitInfeasible = 3;  // a valid design the workload does not fit

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
};
int run_traffic_cmd(const PlatformOptions& p, const TrafficCliOptions& t);

struct RunCliOptions {
  std::string workload;  // workload YAML; else model + task
  std::string model = "roberta-base";
  std::string task = "squad";
  std::string mode = "both";
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
  unsigned adc_bits = 0;      // 0: the platform's core_types.<reram>.adc_bits
  unsigned layers = 0;
  double noise = 0.0;
  uint64_t seed = 1;
  unsigned prompt_len = 0, gen_len = 0;  // --mode generate
  bool explain_model = false;            // list the model's fields and their effect; no run
  bool task_given = false;               // --task was on the command line
  std::vector<std::string> argv;         // the command line, recorded in summary.json
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
