#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "atleus/models/roofline_core.hpp"
#include "atleus/models/systolic_core.hpp"
#include "atleus/noc/link_physics.hpp"
#include "atleus/platform/describe.hpp"
#include "atleus/platform/run/workload_platform_impl.hpp"

namespace atleus {

namespace {

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
    // Generation: the decode steps are the sequence indices past the batch (task_graph.hpp).
    const bool decode = t.sequence >= tg.sequences;
    const std::string cat = decode ? "decode step " + std::to_string(t.sequence - tg.sequences + 1)
                                   : to_string(t.kernel->phase);
    for (const auto& [b, e] : s.slices)
      events.push_back({{"name", t.kernel->name},
                        {"cat", cat},
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

// Simulated time, per-sequence latency and batch throughput.
void collect_time(const WorkloadPlatform::Impl& p, RunResult& r) {
  const TaskGraph& tg = p.tasks;
  const RunState& state = p.state;
  const uint64_t T = state.last_finish_ps;
  r.simulated_time_s = T * 1e-12;
  r.sequences = tg.sequences;
  r.tasks = tg.tasks.size();
  std::vector<uint64_t> first(tg.sequences, UINT64_MAX), last(tg.sequences, 0);
  for (const auto& t : tg.tasks) {
    if (t.sequence < 0 || t.sequence >= tg.sequences) continue;  // generation: decode steps
    first[t.sequence] = std::min(first[t.sequence], state.tasks[t.id].ready_ps);
    last[t.sequence] = std::max(last[t.sequence], state.tasks[t.id].finish_ps);
  }
  double lat = 0;
  for (int s = 0; s < tg.sequences; ++s) lat += (last[s] - first[s]) * 1e-12;
  r.latency_per_sequence_s = tg.sequences > 0 ? lat / tg.sequences : 0;
  r.throughput_sequences_per_s = T > 0 ? tg.sequences / r.simulated_time_s : 0;
}

// Energy of the cores; clock-gated ReRAM cores are returned to be charged by busy time.
std::vector<std::pair<int, const BlockModel*>> collect_core_energy(const WorkloadPlatform::Impl& p,
                                                                   RunResult& r) {
  const uint64_t T = p.state.last_finish_ps;
  auto& e = r.energy_breakdown_j;
  std::vector<std::pair<int, const BlockModel*>> clock_gated;
  for (const auto& [site, n] : p.nodes) {
    const BlockModel& m = n->model();
    for (const auto& [cls, joules] : m.dynamic_energy_j()) e[cls] += joules;
    for (const auto& c : m.dynamic_energy_by_component_j())
      r.core_energy_components_j[c.event_class][c.component] += c.joules;
    const std::string& type = p.plan.sites[site].type->name;
    r.core_static_energy_j[type] += 0.0;
    switch (m.static_charge()) {
      case BlockModel::StaticCharge::kNone:
        break;
      case BlockModel::StaticCharge::kWhileBusy:
        clock_gated.emplace_back(site, &m);
        break;
      case BlockModel::StaticCharge::kWholeRun: {
        const double joules = m.static_energy_j(T);
        e["static"] += joules;
        r.core_static_energy_j[type] += joules;
        break;
      }
    }
  }
  e["reram"] += p.state.write_energy_j;
  if (p.state.write_energy_j > 0)
    r.core_energy_components_j["reram"]["weight_writes"] += p.state.write_energy_j;
  return clock_gated;
}

// Per-link rows, link and TSV energy, utilisation per link kind.
void collect_links(const WorkloadPlatform::Impl& p, RunResult& r) {
  const uint64_t T = p.state.last_finish_ps;
  const Netlist& net = *p.net;
  auto& e = r.energy_breakdown_j;
  const auto& links = p.plan.topology.links();
  std::map<std::string, std::pair<double, int>> util;
  for (std::size_t c = 0; c < net.link_channels().size(); ++c) {
    const auto& ch = *net.link_channels()[c];
    const auto& l = links[c / 2];
    const std::string kind = noc::to_string(l.kind);
    e[l.kind == noc::LinkKind::kPlanar ? "noc_links" : "tsv"] += ch.stats().energy_j;
    LinkRow row;
    row.name = ch.basename();
    row.kind = kind;
    const auto& na = p.plan.topology.nodes()[c % 2 == 0 ? l.a : l.b];
    const auto& nb = p.plan.topology.nodes()[c % 2 == 0 ? l.b : l.a];
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
}

// Routers, local channels, HBM; NoC packet counts, hops and latency.
void collect_network(const WorkloadPlatform::Impl& p, RunResult& r) {
  const uint64_t T = p.state.last_finish_ps;
  Netlist& net = *p.net;
  auto& e = r.energy_breakdown_j;
  for (const auto& router : net.routers()) {
    e["noc_routers"] += router->stats().energy_j;
    e["static"] += noc::router_static_power_w(p.cfg.noc.router, router->ports()) * T * 1e-12;
  }
  collect_links(p, r);
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
      p.state.noc_packets_timed
          ? static_cast<double>(p.state.noc_packet_latency_ps) / p.state.noc_packets_timed * 1e-3
          : 0;
  if (net.has_hbm()) {
    e["hbm"] = net.hbm().stats().energy_j;
    e["static"] += net.hbm().static_energy_j(T);
  } else if (const MemoryEnergy* mem = net.external_memory().energy) {
    e["memory"] = mem->dynamic_energy_j();
    e["static"] += mem->static_energy_j(T);
  } else {
    r.warnings.push_back(
        "main memory: an external target that reports no energy; energy_j leaves it out");
  }
}

// What the task records add up to per kernel, per stage and per core.
struct TaskTotals {
  struct Visit {
    uint64_t compute = 0, comm = 0, stall = 0;
  };
  std::map<std::tuple<std::string, std::string, std::string, std::string>, KernelRow> rows;
  std::map<Stage, std::map<int, std::vector<std::pair<uint64_t, uint64_t>>>> busy;
  std::map<Stage, StageRow> stages;
  std::map<Stage, std::map<std::tuple<int, int, int>, Visit>> visits;
  std::map<int, std::vector<std::pair<uint64_t, uint64_t>>> core_iv;
  std::map<int, uint64_t> core_tasks;
  std::map<int, std::map<std::string, uint64_t>> track_busy;
};

TaskTotals total_tasks(const WorkloadPlatform::Impl& p, RunResult& r) {
  TaskTotals tt;
  r.macs["reram"] = 0;
  r.macs["systolic"] = 0;
  for (const auto& t : p.tasks.tasks) {
    const TaskState& s = p.state.tasks[t.id];
    const Kernel& k = *t.kernel;
    const std::string unit = to_string(k.unit);
    const std::string core = p.plan.sites[t.site].type->kind_name();
    if (k.unit != Unit::kSfu) {
      r.macs[core] += t.macs;
      if (t.layer < 0) r.macs_head += t.macs;
      r.macs_by_phase[to_string(k.phase)][core] += t.macs;
    }
    auto& row = tt.rows[{k.name, to_string(k.phase), unit, core}];
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
    for (const auto& sl : s.slices) tt.busy[t.stage][t.site].push_back(sl);
    tt.stages[t.stage].tasks++;
    tt.stages[t.stage].queue_s += s.queue_ps * 1e-12;
    if (t.sequence >= 0 && t.layer >= 0) {
      auto& v = tt.visits[t.stage][{t.sequence, t.layer, static_cast<int>(k.phase)}];
      v.compute = std::max(v.compute, s.finish_ps - s.start_ps);
      v.comm = std::max(v.comm, s.comm_ps);
      v.stall = std::max(v.stall, s.queue_ps);
    }
    tt.core_iv[t.site].insert(tt.core_iv[t.site].end(), s.slices.begin(), s.slices.end());
    tt.core_tasks[t.site]++;
    for (const auto& sl : s.slices) tt.track_busy[t.site][track_name(t)] += sl.second - sl.first;
  }
  for (auto& [key, row] : tt.rows) r.kernels.push_back(row);
  return tt;
}

// Per-stage busy time, utilisation and the Fig. 10 split; returns the busiest core's busy time.
double collect_stages(TaskTotals& tt, RunResult& r) {
  const bool ran = r.simulated_time_s > 0;
  double busiest_core_s = 0;
  for (auto& [stage, per_site] : tt.busy) {
    StageRow& row = tt.stages[stage];
    row.stage = to_string(stage);
    row.cores = static_cast<int>(per_site.size());
    for (auto& [site, iv] : per_site) {
      const double b = union_length(iv) * 1e-12;
      row.busy_s += b;
      row.max_core_utilisation =
          std::max(row.max_core_utilisation, ran ? b / r.simulated_time_s : 0);
    }
    row.utilisation = ran ? row.busy_s / (row.cores * r.simulated_time_s) : 0;
    const auto& vs = tt.visits[stage];
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
  return busiest_core_s;
}

// Tiers and cores, for the stack view.
void collect_cores(const WorkloadPlatform::Impl& p, TaskTotals& tt, RunResult& r) {
  const bool ran = r.simulated_time_s > 0;
  for (int i = 0; i < static_cast<int>(p.cfg.tiers.size()); ++i) {
    const auto& tier = p.cfg.tiers[i];
    r.tiers.push_back(
        {i, tier.name, p.cfg.core_type(tier.core_type).kind_name(), tier.width, tier.height});
  }
  for (const auto& site : p.plan.sites) {
    CoreRow c;
    c.name = site.name;
    c.kind = site.type->kind_name();
    c.site = site.index;
    c.tier = site.tier;
    c.x = site.x;
    c.y = site.y;
    c.tasks = tt.core_tasks[site.index];
    c.busy_s = union_length(tt.core_iv[site.index]) * 1e-12;
    c.utilisation = ran ? c.busy_s / r.simulated_time_s : 0;
    for (const auto& [name, ps] : tt.track_busy[site.index])
      c.tracks.emplace_back(name, ps * 1e-12);
    r.cores.push_back(c);
  }
}

void collect_mapping(const WorkloadPlatform::Impl& p, RunResult& r) {
  const Mapping& m = p.mapping;
  r.reram_cores_used = m.reram_cores_used;
  r.mha_ff_separate = m.mha_ff_separate;
  r.reloading = m.reloading;
  r.duplication = m.duplication;
  r.crossbars_needed = m.crossbars_needed;
  r.crossbars_available = m.crossbars_available;
  r.cells_written = p.state.cells_written;
  // Layer transactions from the host, NoC packets injected, and ops handed to the cores.
  r.transactions = p.tasks.issue.size() + r.noc_packets;
  for (const auto& t : p.tasks.tasks) r.transactions += t.instances;
}

// Generation: the prefill's tasks are those of sequences 0..B-1, decode step j's those of
// sequence index B + j; a token is out when its head_sample task finishes.
struct GenerateTally {
  std::vector<uint64_t> first_token, step_done;  // per request; per decode step
  double e_prefill = 0, e_decode = 0;            // core (dynamic) energy by phase
  uint64_t prefill_end = 0, hbm_decode = 0, hbm_prefill = 0, weights_decode = 0;
  // Decode: (kernel class, site) -> intervals the class kept that core busy (or loading).
  std::map<std::pair<std::string, int>, std::vector<std::pair<uint64_t, uint64_t>>> busy;
  std::map<std::string, double> class_busy;
};

GenerateTally tally_generate(const WorkloadPlatform::Impl& p) {
  const TaskGraph& tg = p.tasks;
  const int B = tg.sequences;
  GenerateTally g;
  g.first_token.assign(static_cast<std::size_t>(B), 0);
  g.step_done.assign(p.graph.decode.size(), 0);
  for (const Task& t : tg.tasks) {
    const TaskState& s = p.state.tasks[static_cast<std::size_t>(t.id)];
    const bool sample = t.kernel->name == "head_sample";
    // A roofline core's resident weights stream from its own memory (the GPU's HBM2).
    const uint64_t hbm =
        t.hbm_read_bytes + t.hbm_write_bytes + (t.weights_local ? t.weight_read_bytes : 0);
    if (t.sequence < B) {
      g.e_prefill += s.energy_j;
      g.hbm_prefill += hbm;
      g.prefill_end = std::max(g.prefill_end, s.finish_ps);
      if (sample && t.sequence >= 0) {
        auto& f = g.first_token[static_cast<std::size_t>(t.sequence)];
        f = std::max(f, s.finish_ps);
      }
      continue;
    }
    g.e_decode += s.energy_j;
    g.hbm_decode += hbm;
    g.weights_decode += t.weight_read_bytes;
    const std::string cls = kernel_class(*t.kernel);
    g.busy[{cls, t.site}].emplace_back(s.start_ps, s.finish_ps);
    g.class_busy[cls] += (s.finish_ps - s.start_ps) * 1e-12;
    // Waiting for operands from HBM over the NoC, before the unit could start.
    if (s.loaded_ps > s.ready_ps) {
      const std::string load = cls + " operand loads (HBM/NoC)";
      g.busy[{load, t.site}].emplace_back(s.ready_ps, s.loaded_ps);
      g.class_busy[load] += (s.loaded_ps - s.ready_ps) * 1e-12;
    }
    if (sample) {
      auto& d = g.step_done[static_cast<std::size_t>(t.sequence - B)];
      d = std::max(d, s.finish_ps);
    }
  }
  return g;
}

// The bottleneck of the decode steps: the (kernel class, core) busiest over them.
nlohmann::ordered_json decode_bottleneck(const GenerateTally& g, const RunResult& r,
                                         double decode_s) {
  const std::size_t steps = g.step_done.size();
  nlohmann::ordered_json bottleneck = nlohmann::ordered_json::object();
  double top = -1;
  for (const auto& [key, iv] : g.busy) {
    const double b = union_length(iv) * 1e-12;
    if (b <= top) continue;
    top = b;
    std::string core;
    for (const auto& c : r.cores)
      if (c.site == key.second) core = c.name;
    bottleneck = {{"stage", key.first},
                  {"core", core},
                  {"busy_per_step_s", steps ? b / steps : 0.0},
                  {"share_of_decode_time", decode_s > 0 ? b / decode_s : 0.0}};
  }
  return bottleneck;
}

// KV-cache and memory-traffic figures of a generate run.
void add_generate_memory(const WorkloadPlatform::Impl& p, const GenerateTally& t,
                         nlohmann::ordered_json& g) {
  const GenerateSpec& gen = p.spec.generate;
  const uint64_t B = static_cast<uint64_t>(p.tasks.sequences);
  const std::size_t steps = t.step_done.size();
  const uint64_t decoded = B * steps;
  const uint64_t kv_token = p.spec.model.kv_bytes_per_token(gen.kv_bits);
  g["kv_bits"] = gen.kv_bits;
  g["kv_cache_bytes_per_token"] = kv_token;
  g["kv_cache_bytes_per_request"] = kv_token * gen.max_context();
  g["kv_cache_bytes"] = kv_token * gen.max_context() * B;
  g["kv_cache_placement"] = gen.kv_in_sram ? "sram" : "hbm";
  g["hbm_bytes_prefill"] = t.hbm_prefill;
  g["hbm_bytes_per_output_token"] = decoded ? static_cast<double>(t.hbm_decode) / decoded : 0.0;
  g["weight_read_bytes_per_step"] = steps ? static_cast<double>(t.weights_decode) / steps : 0.0;
  g["weight_read_bytes_per_output_token"] =
      decoded ? static_cast<double>(t.weights_decode) / decoded : 0.0;
  g["model_weight_bytes"] = decode_weight_bytes(p.spec);
}

// Core (dynamic) energy is split by the tasks' phase; the rest (static, NoC, HBM) in proportion
// to the time each phase spans (prefill: until its last task ends).
void collect_generate(const WorkloadPlatform::Impl& p, RunResult& r) {
  if (p.spec.mode != Mode::kGenerate) return;
  const GenerateTally t = tally_generate(p);
  const int B = p.tasks.sequences;
  const std::size_t steps = t.step_done.size();
  const GenerateSpec& gen = p.spec.generate;
  const uint64_t T = p.state.last_finish_ps;
  const double rest = std::max(0.0, r.energy_j - t.e_prefill - t.e_decode);
  const double prefill_share = T > 0 ? static_cast<double>(t.prefill_end) / T : 1.0;
  const double prefill_j = t.e_prefill + rest * prefill_share;
  const double decode_j = t.e_decode + rest * (1.0 - prefill_share);

  std::vector<double> ttft, tpot, itl;
  const uint64_t last = steps > 0 ? t.step_done.back() : 0;
  for (int q = 0; q < B; ++q) {
    const uint64_t f = t.first_token[static_cast<std::size_t>(q)];
    ttft.push_back(f * 1e-12);
    if (steps > 0) tpot.push_back((last - f) * 1e-12 / static_cast<double>(steps));
    uint64_t prev = f;
    for (uint64_t d : t.step_done) {
      itl.push_back((d - prev) * 1e-12);
      prev = d;
    }
  }
  const double seconds = T * 1e-12;
  const double decode_s = (T - std::min(T, t.prefill_end)) * 1e-12;
  const uint64_t generated = uint64_t(B) * gen.gen_len, decoded = uint64_t(B) * steps;

  using J = nlohmann::ordered_json;
  J g;
  g["prompt_len"] = gen.prompt_len;
  g["gen_len"] = gen.gen_len;
  g["requests"] = B;
  g["decode_steps"] = steps;
  g["ttft_s"] = distribution(ttft);
  g["first_token_s"] = ttft;  // per request, in request order
  g["tpot_s"] = distribution(tpot);
  g["inter_token_latency_s"] = distribution(itl);
  g["tokens_per_s"] = seconds > 0 ? generated / seconds : 0.0;
  g["requests_per_s"] = seconds > 0 ? B / seconds : 0.0;
  g["prefill_time_s"] = t.prefill_end * 1e-12;
  g["decode_time_s"] = decode_s;
  J step_times = J::array();
  uint64_t prev = t.prefill_end;
  for (uint64_t d : t.step_done) {
    step_times.push_back((d - std::min(d, prev)) * 1e-12);
    prev = d;
  }
  g["decode_step_time_s"] = step_times;
  g["energy_prefill_j"] = prefill_j;
  g["energy_decode_j"] = decode_j;
  g["energy_per_prompt_token_j"] = prefill_j / std::max<double>(1.0, double(B) * gen.prompt_len);
  g["energy_per_output_token_j"] = decode_j / std::max<double>(1.0, double(decoded));
  add_generate_memory(p, t, g);
  g["decode_bottleneck"] = decode_bottleneck(t, r, decode_s);
  J per_class = J::object();
  for (const auto& [cls, b] : t.class_busy) per_class[cls] = steps ? b / steps : 0.0;
  g["decode_busy_per_step_s"] = per_class;
  r.generate = g;
}

}  // namespace

nlohmann::ordered_json distribution(std::vector<double> v) {
  if (v.empty()) return {{"mean", 0.0}, {"p50", 0.0}, {"p99", 0.0}, {"samples", 0}};
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  auto rank = [&v](double q) {
    const auto n = static_cast<double>(v.size());
    const auto i = static_cast<std::size_t>(std::max(1.0, std::ceil(q * n))) - 1;
    return v[std::min(i, v.size() - 1)];
  };
  return {{"mean", sum / static_cast<double>(v.size())},
          {"p50", rank(0.50)},
          {"p99", rank(0.99)},
          {"samples", v.size()}};
}

RunResult collect_run(const WorkloadPlatform::Impl& p) {
  RunResult r;
  r.mode = to_string(p.spec.mode);
  collect_time(p, r);
  auto& e = r.energy_breakdown_j;
  for (const char* k : {"reram", "systolic", "sfu", "noc_routers", "noc_links", "tsv", "static"})
    e[k] = 0.0;
  if (p.net->has_hbm()) e["hbm"] = 0.0;
  const auto clock_gated = collect_core_energy(p, r);
  collect_network(p, r);
  for (const auto& [k, v] : e) r.energy_j += v;

  TaskTotals tt = total_tasks(p, r);
  // Clock-gated cores (ReRAM) draw their clocked power only while they compute.
  for (const auto& [site, model] : clock_gated) {
    const double joules = model->static_energy_j(union_length(tt.core_iv[site]));
    e["static"] += joules;
    r.core_static_energy_j[p.plan.sites[site].type->name] += joules;
    r.energy_j += joules;
  }
  const double busiest_core_s = collect_stages(tt, r);
  r.bottleneck_throughput_sequences_per_s = busiest_core_s > 0 ? r.sequences / busiest_core_s : 0;
  if (p.spec.mode == Mode::kFinetune) {
    // The adapters are updated after every batch, so batches do not overlap: an epoch is
    // a sequence of batches like this one.
    r.sequences_per_epoch = p.spec.task.sequences_per_epoch();
    r.epoch_time_s =
        r.throughput_sequences_per_s > 0 ? r.sequences_per_epoch / r.throughput_sequences_per_s : 0;
    r.epoch_energy_j = r.energy_j / r.sequences * r.sequences_per_epoch;
  }
  collect_cores(p, tt, r);
  collect_generate(p, r);
  if (p.opt.trace) r.trace = build_trace(p.tasks, p.state, *p.net, p.plan);
  if (p.functional) r.functional = p.functional->report();
  const std::vector<std::string> memory_warnings = std::move(r.warnings);
  r.warnings = platform_warnings(p.cfg);
  r.warnings.insert(r.warnings.end(), memory_warnings.begin(), memory_warnings.end());
  r.protocol_checked = p.opt.check_protocol;
  r.protocol = p.checkers.stats();
  collect_mapping(p, r);
  return r;
}

}  // namespace atleus
