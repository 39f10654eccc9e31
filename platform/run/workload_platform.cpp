#include "atleus/platform/run/workload_platform.hpp"

#include <map>
#include <stdexcept>
#include <string>

#include "atleus/models/reram_core.hpp"
#include "atleus/models/sim_time.hpp"
#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/run/workload_platform_impl.hpp"
#include "atleus/platform/sim_errors.hpp"

namespace atleus {

namespace {

const ReramCoreParams* reram_params(const PlatformConfig& cfg) {
  for (const auto& t : cfg.tiers) {
    const CoreType& ct = cfg.core_type(t.core_type);
    if (const ReramCoreParams* rp = ct.kind->crossbar_params(ct)) return rp;
  }
  return nullptr;
}

std::vector<MatrixSpec> layer_matrices(const WorkloadSpec& w) {
  const ModelSpec& m = w.model;
  return {{"qkv", m.matrix_rows("qkv"), m.matrix_cols("qkv"), w.quant.mha_bits, true},
          {"o", m.matrix_rows("o"), m.matrix_cols("o"), w.quant.mha_bits, true},
          {"ff1", m.matrix_rows("ff1"), m.matrix_cols("ff1"), w.quant.ff_bits, false},
          {"ff2", m.matrix_rows("ff2"), m.matrix_cols("ff2"), w.quant.ff_bits, false}};
}

// Frozen matrices resident on `sites` (layer l on sites[l mod count]) must fit each core's
// weight capacity at their precisions; a kind without a capacity holds any amount.
void check_resident_capacity(const CoreType& type, const std::vector<int>& sites,
                             const WorkloadSpec& w) {
  if (sites.empty()) return;
  const auto matrices = layer_matrices(w);
  const uint64_t layers = w.model.layers, n = sites.size();
  double worst = 0;  // fraction of a core's capacity, the fullest core
  uint64_t worst_weights = 0;
  for (uint64_t s = 0; s < n && s < layers; ++s) {
    const uint64_t on_core = (layers - s + n - 1) / n;  // layers s, s + n, ...
    double used = 0;
    uint64_t weights = 0;
    for (const auto& m : matrices) {
      const auto cap = type.kind->weight_capacity(type, m.bits);
      if (!cap) return;
      const uint64_t count = m.rows * m.cols * on_core;
      weights += count;
      used += *cap == 0 ? 1e300 : static_cast<double>(count) / static_cast<double>(*cap);
    }
    if (used > worst) {
      worst = used;
      worst_weights = weights;
    }
  }
  if (worst <= 1.0) return;
  const auto cap8 = type.kind->weight_capacity(type, matrices.front().bits);
  throw MappingError("the model does not fit in the memory of core type '" + type.name +
                     "' (kind " + type.kind->name() + "): a core holds " +
                     std::to_string(worst_weights) + " frozen weights, " +
                     std::to_string(static_cast<int>(worst * 100 + 0.5)) + "% of its capacity (" +
                     std::to_string(cap8 ? *cap8 : 0) + " weights at " +
                     std::to_string(matrices.front().bits) + " bits)");
}

// Every kernel class but the frozen products (which have their own placement).
bool runs_dynamic_work(const BlockKind& kind) {
  for (const auto& cls : kernel_classes())
    if (cls != "frozen" && !kind.can_run(cls)) return false;
  return true;
}

MappingTarget mapping_target(const PlatformConfig& cfg, const NetworkPlan& plan) {
  MappingTarget t;
  std::vector<MappingTarget::Slot> roofline;
  const ReramCoreParams* rp = reram_params(cfg);
  for (int tier = 0; tier < plan.topology.tiers(); ++tier) {
    const CoreType& ct = cfg.core_type(cfg.tiers[tier].core_type);
    for (int node : plan.topology.tier_order(tier)) {
      const auto& s = plan.sites[node];
      const BlockRole role = ct.kind->role();
      if (role == BlockRole::kCrossbar)
        t.reram.push_back({s.index, s.tier, s.x, s.y});
      else if (role == BlockRole::kArray)
        t.systolic.push_back({s.index, s.tier, s.x, s.y});
      else if (runs_dynamic_work(*ct.kind))
        roofline.push_back({s.index, s.tier, s.x, s.y});
    }
  }
  // Without systolic cores the dynamic work runs on the roofline cores by default (those whose
  // kind runs all of it: a kind that claims only frozen products is no fallback).
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
                                                      const NetworkPlan& plan,
                                                      const WorkloadSpec& w) {
  std::map<std::string, std::vector<int>> sites_of;  // core type -> sites, in tier order
  bool has_reram = false, has_systolic = false;
  const CoreType* first_roofline = nullptr;
  for (int tier = 0; tier < plan.topology.tiers(); ++tier) {
    const CoreType& ct = cfg.core_type(cfg.tiers[tier].core_type);
    const BlockRole role = ct.kind->role();
    has_reram |= role == BlockRole::kCrossbar;
    has_systolic |= role == BlockRole::kArray;
    if (role == BlockRole::kRoofline && first_roofline == nullptr) first_roofline = &ct;
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
    if (type == nullptr || type->kind->role() == BlockRole::kCrossbar) continue;
    ClassPlacement p;
    p.sites = sites_of[type->name];
    p.weights_resident = cls == "frozen" && type->kind->weights_resident(*type);
    if (p.weights_resident) check_resident_capacity(*type, p.sites, w);
    out[cls] = p;
  }
  return out;
}

// Generation keeps every request's KV cache in HBM beside the embedding table (and the LM head
// when it is not tied to it), and the frozen matrices when they are streamed: a cache that does
// not fit is an infeasible design.
void check_generate_memory(const WorkloadPlatform::Impl& p) {
  const WorkloadSpec& w = p.spec;
  if (w.mode != Mode::kGenerate) return;
  const ModelSpec& m = w.model;
  const uint64_t kv_request =
      uint64_t(w.generate.max_context()) * m.kv_bytes_per_token(w.generate.kv_bits);
  const uint64_t kv = w.generate.kv_in_sram ? 0 : kv_request * w.task.batch;
  const uint64_t table = (uint64_t(m.vocab_size) * m.d_model * w.generate.head_bits + 7) / 8;
  uint64_t weights = table * (m.tie_word_embeddings ? 1 : 2);
  if (p.mapping.weights_streamed) weights += decode_weight_bytes(w) - table;
  if (w.generate.kv_in_sram) {
    // Each layer's cache sits in the SRAM of the core that runs its attention.
    const auto placement = class_placement(p.cfg, p.plan, w);
    const auto it = placement.find("attn_scores");
    std::map<int, uint64_t> layers_on;  // site -> layers whose attention it runs
    for (uint64_t l = 0; l < m.layers; ++l) {
      const int site = it != placement.end() ? it->second.sites[l % it->second.sites.size()]
                                             : p.mapping.systolic_site.at(l);
      ++layers_on[site];
    }
    const uint64_t per_layer = kv_request / m.layers * w.task.batch;
    for (const auto& [site, layers] : layers_on) {
      const CoreType& type = *p.plan.sites[static_cast<std::size_t>(site)].type;
      const uint64_t sram = type.kind->buffer_bytes(type).value_or(0);
      if (layers * per_layer <= sram) continue;
      throw MappingError("the KV cache does not fit in the SRAM of core " +
                         p.plan.sites[static_cast<std::size_t>(site)].name + ": " +
                         std::to_string(layers) + " layers x " + std::to_string(w.task.batch) +
                         " requests x " + std::to_string(w.generate.max_context()) + " tokens x " +
                         std::to_string(m.kv_bytes_per_token(w.generate.kv_bits) / m.layers) +
                         " B = " + std::to_string(layers * per_layer) + " B > " +
                         std::to_string(sram) + " B (kv_cache: sram; use hbm)");
    }
  }
  const uint64_t capacity = p.cfg.hbm.capacity_bytes();
  if (kv + weights <= capacity) return;
  throw MappingError("the KV cache does not fit in HBM: " + std::to_string(w.task.batch) +
                     " requests x " + std::to_string(w.generate.max_context()) + " tokens x " +
                     std::to_string(m.kv_bytes_per_token(w.generate.kv_bits)) +
                     " B per token = " + std::to_string(kv) + " B of cache + " +
                     std::to_string(weights) + " B of weights > " + std::to_string(capacity) +
                     " B of HBM (memory.hbm.capacity_gib)");
}

TaskGraph make_task_graph(const WorkloadPlatform::Impl& p) {
  TaskGraphInputs in;
  in.graph = &p.graph;
  in.mapping = &p.mapping;
  // Decode steps alone (RunOptions::decode_steps): no prompt to prefill.
  in.sequences = p.opt.decode_steps.empty() ? static_cast<int>(p.spec.task.batch) : 0;
  in.d_model = p.spec.model.d_model;
  in.d_ff = p.spec.model.d_ff;
  in.cells_bits_per_cell = reram_params(p.cfg) ? reram_params(p.cfg)->bits_per_cell : 2;
  in.placement = class_placement(p.cfg, p.plan, p.spec);
  for (const auto& tier : p.cfg.tiers) {
    const CoreType& ct = p.cfg.core_type(tier.core_type);
    in.dequant_materialize |= ct.kind->dequant_materialize(ct);
  }
  return build_task_graph(in);
}

void init_state(WorkloadPlatform::Impl& p) {
  RunState& state = p.state;
  state.graph = &p.tasks;
  state.tasks.resize(p.tasks.tasks.size());
  for (std::size_t i = 0; i < p.tasks.tasks.size(); ++i)
    state.tasks[i].remaining = static_cast<int>(p.tasks.tasks[i].deps.size()) + 1;
  state.node_of_site.assign(p.plan.sites.size(), nullptr);
  state.progress = p.opt.progress;
  if (p.opt.functional) {
    // The crossbars' numerics follow the platform's ReRAM parameters (one source of truth).
    FunctionalOptions fo = p.opt.functional_options;
    if (const ReramCoreParams* rp = reram_params(p.cfg)) {
      fo.adc_bits = rp->adc_bits;
      fo.crossbar_rows = rp->crossbar_rows;
      fo.crossbar_cols = rp->crossbar_cols;
      fo.bits_per_cell = rp->bits_per_cell;
      fo.dac_bits = rp->dac_bits;
      fo.isaac_encoding = rp->isaac_encoding;
    }
    p.functional = std::make_unique<FunctionalRun>(p.spec, p.tasks, fo);
    state.on_finish = [f = p.functional.get()](const Task& t) { f->task_finished(t); };
  }
}

// With check_protocol, a ProtocolChecker on every binding (then the user's hook, if any, on the
// checker's output side); otherwise the user's hook alone.
BindHook make_bind_hook(WorkloadPlatform::Impl& p) {
  return p.opt.check_protocol ? p.checkers.hook(p.opt.bind_hook) : p.opt.bind_hook;
}

// The compute node on one core site: the site's core model behind a network interface.
std::unique_ptr<Endpoint> make_node(WorkloadPlatform::Impl& p, const Site& site) {
  const std::string name = site.type->name + "_" + site.name;
  NodeOptions node_opt;
  node_opt.packet_bytes = p.opt.packet_bytes;
  node_opt.hbm_base = kHbmBase;
  if (!p.cfg.memory_external) node_opt.hbm_bytes = p.cfg.hbm.capacity_bytes();
  node_opt.reram = reram_params(p.cfg);
  node_opt.bind_hook = p.bind_hook;
  node_opt.whole_messages = p.cfg.noc.model != noc::NocModel::kPacket;
  site.type->kind->node_options(*site.type, node_opt);
  std::unique_ptr<BlockModel> model = site.type->kind->make_model(name, *site.type);
  auto node = std::make_unique<ComputeNode>(("node_" + site.name).c_str(), site.index,
                                            std::move(model), p.state, node_opt);
  p.state.node_of_site[site.index] = node.get();
  p.nodes.emplace_back(site.index, node.get());
  return node;
}

}  // namespace

WorkloadPlatform::WorkloadPlatform(sc_core::sc_module_name name, const PlatformConfig& cfg,
                                   const WorkloadSpec& spec, const RunOptions& opt)
    : sc_core::sc_module(name), impl_(std::make_unique<Impl>()) {
  Impl& p = *impl_;
  p.cfg = cfg;
  p.spec = spec;
  p.spec.generate.kv_in_sram = cfg.kv_cache == "sram";
  p.opt = opt;
  p.graph = build_graph(p.spec);
  if (!p.opt.decode_steps.empty()) {
    if (p.spec.mode != Mode::kGenerate)
      throw std::logic_error("RunOptions::decode_steps needs Mode::kGenerate");
    p.graph.decode.clear();
    for (const auto& cache_len : p.opt.decode_steps) {
      DecodeStep step;
      step.cache_len = cache_len;
      step.layer = build_decode_layer(p.spec, cache_len);
      step.head = build_lm_head(p.spec, cache_len.size());
      p.graph.decode.push_back(std::move(step));
    }
  }
  p.plan = plan_network(p.cfg);
  p.mapping = map_model(static_cast<int>(p.spec.model.layers), layer_matrices(p.spec),
                        mapping_target(p.cfg, p.plan), p.opt.allow_reload, p.spec.duplication);
  check_generate_memory(p);
  p.tasks = make_task_graph(p);
  init_state(p);
  const uint64_t total = p.tasks.tasks.size();
  p.state.on_task_done = [this, total] {
    if (impl_->state.done != total) return;
    const uint64_t now = now_ps(), last = impl_->state.last_finish_ps;
    impl_->done.notify(from_ps(last > now ? last - now : 0));
  };
  p.bind_hook = make_bind_hook(p);
  NetlistOptions nopt;
  nopt.make_endpoint = [&p](const Site& site) { return make_node(p, site); };
  nopt.host_stub = false;
  nopt.bind_hook = p.bind_hook;
  nopt.memory = p.opt.memory;
  nopt.packet_bytes = p.opt.packet_bytes;
  p.net = std::make_unique<Netlist>("platform", p.cfg, std::move(nopt));
  if (p.opt.trace)
    for (const auto& ch : p.net->link_channels()) ch->keep_busy_intervals();
  if (!p.opt.external_host) {
    p.host = std::make_unique<HostDriver>("host", p.state);
    p.net->connect(p.host->out, p.net->host_in());
    p.net->connect(p.net->host_out(), p.host->in);
  }
  SC_METHOD(on_done);
  sensitive << p.done;
  dont_initialize();
}

WorkloadPlatform::~WorkloadPlatform() = default;

void WorkloadPlatform::on_done() {
  if (impl_->opt.stop_when_done) sc_core::sc_stop();
}

Netlist& WorkloadPlatform::netlist() {
  return *impl_->net;
}
const TaskGraph& WorkloadPlatform::task_graph() const {
  return impl_->tasks;
}

std::vector<LayerTransaction> WorkloadPlatform::layer_transactions() const {
  std::vector<LayerTransaction> out;
  const auto& groups = impl_->tasks.issue;
  out.reserve(groups.size());
  for (int g = 0; g < static_cast<int>(groups.size()); ++g)
    out.push_back({core_base(groups[g].site), groups[g].site, g});
  return out;
}

tlm::tlm_target_socket<>& WorkloadPlatform::host_in() {
  if (!impl_->opt.external_host)
    throw std::logic_error("host_in(): the built-in host is bound (RunOptions::external_host)");
  return impl_->net->host_in();
}
tlm::tlm_initiator_socket<>& WorkloadPlatform::host_out() {
  if (!impl_->opt.external_host)
    throw std::logic_error("host_out(): the built-in host is bound (RunOptions::external_host)");
  return impl_->net->host_out();
}

bool WorkloadPlatform::done() const {
  return impl_->state.done == impl_->tasks.tasks.size();
}
uint64_t WorkloadPlatform::tasks_done() const {
  return impl_->state.done;
}
const sc_core::sc_event& WorkloadPlatform::done_event() const {
  return impl_->done;
}

RunResult WorkloadPlatform::collect() const {
  rethrow_simulation_error();
  if (!done())
    throw std::logic_error("collect(): the run stopped with " +
                           std::to_string(impl_->tasks.tasks.size() - impl_->state.done) + " of " +
                           std::to_string(impl_->tasks.tasks.size()) + " tasks not done");
  return collect_run(*impl_);
}

}  // namespace atleus
