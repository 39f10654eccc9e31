// `atleus-vp finetune-demo`: LoRA fine-tuning of a small transformer on the platform's
// functional numerics (models/finetune_demo.hpp).
//
// To wire it in main.cpp (declarations to add to sc_main/cli_common.hpp):
//   CLI::App* add_finetune_demo_command(CLI::App& app, FinetuneDemoOptions& opt);
//   int run_finetune_demo_cmd(const FinetuneDemoOptions& opt);
#include <CLI/CLI.hpp>
#include <iostream>
#include <stdexcept>

#include "atleus/models/finetune_demo.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

CLI::App* add_finetune_demo_command(CLI::App& app, FinetuneDemoOptions& opt) {
  auto* cmd = app.add_subcommand(
      "finetune-demo",
      "fine-tune a small transformer with LoRA on the simulated hardware's numerics toward a "
      "teacher; prints the loss curve, writes DIR/loss.csv and DIR/loss.svg");
  cmd->add_option("--quant", opt.quant, "weight precision MnFm (e.g. M8F8, M8F4, M4F4) or float")
      ->check(cli::non_empty())
      ->capture_default_str();
  cmd->add_option("--adc-bits", opt.adc_bits, "ADC resolution in bits")
      ->check(CLI::Range(1u, 24u))
      ->capture_default_str();
  cmd->add_option("--noise", opt.noise,
                  "device weight noise sigma, relative to max|w| per crossbar; > 0 also trains "
                  "without noise and compares both under noise")
      ->check(cli::finite_in(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--steps", opt.steps, "training steps")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  cmd->add_option("--seed", opt.seed, "seed of weights, teacher, inputs and device noise")
      ->capture_default_str();
  cmd->add_option("--resample-every", opt.resample_every,
                  "with --noise: draw a new device every K training steps (0: one device)")
      ->capture_default_str();
  cmd->add_option("--eval-devices", opt.eval_devices,
                  "with --noise: unseen devices the adapters are evaluated on")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  cmd->add_option("--out", opt.out, "output folder")->required();
  cmd->add_flag("--quiet", opt.quiet, "print nothing");
  return cmd;
}

int run_finetune_demo_cmd(const FinetuneDemoOptions& opt) {
  try {
    return run_finetune_demo(opt);
  } catch (const std::invalid_argument& e) {
    std::cerr << "atleus-vp: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace atleus::cli
