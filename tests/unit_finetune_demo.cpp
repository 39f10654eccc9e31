// LoRA fine-tuning on the platform's numerics: the loss falls, and the final loss orders by
// weight precision (M8F8 <= M8F4 < M4F4) over three seeds.
//
// Step counts: the acceptance loss drop (10x) is checked at the demo's full 300 steps (seed 1).
// The ordering is checked at 150 steps per run to keep the wall time modest: the gaps between
// precisions (tens of percent to 10x) are far larger than the 150-vs-300-step difference.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/finetune_demo.hpp"

using namespace atleus;

namespace {

double final_loss(const std::string& quant, unsigned steps, uint64_t seed) {
  const DemoConfig cfg;
  return finetune_lora(cfg, demo_numerics(quant, 8, 0.0, 1), steps, seed).final_loss;
}

void check_ordering(uint64_t seed) {
  const double m8f8 = final_loss("M8F8", 150, seed);
  const double m8f4 = final_loss("M8F4", 150, seed);
  const double m4f4 = final_loss("M4F4", 150, seed);
  INFO("seed " << seed << ": M8F8 " << m8f8 << ", M8F4 " << m8f4 << ", M4F4 " << m4f4);
  CHECK(m8f8 <= m8f4);  // no tolerance needed
  CHECK(m8f4 < m4f4);
}

}  // namespace

TEST_CASE("finetune demo: M8F8 with 8-bit ADCs lowers the loss 10x", "[finetune_demo]") {
  const DemoConfig cfg;
  std::vector<double> seen;
  const FinetuneResult r =
      finetune_lora(cfg, demo_numerics("M8F8", 8, 0.0, 1), 300, 1, [&](unsigned step, double loss) {
        CHECK(step == seen.size() + 1);
        seen.push_back(loss);
      });
  REQUIRE(r.loss.size() == 300);
  CHECK(seen == r.loss);
  INFO("start " << r.start_loss << ", final " << r.final_loss);
  CHECK(r.final_loss <= r.start_loss / 10.0);
  // The training-batch curve falls too (mean of the last 10 vs the first 10 steps).
  double first = 0.0, last = 0.0;
  for (int i = 0; i < 10; ++i) first += r.loss[i], last += r.loss[r.loss.size() - 1 - i];
  CHECK(last <= first / 10.0);
  // The B adapters start at zero: the initial evaluation has no LoRA contribution at all.
  CHECK(r.start_loss == evaluate_lora(cfg, demo_numerics("M8F8", 8, 0.0, 1), 1, {}));
}

TEST_CASE("finetune demo: final loss orders by precision, seed 1", "[finetune_demo]") {
  check_ordering(1);
}
TEST_CASE("finetune demo: final loss orders by precision, seed 2", "[finetune_demo]") {
  check_ordering(2);
}
TEST_CASE("finetune demo: final loss orders by precision, seed 3", "[finetune_demo]") {
  check_ordering(3);
}

TEST_CASE("finetune demo: a seed fixes the run and float numerics learn", "[finetune_demo]") {
  const DemoConfig cfg;
  const LayerNumerics num = demo_numerics("M8F8", 8, 0.0, 1);
  const FinetuneResult a = finetune_lora(cfg, num, 5, 4), b = finetune_lora(cfg, num, 5, 4);
  CHECK(a.loss == b.loss);
  const FinetuneResult c = finetune_lora(cfg, num, 5, 5);
  CHECK(a.loss != c.loss);
  const FinetuneResult f = finetune_lora(cfg, demo_numerics("float", 8, 0.0, 1), 40, 4);
  CHECK(f.final_loss < f.start_loss);
}

TEST_CASE("finetune demo: option checks", "[finetune_demo]") {
  CHECK_THROWS_AS(demo_numerics("M9", 8, 0.0, 1), std::invalid_argument);
  CHECK_THROWS_AS(demo_numerics("float", 8, 0.1, 1), std::invalid_argument);
  CHECK_THROWS_AS(demo_numerics("M8F8", 8, -0.1, 1), std::invalid_argument);
  const LayerNumerics n = demo_numerics("M8F4", 6, 0.02, 9);
  CHECK(n.mha_bits == 8);
  CHECK(n.ff_bits == 4);
  CHECK(n.adc_bits == 6);
  CHECK(n.noise_sigma == 0.02);
  CHECK_FALSE(n.exact_float);
  CHECK(demo_numerics("float", 8, 0.0, 1).exact_float);
  FinetuneDemoOptions o;
  o.steps = 0;
  CHECK_THROWS_AS(run_finetune_demo(o), std::invalid_argument);
}

TEST_CASE("finetune demo: loss.csv and loss.svg", "[finetune_demo]") {
  CHECK(loss_csv({0.5, 0.25}) == "step,loss\n0,0.5\n1,0.25\n");
  const std::string svg = loss_svg({{"a", {1.0, 0.1, 0.01}}, {"b", {0.5, 0.05}}}, "t");
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  // Two decades (1e-2 .. 1e0): a grid label per decade; two polylines.
  for (const char* label : {">1e-2<", ">1e-1<", ">1e0<"})
    CHECK(svg.find(label) != std::string::npos);
  size_t lines = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1))
    ++lines;
  CHECK(lines == 2);

  const auto dir = std::filesystem::temp_directory_path() / "atleus_finetune_demo_test";
  std::filesystem::remove_all(dir);
  FinetuneDemoOptions o;
  o.steps = 3;
  o.quiet = true;
  o.out = dir.string();
  REQUIRE(run_finetune_demo(o) == 0);
  std::ifstream csv(dir / "loss.csv");
  std::stringstream text;
  text << csv.rdbuf();
  const std::string s = text.str();
  CHECK(s.rfind("step,loss\n0,", 0) == 0);
  CHECK(std::count(s.begin(), s.end(), '\n') == 4);
  CHECK(std::filesystem::exists(dir / "loss.svg"));
  CHECK_FALSE(std::filesystem::exists(dir / "loss.csv.tmp"));
  std::filesystem::remove_all(dir);
}
