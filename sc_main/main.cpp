// atleus-vp: the command line over the atleus_vp library.
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "atleus/models/param_check.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "atleus/workloads/infeasible.hpp"
#include "atleus/workloads/mapping.hpp"
#include "atleus/workloads/model_spec.hpp"
#include "atleus/workloads/workload_spec.hpp"
#include "atleus/workloads/yaml_guard.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

void add_platform_options(CLI::App& app, PlatformOptions& opt) {
  app.add_option(
         "--platform", opt.platform,
         "platform preset name or YAML file (presets: " +
             [] {
               std::string s;
               for (const auto& n : preset_names()) s += (s.empty() ? "" : ", ") + n;
               return s;
             }() +
             ")")
      ->capture_default_str();
  app.add_option("--set", opt.overrides, "override a platform parameter: key.path=value")
      ->type_name("KEY=VALUE");
  app.add_option("--plugin", opt.plugins,
                 "load a shared object that registers block kinds (repeatable; also `plugins:` "
                 "in the platform YAML)")
      ->type_name("FILE.so");
}

PlatformConfig load(const PlatformOptions& opt) {
  for (const auto& so : opt.plugins) {
    try {
      load_block_kind_plugin(so);
    } catch (const std::invalid_argument& e) {
      throw ConfigError("command line", 0, 0, "--plugin", e.what());
    }
  }
  return load_platform(opt.platform, opt.overrides);
}

int report_exception() noexcept {
  try {
    try {
      throw;
    } catch (const ConfigError& e) {
      std::cerr << "atleus-vp: error: " << e.what() << "\n";
      return kExitBadInput;
    } catch (const WorkloadError& e) {
      std::cerr << "atleus-vp: error: " << e.what() << "\n";
      return kExitBadInput;
    } catch (const MappingError& e) {
      std::cerr << "atleus-vp: infeasible: " << e.what() << "\n";
      return kExitInfeasible;
    } catch (const InfeasibleDesign& e) {
      std::cerr << "atleus-vp: infeasible: " << e.what() << "\n";
      return kExitInfeasible;
    } catch (const ParamError& e) {
      // A parameter struct built from flags (not from a file) rejected a value.
      std::cerr << "atleus-vp: error: " << one_line(e.field() + ": " + e.what()) << "\n";
      return kExitBadInput;
    } catch (const std::bad_alloc&) {
      std::cerr << "atleus-vp: internal error (version " << version()
                << "): out of memory; the limits checked before the run did not catch this "
                   "input\n";
      return 1;
    } catch (const std::exception& e) {
      // Anything else is a fault of the program, never of the input: say so, with the version.
      std::cerr << "atleus-vp: internal error (version " << version() << "): " << one_line(e.what())
                << "\n";
      return 1;
    } catch (...) {
      std::cerr << "atleus-vp: internal error (version " << version() << "): unknown exception\n";
      return 1;
    }
  } catch (...) {
    return 1;  // writing the message failed
  }
}

}  // namespace atleus::cli

int main(int argc, char** argv) {
  // The SystemC banner would land in the middle of --json output.
  setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  using namespace atleus;
  CLI::App app{"atleus-vp: virtual platform of the Atleus 3D heterogeneous manycore accelerator"};
  app.set_version_flag("--version", std::string("atleus-vp ") + atleus::version());
  app.require_subcommand(0, 1);

  cli::PlatformOptions describe_p;
  bool describe_json = false;
  auto* describe = app.add_subcommand(
      "describe", "print what a platform is made of: tiers, cores, links, capacity, area, cost");
  cli::add_platform_options(*describe, describe_p);
  describe->add_flag("--json", describe_json, "print JSON");

  cli::PlatformOptions traffic_p;
  cli::TrafficCliOptions traffic_o;
  auto* traffic = app.add_subcommand(
      "traffic", "synthetic traffic over the platform's NoC: latency, throughput, energy");
  cli::add_platform_options(*traffic, traffic_p);
  traffic
      ->add_option("--pattern", traffic_o.pattern,
                   "uniform (not to self), uniform-all (BookSim's, self included), transpose, "
                   "hotspot, neighbor, bitcomp, shuffle or tornado")
      ->check(CLI::IsMember({"uniform", "uniform-all", "transpose", "hotspot", "neighbor",
                             "bitcomp", "shuffle", "tornado"}))
      ->capture_default_str();
  traffic->add_option("--rate", traffic_o.rate, "offered load, flits per node per NoC cycle")
      ->required()
      ->check(cli::finite_in(1e-9, 1.0));
  traffic->add_option("--packets", traffic_o.packets, "packets injected per node")
      ->check(cli::integer_in(10, 100000000))
      ->capture_default_str();
  traffic->add_option("--packet-flits", traffic_o.packet_flits, "flits per packet")
      ->check(cli::integer_in(1, 1024))
      ->capture_default_str();
  traffic->add_option("--seed", traffic_o.seed, "random seed")
      ->check(cli::integer_in(0, ~0ull))
      ->capture_default_str();
  traffic
      ->add_option("--hotspot-fraction", traffic_o.hotspot_fraction,
                   "share of packets sent to the hotspot (hotspot pattern)")
      ->check(cli::finite_in(0.0, 1.0))
      ->capture_default_str();
  traffic->add_flag("--json", traffic_o.json, "print JSON");
  traffic->add_flag("--force", traffic_o.force,
                    "run even beyond the size limits (20,000,000 packets, 100,000,000 "
                    "routing-table entries)");
  traffic->add_flag("--check-protocol", traffic_o.check_protocol,
                    "check the TLM-2.0 base protocol on every socket binding (exit 1 on a "
                    "violation)");

  cli::PlatformOptions run_p;
  cli::RunCliOptions run_o;
  auto* run = app.add_subcommand(
      "run",
      "simulate a transformer fine-tuned (LoRA) and/or served on the platform; the NoC under "
      "noc.model packet (default), flow (fastest) or flit (cycle-level, slowest: README)");
  cli::add_platform_options(*run, run_p);
  auto* workload_opt =
      run->add_option("--workload", run_o.workload, "workload YAML (instead of --model/--task)")
          ->check(CLI::ExistingFile);
  auto* model_opt =
      run->add_option("--model", run_o.model,
                      "model preset or HuggingFace config.json (presets: roberta-base, "
                      "bert-large, gpt2-medium, bloom-560m, bert-base, vit-base, qwen2.5-0.5b, "
                      "llama-3.2-1b, tinyllama-1.1b, smollm2-360m)")
          ->check(cli::non_empty())
          ->capture_default_str();
  auto* task_opt = run->add_option("--task", run_o.task, "task preset: squad, swag, wikitext")
                       ->check(cli::non_empty())
                       ->capture_default_str();
  // A workload YAML names its model and task: --model or --task beside it would be ignored.
  workload_opt->excludes(model_opt)->excludes(task_opt);
  auto* mode_opt = run->add_option("--mode", run_o.mode,
                                   "finetune, inference, both, or generate (prefill, then "
                                   "token-by-token decoding with a KV cache); given, it overrides "
                                   "a workload YAML's mode:, else the YAML's mode, else both")
                       ->check(CLI::IsMember({"finetune", "inference", "both", "generate"}))
                       ->capture_default_str();
  run->add_option("--prompt-len", run_o.prompt_len, "--mode generate: prompt tokens per request")
      ->check(CLI::Range(1u, 1u << 24));
  run->add_option("--gen-len", run_o.gen_len,
                  "--mode generate: tokens generated per request (the first by the prefill)")
      ->check(CLI::Range(1u, 1u << 24));
  run->add_flag("--explain-model", run_o.explain_model,
                "list every field of the model's config.json and what it did to the operation "
                "graph, then stop (no simulation)");
  run->add_option("--seq-len", run_o.seq_len, "tokens per sequence (default: the task's)")
      ->check(cli::integer_in(1, 1u << 20));
  run->add_option("--batch", run_o.batch, "sequences streamed in one run (default: the task's)")
      ->check(cli::integer_in(1, 1u << 20));
  run->add_option("--quant", run_o.quant, "weight precision MnFm, e.g. M8F8, M8F4")
      ->check(cli::non_empty());
  run->add_option("--backward", run_o.backward, "full or lora-only (the paper's accounting)")
      ->check(CLI::IsMember({"full", "lora-only"}));
  run->add_option("--transpose-on", run_o.transpose_on,
                  "where backward transposed products run: reram or systolic")
      ->check(CLI::IsMember({"reram", "systolic"}));
  run->add_option("--lora-rank", run_o.lora_rank, "LoRA rank (default 32)")
      ->check(cli::integer_in(1, 65536));
  run->add_option("--duplication", run_o.duplication,
                  "copies of each frozen matrix in ReRAM: auto (the most that fit, default) or N")
      ->type_name("auto|N")
      ->check(
          [](const std::string& v) {
            try {
              parse_duplication(v);
              return std::string();
            } catch (const WorkloadError& e) {
              return e.message();
            }
          },
          "auto or a positive number");
  run->add_flag("--allow-reload", run_o.allow_reload,
                "reprogram ReRAM weights when the model does not fit (charges write time, energy "
                "and endurance)");
  run->add_option("--packet-bytes", run_o.packet_bytes,
                  "NoC packet payload under noc.model packet and flit (flow sends whole "
                  "messages; flit costs seconds of wall time per layer, README)")
      ->check(CLI::Range(uint64_t{32}, uint64_t{1} << 24))
      ->capture_default_str();
  run->add_option("--out", run_o.out, "output folder")->capture_default_str();
  run->add_flag("--quiet", run_o.quiet, "no terminal summary and no progress bar");
  run->add_flag("--force", run_o.force,
                "run even beyond the size limits (5,000,000 tasks, 100,000,000 routing-table "
                "entries)");
  run->add_flag("--check-protocol", run_o.check_protocol,
                "check the TLM-2.0 base protocol on every internal socket binding "
                "(summary.json protocol_check; exit 1 on a violation)");
  run->add_flag("--functional", run_o.functional,
                "compute real numbers on the hardware's numerics too, and report each layer's "
                "error against plain float (time and energy are the same)");
  run->add_option("--adc-bits", run_o.adc_bits,
                  "ReRAM ADC resolution: overrides the platform's core_types.<reram>.adc_bits "
                  "(timing, energy, area and --functional)")
      ->check(CLI::Range(1u, 16u));
  run->add_option("--noise", run_o.noise, "device weight noise sigma / max|w| for --functional")
      ->check(cli::finite_in(0.0, 1.0))
      ->capture_default_str();
  run->add_option("--arrival-rate", run_o.arrival_rate,
                  "--mode generate: serve requests arriving as a Poisson process at this many per "
                  "second, with continuous batching (needs --requests and --max-batch; writes "
                  "DIR/requests.csv)")
      ->check(
          [](const std::string& v) {
            char* end = nullptr;
            const double r = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !std::isfinite(r) || r <= 0)
              return std::string("must be a positive finite number of requests per second");
            return std::string();
          },
          "R > 0");
  run->add_option("--requests", run_o.requests, "--arrival-rate: requests that arrive in all")
      ->check(cli::integer_in(1, 1u << 20));
  run->add_option("--max-batch", run_o.max_batch,
                  "--arrival-rate: requests decoded together at most (the continuous batch)")
      ->check(cli::integer_in(1, 1u << 16));
  run->add_option("--seed", run_o.seed,
                  "seed of the weights, inputs and noise of --functional, and of the arrivals of "
                  "--arrival-rate")
      ->check(cli::integer_in(0, ~0ull))
      ->capture_default_str();
  run->add_option("--layers", run_o.layers, "run only this many of the model's layers")
      ->check(CLI::Range(1u, 1024u));
  run->add_flag("--steady-state", run_o.steady_state,
                "also simulate half the batch and report steady_state per sequence: the "
                "difference of the two runs over the difference of their batches, so pipeline "
                "fill and drain cancel out (needs --batch of at least 2)");
  run->add_flag("--trace", run_o.trace,
                "write DIR/trace.json, a Chrome trace-event / Perfetto timeline (off by default "
                "for speed)");

  std::vector<std::string> compare_dirs;
  std::string compare_out = "compare.html";
  auto* compare = app.add_subcommand(
      "compare", "a report of several runs side by side, normalised to the first");
  compare->add_option("dirs", compare_dirs, "run folders (each with a summary.json)")
      ->required()
      ->expected(2, -1);
  compare->add_option("--out", compare_out, "HTML file to write")->capture_default_str();
  std::vector<std::string> compare_labels;
  compare
      ->add_option("--label", compare_labels,
                   "name of a run, once per run in order (default: the platform name and the "
                   "--set overrides and workload fields that differ)")
      ->allow_extra_args(false);

  cli::SweepCliOptions sweep_o;
  auto* sweep = app.add_subcommand(
      "sweep",
      "a design-space study: every point of SPEC.yaml as its own run, with results.csv, "
      "pareto.csv, results.sqlite and sweep.html");
  sweep->add_option("spec", sweep_o.spec, "sweep spec YAML (base, axes, design, objectives)")
      ->check(CLI::ExistingFile);
  sweep->add_option("--out", sweep_o.out, "sweep folder")->capture_default_str();
  sweep->add_option("--jobs", sweep_o.jobs, "points run at once (default: the machine's cores)")
      ->check(CLI::Range(1u, 4096u));
  sweep->add_flag("--resume", sweep_o.resume,
                  "continue in a folder that holds a sweep (complete points are not rerun)");
  sweep->add_flag("--dry-run", sweep_o.dry_run, "list the points and their hashes, run nothing");
  sweep->add_option("--max-points", sweep_o.max_points, "run only the first N points")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  std::string collect_dir;
  auto* collect = sweep->add_subcommand(
      "collect", "rebuild results.csv, pareto.csv, results.sqlite and sweep.html of DIR");
  collect->add_option("dir", collect_dir, "sweep folder")
      ->required()
      ->check(CLI::ExistingDirectory);
  sweep->add_option("--backend", sweep_o.backend, "local (a pool of processes) or slurm")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  sweep->add_flag("--wait", sweep_o.wait, "slurm: wait for the job array, then collect");
  sweep
      ->add_option("--slurm-arg", sweep_o.slurm_args,
                   "slurm: an sbatch option, e.g. --slurm-arg=--partition=main (repeatable)")
      ->allow_extra_args(false);
  sweep->add_option("--shards", sweep_o.shards,
                    "slurm: array tasks the points are spread over (default: one per point, at "
                    "most 1000); --jobs limits how many run at once");
  std::string shard_dir;
  std::size_t shard_index = 0, shard_count = 1;
  auto* shard = sweep->add_subcommand("shard", "run one Slurm array task's points");
  shard->group("");  // internal: what the sbatch script runs
  shard->add_option("dir", shard_dir, "sweep folder")->required();
  shard->add_option("--index", shard_index, "array task id")->required();
  shard->add_option("--count", shard_count, "array tasks")->required();
  sweep->require_subcommand(0, 1);

  cli::PlatformOptions probe_p;
  cli::ProbeGemmOptions probe_o;
  auto* probe = app.add_subcommand(
      "probe",
      "the cost of one kernel on one idle block of a platform (no NoC, no pipeline), of one "
      "message over its NoC or of one HBM access, at zero load");
  probe->require_subcommand(1);
  auto* probe_gemm = probe->add_subcommand(
      "gemm", "one GEMM out[M][N] = A[M][K] . B[K][N] (or a SCALE-Sim topology CSV of them)");
  cli::add_platform_options(*probe_gemm, probe_p);
  probe_gemm->add_option("--core", probe_o.core, "core type (a key of core_types)")->required();
  probe_gemm->add_option("--m", probe_o.m, "rows of A and of the result");
  probe_gemm->add_option("--k", probe_o.k, "reduction dimension");
  probe_gemm->add_option("--n", probe_o.n, "columns of B and of the result");
  probe_gemm->add_option("--dataflow", probe_o.dataflow,
                         "os | ws | is (systolic cores; default: the core's)");
  probe_gemm->add_option("--bits", probe_o.bits,
                         "operand bits (default: the core's datapath width)");
  probe_gemm->add_option("--topology", probe_o.topology,
                         "SCALE-Sim GEMM topology CSV: `Layer name, M, N, K,` per row");
  probe_gemm->add_flag("--json", probe_o.json, "print JSON");
  probe_gemm->add_flag("--csv", probe_o.csv, "print CSV (one row per GEMM, then totals)");

  cli::PlatformOptions probe_mvm_p;
  cli::ProbeGemmOptions probe_mvm_o;
  probe_mvm_o.op = "mvm";
  auto* probe_mvm = probe->add_subcommand(
      "mvm", "vectors x one resident d_in x d_out weight matrix (ReRAM crossbars)");
  cli::add_platform_options(*probe_mvm, probe_mvm_p);
  probe_mvm->add_option("--core", probe_mvm_o.core, "core type (a key of core_types)")->required();
  probe_mvm->add_option("--d-in", probe_mvm_o.k, "rows of the weight matrix")->required();
  probe_mvm->add_option("--d-out", probe_mvm_o.n, "columns of the weight matrix")->required();
  probe_mvm->add_option("--vectors", probe_mvm_o.m, "input vectors")->capture_default_str();
  probe_mvm_o.m = 1;
  probe_mvm->add_option("--weight-bits", probe_mvm_o.weight_bits, "weight precision")
      ->capture_default_str();
  probe_mvm->add_option("--input-bits", probe_mvm_o.input_bits, "activation precision")
      ->capture_default_str();
  probe_mvm->add_flag("--transposed", probe_mvm_o.transposed, "transposed read (dX = dY . W^T)");
  probe_mvm->add_flag("--json", probe_mvm_o.json, "print JSON");

  cli::PlatformOptions probe_sfu_p;
  cli::ProbeGemmOptions probe_sfu_o;
  probe_sfu_o.op = "sfu";
  auto* probe_sfu = probe->add_subcommand("sfu", "softmax, layer norm or GELU on a core's SFU");
  cli::add_platform_options(*probe_sfu, probe_sfu_p);
  probe_sfu->add_option("--core", probe_sfu_o.core, "core type (a key of core_types)")->required();
  probe_sfu->add_option("--func", probe_sfu_o.func, "softmax | layernorm | gelu")->required();
  probe_sfu->add_option("--elements", probe_sfu_o.elements, "elements in all")->required();
  probe_sfu->add_option("--rows", probe_sfu_o.rows, "rows they form (softmax and norm per row)")
      ->capture_default_str();
  probe_sfu->add_flag("--backward", probe_sfu_o.backward, "the backward pass (gradient)");
  probe_sfu->add_flag("--json", probe_sfu_o.json, "print JSON");

  cli::PlatformOptions probe_packet_p;
  cli::ProbePacketOptions probe_packet_o;
  auto* probe_packet = probe->add_subcommand(
      "packet",
      "one message between two core sites over the NoC at zero load (packet model): path, "
      "cycles, time, energy by router, link and TSV");
  cli::add_platform_options(*probe_packet, probe_packet_p);
  probe_packet->add_option("--from", probe_packet_o.from, "source core site TIER,X,Y")->required();
  probe_packet->add_option("--to", probe_packet_o.to, "destination core site TIER,X,Y")->required();
  probe_packet->add_option("--bytes", probe_packet_o.bytes, "message size (a write)")->required();
  probe_packet->add_flag("--json", probe_packet_o.json, "print JSON");

  cli::PlatformOptions probe_hbm_p;
  cli::ProbeHbmOptions probe_hbm_o;
  auto* probe_hbm = probe->add_subcommand(
      "hbm",
      "one HBM access with no NoC in front: bursts, time, energy, bandwidth utilisation (reads "
      "and writes cost the same in this model)");
  cli::add_platform_options(*probe_hbm, probe_hbm_p);
  probe_hbm->add_option("--bytes", probe_hbm_o.bytes, "access size")->required();
  probe_hbm->add_flag("--json", probe_hbm_o.json, "print JSON");

  FinetuneDemoOptions demo_o;
  auto* demo = cli::add_finetune_demo_command(app, demo_o);

  run_o.argv.assign(argv, argv + argc);
  // Arguments end up in JSON outputs and messages: they must be text.
  for (int i = 1; i < argc; ++i) {
    if (find_invalid_utf8(argv[i]) != std::string::npos) {
      std::cerr << "atleus-vp: command line: argument " << i << ": invalid UTF-8\n";
      return cli::kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "atleus-vp: " << one_line(e.what()) << "\n";
    return cli::kExitBadInput;
  }
  run_o.mode_given = mode_opt->count() > 0;

  try {
    if (*describe) return cli::run_describe(describe_p, describe_json);
    // With no subcommand the main job runs: RoBERTa-Base on SQuAD, both modes, on Atleus.
    run_o.task_given = run->count("--task") > 0;
    for (const CLI::Option* opt : run->get_options())
      if (opt->count() > 0) run_o.given.push_back(opt->get_name());
    if (*run || app.get_subcommands().empty()) return cli::run_run_cmd(run_p, run_o);
    if (*traffic) return cli::run_traffic_cmd(traffic_p, traffic_o);
    if (*compare) return cli::run_compare_cmd(compare_dirs, compare_out, compare_labels);
    if (*demo) return cli::run_finetune_demo_cmd(demo_o);
    if (*probe_gemm) return cli::run_probe_cmd(probe_p, probe_o);
    if (*probe_mvm) return cli::run_probe_cmd(probe_mvm_p, probe_mvm_o);
    if (*probe_sfu) return cli::run_probe_cmd(probe_sfu_p, probe_sfu_o);
    if (*probe_packet) return cli::run_probe_packet_cmd(probe_packet_p, probe_packet_o);
    if (*probe_hbm) return cli::run_probe_hbm_cmd(probe_hbm_p, probe_hbm_o);
    if (*sweep) {
      if (*collect) return cli::run_sweep_collect_cmd(collect_dir);
      if (*shard) return cli::run_sweep_shard_cmd(shard_dir, shard_index, shard_count);
      if (sweep_o.spec.empty()) {
        std::cerr << "atleus-vp: sweep: SPEC.yaml is required\n";
        return cli::kExitBadInput;
      }
      return cli::run_sweep_cmd(sweep_o);
    }
  } catch (...) {
    return cli::report_exception();
  }
  return 0;
}

// libsystemc's own main() refers to sc_main; this program's main() is the one that runs.
extern "C" int sc_main(int, char**) {
  return 0;
}
