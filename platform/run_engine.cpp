#include "atleus/platform/run_engine.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "atleus/models/roofline_core.hpp"
#include "atleus/models/sim_time.hpp"
#include "atleus/models/systolic_core.hpp"
#include "atleus/noc/link_physics.hpp"
#include "atleus/platform/compute_node.hpp"
#include "atleus/platform/host_driver.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/workloads/mapping.hpp"

namespace atleus {

namespace {

const ReramCoreParams* reram_params(const PlatformConfig& cfg) {
  for (const auto& t : cfg.tiers) {
    const CoreType& ct = cfg.core_type(t.core_type);
    if (ct.kind == CoreKind::kReram) return &ct.reram;
  }
  return nullptr;
}

MappingTarget mapping_target(const PlatformConfig& cfg, const NetworkPlan& plan) {
  MappingTarget t;
  std::vector<MappingTarget::Slot> roofline;
  const ReramCoreParams* rp = reram_params(cfg);
  for (int tier = 0; tier < plan.topology.tiers(); ++tier) {
    const CoreType& ct = cfg.core_type(cfg.tiers[tier].core_type);
    for (int node : plan.topology.tier_order(tier)) {
      const auto& s = plan.sites[node];
      if (ct.kind == CoreKind::kReram)
        t.reram.push_back({s.index, s.tier, s.x, s.y});
      else if (ct.kind == CoreKind::kSystolic)
        t.systolic.push_back({s.index, s.tier, s.x, s.y});
      else
        roofline.push_back({s.index, s.tier, s.x, s.y});
    }
  }
  // Without systolic cores the dynamic work runs on the roofline cores by default.
  if (t.systolic.empty()) t.systolic = roofline;
  if (rp != nullptr) {
    const ReramCoreParams p = *rp;
    t.crossbars_per_core = static_cast<uint64_t>(p.tiles) * p.crossbars_per_tile;
    t.columns_per_block = [p](unsigned bits) {
      return std::max<uint64_t>(1, p.crossbar_cols / cells_per_weight(p, bits));
    };
    t.crossbars_per_column_block = [p](uint64_t rows, unsigned) {
      return (rows + p.crossbar_rows - 1) / p.crossbar_rows;
    };
  }
  return t;
}

// Kernel class -> sites, from the platform's `placement:` and its defaults (platform_config.hpp).
std::map<std::string, ClassPlacement> class_placement(const PlatformConfig& cfg,
                                                      const NetworkPlan& plan) {
  std::map<std::string, std::vector<int>> sites_of;  // core type -> sites, in tier order
  bool has_reram = false, has_systolic = false;
  const CoreType* first_roofline = nullptr;
  for (int tier = 0; tier < plan.topology.tiers(); ++tier) {
    const CoreType& ct = cfg.core_type(cfg.tiers[tier].core_type);
    has_reram |= ct.kind == CoreKind::kReram;
    has_systolic |= ct.kind == CoreKind::kSystolic;
    if (ct.kind == CoreKind::kRoofline && first_roofline == nullptr) first_roofline = &ct;
    for (int node : plan.topology.tier_order(tier))
      sites_of[ct.name].push_back(plan.sites[node].index);
  }
  std::map<std::string, ClassPlacement> out;
  for (const auto& cls : kernel_classes()) {
    const auto it = cfg.placement.find(cls);
    const CoreType* type = nullptr;
    if (it != cfg.placement.end())
      type = &cfg.core_type(it->second);
    else if (cls == "frozen" && !has_reram && !has_systolic)
      type = first_roofline;  // the rest follows the mapping's systolic sites (mapping_target)
    if (type == nullptr || type->kind == CoreKind::kReram) continue;
    ClassPlacement p;
    p.sites = sites_of[type->name];
    p.weights_resident = cls == "frozen" && type->kind == CoreKind::kRoofline && type->local_memory;
    out[cls] = p;
  }
  return out;
}

std::vector<MatrixSpec> layer_matrices(const WorkloadSpec& w) {
  const uint64_t d = w.model.d_model, f = w.model.d_ff;
  return {{"qkv", d, 3 * d, w.quant.mha_bits, true},
          {"o", d, d, w.quant.mha_bits, true},
          {"ff1", d, f, w.quant.ff_bits, false},
          {"ff2", f, d, w.quant.ff_bits, false}};
}

// Busy time of a set of intervals, overlaps counted once.
uint64_t union_length(std::vector<std::pair<uint64_t, uint64_t>> iv) {
  std::sort(iv.begin(), iv.end());
  uint64_t total = 0, cur_b = 0, cur_e = 0;
  bool open = false;
  for (const auto& [b, e] : iv) {
    if (!open || b > cur_e) {
      if (open) total += cur_e - cur_b;
      cur_b = b;
      cur_e = e;
      open = true;
    } else {
      cur_e = std::max(cur_e, e);
    }
  }
  if (open) total += cur_e - cur_b;
  return total;
}

// The unit of a core a task occupies: one timeline track each, on which slices never overlap.
std::string track_name(const Task& t) {
  if (t.op.kind == OpKind::kMvm)
    return "crossbars " + t.kernel->weight + " g" + std::to_string(t.op.crossbar_group);
  return t.op.kind == OpKind::kGemm ? "array" : "sfu";
}

// Chrome trace-event timeline: process 1 holds a track per core unit, process 2 a track per
// busy link direction. Times in microseconds.
nlohmann::ordered_json build_trace(const TaskGraph& tg, const RunState& state, Netlist& net,
                                   const NetworkPlan& plan) {
  using J = nlohmann::ordered_json;
  J events = J::array();
  events.push_back(
      {{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "cores"}}}});
  events.push_back(
      {{"name", "process_name"}, {"ph", "M"}, {"pid", 2}, {"args", {{"name", "links"}}}});
  std::map<std::string, int> tids;
  auto tid_of = [&](const std::string& track, int pid) {
    auto it = tids.find(track);
    if (it != tids.end()) return it->second;
    const int id = static_cast<int>(tids.size()) + 1;
    tids.emplace(track, id);
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", pid},
                      {"tid", id},
                      {"args", {{"name", track}}}});
    return id;
  };
  for (const auto& t : tg.tasks) {
    const TaskState& s = state.tasks[t.id];
    const int tid = tid_of(plan.sites[t.site].name + "/" + track_name(t), 1);
    const double per_instance_j = s.energy_j / std::max<std::size_t>(s.slices.size(), 1);
    for (const auto& [b, e] : s.slices)
      events.push_back({{"name", t.kernel->name},
                        {"cat", to_string(t.kernel->phase)},
                        {"ph", "X"},
                        {"ts", b * 1e-6},
                        {"dur", (e - b) * 1e-6},
                        {"pid", 1},
                        {"tid", tid},
                        {"args",
                         {{"sequence", t.sequence},
                          {"layer", t.layer},
                          {"macs", t.macs / std::max<uint64_t>(t.instances, 1)},
                          {"out_bytes", t.out_bytes},
                          {"energy_j", per_instance_j}}}});
  }
  for (const auto& ch : net.link_channels()) {
    const auto iv = ch->busy_intervals();
    if (iv.empty()) continue;
    const int tid = tid_of(ch->basename(), 2);
    for (const auto& [b, e] : iv)
      events.push_back(
          {{"name", "transfer"},
           {"cat", "noc"},
           {"ph", "X"},
           {"ts", b * 1e-6},
           {"dur", (e - b) * 1e-6},
           {"pid", 2},
           {"tid", tid},
           {"args",
            {{"bytes_per_ns", ch->physics().width_bits / 8.0 * 1e3 / ch->physics().period_ps}}}});
  }
  return J{{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

}  // namespace

RunResult run_workload(const PlatformConfig& cfg, const WorkloadSpec& spec, const RunOptions& opt) {
  RunResult r;
  r.mode = spec.mode == Mode::kFinetune ? "finetune" : "inference";
  const WorkloadGraph graph = build_graph(spec);
  const NetworkPlan plan = plan_network(cfg);
  const MappingTarget target = mapping_target(cfg, plan);
  const Mapping mapping = map_model(static_cast<int>(spec.model.layers), layer_matrices(spec),
                                    target, opt.allow_reload, spec.duplication);

  TaskGraphInputs in;
  in.graph = &graph;
  in.mapping = &mapping;
  in.sequences = static_cast<int>(spec.task.batch);
  in.d_model = spec.model.d_model;
  in.d_ff = spec.model.d_ff;
  in.cells_bits_per_cell = reram_params(cfg) ? reram_params(cfg)->bits_per_cell : 2;
  in.placement = class_placement(cfg, plan);
  for (const auto& tier : cfg.tiers)
    in.dequant_materialize |= cfg.core_type(tier.core_type).dequant_materialize;
  const TaskGraph tg = build_task_graph(in);

  RunState state;
  state.graph = &tg;
  state.tasks.resize(tg.tasks.size());
  for (std::size_t i = 0; i < tg.tasks.size(); ++i)
    state.tasks[i].remaining = static_cast<int>(tg.tasks[i].deps.size()) + 1;
  state.node_of_site.assign(plan.sites.size(), nullptr);
  state.progress = opt.progress;
  std::unique_ptr<FunctionalRun> functional;
  if (opt.functional) {
    functional = std::make_unique<FunctionalRun>(spec, tg, opt.functional_options);
    state.on_finish = [&](const Task& t) { functional->task_finished(t); };
  }

  NodeOptions nopt;
  nopt.packet_bytes = opt.packet_bytes;
  nopt.hbm_base = kHbmBase;
  nopt.reram = reram_params(cfg);
  std::vector<std::pair<int, ComputeNode*>> nodes;  // (site, node)
  Netlist net(
      "platform", cfg,
      [&](const Site& site) -> std::unique_ptr<Endpoint> {
        std::unique_ptr<Endpoint> model;
        const std::string name = site.type->name + "_" + site.name;
        NodeOptions node_opt = nopt;
        if (site.type->kind == CoreKind::kReram) {
          model = std::make_unique<ReramCore>(name.c_str(), site.type->reram);
        } else if (site.type->kind == CoreKind::kRoofline) {
          model = std::make_unique<RooflineCore>(name.c_str(), site.type->roofline);
          node_opt.local_memory = site.type->local_memory;
          node_opt.batch_instances = true;
          node_opt.single_unit = true;
        } else {
          model = std::make_unique<SystolicCore>(name.c_str(), site.type->systolic);
        }
        auto node = std::make_unique<ComputeNode>(("node_" + site.name).c_str(), site.index,
                                                  std::move(model), state, node_opt);
        state.node_of_site[site.index] = node.get();
        nodes.emplace_back(site.index, node.get());
        return node;
      },
      /*host_stub=*/false);
  if (opt.trace)
    for (const auto& ch : net.link_channels()) ch->keep_busy_intervals();
  HostDriver host("host", state);
  host.out.bind(net.host_in());
  net.host_out().bind(host.in);

  const auto wall0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (state.done != tg.tasks.size())
    throw std::logic_error("the run stopped with " + std::to_string(tg.tasks.size() - state.done) +
                           " of " + std::to_string(tg.tasks.size()) + " tasks not done");

  // ---- time ----
  const uint64_t T = state.last_finish_ps;
  r.simulated_time_s = T * 1e-12;
  r.sequences = tg.sequences;
  r.tasks = tg.tasks.size();
  std::vector<uint64_t> first(tg.sequences, UINT64_MAX), last(tg.sequences, 0);
  for (const auto& t : tg.tasks) {
    if (t.sequence < 0) continue;
    first[t.sequence] = std::min(first[t.sequence], state.tasks[t.id].ready_ps);
    last[t.sequence] = std::max(last[t.sequence], state.tasks[t.id].finish_ps);
  }
  double lat = 0;
  for (int s = 0; s < tg.sequences; ++s) lat += (last[s] - first[s]) * 1e-12;
  r.latency_per_sequence_s = tg.sequences > 0 ? lat / tg.sequences : 0;
  r.throughput_sequences_per_s = T > 0 ? tg.sequences / r.simulated_time_s : 0;

  // ---- energy ----
  auto& e = r.energy_breakdown_j;
  for (const char* k :
       {"reram", "systolic", "sfu", "noc_routers", "noc_links", "tsv", "hbm", "static"})
    e[k] = 0.0;
  std::vector<std::pair<int, const ReramCoreParams*>> clock_gated;  // charged when busy, below
  for (const auto& [site, n] : nodes) {
    if (auto* rc = dynamic_cast<ReramCore*>(&n->model())) {
      e["reram"] += rc->stats().dynamic_j();
      const bool gated = rc->params().power_gate_unused && rc->stats().ops == 0;
      if (gated) continue;
      if (rc->params().clock_gate_idle)
        clock_gated.emplace_back(site, &rc->params());
      else
        e["static"] += core_static_energy_j(rc->params(), T);
    } else if (auto* sc = dynamic_cast<SystolicCore*>(&n->model())) {
      e["systolic"] += sc->stats().energy_mac_j + sc->stats().energy_sram_j;
      e["sfu"] += sc->stats().energy_sfu_j;
      e["static"] += sc->static_energy_j(T);
    } else if (auto* rl = dynamic_cast<RooflineCore*>(&n->model())) {
      e["roofline"] += rl->stats().energy_j;
      e["static"] += rl->static_energy_j(T);
    }
  }
  e["reram"] += state.write_energy_j;
  for (const auto& router : net.routers()) {
    e["noc_routers"] += router->stats().energy_j;
    e["static"] += noc::router_static_power_w(cfg.noc.router, router->ports()) * T * 1e-12;
  }
  const auto& links = plan.topology.links();
  std::map<std::string, std::pair<double, int>> util;
  for (std::size_t c = 0; c < net.link_channels().size(); ++c) {
    const auto& ch = *net.link_channels()[c];
    const auto& l = links[c / 2];
    const std::string kind = noc::to_string(l.kind);
    e[l.kind == noc::LinkKind::kPlanar ? "noc_links" : "tsv"] += ch.stats().energy_j;
    LinkRow row;
    row.name = ch.basename();
    row.kind = kind;
    const auto& na = plan.topology.nodes()[c % 2 == 0 ? l.a : l.b];
    const auto& nb = plan.topology.nodes()[c % 2 == 0 ? l.b : l.a];
    row.from_tier = na.tier;
    row.from_x = na.x;
    row.from_y = na.y;
    row.to_tier = nb.tier;
    row.to_x = nb.x;
    row.to_y = nb.y;
    row.packets = ch.stats().packets;
    row.bytes = ch.stats().bytes;
    row.busy_s = ch.stats().busy_ps * 1e-12;
    row.queue_s = ch.stats().queue_ps * 1e-12;
    row.utilisation = T > 0 ? static_cast<double>(ch.stats().busy_ps) / T : 0;
    row.energy_j = ch.stats().energy_j;
    util[kind].first += row.utilisation;
    util[kind].second++;
    r.links.push_back(row);
  }
  for (const auto& [k, v] : util) r.link_utilisation[k] = v.second ? v.first / v.second : 0;
  uint64_t hops = 0, injected = 0;
  for (const auto& ch : net.local_channels()) {
    e["noc_links"] += ch->stats().energy_j;
    if (ch->role() == noc::ChannelRole::kInject) {
      injected += ch->stats().packets;
      r.noc_bytes += ch->stats().bytes;
    }
  }
  for (const auto& row : r.links) hops += row.packets;
  r.noc_packets = injected;
  r.noc_avg_hops = injected ? static_cast<double>(hops) / injected : 0;
  r.noc_avg_packet_latency_ns =
      state.noc_packets_timed
          ? static_cast<double>(state.noc_packet_latency_ps) / state.noc_packets_timed * 1e-3
          : 0;
  e["hbm"] = net.hbm().stats().energy_j;
  e["static"] += net.hbm().static_energy_j(T);
  for (const auto& [k, v] : e) r.energy_j += v;

  // ---- MACs, kernels, stages ----
  r.macs["reram"] = 0;
  r.macs["systolic"] = 0;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, KernelRow> rows;
  std::map<Stage, std::map<int, std::vector<std::pair<uint64_t, uint64_t>>>> busy;
  std::map<Stage, StageRow> stages;
  struct Visit {
    uint64_t compute = 0, comm = 0, stall = 0;
  };
  std::map<Stage, std::map<std::tuple<int, int, int>, Visit>> visits;
  std::map<int, std::vector<std::pair<uint64_t, uint64_t>>> core_iv;
  std::map<int, uint64_t> core_tasks;
  std::map<int, std::map<std::string, uint64_t>> track_busy;
  for (const auto& t : tg.tasks) {
    const TaskState& s = state.tasks[t.id];
    const Kernel& k = *t.kernel;
    const std::string unit = to_string(k.unit);
    const std::string core = to_string(plan.sites[t.site].type->kind);
    if (k.unit != Unit::kSfu) {
      r.macs[core] += t.macs;
      if (t.layer < 0) r.macs_head += t.macs;
      r.macs_by_phase[to_string(k.phase)][core] += t.macs;
    }
    auto& row = rows[{k.name, to_string(k.phase), unit, core}];
    row.kernel = k.name;
    row.phase = to_string(k.phase);
    row.unit = unit;
    row.core_kind = core;
    row.count++;
    row.macs += t.macs;
    row.busy_s += (s.finish_ps - s.start_ps) * 1e-12;
    row.queue_s += s.queue_ps * 1e-12;
    row.energy_j += s.energy_j;
    // Busy time counts when the units worked, not the gaps between a task's instances.
    for (const auto& sl : s.slices) busy[t.stage][t.site].push_back(sl);
    stages[t.stage].tasks++;
    stages[t.stage].queue_s += s.queue_ps * 1e-12;
    if (t.sequence >= 0 && t.layer >= 0) {
      auto& v = visits[t.stage][{t.sequence, t.layer, static_cast<int>(k.phase)}];
      v.compute = std::max(v.compute, s.finish_ps - s.start_ps);
      v.comm = std::max(v.comm, s.comm_ps);
      v.stall = std::max(v.stall, s.queue_ps);
    }
    core_iv[t.site].insert(core_iv[t.site].end(), s.slices.begin(), s.slices.end());
    core_tasks[t.site]++;
    for (const auto& sl : s.slices) track_busy[t.site][track_name(t)] += sl.second - sl.first;
  }
  for (auto& [key, row] : rows) r.kernels.push_back(row);
  // Clock-gated ReRAM cores draw their clocked power only while they compute.
  for (const auto& [site, params] : clock_gated) {
    const double joules = core_static_energy_j(*params, union_length(core_iv[site]));
    e["static"] += joules;
    r.energy_j += joules;
  }
  double busiest_core_s = 0;
  for (auto& [stage, per_site] : busy) {
    StageRow& row = stages[stage];
    row.stage = to_string(stage);
    row.cores = static_cast<int>(per_site.size());
    for (auto& [site, iv] : per_site) {
      const double b = union_length(iv) * 1e-12;
      row.busy_s += b;
      row.max_core_utilisation =
          std::max(row.max_core_utilisation, T > 0 ? b / r.simulated_time_s : 0);
    }
    row.utilisation = T > 0 ? row.busy_s / (row.cores * r.simulated_time_s) : 0;
    const auto& vs = visits[stage];
    for (const auto& [key, v] : vs) {
      row.compute_per_layer_s += v.compute * 1e-12;
      row.communication_per_layer_s += v.comm * 1e-12;
      row.stall_per_layer_s += v.stall * 1e-12;
    }
    if (!vs.empty()) {
      row.compute_per_layer_s /= vs.size();
      row.communication_per_layer_s /= vs.size();
      row.stall_per_layer_s /= vs.size();
    }
    busiest_core_s = std::max(busiest_core_s, row.max_core_utilisation * r.simulated_time_s);
    r.pipeline.push_back(row);
  }

  r.bottleneck_throughput_sequences_per_s = busiest_core_s > 0 ? r.sequences / busiest_core_s : 0;
  if (spec.mode == Mode::kFinetune) {
    // The adapters are updated after every batch, so batches do not overlap: an epoch is
    // a sequence of batches like this one.
    r.sequences_per_epoch = spec.task.sequences_per_epoch();
    r.epoch_time_s =
        r.throughput_sequences_per_s > 0 ? r.sequences_per_epoch / r.throughput_sequences_per_s : 0;
    r.epoch_energy_j = r.energy_j / r.sequences * r.sequences_per_epoch;
  }
  // Tiers and cores, for the stack view.
  for (int i = 0; i < static_cast<int>(cfg.tiers.size()); ++i) {
    const auto& tier = cfg.tiers[i];
    r.tiers.push_back(
        {i, tier.name, to_string(cfg.core_type(tier.core_type).kind), tier.width, tier.height});
  }
  for (const auto& site : plan.sites) {
    CoreRow c;
    c.name = site.name;
    c.kind = to_string(site.type->kind);
    c.site = site.index;
    c.tier = site.tier;
    c.x = site.x;
    c.y = site.y;
    c.tasks = core_tasks[site.index];
    c.busy_s = union_length(core_iv[site.index]) * 1e-12;
    c.utilisation = T > 0 ? c.busy_s / r.simulated_time_s : 0;
    for (const auto& [name, ps] : track_busy[site.index]) c.tracks.emplace_back(name, ps * 1e-12);
    r.cores.push_back(c);
  }
  if (opt.trace) r.trace = build_trace(tg, state, net, plan);
  if (functional) r.functional = functional->report();

  r.reram_cores_used = mapping.reram_cores_used;
  r.mha_ff_separate = mapping.mha_ff_separate;
  r.reloading = mapping.reloading;
  r.duplication = mapping.duplication;
  r.crossbars_needed = mapping.crossbars_needed;
  r.crossbars_available = mapping.crossbars_available;
  r.cells_written = state.cells_written;
  // Layer transactions from the host, NoC packets injected, and ops handed to the cores.
  r.transactions = host.issued() + r.noc_packets;
  for (const auto& t : tg.tasks) r.transactions += t.instances;
  return r;
}

}  // namespace atleus
