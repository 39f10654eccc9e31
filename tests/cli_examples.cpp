// The co-simulation examples (examples/), run as a user runs them: each elaborates the platform
// in its own sc_main through the public API, and its results must equal `atleus-vp run`'s for
// the same workload.
#include <regex>
#include <string>

#include "cli_support.hpp"

namespace {

struct ExampleOut {
  int code = -1;
  std::string out;
  nlohmann::json summary;
};

ExampleOut run_example(const std::string& exe, const std::string& args) {
  const cli::fs::path json =
      cli::fs::temp_directory_path() / ("atleus_example_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(cli::run_counter++) + ".json");
  const cli::fs::path out = json.string() + ".out";
  const std::string cmd = exe + " " + args + " " + json.string() + " >" + out.string() + " 2>&1";
  ExampleOut o;
  const int status = std::system(cmd.c_str());
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = cli::slurp(out);
  if (cli::fs::exists(json)) o.summary = nlohmann::json::parse(cli::slurp(json));
  cli::fs::remove(json);
  cli::fs::remove(out);
  return o;
}

// Every figure the example reports equals the command line's.
void require_same_results(const nlohmann::json& example, const nlohmann::json& cli_summary) {
  REQUIRE(example.is_object());
  REQUIRE(example.size() > 10);
  for (const auto& [key, value] : example.items()) {
    INFO(key);
    REQUIRE(cli_summary.contains(key));
    CHECK(cli_summary[key] == value);
  }
}

}  // namespace

TEST_CASE("example: a user's host drives a fine-tuning run; results equal the CLI's") {
  const ExampleOut ex = run_example(ATLEUS_EXAMPLE_EXTERNAL_HOST, "roberta-base 4");
  INFO(ex.out);
  REQUIRE(ex.code == 0);
  const cli::Out ref = cli::run_ok("--model roberta-base --task squad --batch 4 --mode finetune");
  require_same_results(ex.summary, ref.summary);
  cli::fs::remove_all(ref.dir);
}

TEST_CASE(
    "example: the platform beside a free-running clock stops when done; results equal the "
    "CLI's") {
  const ExampleOut ex = run_example(ATLEUS_EXAMPLE_BESIDE_CLOCKED_IP, "roberta-base 2");
  INFO(ex.out);
  REQUIRE(ex.code == 0);
  const cli::Out ref = cli::run_ok("--model roberta-base --task squad --batch 2 --mode finetune");
  require_same_results(ex.summary, ref.summary);
  // The counter on its 10 ns clock ran for the platform's whole run, and no longer.
  std::smatch m;
  REQUIRE(std::regex_search(ex.out, m, std::regex("counted ([0-9]+) cycles")));
  const double ticks = std::stod(m[1]);
  const double expected = ex.summary["simulated_time_s"].get<double>() / 10e-9;
  CHECK(ticks >= expected - 1);
  CHECK(ticks <= expected + 1);
  cli::fs::remove_all(ref.dir);
}
