#include "atleus/platform/run/functional_run.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "atleus/models/seeded_normal.hpp"

namespace atleus {

struct FunctionalRun::Instance {
  LayerState hw, fp;
};

namespace {

double relative_error(const std::vector<float>& a, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < std::min(a.size(), ref.size()); ++i) {
    num += (a[i] - ref[i]) * static_cast<double>(a[i] - ref[i]);
    den += ref[i] * static_cast<double>(ref[i]);
  }
  return den > 0 ? std::sqrt(num / den) : 0.0;
}

const std::set<std::string>& layer_kernels() {
  static const std::set<std::string> names = [] {
    std::set<std::string> s(forward_kernel_names().begin(), forward_kernel_names().end());
    s.insert(backward_kernel_names().begin(), backward_kernel_names().end());
    return s;
  }();
  return names;
}

}  // namespace

FunctionalRun::FunctionalRun(const WorkloadSpec& spec, const TaskGraph& graph,
                             const FunctionalOptions& opt)
    : spec_(spec), opt_(opt) {
  if (spec.mode == Mode::kFinetune && spec.backward != BackwardMode::kFull)
    throw std::invalid_argument("functional fine-tuning needs the full backward pass");
  const auto& targets = spec.lora.targets;
  if (targets.size() != 2 || std::find(targets.begin(), targets.end(), "q") == targets.end() ||
      std::find(targets.begin(), targets.end(), "v") == targets.end())
    throw std::invalid_argument("functional runs support LoRA on q and v (the default targets)");
  shape_.d_model = spec.model.d_model;
  shape_.heads = spec.model.heads;
  shape_.d_ff = spec.model.d_ff;
  shape_.lora_rank = spec.lora.rank;
  shape_.seq_len = spec.task.seq_len;
  shape_.batch = 1;
  shape_.validate();
  LayerNumerics hw;
  hw.mha_bits = spec.quant.mha_bits;
  hw.ff_bits = spec.quant.ff_bits;
  hw.act_bits = spec.quant.act_bits;
  hw.adc_bits = opt.adc_bits;
  hw.crossbar_rows = opt.crossbar_rows;
  hw.crossbar_cols = opt.crossbar_cols;
  hw.bits_per_cell = opt.bits_per_cell;
  hw.dac_bits = opt.dac_bits;
  hw.isaac_encoding = opt.isaac_encoding;
  hw.noise_sigma = opt.noise_sigma;
  hw.noise_seed = splitmix64(opt.seed ^ 0x5eed);
  LayerNumerics fp;
  fp.exact_float = true;

  Normal rng(splitmix64(opt.seed));
  const uint64_t d = shape_.d_model, f = shape_.d_ff, r = shape_.lora_rank;
  const double sd = 1.0 / std::sqrt(static_cast<double>(d));
  for (unsigned l = 0; l < spec.model.layers; ++l) {
    const FrozenWeights w = random_frozen_weights(d, f, rng);
    hw_.push_back(std::make_unique<FunctionalLayer>(shape_, w, hw));
    fp_.push_back(std::make_unique<FunctionalLayer>(shape_, w, fp));
    LoraAdapters a;  // trained-looking adapters: both factors non-zero
    a.a_q = rng.vec(d * r, sd);
    a.b_q = rng.vec(r * d, 0.1 / std::sqrt(static_cast<double>(r)));
    a.a_v = rng.vec(d * r, sd);
    a.b_v = rng.vec(r * d, 0.1 / std::sqrt(static_cast<double>(r)));
    lora_.push_back(std::move(a));
  }
  for (const auto& t : graph.tasks) {
    if (t.sequence < 0 || t.layer < 0 || !layer_kernels().count(t.kernel->name)) continue;
    if (parts_left_[{t.sequence, t.layer, t.kernel->name}]++ == 0)
      kernels_left_[{t.sequence, t.layer}]++;
  }
  fwd_err_.assign(spec.model.layers, 0.0);
  bwd_err_.assign(spec.model.layers, 0.0);
  fwd_n_.assign(spec.model.layers, 0);
  bwd_n_.assign(spec.model.layers, 0);
}

FunctionalRun::~FunctionalRun() = default;

FunctionalRun::Instance& FunctionalRun::instance(int sequence, int layer) {
  auto& p = live_[{sequence, layer}];
  if (!p) {
    p = std::make_unique<Instance>();
    p->hw.layer = hw_[layer].get();
    p->fp.layer = fp_[layer].get();
    p->hw.lora = p->fp.lora = &lora_[layer];
  }
  return *p;
}

void FunctionalRun::task_finished(const Task& t) {
  if (t.sequence < 0 || t.layer < 0 || !layer_kernels().count(t.kernel->name)) {
    ++skipped_;
    return;
  }
  if (--parts_left_[{t.sequence, t.layer, t.kernel->name}] == 0)
    run(t.kernel->name, t.sequence, t.layer);
}

void FunctionalRun::run(const std::string& kernel, int s, int l) {
  Instance& in = instance(s, l);
  if (in.hw.t.x.empty() && l == 0) {
    // The sequence's embeddings: seeded per sequence, unit variance.
    Normal rng(splitmix64(opt_.seed * 1000003ull + static_cast<uint64_t>(s)));
    in.hw.t.x = rng.vec(shape_.tokens() * shape_.d_model, 1.0);
    in.fp.t.x = in.hw.t.x;
  }
  if (in.hw.t.dy.empty() && kernel == backward_kernel_names().front() &&
      l + 1 == static_cast<int>(spec_.model.layers)) {
    in.hw.t.dy = in.hw.t.y;  // dL/dy = y: the gradient of 0.5 |y|^2
    in.fp.t.dy = in.fp.t.y;
  }
  run_kernel(kernel, in.hw);
  run_kernel(kernel, in.fp);
  ++computed_;
  const bool last_layer = l + 1 == static_cast<int>(spec_.model.layers);
  if (kernel == "ln2") {
    fwd_err_[l] += relative_error(in.hw.t.y, in.fp.t.y);
    fwd_n_[l]++;
    if (!last_layer) {  // the next layer's input
      Instance& next = instance(s, l + 1);
      next.hw.t.x = in.hw.t.y;
      next.fp.t.x = in.fp.t.y;
    }
  }
  if (kernel == "qkv_dx") {
    bwd_err_[l] += relative_error(in.hw.t.dx, in.fp.t.dx);
    bwd_n_[l]++;
    if (l > 0) {  // the previous layer's output gradient
      Instance& prev = instance(s, l - 1);
      prev.hw.t.dy = in.hw.t.dx;
      prev.fp.t.dy = in.fp.t.dx;
    }
  }
  if (--kernels_left_[{s, l}] == 0) live_.erase({s, l});  // its tensors are no longer needed
}

nlohmann::ordered_json FunctionalRun::report() const {
  using J = nlohmann::ordered_json;
  J layers = J::array();
  for (std::size_t l = 0; l < fwd_err_.size(); ++l) {
    J e = {{"layer", l}};
    e["output_relative_error"] = fwd_n_[l] ? fwd_err_[l] / fwd_n_[l] : 0.0;
    if (bwd_n_[l]) e["input_gradient_relative_error"] = bwd_err_[l] / bwd_n_[l];
    layers.push_back(e);
  }
  return J{{"adc_bits", opt_.adc_bits},
           {"noise_sigma", opt_.noise_sigma},
           {"seed", opt_.seed},
           {"kernels_computed", computed_},
           {"tasks_timed_only", skipped_},
           {"reference", "the same kernels in plain float on the same weights and inputs"},
           {"layers", layers}};
}

}  // namespace atleus
