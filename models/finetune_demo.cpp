#include "atleus/models/finetune_demo.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "atleus/models/seeded_normal.hpp"
#include "atleus/workloads/workload_spec.hpp"

namespace atleus {

namespace {

// Seeds of independent streams derived from the run seed.
enum Stream : uint64_t { kBase = 1, kTeacher, kInit, kInputs, kEval, kDevice, kFreshDevice };
uint64_t derive(uint64_t seed, Stream s) {
  return splitmix64(splitmix64(seed) ^ (static_cast<uint64_t>(s) * 0x632be59bd9b4e019ull));
}

struct DemoModel {
  std::vector<FrozenWeights> base;
  std::vector<LoraAdapters> teacher;  // rank teacher_rank: the teacher's change
  std::vector<LoraAdapters> init;     // the student's initial adapters
};

DemoModel make_model(const DemoConfig& cfg, uint64_t seed) {
  const uint64_t d = cfg.shape.d_model, f = cfg.shape.d_ff, r = cfg.shape.lora_rank;
  const uint64_t rt = cfg.teacher_rank;
  Normal base(derive(seed, kBase)), teach(derive(seed, kTeacher)), init(derive(seed, kInit));
  DemoModel m;
  const double sd = 1.0 / std::sqrt(static_cast<double>(d));
  for (unsigned l = 0; l < cfg.layers; ++l) {
    m.base.push_back(random_frozen_weights(d, f, base));
    // Teacher change U V: U ~ N(0, 1/d), V ~ N(0, s^2 / rt): entries of U V have variance
    // s^2 / d, i.e. rms s x the base weights'.
    LoraAdapters t;
    const double vs = cfg.teacher_strength / std::sqrt(static_cast<double>(rt));
    t.a_q = teach.vec(d * rt, sd);
    t.b_q = teach.vec(rt * d, vs);
    t.a_v = teach.vec(d * rt, sd);
    t.b_v = teach.vec(rt * d, vs);
    m.teacher.push_back(std::move(t));
    LoraAdapters s;
    s.a_q = init.vec(d * r, sd);
    s.b_q.assign(r * d, 0.0f);
    s.a_v = init.vec(d * r, sd);
    s.b_v.assign(r * d, 0.0f);
    m.init.push_back(std::move(s));
  }
  return m;
}

// A stack of layers with their states.
struct Network {
  std::vector<FunctionalLayer> layers;
  std::vector<LayerState> states;

  Network(const LayerShape& shape, const std::vector<FrozenWeights>& w, const LayerNumerics& num) {
    layers.reserve(w.size());
    for (size_t l = 0; l < w.size(); ++l) {
      LayerNumerics nl = num;
      nl.noise_seed = splitmix64(num.noise_seed + l);  // every layer its own devices
      layers.emplace_back(shape, w[l], nl);
    }
    states.resize(w.size());
    for (size_t l = 0; l < w.size(); ++l) states[l].layer = &layers[l];
  }
  std::vector<float> forward(const std::vector<LoraAdapters>& lora, const std::vector<float>& x) {
    std::vector<float> h = x;
    for (size_t l = 0; l < layers.size(); ++l) {
      states[l].lora = &lora[l];
      states[l].t.x = std::move(h);
      layer_forward(states[l]);
      h = states[l].t.y;
    }
    return h;
  }
  void backward(const std::vector<float>& dy) {
    std::vector<float> g = dy;
    for (size_t l = layers.size(); l-- > 0;) {
      states[l].t.dy = std::move(g);
      layer_backward(states[l]);
      g = states[l].t.dx;
    }
  }
};

double mse(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = static_cast<double>(a[i]) - b[i];
    s += e * e;
  }
  return s / static_cast<double>(a.size());
}

LayerShape teacher_shape(const DemoConfig& cfg) {
  LayerShape s = cfg.shape;
  s.lora_rank = cfg.teacher_rank;
  return s;
}

LayerNumerics float_numerics() {
  LayerNumerics n;
  n.exact_float = true;
  return n;
}

struct Adam {
  std::vector<float> m, v;
  void step(std::vector<float>& p, const std::vector<float>& g, double gscale,
            const DemoConfig& cfg, unsigned t) {
    if (m.empty()) m.assign(p.size(), 0.0f), v.assign(p.size(), 0.0f);
    const double c1 = 1.0 - std::pow(cfg.beta1, t), c2 = 1.0 - std::pow(cfg.beta2, t);
    for (size_t i = 0; i < p.size(); ++i) {
      const double gi = g[i] * gscale;
      m[i] = static_cast<float>(cfg.beta1 * m[i] + (1.0 - cfg.beta1) * gi);
      v[i] = static_cast<float>(cfg.beta2 * v[i] + (1.0 - cfg.beta2) * gi * gi);
      p[i] -= static_cast<float>(cfg.lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + cfg.adam_eps));
    }
  }
};

}  // namespace

LayerNumerics demo_numerics(const std::string& quant, unsigned adc_bits, double noise,
                            uint64_t noise_seed) {
  LayerNumerics n;
  if (quant == "float") {
    n.exact_float = true;
  } else {
    QuantSpec q;
    try {
      q = QuantSpec::parse(quant);
    } catch (const std::exception& e) {
      throw std::invalid_argument("--quant: " + std::string(e.what()));
    }
    n.mha_bits = q.mha_bits;
    n.ff_bits = q.ff_bits;
  }
  n.adc_bits = adc_bits;
  n.noise_sigma = noise;
  n.noise_seed = noise_seed;
  try {
    n.validate();
  } catch (const std::exception& e) {
    throw std::invalid_argument(e.what());
  }
  if (n.exact_float && noise > 0.0)
    throw std::invalid_argument("--noise needs crossbar numerics (not --quant float)");
  return n;
}

double evaluate_lora(const DemoConfig& cfg, const LayerNumerics& num, uint64_t seed,
                     const std::vector<LoraAdapters>& adapters) {
  const DemoModel model = make_model(cfg, seed);
  Network student(cfg.shape, model.base, num);
  Network teacher(teacher_shape(cfg), model.base, float_numerics());
  const std::vector<LoraAdapters>& lora = adapters.empty() ? model.init : adapters;
  Normal inputs(derive(seed, kEval));
  const uint64_t size = cfg.shape.tokens() * cfg.shape.d_model;
  double total = 0.0;
  for (unsigned b = 0; b < cfg.eval_batches; ++b) {
    const std::vector<float> x = inputs.vec(size, 1.0);
    total += mse(student.forward(lora, x), teacher.forward(model.teacher, x));
  }
  return total / cfg.eval_batches;
}

double evaluate_lora_devices(const DemoConfig& cfg, const LayerNumerics& num, uint64_t seed,
                             const std::vector<LoraAdapters>& adapters,
                             const std::vector<uint64_t>& devices) {
  if (devices.empty()) throw std::invalid_argument("evaluate_lora_devices: no devices");
  double total = 0.0;
  for (uint64_t dev : devices) {
    LayerNumerics n = num;
    n.noise_seed = dev;
    total += evaluate_lora(cfg, n, seed, adapters);
  }
  return total / static_cast<double>(devices.size());
}

uint64_t training_device_seed(uint64_t noise_seed, uint64_t index) {
  return splitmix64(noise_seed ^ splitmix64(index + 0x9e3779b97f4a7c15ull));
}

std::vector<uint64_t> eval_device_seeds(uint64_t seed, unsigned count) {
  const uint64_t base = derive(seed, kFreshDevice);
  std::vector<uint64_t> out;
  for (unsigned i = 0; i < count; ++i) out.push_back(splitmix64(base ^ splitmix64(i + 1)));
  return out;
}

uint64_t train_device_seed(uint64_t seed) {
  return derive(seed, kDevice);
}

FinetuneResult finetune_lora(const DemoConfig& cfg, const LayerNumerics& num, unsigned steps,
                             uint64_t seed, const std::function<void(unsigned, double)>& progress,
                             unsigned resample_every) {
  cfg.shape.validate();
  const DemoModel model = make_model(cfg, seed);
  // Re-programming only matters with noise: without it every device is the same.
  const bool resample = resample_every > 0 && num.noise_sigma > 0.0;
  auto program = [&](unsigned step) {
    LayerNumerics n = num;
    if (resample) n.noise_seed = training_device_seed(num.noise_seed, (step - 1) / resample_every);
    return std::make_unique<Network>(cfg.shape, model.base, n);
  };
  std::unique_ptr<Network> student = program(1);
  Network teacher(teacher_shape(cfg), model.base, float_numerics());
  FinetuneResult res;
  res.adapters = model.init;
  res.start_loss = evaluate_lora(cfg, num, seed, res.adapters);
  std::vector<Adam> adam(cfg.layers * 4);
  Normal inputs(derive(seed, kInputs));
  const uint64_t size = cfg.shape.tokens() * cfg.shape.d_model;
  for (unsigned step = 1; step <= steps; ++step) {
    if (resample && step > 1 && (step - 1) % resample_every == 0) student = program(step);
    const std::vector<float> x = inputs.vec(size, 1.0);
    const std::vector<float> target = teacher.forward(model.teacher, x);
    const std::vector<float> y = student->forward(res.adapters, x);
    res.loss.push_back(mse(y, target));
    // d(sum of squared errors)/dy: the MSE gradient with a static loss scale of T x d.
    std::vector<float> dy(size);
    for (uint64_t i = 0; i < size; ++i) dy[i] = 2.0f * (y[i] - target[i]);
    student->backward(dy);
    const double unscale = 1.0 / static_cast<double>(size);
    for (unsigned l = 0; l < cfg.layers; ++l) {
      LoraAdapters& a = res.adapters[l];
      const LoraGrads& g = student->states[l].grads;
      adam[4 * l + 0].step(a.a_q, g.a_q, unscale, cfg, step);
      adam[4 * l + 1].step(a.b_q, g.b_q, unscale, cfg, step);
      adam[4 * l + 2].step(a.a_v, g.a_v, unscale, cfg, step);
      adam[4 * l + 3].step(a.b_v, g.b_v, unscale, cfg, step);
    }
    if (progress) progress(step, res.loss.back());
  }
  res.final_loss = evaluate_lora(cfg, num, seed, res.adapters);
  return res;
}

std::string loss_csv(const std::vector<double>& loss) {
  std::ostringstream os;
  os << "step,loss\n";
  char buf[64];
  for (size_t i = 0; i < loss.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%zu,%.9g\n", i, loss[i]);
    os << buf;
  }
  return os.str();
}

std::string loss_svg(const std::vector<LossCurve>& curves, const std::string& title) {
  const double W = 720, H = 440, left = 80, right = 180, top = 40, bottom = 50;
  const double pw = W - left - right, ph = H - top - bottom;
  double lo = 1e300, hi = 0.0;
  size_t n = 1;
  for (const LossCurve& c : curves) {
    n = std::max(n, c.loss.size());
    for (double v : c.loss)
      if (v > 0.0 && std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (hi <= 0.0) lo = 1e-3, hi = 1.0;
  const int d0 = static_cast<int>(std::floor(std::log10(lo)));
  int d1 = static_cast<int>(std::ceil(std::log10(hi)));
  if (d1 == d0) ++d1;
  auto X = [&](double i) { return left + pw * (n > 1 ? i / static_cast<double>(n - 1) : 0.0); };
  auto Y = [&](double v) { return top + ph * (d1 - std::log10(v)) / (d1 - d0); };
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(1);
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
     << "\" viewBox=\"0 0 " << W << ' ' << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << "<text x=\"" << left << "\" y=\"24\" font-size=\"15\">" << title << "</text>\n";
  for (int e = d0; e <= d1; ++e) {  // decades: grid line and label
    const double y = Y(std::pow(10.0, e));
    os << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + pw << "\" y2=\"" << y
       << "\" stroke=\"#ddd\"/>\n";
    os << "<text x=\"" << left - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">1e" << e
       << "</text>\n";
  }
  for (int k = 0; k <= 5; ++k) {  // step ticks
    const double i = std::round(static_cast<double>(n - 1) * k / 5.0);
    os << "<text x=\"" << X(i) << "\" y=\"" << top + ph + 18 << "\" text-anchor=\"middle\">"
       << static_cast<long>(i) << "</text>\n";
  }
  os << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
     << "\" fill=\"none\" stroke=\"#444\"/>\n";
  os << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 10
     << "\" text-anchor=\"middle\">step</text>\n";
  os << "<text x=\"18\" y=\"" << top + ph / 2 << "\" transform=\"rotate(-90 18 " << top + ph / 2
     << ")\" text-anchor=\"middle\">loss (MSE, log scale)</text>\n";
  static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
  for (size_t c = 0; c < curves.size(); ++c) {
    const char* col = colours[c % 5];
    os << "<polyline fill=\"none\" stroke=\"" << col << "\" stroke-width=\"1.5\" points=\"";
    os.precision(2);
    for (size_t i = 0; i < curves[c].loss.size(); ++i) {
      const double v = curves[c].loss[i];
      if (v > 0.0 && std::isfinite(v)) os << X(static_cast<double>(i)) << ',' << Y(v) << ' ';
    }
    os.precision(1);
    os << "\"/>\n";
    const double ly = top + 16 + 20 * static_cast<double>(c);
    os << "<line x1=\"" << left + pw + 12 << "\" y1=\"" << ly - 4 << "\" x2=\"" << left + pw + 32
       << "\" y2=\"" << ly - 4 << "\" stroke=\"" << col << "\" stroke-width=\"2\"/>\n";
    os << "<text x=\"" << left + pw + 38 << "\" y=\"" << ly << "\">" << curves[c].label
       << "</text>\n";
  }
  os << "</svg>\n";
  return os.str();
}

namespace {

void write_atomic(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + tmp.string());
    f << text;
    if (!f.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

// A compact log-scale text chart: about 12 sampled steps with a bar each.
void print_curve(const std::vector<double>& loss, std::ostream& os) {
  if (loss.empty()) return;
  const double lo = *std::min_element(loss.begin(), loss.end());
  const double hi = *std::max_element(loss.begin(), loss.end());
  const double span = std::max(1e-12, std::log10(hi) - std::log10(std::max(lo, 1e-300)));
  const size_t rows = std::min<size_t>(12, loss.size());
  char buf[128];
  for (size_t k = 0; k < rows; ++k) {
    const size_t i = rows == 1 ? 0 : k * (loss.size() - 1) / (rows - 1);
    const int bar = 1 + static_cast<int>(
                            40.0 * (std::log10(std::max(loss[i], 1e-300)) - std::log10(lo)) / span);
    std::snprintf(buf, sizeof buf, "  step %5zu  loss %.4e  ", i, loss[i]);
    os << buf << std::string(static_cast<size_t>(std::max(bar, 1)), '#') << "\n";
  }
}

}  // namespace

int run_finetune_demo(const FinetuneDemoOptions& opt) {
  if (opt.steps == 0) throw std::invalid_argument("--steps must be at least 1");
  const DemoConfig cfg;
  const uint64_t device = derive(opt.seed, kDevice);
  const LayerNumerics num = demo_numerics(opt.quant, opt.adc_bits, opt.noise, device);
  std::ostream& os = std::cout;
  char buf[256];
  if (!opt.quiet) {
    std::snprintf(buf, sizeof buf,
                  "finetune-demo: %u layers, d %llu, %llu heads, d_ff %llu, LoRA r %llu on Wq/Wv; "
                  "%llu x %llu tokens per step\n",
                  cfg.layers, static_cast<unsigned long long>(cfg.shape.d_model),
                  static_cast<unsigned long long>(cfg.shape.heads),
                  static_cast<unsigned long long>(cfg.shape.d_ff),
                  static_cast<unsigned long long>(cfg.shape.lora_rank),
                  static_cast<unsigned long long>(cfg.shape.batch),
                  static_cast<unsigned long long>(cfg.shape.seq_len));
    os << buf;
    std::snprintf(buf, sizeof buf,
                  "numerics: %s, %u-bit ADCs, noise sigma %g; %u steps, seed %llu\n",
                  opt.quant.c_str(), opt.adc_bits, opt.noise, opt.steps,
                  static_cast<unsigned long long>(opt.seed));
    os << buf << std::flush;
  }
  if (opt.noise > 0.0 && opt.eval_devices == 0)
    throw std::invalid_argument("eval_devices must be at least 1 with noise");
  const auto t0 = std::chrono::steady_clock::now();
  const FinetuneResult res = finetune_lora(cfg, num, opt.steps, opt.seed, {}, opt.resample_every);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<LossCurve> curves = {{opt.quant + (opt.noise > 0 ? " noisy" : ""), res.loss}};
  if (!opt.quiet) {
    print_curve(res.loss, os);
    std::snprintf(buf, sizeof buf, "eval loss: start %.4e, final %.4e (%.1fx lower); %.1f s\n",
                  res.start_loss, res.final_loss, res.start_loss / res.final_loss, wall);
    os << buf;
  }
  if (opt.noise > 0.0) {
    // The same training without noise, then both adapter sets on fresh devices: noise draws
    // used by neither training run (the paper's claim is about tolerating device noise, not
    // fitting one device).
    const LayerNumerics clean = demo_numerics(opt.quant, opt.adc_bits, 0.0, device);
    const auto t1 = std::chrono::steady_clock::now();
    const FinetuneResult ref = finetune_lora(cfg, clean, opt.steps, opt.seed);
    const double wall_ref =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    curves.push_back({opt.quant + " noise-free", ref.loss});
    const std::vector<uint64_t> fresh = eval_device_seeds(opt.seed, opt.eval_devices);
    std::vector<double> aware, plain;
    for (uint64_t dev : fresh) {
      aware.push_back(evaluate_lora_devices(cfg, num, opt.seed, res.adapters, {dev}));
      plain.push_back(evaluate_lora_devices(cfg, num, opt.seed, ref.adapters, {dev}));
    }
    auto mean = [](const std::vector<double>& v) {
      double s = 0.0;
      for (double x : v) s += x;
      return s / static_cast<double>(v.size());
    };
    if (!opt.quiet) {
      std::snprintf(buf, sizeof buf,
                    "noise study: noise-aware training re-programs the crossbars every %u "
                    "step(s) (%.1f s); noise-free training %.1f s\n",
                    opt.resample_every, wall, wall_ref);
      os << buf;
      std::snprintf(buf, sizeof buf, "eval loss, noise sigma %g, %u fresh devices:\n", opt.noise,
                    opt.eval_devices);
      os << buf;
      std::snprintf(buf, sizeof buf, "  %-26s %12s %12s  %s\n", "adapters trained", "noise-free",
                    "fresh mean", "per device");
      os << buf;
      const std::pair<const char*, std::pair<const FinetuneResult*, std::vector<double>*>> rows[] =
          {{"with noise (noise-aware)", {&res, &aware}}, {"without noise", {&ref, &plain}}};
      for (const auto& row : rows) {
        const double nf = evaluate_lora(cfg, clean, opt.seed, row.second.first->adapters);
        std::snprintf(buf, sizeof buf, "  %-26s %12.4e %12.4e ", row.first, nf,
                      mean(*row.second.second));
        os << buf;
        for (double v : *row.second.second) {
          std::snprintf(buf, sizeof buf, " %.4e", v);
          os << buf;
        }
        os << "\n";
      }
      unsigned wins = 0;
      for (size_t i = 0; i < aware.size(); ++i) wins += aware[i] < plain[i] ? 1u : 0u;
      std::snprintf(buf, sizeof buf,
                    "  noise-aware / noise-free on fresh devices: %.3f (lower on %u of %zu)\n",
                    mean(aware) / mean(plain), wins, aware.size());
      os << buf;
    }
  }
  if (!opt.out.empty()) {
    const std::filesystem::path dir(opt.out);
    std::filesystem::create_directories(dir);
    write_atomic(dir / "loss.csv", loss_csv(res.loss));
    write_atomic(dir / "loss.svg",
                 loss_svg(curves, "LoRA fine-tuning on Atleus numerics (" + opt.quant + ", " +
                                      std::to_string(opt.adc_bits) + "-bit ADC)"));
    if (!opt.quiet)
      os << "wrote " << (dir / "loss.csv").string() << ", " << (dir / "loss.svg").string() << "\n";
  }
  return 0;
}

}  // namespace atleus
