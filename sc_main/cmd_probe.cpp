// atleus-vp probe gemm: the cost of one GEMM on one idle core of a platform (no NoC, no
// pipeline), from the core kind's closed form (BlockKind::op_cost). With --topology, each row
// of a SCALE-Sim GEMM topology CSV (`Layer name, M, N, K,`) is one GEMM, plus totals.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

namespace {

struct GemmRow {
  std::string name;
  uint64_t m = 0, n = 0, k = 0;
  BlockOpCost cost;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// SCALE-Sim's GEMM topology: an optional header, then `name, M, N, K,` per line.
std::vector<GemmRow> read_topology(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ConfigError(path, 0, 0, "topology", "cannot read the file");
  std::vector<GemmRow> rows;
  std::string line;
  for (int ln = 1; std::getline(f, line); ++ln) {
    if (trim(line).empty()) continue;
    std::vector<std::pair<std::string, int>> cells;  // value, 1-based column
    std::size_t start = 0;
    while (start <= line.size()) {
      const std::size_t comma = line.find(',', start);
      const std::size_t end = comma == std::string::npos ? line.size() : comma;
      cells.emplace_back(trim(line.substr(start, end - start)), static_cast<int>(start) + 1);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    while (!cells.empty() && cells.back().first.empty()) cells.pop_back();
    if (cells.size() < 4)
      throw ConfigError(
          path, ln, 1, "topology",
          "a row is `name, M, N, K,` (got " + std::to_string(cells.size()) + " fields)");
    const bool header = rows.empty() && !cells[1].first.empty() &&
                        !std::isdigit(static_cast<unsigned char>(cells[1].first[0]));
    if (header) continue;
    GemmRow r;
    r.name = cells[0].first;
    uint64_t* dims[3] = {&r.m, &r.n, &r.k};
    const char* names[3] = {"M", "N", "K"};
    for (int i = 0; i < 3; ++i) {
      const auto& [text, col] = cells[i + 1];
      std::size_t used = 0;
      long long v = -1;
      try {
        v = std::stoll(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != text.size() || v <= 0)
        throw ConfigError(path, ln, col, std::string("topology.") + names[i],
                          "expected a positive integer, got '" + text + "'");
      *dims[i] = static_cast<uint64_t>(v);
    }
    rows.push_back(r);
  }
  if (rows.empty()) throw ConfigError(path, 0, 0, "topology", "no GEMM rows");
  return rows;
}

nlohmann::ordered_json to_json(const GemmRow& r) {
  nlohmann::ordered_json j;
  if (!r.name.empty()) j["name"] = r.name;
  j["m"] = r.m;
  j["k"] = r.k;
  j["n"] = r.n;
  j["cycles"] = r.cost.cycles;
  j["stall_cycles"] = r.cost.stall_cycles;
  j["stall_reason"] = r.cost.stall_reason;
  j["time_s"] = r.cost.time_ps * 1e-12;
  j["macs"] = r.cost.macs;
  j["utilisation"] = r.cost.utilisation;
  double total = 0;
  for (const auto& [cls, e] : r.cost.energy_j) {
    j["energy_j"][cls] = e;
    total += e;
  }
  j["energy_total_j"] = total;
  for (const auto& [key, v] : r.cost.detail) j[key] = v;
  return j;
}

double energy_total(const BlockOpCost& c) {
  double t = 0;
  for (const auto& [cls, e] : c.energy_j) t += e;
  return t;
}

}  // namespace

int run_probe_cmd(const PlatformOptions& p, const ProbeGemmOptions& o) {
  const PlatformConfig cfg = load(p);
  const CoreType* type = nullptr;
  for (const auto& t : cfg.core_types)
    if (t.name == o.core) type = &t;
  if (type == nullptr) {
    std::string list;
    for (const auto& t : cfg.core_types) list += (list.empty() ? "" : ", ") + t.name;
    throw ConfigError(cfg.file, 0, 0, "--core",
                      "no core type named '" + o.core + "' (" + list + ")");
  }
  if (!o.dataflow.empty() && o.dataflow != "os" && o.dataflow != "ws" && o.dataflow != "is")
    throw ConfigError("command line", 0, 0, "--dataflow",
                      "expected os, ws or is, got '" + o.dataflow + "'");
  std::vector<GemmRow> rows;
  ComputeOp base;
  base.kind = OpKind::kGemm;
  base.input_bits = base.weight_bits = o.bits;
  if (o.op == "mvm") {
    base.kind = OpKind::kMvm;
    base.weight_bits = o.weight_bits;
    base.input_bits = o.input_bits;
    base.transposed = o.transposed;
    if (o.m == 0 || o.k == 0 || o.n == 0)
      throw ConfigError("command line", 0, 0, "--vectors/--d-in/--d-out", "give all three (> 0)");
    rows.push_back({"", o.m, o.n, o.k, {}});
  } else if (o.op == "sfu") {
    if (o.func == "softmax")
      base.kind = OpKind::kSoftmax;
    else if (o.func == "layernorm")
      base.kind = OpKind::kLayerNorm;
    else if (o.func == "gelu")
      base.kind = OpKind::kGelu;
    else
      throw ConfigError("command line", 0, 0, "--func", "expected softmax, layernorm or gelu");
    base.backward = o.backward;
    if (o.rows == 0 || o.elements == 0 || o.elements % o.rows != 0)
      throw ConfigError("command line", 0, 0, "--elements",
                        "must be > 0 and a multiple of --rows (" + std::to_string(o.rows) + ")");
    rows.push_back({"", o.rows, 0, o.elements / o.rows, {}});
  } else if (!o.topology.empty()) {
    rows = read_topology(o.topology);
  } else {
    if (o.m == 0 || o.k == 0 || o.n == 0)
      throw ConfigError("command line", 0, 0, "--m/--k/--n",
                        "give all three GEMM dimensions (> 0)");
    rows.push_back({"", o.m, o.n, o.k, {}});
  }
  for (auto& r : rows) {
    ComputeOp op = base;
    op.m = r.m;
    op.k = r.k;
    op.n = r.n;
    std::optional<BlockOpCost> c;
    try {
      c = type->kind->op_cost(*type, op, o.dataflow);
    } catch (const std::invalid_argument& e) {
      throw ConfigError("command line", 0, 0, "--core",
                        "core type '" + type->name + "': " + e.what());
    }
    if (!c)
      throw ConfigError(cfg.file, 0, 0, "--core",
                        "core type '" + type->name + "' (kind " + type->kind_name() +
                            ") has no closed-form cost for probe " + o.op);
    r.cost = *c;
  }
  BlockOpCost total;
  for (const auto& r : rows) {
    total.cycles += r.cost.cycles;
    total.stall_cycles += r.cost.stall_cycles;
    total.time_ps += r.cost.time_ps;
    total.macs += r.cost.macs;
    for (const auto& [cls, e] : r.cost.energy_j) {
      auto it = std::find_if(total.energy_j.begin(), total.energy_j.end(),
                             [&](const auto& x) { return x.first == cls; });
      if (it == total.energy_j.end())
        total.energy_j.emplace_back(cls, e);
      else
        it->second += e;
    }
  }
  // Utilisation of the whole sequence: MACs done over MAC slots, weighted by each row's time.
  double slot_time = 0;
  for (const auto& r : rows)
    slot_time += r.cost.utilisation > 0 ? r.cost.macs / r.cost.utilisation : 0;
  total.utilisation = slot_time > 0 ? total.macs / slot_time : 0;

  if (o.json) {
    nlohmann::ordered_json j;
    j["platform"] = cfg.name;
    j["core"] = type->name;
    j["kind"] = type->kind_name();
    if (!o.dataflow.empty()) j["dataflow"] = o.dataflow;
    if (o.topology.empty()) {
      const auto one = to_json(rows[0]);
      for (const auto& [k, v] : one.items()) j[k] = v;
    } else {
      for (const auto& r : rows) j["layers"].push_back(to_json(r));
      GemmRow t{"total", 0, 0, 0, total};
      auto tj = to_json(t);
      for (const char* k : {"m", "k", "n"}) tj.erase(k);
      j["total"] = tj;
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (o.csv) {
    std::cout << "layer,m,n,k,cycles,stall_cycles,time_s,macs,utilisation,energy_j\n";
    auto line = [](const std::string& name, const GemmRow* r, const BlockOpCost& c) {
      std::ostringstream s;
      s << std::setprecision(9) << name << ',';
      if (r)
        s << r->m << ',' << r->n << ',' << r->k;
      else
        s << ",,";
      s << ',' << c.cycles << ',' << c.stall_cycles << ',' << c.time_ps * 1e-12 << ',' << c.macs
        << ',' << c.utilisation << ',' << energy_total(c) << '\n';
      return s.str();
    };
    for (const auto& r : rows) std::cout << line(r.name.empty() ? "gemm" : r.name, &r, r.cost);
    if (rows.size() > 1 || !o.topology.empty()) std::cout << line("total", nullptr, total);
    return 0;
  }
  std::cout << "core " << type->name << " (" << type->kind_name() << ") on " << cfg.name
            << (o.dataflow.empty() ? "" : ", dataflow " + o.dataflow) << "\n";
  for (const auto& r : rows) {
    std::cout << std::setprecision(6) << (r.name.empty() ? o.op : r.name);
    if (o.op == "sfu")
      std::cout << " " << o.func << (o.backward ? " (backward)" : "") << "  rows=" << r.m
                << " per row=" << r.k;
    else if (o.op == "mvm")
      std::cout << "  vectors=" << r.m << " d_in=" << r.k << " d_out=" << r.n;
    else
      std::cout << "  M=" << r.m << " K=" << r.k << " N=" << r.n;
    std::cout << ": " << r.cost.cycles << " cycles (" << r.cost.stall_cycles << " stall"
              << (r.cost.stall_reason.empty() ? "" : ": ") << r.cost.stall_reason << "), "
              << r.cost.time_ps * 1e-6 << " us, " << energy_total(r.cost) * 1e9 << " nJ (";
    bool first = true;
    for (const auto& [cls, e] : r.cost.energy_j) {
      std::cout << (first ? "" : ", ") << cls << " " << e * 1e9;
      first = false;
    }
    std::cout << "), utilisation " << r.cost.utilisation * 100 << "%\n";
  }
  if (rows.size() > 1)
    std::cout << "total: " << total.cycles << " cycles, " << total.time_ps * 1e-6 << " us, "
              << energy_total(total) * 1e9 << " nJ, utilisation " << total.utilisation * 100
              << "%\n";
  return 0;
}

}  // namespace atleus::cli
