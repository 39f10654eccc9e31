// End-to-end run: elaborates the platform with a compute node on every core site and a host
// driver on the host port, maps the workload, builds the task graph, simulates the batch and
// collects time, energy, MACs, pipeline and NoC figures. One simulation per process.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "atleus/platform/netlist.hpp"
#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/protocol_checker.hpp"
#include "atleus/platform/run/functional_run.hpp"
#include "atleus/workloads/op_graph.hpp"

namespace atleus {

struct RunOptions {
  bool allow_reload = false;     // weight reloading when the model does not fit
  uint64_t packet_bytes = 4096;  // NoC packet payload for activations
  std::function<void(uint64_t done, uint64_t total)> progress;  // optional, as tasks finish
  bool trace = false;       // build a trace-event timeline (RunResult::trace)
  bool functional = false;  // compute real numbers too (timing and energy do not change)
  FunctionalOptions functional_options;
  // Every internal socket binding passes through a ProtocolChecker (RunResult::protocol).
  bool check_protocol = false;
  // WorkloadPlatform only: every internal socket binding passes through this hook (after the
  // protocol checker, when both are on): tracers, monitors, a checker of the user's own.
  BindHook bind_hook;
  // WorkloadPlatform only: a user's TLM-2.0 target as main memory (netlist.hpp).
  ExternalMemory memory;
  // WorkloadPlatform only: a user's host issues the layer transactions through the host port.
  bool external_host = false;
  // WorkloadPlatform only: call sc_stop() when the last task finishes.
  bool stop_when_done = false;
  // Mode::kGenerate, when not empty: no prefill, only these decode steps, chained, each given
  // by the cache lengths of its requests (the serving scheduler measures a step this way,
  // serving.hpp).
  std::vector<std::vector<uint64_t>> decode_steps;
};

struct KernelRow {
  std::string kernel, phase, unit, core_kind;
  uint64_t count = 0, macs = 0;
  double busy_s = 0, queue_s = 0, energy_j = 0;
};

struct LinkRow {
  std::string name, kind;
  int from_tier = 0, from_x = 0, from_y = 0, to_tier = 0, to_x = 0, to_y = 0;
  uint64_t packets = 0, bytes = 0;
  double busy_s = 0, queue_s = 0, utilisation = 0, energy_j = 0;
};

struct StageRow {
  std::string stage;
  int cores = 0;
  double busy_s = 0, utilisation = 0, queue_s = 0;
  double max_core_utilisation = 0;  // the busiest core of the stage
  uint64_t tasks = 0;
  // Per (sequence, layer) visit of the stage, averaged (the paper's Fig. 10 breakdown):
  double compute_per_layer_s = 0;        // its tasks running
  double communication_per_layer_s = 0;  // results travelling to their consumers
  double stall_per_layer_s = 0;          // waiting for a busy unit
};

struct CoreRow {
  std::string name, kind;
  int site = 0, tier = 0, x = 0, y = 0;
  uint64_t tasks = 0;
  double busy_s = 0, utilisation = 0;
  std::vector<std::pair<std::string, double>> tracks;  // unit -> busy seconds (no overlaps)
};

struct TierRow {
  int index = 0;
  std::string name, kind;
  int width = 0, height = 0;
};

struct RunResult {
  std::string mode;
  bool protocol_checked = false;  // RunOptions::check_protocol
  ProtocolCheckStats protocol;
  std::vector<std::string> warnings;  // platform_warnings() of the platform (describe.hpp)
  std::vector<TierRow> tiers;
  std::vector<CoreRow> cores;
  nlohmann::ordered_json trace;       // trace events, when RunOptions::trace
  nlohmann::ordered_json functional;  // numerical report, when RunOptions::functional
  // Mode::kGenerate: time to first token, time per output token, tokens/s, energy per token
  // (prefill and decode apart), KV cache and HBM traffic per token, weight reads per step and
  // the decode step's bottleneck (run_collect.cpp collect_generate).
  nlohmann::ordered_json generate;
  double simulated_time_s = 0;
  int sequences = 0;
  double latency_per_sequence_s = 0;
  double throughput_sequences_per_s = 0;  // over this batch, fill and drain included
  // What a long stream would approach: sequences per busy time of the busiest core.
  double bottleneck_throughput_sequences_per_s = 0;
  double energy_j = 0;
  std::map<std::string, double> energy_breakdown_j;
  // Dynamic energy of the cores by class and component (crossbar, ADC, DAC, shift-and-add,
  // dequantisation, buffer for ReRAM; MAC and SRAM for systolic arrays), and static energy by
  // core type.
  std::map<std::string, std::map<std::string, double>> core_energy_components_j;
  std::map<std::string, double> core_static_energy_j;
  std::map<std::string, uint64_t> macs;  // by core kind
  uint64_t macs_head = 0;  // task head (all on the systolic cores), included in `macs`
  std::map<std::string, std::map<std::string, uint64_t>> macs_by_phase;  // phase -> unit -> macs
  std::vector<StageRow> pipeline;
  std::vector<KernelRow> kernels;
  std::vector<LinkRow> links;
  // NoC
  uint64_t noc_packets = 0, noc_bytes = 0;
  double noc_avg_hops = 0;
  double noc_avg_packet_latency_ns = 0;            // the compute nodes' packets, queueing included
  std::map<std::string, double> link_utilisation;  // per link kind, average
  // Fine-tuning
  double epoch_time_s = 0, epoch_energy_j = 0;
  uint64_t sequences_per_epoch = 0;
  // Mapping
  int reram_cores_used = 0;
  bool mha_ff_separate = true, reloading = false;
  unsigned duplication = 1;  // copies of each frozen matrix held in ReRAM
  uint64_t crossbars_needed = 0, crossbars_available = 0;
  uint64_t cells_written = 0;
  uint64_t tasks = 0, transactions = 0;
  double wall_s = 0;
};

// Elaborates a WorkloadPlatform with the built-in host, simulates to the end and collects.
// One simulation per process (SystemC cannot elaborate twice).
RunResult run_workload(const PlatformConfig& cfg, const WorkloadSpec& spec, const RunOptions& opt);

nlohmann::ordered_json to_json(const RunResult& r, const WorkloadSpec& spec);
std::string kernels_csv(const RunResult& r);
std::string links_csv(const RunResult& r);
// Mean, median and 99th percentile (nearest rank) of `v`, and its sample count.
nlohmann::ordered_json distribution(std::vector<double> v);

}  // namespace atleus
