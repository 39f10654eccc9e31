// summary.json and the CSV files of a run.
#include <cstdio>
#include <sstream>

#include "atleus/platform/run/run_engine.hpp"

namespace atleus {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

using J = nlohmann::ordered_json;

// The share of MACs on the ReRAM crossbars, and the paper's way of counting it.
void add_mac_split(const RunResult& r, J& j) {
  uint64_t total = 0;  // every core kind's
  for (const auto& [kind, n] : r.macs) total += n;
  j["reram_mac_share"] = total ? static_cast<double>(r.macs.at("reram")) / total : 0.0;
  // The paper counts the layers only, and attention as one d n^2 product (Table II); it gives
  // 91.9% for GPT-2 Medium at n = 1024. Counting Q.K^T and softmax(S).V as the d n^2 products
  // they each are gives less (about 6 d / n instead of 12 d / n for ReRAM/SA).
  const uint64_t layers = total - r.macs_head;
  j["mac_split"] = {
      {"reram_share", total ? static_cast<double>(r.macs.at("reram")) / total : 0.0},
      {"reram_share_layers_only", layers ? static_cast<double>(r.macs.at("reram")) / layers : 0.0},
      {"head_macs", r.macs_head},
      {"paper_reram_share_gpt2_medium_n1024", 0.919}};
}

J pipeline_json(const RunResult& r) {
  J stages = J::array();
  for (const auto& s : r.pipeline)
    stages.push_back({{"stage", s.stage},
                      {"cores", s.cores},
                      {"tasks", s.tasks},
                      {"busy_s", s.busy_s},
                      {"utilisation", s.utilisation},
                      {"max_core_utilisation", s.max_core_utilisation},
                      {"compute_per_layer_s", s.compute_per_layer_s},
                      {"communication_per_layer_s", s.communication_per_layer_s},
                      {"stall_per_layer_s", s.stall_per_layer_s},
                      {"queue_s", s.queue_s}});
  return stages;
}

J tiers_json(const RunResult& r) {
  J tiers = J::array();
  for (const auto& t : r.tiers)
    tiers.push_back(
        {{"index", t.index}, {"name", t.name}, {"kind", t.kind}, {"grid", {t.width, t.height}}});
  return tiers;
}

J cores_json(const RunResult& r) {
  J cores = J::array();
  for (const auto& c : r.cores) {
    J tracks = J::array();
    for (const auto& [name, busy] : c.tracks) tracks.push_back({{"unit", name}, {"busy_s", busy}});
    cores.push_back({{"name", c.name},
                     {"kind", c.kind},
                     {"tier", c.tier},
                     {"x", c.x},
                     {"y", c.y},
                     {"tasks", c.tasks},
                     {"busy_s", c.busy_s},
                     {"utilisation", c.utilisation},
                     {"units", tracks}});
  }
  return cores;
}

}  // namespace

nlohmann::ordered_json to_json(const RunResult& r, const WorkloadSpec& spec) {
  J j;
  j["mode"] = r.mode;
  j["warnings"] = r.warnings;
  if (r.protocol_checked)
    j["protocol_check"] = {{"bindings", r.protocol.bindings},
                           {"transactions", r.protocol.transactions},
                           {"violations", r.protocol.violations},
                           {"first_violations", r.protocol.first_violations}};
  j["simulated_time_s"] = r.simulated_time_s;
  j["sequences"] = r.sequences;
  j["seq_len"] = spec.task.seq_len;
  j["latency_per_sequence_s"] = r.latency_per_sequence_s;
  j["throughput_sequences_per_s"] = r.throughput_sequences_per_s;
  j["bottleneck_throughput_sequences_per_s"] = r.bottleneck_throughput_sequences_per_s;
  j["energy_j"] = r.energy_j;
  j["energy_per_sequence_j"] = r.sequences ? r.energy_j / r.sequences : 0.0;
  j["energy_breakdown_j"] = r.energy_breakdown_j;
  j["core_energy_components_j"] = r.core_energy_components_j;
  j["core_static_energy_j"] = r.core_static_energy_j;
  j["macs"] = r.macs;
  j["macs_by_phase"] = r.macs_by_phase;
  add_mac_split(r, j);
  j["pipeline"] = pipeline_json(r);
  j["noc"] = {{"packets", r.noc_packets},
              {"bytes", r.noc_bytes},
              {"average_hops", r.noc_avg_hops},
              {"average_packet_latency_ns", r.noc_avg_packet_latency_ns},
              {"link_utilisation", r.link_utilisation}};
  if (!r.generate.is_null()) j["generate"] = r.generate;
  if (r.mode == "finetune") {
    j["sequences_per_epoch"] = r.sequences_per_epoch;
    j["epoch_time_s"] = r.epoch_time_s;
    j["epoch_energy_j"] = r.epoch_energy_j;
  }
  j["mapping"] = {
      {"reram_cores_used", r.reram_cores_used}, {"mha_ff_separate", r.mha_ff_separate},
      {"weight_reloading", r.reloading},        {"duplication", r.duplication},
      {"crossbars_needed", r.crossbars_needed}, {"crossbars_available", r.crossbars_available},
      {"cells_written", r.cells_written}};
  j["tiers"] = tiers_json(r);
  j["cores"] = cores_json(r);
  if (!r.functional.is_null()) j["functional"] = r.functional;
  j["tasks"] = r.tasks;
  j["transactions"] = r.transactions;
  return j;
}

std::string kernels_csv(const RunResult& r) {
  std::ostringstream o;
  o << "kernel,phase,unit,core_kind,count,macs,busy_s,queue_s,energy_j\n";
  for (const auto& k : r.kernels)
    o << csv_field(k.kernel) << ',' << k.phase << ',' << k.unit << ',' << k.core_kind << ','
      << k.count << ',' << k.macs << ',' << num(k.busy_s) << ',' << num(k.queue_s) << ','
      << num(k.energy_j) << '\n';
  return o.str();
}

std::string links_csv(const RunResult& r) {
  std::ostringstream o;
  o << "link,kind,from_tier,from_x,from_y,to_tier,to_x,to_y,packets,bytes,busy_s,utilisation,"
       "queue_s,energy_j\n";
  for (const auto& l : r.links)
    o << csv_field(l.name) << ',' << l.kind << ',' << l.from_tier << ',' << l.from_x << ','
      << l.from_y << ',' << l.to_tier << ',' << l.to_x << ',' << l.to_y << ',' << l.packets << ','
      << l.bytes << ',' << num(l.busy_s) << ',' << num(l.utilisation) << ',' << num(l.queue_s)
      << ',' << num(l.energy_j) << '\n';
  return o.str();
}

}  // namespace atleus
