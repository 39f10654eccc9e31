// Reading a sweep spec and expanding its design into points.
#include "sc_main/sweep_spec.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/yaml_config.hpp"

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

}  // namespace

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
  root.expect_keys({"base", "axes", "design", "objectives", "on_infeasible"});
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
        a.expect_keys({"values", "variants"});
        if (a.has("values") == a.has("variants")) a.fail("give either values or variants");
        if (a.has("values")) {
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
      if (axis.levels.empty()) a.fail("empty axis: give at least one value");
      spec.axes.push_back(axis);
    }
  }

  if (root.has("design")) {
    const ConfigNode d = root.child("design");
    if (d.is_scalar()) {
      spec.design = d.as<std::string>();
      if (spec.design != "grid" && spec.design != "zip" && spec.design != "ofat")
        d.fail("grid, zip, ofat or {random: {n, seed}}");
    } else if (d.is_map()) {
      d.expect_keys({"random"});
      const ConfigNode r = d.child("random");
      r.expect_keys({"n", "seed"});
      spec.design = "random";
      spec.random_n = r.get<uint64_t>("n");
      if (spec.random_n == 0) r.fail_key("n", "at least 1");
      spec.random_seed = r.get_or<uint64_t>("seed", 1);
    } else {
      d.fail("grid, zip, ofat or {random: {n, seed}}");
    }
    if (spec.design == "zip")
      for (std::size_t i = 1; i < spec.axes.size(); ++i)
        if (spec.axes[i].levels.size() != spec.axes[0].levels.size())
          root.child("axes").fail_key(
              spec.axes[i].name,
              "zip needs axes of one length: " + std::to_string(spec.axes[i].levels.size()) +
                  " values, " + spec.axes[0].name + " has " +
                  std::to_string(spec.axes[0].levels.size()));
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

std::vector<SweepPoint> expand_points(const SweepSpec& spec) {
  // Level combinations of the design.
  std::vector<std::vector<int>> combos;
  const std::size_t n_axes = spec.axes.size();
  if (spec.design == "zip") {
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
      points.push_back(p);
    }
  return points;
}

}  // namespace atleus::cli
