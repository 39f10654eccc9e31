#include "atleus/platform/run/task_graph.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace atleus {

const char* to_string(Stage s) {
  switch (s) {
    case Stage::kMha:
      return "S1 mha proj";
    case Stage::kAttention:
      return "S2 attention";
    case Stage::kFf1:
      return "S3 ff1";
    case Stage::kFf2:
      return "S4 ff2";
    case Stage::kHead:
      return "S5 head";
  }
  return "?";
}

uint64_t matrix_rows(const std::string& w, uint64_t d, uint64_t f) {
  if (w == "qkv" || w == "o" || w == "ff1") return d;
  if (w == "ff2") return f;
  throw std::invalid_argument("unknown resident matrix '" + w + "'");
}

uint64_t matrix_cols(const std::string& w, uint64_t d, uint64_t f) {
  if (w == "qkv") return 3 * d;
  if (w == "o" || w == "ff2") return d;
  if (w == "ff1") return f;
  throw std::invalid_argument("unknown resident matrix '" + w + "'");
}

namespace {

// Width of the copy that dequantise-before-use makes (fp16/bf16, as QLoRA computes).
constexpr unsigned kDequantBits = 16;

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return b == 0 ? 0 : (a + b - 1) / b;
}

OpKind sfu_kind(SfuFunc f) {
  switch (f) {
    case SfuFunc::kSoftmax:
      return OpKind::kSoftmax;
    case SfuFunc::kLayerNorm:
      return OpKind::kLayerNorm;
    case SfuFunc::kGelu:
      return OpKind::kGelu;
    case SfuFunc::kAdam:
      return OpKind::kAdam;
    case SfuFunc::kNone:
      break;
  }
  throw std::invalid_argument("SFU kernel without a function");
}

Stage stage_of(const Kernel& k) {
  if (k.name.rfind("head_", 0) == 0 || k.name.rfind("loss_", 0) == 0) return Stage::kHead;
  if (k.unit != Unit::kReram) return Stage::kAttention;
  if (k.weight == "ff1") return Stage::kFf1;
  if (k.weight == "ff2") return Stage::kFf2;
  return Stage::kMha;
}

class Builder {
 public:
  explicit Builder(const TaskGraphInputs& in)
      : in_(in),
        g_(*in.graph),
        map_(*in.mapping),
        layers_(static_cast<int>(g_.spec.model.layers)) {}

  TaskGraph build() {
    out_.sequences = in_.sequences;
    const bool finetune = g_.spec.mode == Mode::kFinetune;
    std::vector<int> lora_grads;
    std::vector<int> first_token;  // generation: the prefill's sampled tokens
    for (int s = 0; s < in_.sequences; ++s) {
      std::vector<int> input;  // layer 0 reads its input from HBM
      for (int l = 0; l < layers_; ++l)
        input = instantiate(g_.forward, s, l, Phase::kForward, input);
      input = instantiate(g_.head, s, -1, Phase::kForward, input);
      first_token.insert(first_token.end(), input.begin(), input.end());
      if (!finetune) continue;
      for (int l = layers_ - 1; l >= 0; --l)
        input = instantiate(g_.backward, s, l, Phase::kBackward, input);
    }
    // Generation: decode step j (issued as sequence index sequences + j) starts when every
    // request has its previous token (static batching).
    std::vector<int> token = first_token;
    for (std::size_t j = 0; j < g_.decode.size(); ++j) {
      const int seq = in_.sequences + static_cast<int>(j);
      for (int l = 0; l < layers_; ++l)
        token = instantiate(g_.decode[j].layer, seq, l, Phase::kForward, token);
      token = instantiate(g_.decode[j].head, seq, -1, Phase::kForward, token);
    }
    if (finetune && !g_.update.kernels.empty()) {
      std::vector<int> grads;
      for (const auto& t : out_.tasks)
        if (t.kernel->phase == Phase::kBackward && t.kernel->name.rfind("lora_", 0) == 0)
          grads.push_back(t.id);
      instantiate(g_.update, -1, -1, Phase::kUpdate, grads);
    }
    for (auto& t : out_.tasks)
      for (int d : t.deps) out_.tasks[d].consumers.push_back(t.id);
    return std::move(out_);
  }

 private:
  // One crossbar group per resident matrix: a reloaded layer shares its slot's crossbars.
  static unsigned crossbar_group(int slot_layer, const std::string& weight) {
    const unsigned w = weight == "qkv" ? 0 : weight == "o" ? 1 : weight == "ff1" ? 2 : 3;
    return static_cast<unsigned>(slot_layer) * 4 + w;
  }

  int systolic_site(int layer) const {
    return map_.systolic_site.at(layer >= 0 ? layer : layers_ - 1);
  }

  // The cores a column-split product spreads over: its class's placement, else every systolic
  // core the mapping uses (in layer order, each once).
  std::vector<int> split_sites(const ClassPlacement* pl) const {
    std::vector<int> sites;
    const std::vector<int>& from = pl != nullptr ? pl->sites : map_.systolic_site;
    for (int s : from)
      if (std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
    return sites;
  }

  const ClassPlacement* placement_of(const Kernel& k) const {
    auto it = in_.placement.find(kernel_class(k));
    return it == in_.placement.end() || it->second.sites.empty() ? nullptr : &it->second;
  }

  // The site of a non-ReRAM task: the class's placement, else the layer's systolic core.
  int site_of(const ClassPlacement* pl, int layer) const {
    if (pl == nullptr) return systolic_site(layer);
    const auto l = static_cast<std::size_t>(layer >= 0 ? layer : layers_ - 1);
    return pl->sites[l % pl->sites.size()];
  }

  int group(int site, int seq, int layer, Phase phase) {
    const auto key = std::make_tuple(site, seq, layer, static_cast<int>(phase));
    auto it = groups_.find(key);
    if (it != groups_.end()) return it->second;
    out_.issue.push_back({site, seq, layer, phase, {}});
    const int id = static_cast<int>(out_.issue.size()) - 1;
    groups_.emplace(key, id);
    return id;
  }

  int add(Task t, Phase phase) {
    t.id = static_cast<int>(out_.tasks.size());
    t.batch_index = group(t.site, t.sequence, t.layer, phase);
    out_.issue[t.batch_index].tasks.push_back(t.id);
    out_.tasks.push_back(std::move(t));
    return out_.tasks.back().id;
  }

  // Creates the tasks of one program instance; returns the tasks of its layer output.
  std::vector<int> instantiate(const LayerProgram& prog, int seq, int layer, Phase phase,
                               const std::vector<int>& input) {
    std::vector<std::vector<int>> ids(prog.kernels.size());
    std::vector<int> output;
    for (std::size_t i = 0; i < prog.kernels.size(); ++i) {
      const Kernel& k = prog.kernels[i];
      std::vector<int> deps;
      bool reads_layer_input_from_hbm = false;
      for (int dep : k.deps) {
        if (dep < 0) {
          deps.insert(deps.end(), input.begin(), input.end());
          reads_layer_input_from_hbm = input.empty() && phase == Phase::kForward && layer == 0;
        } else {
          deps.insert(deps.end(), ids.at(dep).begin(), ids.at(dep).end());
        }
      }
      const uint64_t input_bytes =
          reads_layer_input_from_hbm
              ? g_.spec.task.seq_len * g_.spec.model.d_model * g_.spec.quant.act_bits / 8
              : 0;

      Task base;
      base.sequence = seq;
      base.layer = layer;
      base.kernel = &k;
      base.stage = stage_of(k);
      base.deps = std::move(deps);
      base.op.input_bits = k.input_bits;
      base.op.weight_bits = k.weight_bits;
      const ClassPlacement* pl = placement_of(k);
      if (k.unit == Unit::kReram && (map_.weights_streamed || pl != nullptr)) {
        // The frozen matrix runs off the crossbars: resident in the memory of the core that runs
        // it (a roofline core: an MVM against W[rows][cols]), or on a systolic core with its
        // weights read from HBM (a GEMM, oriented by the direction of the product).
        const bool resident = pl != nullptr && pl->weights_resident;
        const uint64_t rows = g_.spec.model.matrix_rows(k.weight),
                       cols = g_.spec.model.matrix_cols(k.weight);
        const bool swap = k.transposed && !resident;
        Task t = base;
        t.site = site_of(pl, layer);
        t.op.kind = resident ? OpKind::kMvm : OpKind::kGemm;
        t.op.m = k.m;
        t.op.k = swap ? cols : rows;
        t.op.n = swap ? rows : cols;
        t.op.transposed = k.transposed;
        t.macs = k.m * rows * cols;
        t.out_bytes = k.out_bytes;
        t.hbm_read_bytes = k.hbm_read_bytes + input_bytes;
        t.hbm_write_bytes = k.hbm_write_bytes;
        if (!resident) t.hbm_read_bytes += rows * cols * k.weight_bits / 8;
        t.weight_read_bytes = rows * cols * k.weight_bits / 8;
        t.weights_local = resident;
        if (!resident && in_.dequant_materialize && k.weight_bits < kDequantBits) {
          // Dequantise before use: write the 16-bit copy, read it back; the product is 16-bit.
          const uint64_t copy = rows * cols * kDequantBits / 8;
          t.hbm_write_bytes += copy;
          t.hbm_read_bytes += copy;
          t.op.weight_bits = kDequantBits;
          t.op.input_bits = std::max(t.op.input_bits, kDequantBits);
        }
        ids[i].push_back(add(std::move(t), phase));
      } else if (k.unit == Unit::kReram) {
        const auto parts = map_.parts_of(layer, k.weight);
        if (parts.empty())
          throw std::logic_error("no ReRAM part for layer " + std::to_string(layer) + " " +
                                 k.weight);
        const uint64_t rows = g_.spec.model.matrix_rows(k.weight),
                       cols = g_.spec.model.matrix_cols(k.weight);
        for (const MatrixPart* p : parts) {
          Task t = base;
          const uint64_t pc = p->col_end - p->col_begin;
          t.site = p->site;
          t.op.kind = OpKind::kMvm;
          t.op.m = k.m;
          t.op.k = rows;
          t.op.n = pc;
          t.op.transposed = k.transposed;
          t.op.crossbar_group = crossbar_group(p->slot_layer, k.weight);
          t.op.duplication = p->duplication;
          t.macs = k.m * rows * pc;
          // A part holds whole rows of some columns: forward it yields those output columns;
          // a transposed read yields partial sums of every output, added at the consumer.
          t.out_bytes = k.transposed ? k.out_bytes : k.out_bytes * pc / cols;
          t.hbm_read_bytes = (k.hbm_read_bytes + input_bytes) / parts.size();
          t.hbm_write_bytes = k.hbm_write_bytes * pc / cols;
          if (map_.reloading && seq >= 0) {
            const unsigned cells =
                (k.weight_bits + in_.cells_bits_per_cell - 1) / in_.cells_bits_per_cell;
            // Every use of a shared slot reprograms it (an upper bound when sequences stream).
            const bool shared = map_.layers_resident < layers_;
            if (shared && programmed_.insert({seq, layer, phase == Phase::kForward, p}).second)
              t.program_cells = rows * pc * cells;
          }
          ids[i].push_back(add(std::move(t), phase));
        }
      } else if (k.split_columns && k.unit == Unit::kSystolic) {
        // By output columns over the cores: each part reads its share of the weights.
        const std::vector<int> sites = split_sites(pl);
        const uint64_t parts = std::min<uint64_t>(sites.size(), std::max<uint64_t>(k.n, 1));
        for (uint64_t part = 0; part < parts; ++part) {
          const uint64_t c0 = k.n * part / parts, c1 = k.n * (part + 1) / parts;
          Task t = base;
          t.site = sites[part];
          t.instances = std::max<uint64_t>(k.count, 1);
          t.macs = k.m * k.k * (c1 - c0) * t.instances;
          t.out_bytes = k.out_bytes * (c1 - c0) / k.n;
          t.hbm_read_bytes = k.hbm_read_bytes * (c1 - c0) / k.n + (part == 0 ? input_bytes : 0);
          t.weight_read_bytes = k.hbm_read_bytes * (c1 - c0) / k.n;  // its share of the weights
          t.hbm_write_bytes = k.hbm_write_bytes * (c1 - c0) / k.n;
          t.op.kind = OpKind::kGemm;
          t.op.m = k.m;
          t.op.k = k.k;
          t.op.n = c1 - c0;
          ids[i].push_back(add(std::move(t), phase));
        }
      } else {
        Task t = base;
        t.site = site_of(pl, layer);
        t.instances = std::max<uint64_t>(k.count, 1);
        t.macs = k.macs;
        t.out_bytes = k.out_bytes;
        t.hbm_read_bytes = k.hbm_read_bytes + input_bytes;
        t.hbm_write_bytes = k.hbm_write_bytes;
        if (k.unit == Unit::kSystolic) {
          t.op.kind = OpKind::kGemm;
          t.op.k = k.k;
          t.op.n = k.n;
          // Causally skipped tiles shorten the rows streamed through the array.
          const uint64_t full = t.instances * k.m * k.k * k.n;
          t.op.m = k.macs < full ? ceil_div(k.macs, t.instances * k.k * k.n) : k.m;
          t.op.transposed = k.transposed;
        } else {
          t.op.kind = sfu_kind(k.func);
          t.op.backward = k.backward_fn;
          t.op.m = k.m;
          const uint64_t full = t.instances * k.m * k.k;
          t.op.k = k.sfu_elements > 0 && k.sfu_elements < full
                       ? ceil_div(k.sfu_elements, t.instances * k.m)
                       : k.k;
        }
        ids[i].push_back(add(std::move(t), phase));
      }
      if (k.layer_output) output.assign(ids[i].begin(), ids[i].end());
    }
    return output;
  }

  const TaskGraphInputs& in_;
  const WorkloadGraph& g_;
  const Mapping& map_;
  int layers_;
  TaskGraph out_;
  std::map<std::tuple<int, int, int, int>, int> groups_;
  std::set<std::tuple<int, int, bool, const MatrixPart*>> programmed_;
};

}  // namespace

TaskGraph build_task_graph(const TaskGraphInputs& in) {
  return Builder(in).build();
}

}  // namespace atleus
