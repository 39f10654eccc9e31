// LoRA fine-tuning demo on the platform's functional numerics (models/functional_layer.hpp):
// a small post-LN transformer with seeded random frozen weights is fine-tuned toward a teacher
// (the same base plus a seeded low-rank change of Wq and Wv, in plain float), with the frozen
// matrices on simulated crossbars and attention/LoRA on the systolic numerics.
//
// Model: L = 2 layers, d = 128, 4 heads, d_ff = 256, LoRA rank 8 on Wq and Wv (scale 1);
// batches of 4 random sequences x 16 tokens (x ~ N(0, 1) per entry: the embeddings), a fresh
// batch every step. Teacher change: rank 4 on Wq and Wv, rms 0.5x the base weights'.
// Loss: MSE between the student's and the teacher's last-layer outputs (no head). Backward
// runs through the whole network (the `full` accounting) with the gradient seeded as
// d(sum of squared errors), i.e. the MSE gradient times a static loss scale of T x d (as
// mixed-precision training scales the loss so fp16 gradients do not underflow); adapter
// gradients are unscaled in fp32 before Adam (lr 5e-3, betas 0.9 / 0.999, eps 1e-8; Kingma &
// Ba 2015 defaults but lr). LoRA init as Hu et al. 2021: A ~ N(0, 1/d), B = 0.
// The reported start/final loss is the MSE over a fixed evaluation set of 4 batches.
// Noise-aware training (--noise): the frozen matrices are re-programmed with a fresh device
// noise draw every `resample_every` steps (noise-injection training: a new noise sample per
// step, not one device to overfit); the adapters are then judged on `eval_devices` fresh,
// unseen devices (averaged) against adapters trained noise-free.
// Not covered: timing or energy (the run engine's job), a task head, dropout, weight decay.
// Pure C++ (no SystemC).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "atleus/models/functional_layer.hpp"

namespace atleus {

struct FinetuneDemoOptions {
  std::string quant = "M8F8";  // MnFm (mha, ff weight bits), or "float": plain float numerics
  unsigned adc_bits = 8;       // Atleus section 2 / ISAAC
  double noise = 0.0;          // device weight noise sigma / max|w| per crossbar
  unsigned steps = 300;
  uint64_t seed = 1;
  unsigned resample_every = 1;  // noise-aware training: new device draw every K steps
  unsigned eval_devices = 4;    // fresh devices the noise study averages over
  std::string out;              // folder for loss.csv and loss.svg; empty: write nothing
  bool quiet = false;
};

// Fixed model and training settings of the demo (see the header comment).
struct DemoConfig {
  LayerShape shape;  // d 128, 4 heads, d_ff 256, r 8, n 16, batch 4
  unsigned layers = 2;
  uint64_t teacher_rank = 4;
  double teacher_strength = 0.5;  // rms of the change / rms of the base weights
  double lr = 5e-3;
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;
  unsigned eval_batches = 4;
};

// Numerics for a quant name ("M8F8", "M4F4", "float"), ADC bits and noise; throws
// std::invalid_argument for a bad name.
LayerNumerics demo_numerics(const std::string& quant, unsigned adc_bits, double noise,
                            uint64_t noise_seed);

struct FinetuneResult {
  std::vector<double> loss;            // training-batch MSE before each step's update
  double start_loss = 0.0;             // evaluation-set MSE with the initial adapters
  double final_loss = 0.0;             // evaluation-set MSE with the trained adapters
  std::vector<LoraAdapters> adapters;  // trained, one per layer
};

// Trains the student on `num` for `steps` steps; everything random derives from `seed`.
// `progress(step, loss)` is called after every step when set. resample_every = 0: one device
// (num.noise_seed) throughout; K > 0 (with noise): steps 1..K run on device
// training_device_seed(num.noise_seed, 0), the next K on index 1, and so on. start/final loss
// are evaluated on device num.noise_seed either way.
FinetuneResult finetune_lora(const DemoConfig& cfg, const LayerNumerics& num, unsigned steps,
                             uint64_t seed,
                             const std::function<void(unsigned, double)>& progress = {},
                             unsigned resample_every = 0);

// Device noise seed of the index-th re-programming during noise-aware training.
uint64_t training_device_seed(uint64_t noise_seed, uint64_t index);
// The noise seeds of the `count` evaluation devices of a run seed (a stream of their own, not
// used for training).
std::vector<uint64_t> eval_device_seeds(uint64_t seed, unsigned count);
// The run seed's training device seed (finetune-demo's num.noise_seed).
uint64_t train_device_seed(uint64_t seed);

// Evaluation-set MSE of given adapters (empty: the initial ones) on numerics `num`.
double evaluate_lora(const DemoConfig& cfg, const LayerNumerics& num, uint64_t seed,
                     const std::vector<LoraAdapters>& adapters);
// Mean of evaluate_lora over devices: `num` with each noise seed of `devices` in turn.
double evaluate_lora_devices(const DemoConfig& cfg, const LayerNumerics& num, uint64_t seed,
                             const std::vector<LoraAdapters>& adapters,
                             const std::vector<uint64_t>& devices);

// loss.csv text: header "step,loss", one row per step (0-based).
std::string loss_csv(const std::vector<double>& loss);
// A self-contained SVG line chart of one or more loss curves, log-scale y axis.
struct LossCurve {
  std::string label;
  std::vector<double> loss;
};
std::string loss_svg(const std::vector<LossCurve>& curves, const std::string& title);

// The `atleus-vp finetune-demo` command: trains, prints the curve (and the noise study when
// noise > 0), writes DIR/loss.csv and DIR/loss.svg atomically. Returns the exit code;
// std::invalid_argument for bad options.
int run_finetune_demo(const FinetuneDemoOptions& opt);

}  // namespace atleus
