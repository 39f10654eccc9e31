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

// A numeric axis given as a range: `steps` values from min to max (evenly spaced, or
// geometrically with `log`) for grid, zip, ofat and random designs; one stratified sample
// per point for a latin hypercube. Values are integers when both bounds are written as
// integers.
struct AxisRange {
  double min = 0, max = 0;
  bool log = false, integer = false;
  uint64_t steps = 0;
};

struct Axis {
  std::string name;
  std::vector<AxisLevel> levels;  // a range axis's levels are made when the spec is read
  bool is_range = false;
  AxisRange range;
};

// An expression of the spec (`derived: {key: expr}` or an entry of `constraints`), and where
// it was written.
struct SpecExpression {
  std::string key;  // the derived key; for a constraint, its text
  std::string text;
  std::string file;
  int line = 0, column = 0;
  std::vector<std::string> variables;
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
  std::string design = "grid";  // grid | zip | ofat | random | latin
  uint64_t random_n = 0, random_seed = 1;
  // latin: one level index per axis per sample (a range axis's levels are its samples).
  std::vector<std::vector<int>> latin_combos;
  std::vector<SpecExpression> derived;  // in an order that evaluates each after its inputs
  std::vector<SpecExpression> constraints;
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
  std::vector<std::pair<std::string, std::string>> derived;  // key, value (spec.derived order)
  bool retry_with_reload = false;  // an infeasible run runs again with --allow-reload
};

// The workload keys a sweep may set (the rest are platform key paths).
bool is_workload_key(const std::string& key);

// Reads and checks the spec; throws ConfigError (FILE:LINE:COL: key: message). With `text`,
// reads that text as if it were the file at `path` (a sweep folder's copy of its spec).
SweepSpec load_sweep_spec(const std::string& path, const std::string* text = nullptr);

// The design's points, in a deterministic order (workloads outer, the design inner), with the
// derived keys set; points a constraint rules out are left out (and listed in `excluded` if
// given). A derived value or a constraint that cannot be evaluated at a point (a key that is
// not a number there, a division by zero) is a ConfigError at the expression.
std::vector<SweepPoint> expand_points(const SweepSpec& spec,
                                      std::vector<SweepPoint>* excluded = nullptr);

// Names a constraint may use beside the keys: the point's platform figures from describe.
const std::vector<std::string>& constraint_metrics();

// The metrics every results row carries, and how to read one from a run's summary.json.
const std::vector<std::string>& headline_metrics();
bool is_known_metric(const std::string& name);

}  // namespace atleus::cli
