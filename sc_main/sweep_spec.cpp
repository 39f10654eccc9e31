// Reading a sweep spec and expanding its design into points.
#include "sc_main/sweep_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "atleus/platform/describe.hpp"
#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "sc_main/sweep_expr.hpp"

namespace atleus::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kWorkloadKeys = {
    "model",  "task",         "mode",         "seq_len",      "batch",
    "quant",  "backward",     "lora_rank",    "transpose_on", "duplication",
    "layers", "allow_reload", "packet_bytes", "adc_bits"};

// A value as the text `--set` and `run` take: scalars as written, lists and maps in flow style.
std::string value_text(const ConfigNode& n) {
  if (n.is_scalar()) return n.yaml().Scalar();
  if (n.is_null()) n.fail("a value is required");
  YAML::Emitter out;
  out << YAML::Flow << n.yaml();
  return out.c_str();
}

// Settings of one key: a workload key's value is checked by `run` when the point runs; a
// platform key must load on the base platform (unknown keys and impossible values fail here).
// An unknown key is reported at the key (`parent`'s entry `key`), a bad value at the value.
void check_setting(const SweepSpec& spec, const ConfigNode& parent, const ConfigNode& at,
                   const std::string& key, const std::string& value) {
  if (is_workload_key(key)) return;
  if (key == "platform") {
    try {
      load_platform(value, spec.sets);
    } catch (const ConfigError& e) {
      at.fail("platform '" + value + "' does not load: " + e.message());
    }
    return;
  }
  try {
    std::vector<std::string> sets = spec.sets;
    sets.push_back(key + "=" + value);
    load_platform(spec.platform, sets);
  } catch (const ConfigError& e) {
    if (e.message().find("unknown key") != std::string::npos)
      parent.fail_key(key, "not a workload key, nor a key of the platform: " + e.key_path() + ": " +
                               e.message());
    at.fail("'" + key + "=" + value + "' on the base platform: " +
            (e.key_path().empty() ? "" : e.key_path() + ": ") + e.message());
  }
}

std::map<std::string, std::string> read_workload(const ConfigNode& w) {
  w.expect_keys(kWorkloadKeys);
  std::map<std::string, std::string> opts;
  for (const auto& k : w.keys()) opts[k] = value_text(w.child(k));
  if (opts.count("mode") && opts["mode"] != "finetune" && opts["mode"] != "inference" &&
      opts["mode"] != "both")
    w.fail_key("mode", "finetune, inference or both");
  return opts;
}

// A platform file next to the spec, else the preset name or path as given.
std::string relative_to(const fs::path& dir, const std::string& name) {
  if (!dir.empty() && fs::exists(dir / name)) return (dir / name).string();
  return name;
}

// A number written as an integer: digits with an optional sign.
bool integer_text(const std::string& t) {
  std::size_t i = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
  if (i == t.size()) return false;
  for (; i < t.size(); ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

// The whole text as a finite number, or false.
bool parse_number(const std::string& t, double* out) {
  if (t.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

AxisRange read_range(const ConfigNode& r) {
  if (!r.is_map()) r.fail("a map {min, max, log, steps}");
  r.expect_keys({"min", "max", "log", "steps"});
  AxisRange range;
  range.min = r.get<double>("min");
  range.max = r.get<double>("max");
  if (!std::isfinite(range.min)) r.fail_key("min", "a finite number");
  if (!std::isfinite(range.max)) r.fail_key("max", "a finite number");
  if (range.max < range.min) r.fail_key("max", "below min");
  range.log = r.get_or<bool>("log", false);
  if (range.log && range.min <= 0) r.fail_key("min", "a log range needs min > 0");
  range.integer =
      integer_text(r.child("min").yaml().Scalar()) && integer_text(r.child("max").yaml().Scalar());
  range.steps = r.get_or<uint64_t>("steps", 0);
  if (r.has("steps") && range.steps < 2 && range.max > range.min)
    r.fail_key("steps", "at least 2 (min and max)");
  if (range.steps > 100000) r.fail_key("steps", "at most 100000");
  return range;
}

// The value at fraction x in [0, 1] of a range.
double range_value(const AxisRange& r, double x) {
  double v = r.log ? std::exp(std::log(r.min) + x * (std::log(r.max) - std::log(r.min)))
                   : r.min + x * (r.max - r.min);
  v = std::min(r.max, std::max(r.min, v));
  return r.integer ? std::round(v) : v;
}

void add_level(Axis& axis, double v) {
  const std::string t = number_text(v);
  axis.levels.push_back({t, {{axis.name, t}}});
}

// A uniform double in [0, 1) from 53 bits of the generator, whose sequence the standard fixes.
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Latin hypercube of n samples: every axis is cut into n strata, each used once, in an order
// drawn per axis. A range axis gets one level per sample; a list axis maps its stratum onto
// its values.
void latin_design(SweepSpec& spec, uint64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  spec.latin_combos.assign(n, std::vector<int>(spec.axes.size(), 0));
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    Axis& axis = spec.axes[a];
    std::vector<uint64_t> perm(n);
    for (uint64_t i = 0; i < n; ++i) perm[i] = i;
    for (uint64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng() % (i + 1)]);
    for (uint64_t i = 0; i < n; ++i) {
      const double x = (static_cast<double>(perm[i]) + unit(rng)) / static_cast<double>(n);
      if (axis.is_range) {
        add_level(axis, range_value(axis.range, x));
        spec.latin_combos[i][a] = static_cast<int>(i);
      } else {
        const auto len = static_cast<double>(axis.levels.size());
        spec.latin_combos[i][a] = static_cast<int>(std::min(len - 1, std::floor(x * len)));
      }
    }
  }
}

SpecExpression read_expression(const ConfigNode& n, const std::string& key) {
  if (!n.is_scalar()) n.fail("an expression, e.g. \"core_types.sa.rows * 2\"");
  SpecExpression e;
  e.key = key;
  e.text = n.yaml().Scalar();
  e.file = n.file();
  e.line = n.line();
  e.column = n.column();
  try {
    const SweepExpression parsed(e.text);
    e.variables.assign(parsed.variables().begin(), parsed.variables().end());
  } catch (const std::invalid_argument& err) {
    n.fail("'" + e.text + "': " + err.what());
  }
  return e;
}

[[noreturn]] void fail_at(const SpecExpression& e, const std::string& message) {
  throw ConfigError(e.file, e.line, e.column, e.key, message);
}

// Derived keys in an order that evaluates each after the derived keys it reads; a cycle is
// an error naming it.
std::vector<SpecExpression> order_derived(const std::vector<SpecExpression>& in) {
  std::map<std::string, const SpecExpression*> by_key;
  for (const auto& e : in) by_key[e.key] = &e;
  std::vector<SpecExpression> out;
  std::map<std::string, int> state;  // 1: on the path, 2: placed
  std::vector<std::string> path;
  std::function<void(const SpecExpression&)> visit = [&](const SpecExpression& e) {
    if (state[e.key] == 2) return;
    if (state[e.key] == 1) {
      std::string cycle;
      auto from = std::find(path.begin(), path.end(), e.key);
      for (auto it = from; it != path.end(); ++it) cycle += *it + " -> ";
      fail_at(e, "cyclic derived keys: " + cycle + e.key);
    }
    state[e.key] = 1;
    path.push_back(e.key);
    for (const auto& v : e.variables)
      if (by_key.count(v)) visit(*by_key[v]);
    path.pop_back();
    state[e.key] = 2;
    out.push_back(e);
  };
  for (const auto& e : in) visit(e);
  return out;
}

}  // namespace

const std::vector<std::string>& constraint_metrics() {
  static const std::vector<std::string> m = {"area_mm2", "stack_cost_usd", "static_power_w",
                                             "tsv_count"};
  return m;
}

bool is_workload_key(const std::string& key) {
  return std::find(kWorkloadKeys.begin(), kWorkloadKeys.end(), key) != kWorkloadKeys.end();
}

const std::vector<std::string>& headline_metrics() {
  static const std::vector<std::string> m = {"simulated_time_s",
                                             "latency_per_sequence_s",
                                             "throughput_sequences_per_s",
                                             "bottleneck_throughput_sequences_per_s",
                                             "energy_j",
                                             "energy_per_sequence_j",
                                             "energy_per_token_j",
                                             "average_power_w",
                                             "tops",
                                             "tops_per_w",
                                             "tops_per_mm2",
                                             "edp_js",
                                             "area_mm2",
                                             "stack_cost_usd"};
  return m;
}

bool is_known_metric(const std::string& name) {
  const auto& m = headline_metrics();
  return std::find(m.begin(), m.end(), name) != m.end();
}

SweepSpec load_sweep_spec(const std::string& path, const std::string* text) {
  SweepSpec spec;
  spec.file = path;
  if (text) {
    spec.text = *text;
  } else {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    spec.text = s.str();
  }
  const ConfigDoc doc = text ? load_config_text(*text, path) : load_config(path);
  const ConfigNode root = doc.root();
  root.expect_keys(
      {"base", "axes", "design", "derived", "constraints", "objectives", "on_infeasible"});
  const fs::path dir = fs::path(path).parent_path();

  const ConfigNode base = root.child("base");
  base.expect_keys({"platform", "set", "workloads"});
  if (base.has("platform")) {
    spec.platform = base.get<std::string>("platform");
    // A file next to the spec, else a preset or a path as given.
    spec.platform = relative_to(dir, spec.platform);
  }
  if (base.has("set")) {
    const ConfigNode set = base.child("set");
    if (set.is_seq()) {
      spec.sets = set.as<std::vector<std::string>>();
    } else if (set.is_map()) {
      for (const auto& k : set.keys()) spec.sets.push_back(k + "=" + value_text(set.child(k)));
    } else {
      set.fail("a map of key: value or a list of key=value");
    }
  }
  try {
    load_platform(spec.platform, spec.sets);
  } catch (const ConfigError& e) {
    base.fail("the base platform does not load: " + std::string(e.what()));
  }
  const ConfigNode workloads = base.child("workloads");
  if (!workloads.is_map() || workloads.size() == 0)
    workloads.fail("name at least one workload: name: {model: ..., mode: ...}");
  for (const auto& name : workloads.keys())
    spec.workloads.emplace_back(name, read_workload(workloads.child(name)));

  if (root.has("axes")) {
    const ConfigNode axes = root.child("axes");
    if (!axes.is_map()) axes.fail("a map of axis name: values");
    for (const auto& name : axes.keys()) {
      const ConfigNode a = axes.child(name);
      Axis axis;
      axis.name = name;
      auto plain = [&](const ConfigNode& values) {
        if (!values.is_seq()) values.fail("a list of values");
        for (std::size_t i = 0; i < values.size(); ++i) {
          const std::string v = value_text(values[i]);
          const std::string set = name == "platform" ? relative_to(dir, v) : v;
          check_setting(spec, axes, values[i], name, set);
          axis.levels.push_back({v, {{name, set}}});
        }
      };
      if (a.is_seq()) {
        plain(a);
      } else if (a.is_map()) {
        a.expect_keys({"values", "variants", "range"});
        if (a.has("values") + a.has("variants") + a.has("range") != 1)
          a.fail("give one of values, variants or range");
        if (a.has("range")) {
          if (name == "platform") a.fail_key("range", "the platform axis takes values");
          axis.is_range = true;
          axis.range = read_range(a.child("range"));
          check_setting(spec, axes, a.child("range").child("min"), name,
                        number_text(axis.range.min));
        } else if (a.has("values")) {
          plain(a.child("values"));
        } else {
          const ConfigNode vs = a.child("variants");
          if (!vs.is_map()) vs.fail("a map of variant name: {key: value, ...}");
          for (const auto& vname : vs.keys()) {
            const ConfigNode v = vs.child(vname);
            if (!v.is_map() || v.size() == 0) v.fail("a map of key: value");
            AxisLevel level{vname, {}};
            for (const auto& k : v.keys()) {
              const std::string val = k == "platform" ? relative_to(dir, value_text(v.child(k)))
                                                      : value_text(v.child(k));
              check_setting(spec, v, v.child(k), k, val);
              level.settings.emplace_back(k, val);
            }
            axis.levels.push_back(level);
          }
        }
      } else {
        a.fail("a list of values, {values: [...]} or {variants: {...}}");
      }
      if (axis.levels.empty() && !axis.is_range) a.fail("empty axis: give at least one value");
      spec.axes.push_back(axis);
    }
  }

  if (root.has("design")) {
    const ConfigNode d = root.child("design");
    if (d.is_scalar()) {
      spec.design = d.as<std::string>();
      if (spec.design != "grid" && spec.design != "zip" && spec.design != "ofat")
        d.fail("grid, zip, ofat, {random: {n, seed}} or {latin: {n, seed}}");
    } else if (d.is_map() && d.size() == 1) {
      d.expect_keys({"random", "latin"});
      spec.design = d.keys().front();
      const ConfigNode r = d.child(spec.design);
      r.expect_keys({"n", "seed"});
      spec.random_n = r.get<uint64_t>("n");
      if (spec.random_n == 0) r.fail_key("n", "at least 1");
      if (spec.random_n > 1000000) r.fail_key("n", "at most 1000000");
      spec.random_seed = r.get_or<uint64_t>("seed", 1);
    } else {
      d.fail("grid, zip, ofat, {random: {n, seed}} or {latin: {n, seed}}");
    }
  }

  // Range axes: their steps, or a latin hypercube's samples.
  for (auto& axis : spec.axes) {
    if (!axis.is_range) continue;
    const ConfigNode r = root.child("axes").child(axis.name).child("range");
    if (spec.design == "latin") {
      if (r.has("steps")) r.fail_key("steps", "a latin design samples the range; steps is unused");
    } else {
      if (!r.has("steps"))
        r.fail("give steps: N for a " + spec.design + " design (or use design {latin: {n}})");
      const uint64_t n = axis.range.steps;
      for (uint64_t i = 0; i < n; ++i)
        add_level(axis, range_value(axis.range, n > 1 ? double(i) / double(n - 1) : 0.0));
    }
  }
  if (spec.design == "latin") latin_design(spec, spec.random_n, spec.random_seed);
  if (spec.design == "zip")
    for (std::size_t i = 1; i < spec.axes.size(); ++i)
      if (spec.axes[i].levels.size() != spec.axes[0].levels.size())
        root.child("axes").fail_key(
            spec.axes[i].name,
            "zip needs axes of one length: " + std::to_string(spec.axes[i].levels.size()) +
                " values, " + spec.axes[0].name + " has " +
                std::to_string(spec.axes[0].levels.size()));

  // Derived keys and constraints, and the names they may use.
  std::set<std::string> known;
  for (const auto& axis : spec.axes)
    for (const auto& level : axis.levels)
      for (const auto& kv : level.settings) known.insert(kv.first);
  for (const auto& set : spec.sets) known.insert(set.substr(0, set.find('=')));
  for (const auto& w : spec.workloads)
    for (const auto& kv : w.second) known.insert(kv.first);
  if (root.has("derived")) {
    const ConfigNode d = root.child("derived");
    if (!d.is_map()) d.fail("a map of key: expression");
    for (const auto& key : d.keys()) {
      if (known.count(key) || key == "platform")
        d.fail_key(key,
                   "already set by an axis, the base or a workload; a derived key is set "
                   "only by its expression");
      if (!is_workload_key(key)) {
        try {
          std::vector<std::string> sets = spec.sets;
          sets.push_back(key + "=1");
          load_platform(spec.platform, sets);
        } catch (const ConfigError& e) {
          if (e.message().find("unknown key") != std::string::npos)
            d.fail_key(key, "not a workload key, nor a key of the platform: " + e.message());
        }
      }
      spec.derived.push_back(read_expression(d.child(key), key));
    }
    for (const auto& e : spec.derived) known.insert(e.key);
  }
  auto check_names = [&](const SpecExpression& e, bool metrics) {
    for (const auto& v : e.variables) {
      const auto& m = constraint_metrics();
      if (known.count(v) || (metrics && std::find(m.begin(), m.end(), v) != m.end())) continue;
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      if (metrics)
        for (const auto& k : m) names += ", " + k;
      fail_at(e, "'" + e.text + "' refers to '" + v + "', which nothing in the spec sets; " +
                     "known: " + names);
    }
  };
  for (const auto& e : spec.derived) check_names(e, false);
  spec.derived = order_derived(spec.derived);
  if (root.has("constraints")) {
    const ConfigNode c = root.child("constraints");
    if (!c.is_seq()) c.fail("a list of expressions that a point must satisfy");
    for (std::size_t i = 0; i < c.size(); ++i) {
      SpecExpression e = read_expression(c[i], "constraints");
      if (e.variables.empty())
        fail_at(e, "'" + e.text +
                       "' refers to no key: it rules out all "
                       "points or none");
      check_names(e, true);
      spec.constraints.push_back(e);
    }
  }

  if (root.has("on_infeasible")) {
    const std::string v = root.get<std::string>("on_infeasible");
    if (v != "skip" && v != "retry-with-reload")
      root.child("on_infeasible").fail("skip or retry-with-reload");
    spec.retry_with_reload = v == "retry-with-reload";
  }
  if (root.has("objectives")) {
    const ConfigNode o = root.child("objectives");
    if (!o.is_map() || o.size() == 0) o.fail("a map of metric: min|max");
    for (const auto& m : o.keys()) {
      const std::string goal = o.get<std::string>(m);
      if (goal != "min" && goal != "max") o.child(m).fail("min or max");
      if (!is_known_metric(m) && m.find('.') == std::string::npos) {
        std::string known;
        for (const auto& k : headline_metrics()) known += (known.empty() ? "" : ", ") + k;
        o.fail_key(m, "unknown metric; one of " + known + ", or a summary.json path a.b");
      }
      spec.objectives.push_back({m, goal == "max"});
    }
  } else {
    spec.objectives = {{"energy_per_sequence_j", false}, {"latency_per_sequence_s", false}};
  }
  return spec;
}

namespace {

// The point's keys as numbers where they are numbers: base settings, workload options, then
// the axes' settings (later ones win, as when the point runs).
std::map<std::string, std::string> point_values(const SweepPoint& p) {
  std::map<std::string, std::string> v(p.run_options.begin(), p.run_options.end());
  for (const auto& set : p.sets) {
    const auto eq = set.find('=');
    v[set.substr(0, eq)] = eq == std::string::npos ? "" : set.substr(eq + 1);
  }
  return v;
}

double eval_at(const SpecExpression& e, const SweepPoint& p,
               const std::map<std::string, std::string>& text,
               const std::map<std::string, double>& metrics) {
  std::map<std::string, double> values = metrics;
  for (const auto& name : e.variables) {
    if (values.count(name)) continue;
    const auto it = text.find(name);
    double x = 0;
    if (it == text.end() || !parse_number(it->second, &x))
      fail_at(e, "'" + e.text + "': '" + name + "' is " +
                     (it == text.end() ? "not set" : "'" + it->second + "'") + " at point " +
                     std::to_string(p.index) + " (" + p.workload + "), not a number");
    values[name] = x;
  }
  try {
    return SweepExpression(e.text).eval(values);
  } catch (const std::exception& err) {
    fail_at(e, "'" + e.text + "' at point " + std::to_string(p.index) + ": " + err.what());
  }
}

void apply_derived(const SweepSpec& spec, SweepPoint& p) {
  if (spec.derived.empty()) return;
  auto text = point_values(p);
  for (const auto& e : spec.derived) {
    const std::string v = number_text(eval_at(e, p, text, {}));
    text[e.key] = v;
    p.derived.emplace_back(e.key, v);
    if (is_workload_key(e.key))
      p.run_options[e.key] = v;
    else
      p.sets.push_back(e.key + "=" + v);
  }
}

// The platform figures a constraint may use; none when the point's platform does not load
// (the run reports why).
bool platform_metrics(const SweepPoint& p, std::map<std::string, double>* m) {
  try {
    const PlatformSummary d = describe_platform(load_platform(p.platform, p.sets));
    double static_w = 0;
    for (const auto& t : d.tiers) static_w += t.static_power_w;
    *m = {{"area_mm2", d.area_total_mm2},
          {"stack_cost_usd", d.cost.total_usd},
          {"static_power_w", static_w},
          {"tsv_count", static_cast<double>(d.tsv_count)}};
    return true;
  } catch (const ConfigError&) {
    return false;
  } catch (const InfeasibleDesign&) {
    return false;
  }
}

bool satisfies_constraints(const SweepSpec& spec, const SweepPoint& p) {
  if (spec.constraints.empty()) return true;
  const auto text = point_values(p);
  std::map<std::string, double> metrics;
  bool described = false, loads = true;
  for (const auto& e : spec.constraints) {
    bool needs = false;
    for (const auto& m : constraint_metrics())
      needs |= std::find(e.variables.begin(), e.variables.end(), m) != e.variables.end();
    if (needs && !described) {
      loads = platform_metrics(p, &metrics);
      described = true;
    }
    if (needs && !loads) continue;
    if (eval_at(e, p, text, metrics) == 0.0) return false;
  }
  return true;
}

}  // namespace

std::vector<SweepPoint> expand_points(const SweepSpec& spec, std::vector<SweepPoint>* excluded) {
  // Level combinations of the design.
  std::vector<std::vector<int>> combos;
  const std::size_t n_axes = spec.axes.size();
  if (spec.design == "latin") {
    combos = spec.latin_combos;
  } else if (spec.design == "zip") {
    const std::size_t n = n_axes ? spec.axes[0].levels.size() : 1;
    for (std::size_t i = 0; i < n; ++i) combos.emplace_back(n_axes, static_cast<int>(i));
  } else if (spec.design == "ofat") {
    combos.emplace_back(n_axes, 0);  // the base: every axis at its first value
    for (std::size_t a = 0; a < n_axes; ++a)
      for (std::size_t l = 1; l < spec.axes[a].levels.size(); ++l) {
        std::vector<int> c(n_axes, 0);
        c[a] = static_cast<int>(l);
        combos.push_back(c);
      }
  } else {
    std::vector<int> c(n_axes, 0);  // an odometer, the last axis fastest
    for (;;) {
      combos.push_back(c);
      int a = static_cast<int>(n_axes) - 1;
      while (a >= 0 && ++c[a] == static_cast<int>(spec.axes[a].levels.size())) c[a--] = 0;
      if (a < 0) break;
    }
    if (spec.design == "random" && spec.random_n < combos.size()) {
      // Seeded sampling without replacement: a Fisher-Yates shuffle with mt19937_64 (whose
      // sequence the standard fixes) and plain modulo, then grid order.
      std::mt19937_64 rng(spec.random_seed);
      std::vector<std::size_t> idx(combos.size());
      for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
      for (std::size_t i = idx.size() - 1; i > 0; --i) std::swap(idx[i], idx[rng() % (i + 1)]);
      idx.resize(spec.random_n);
      std::sort(idx.begin(), idx.end());
      std::vector<std::vector<int>> picked;
      for (std::size_t i : idx) picked.push_back(combos[i]);
      combos = picked;
    }
  }
  std::vector<SweepPoint> points;
  for (const auto& [wname, wopts] : spec.workloads)
    for (const auto& c : combos) {
      SweepPoint p;
      p.index = static_cast<int>(points.size());
      p.workload = wname;
      p.levels = c;
      p.platform = spec.platform;
      p.sets = spec.sets;
      p.run_options = wopts;
      p.retry_with_reload = spec.retry_with_reload;
      for (std::size_t a = 0; a < n_axes; ++a)
        for (const auto& [k, v] : spec.axes[a].levels[c[a]].settings) {
          if (k == "platform")
            p.platform = v;
          else if (is_workload_key(k))
            p.run_options[k] = v;
          else
            p.sets.push_back(k + "=" + v);
        }
      apply_derived(spec, p);
      if (satisfies_constraints(spec, p))
        points.push_back(p);
      else if (excluded)
        excluded->push_back(p);
    }
  for (std::size_t i = 0; i < points.size(); ++i) points[i].index = static_cast<int>(i);
  return points;
}

}  // namespace atleus::cli
