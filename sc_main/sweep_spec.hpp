// The sweep specification: a base design and workloads, axes, a design of experiments and
// objectives, read from YAML with the platform loader's FILE:LINE:COL errors, expanded into
// design points.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace atleus::cli {

// One value of an axis: its label (the value, or the variant's name) and the keys it sets.
// Keys are platform key paths (`noc.router.flit_bytes`), workload keys (quant, seq_len, batch,
// lora_rank, mode, ...) or `platform` itself.
struct AxisLevel {
  std::string label;
  std::vector<std::pair<std::string, std::string>> settings;
};

struct Axis {
  std::string name;
  std::vector<AxisLevel> levels;
};

struct Objective {
  std::string metric;
  bool maximise = false;
};

struct SweepSpec {
  std::string file;
  std::string text;  // the spec as read, recorded beside the results
  std::string platform = "atleus";
  std::vector<std::string> sets;  // common key=value overrides
  // Named workloads, each a set of `run` options (key -> value), in spec order.
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> workloads;
  std::vector<Axis> axes;
  std::string design = "grid";  // grid | zip | ofat | random
  uint64_t random_n = 0, random_seed = 1;
  std::vector<Objective> objectives;
  bool retry_with_reload = false;  // on_infeasible: retry-with-reload (default: skip)
};

// One design point: a workload and one level per axis, resolved into a `run` command.
struct SweepPoint {
  int index = 0;
  std::string workload;
  std::vector<int> levels;  // per axis
  std::string platform;
  std::vector<std::string> sets;
  std::map<std::string, std::string> run_options;  // workload keys -> value
  std::string effective_yaml;                      // "" when the platform does not load
  std::string config_error;                        // why it does not
  std::string hash;
  bool retry_with_reload = false;  // an infeasible run runs again with --allow-reload
};

// The workload keys a sweep may set (the rest are platform key paths).
bool is_workload_key(const std::string& key);

// Reads and checks the spec; throws ConfigError (FILE:LINE:COL: key: message). With `text`,
// reads that text as if it were the file at `path` (a sweep folder's copy of its spec).
SweepSpec load_sweep_spec(const std::string& path, const std::string* text = nullptr);

// The design's points, in a deterministic order (workloads outer, the design inner).
std::vector<SweepPoint> expand_points(const SweepSpec& spec);

// The metrics every results row carries, and how to read one from a run's summary.json.
const std::vector<std::string>& headline_metrics();
bool is_known_metric(const std::string& name);

}  // namespace atleus::cli
