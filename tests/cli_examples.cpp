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

TEST_CASE("example: a user's host drives a fine-tuning run, and its results equal the CLI's") {
  const ExampleOut ex = run_example(ATLEUS_EXAMPLE_EXTERNAL_HOST, "roberta-base 4");
  INFO(ex.out);
  REQUIRE(ex.code == 0);
  const cli::Out ref = cli::run_ok("--model roberta-base --task squad --batch 4 --mode finetune");
  require_same_results(ex.summary, ref.summary);
  cli::fs::remove_all(ref.dir);
}

TEST_CASE(
    "example: the platform beside a free-running clock stops when done, and its results equal the "
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

TEST_CASE(
    "example: a user's memory model replaces the HBM, and its timing and energy are the run's") {
  const ExampleOut ex = run_example(ATLEUS_EXAMPLE_FOREIGN_MEMORY, "bert-base 2");
  INFO(ex.out);
  REQUIRE(ex.code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(
      ex.out, m,
      std::regex("([0-9]+) accesses, ([0-9]+) bytes, highest offset ([0-9]+), ([0-9.e+-]+) J")));
  const double accesses = std::stod(m[1]), bytes = std::stod(m[2]);
  const double highest = std::stod(m[3]), dynamic_j = std::stod(m[4]);
  CHECK(accesses > 0);
  // The memory sees window offsets, not the platform's global addresses (the HBM window
  // starts at 2^48); the atleus preset's window is 8 GiB.
  CHECK(highest <= 8.0 * (1ull << 30));
  const auto& e = ex.summary["energy_breakdown_j"];
  CHECK_FALSE(e.contains("hbm"));
  REQUIRE(e.contains("memory"));
  // Its energy is what the memory reported: 5 pJ per bit moved.
  CHECK(e["memory"].get<double>() == Approx(bytes * 8 * 5e-12).epsilon(1e-9));
  CHECK(e["memory"].get<double>() == Approx(dynamic_j).epsilon(1e-6));
  double sum = 0;
  for (const auto& [k, v] : e.items()) sum += v.get<double>();
  CHECK(ex.summary["energy_j"].get<double>() == Approx(sum).epsilon(1e-12));
  // A different memory gives a different run than the built-in HBM.
  const cli::Out hbm = cli::run_ok("--model bert-base --batch 2 --mode finetune");
  CHECK(hbm.summary["simulated_time_s"] != ex.summary["simulated_time_s"]);
  cli::fs::remove_all(hbm.dir);
}

TEST_CASE(
    "example: an AT host keeps several layer transactions in flight and does the CLI's work") {
  const ExampleOut ex = run_example(ATLEUS_EXAMPLE_AT_HOST, "bert-base 2 4");
  INFO(ex.out);
  REQUIRE(ex.code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(ex.out, m, std::regex("at most ([0-9]+) outstanding")));
  CHECK(std::stoi(m[1]) == 4);
  // The same work as the built-in host's: the layer transactions reach the cores over a few
  // delta cycles instead of in one, which may reorder equal-time arrivals, not the outcome.
  const cli::Out ref = cli::run_ok("--model bert-base --batch 2 --mode finetune");
  CHECK(ex.summary["tasks"] == ref.summary["tasks"]);
  CHECK(ex.summary["macs"] == ref.summary["macs"]);
  CHECK(ex.summary["simulated_time_s"].get<double>() ==
        Approx(ref.summary["simulated_time_s"].get<double>()).epsilon(0.01));
  CHECK(ex.summary["energy_j"].get<double>() ==
        Approx(ref.summary["energy_j"].get<double>()).epsilon(0.01));
  cli::fs::remove_all(ref.dir);
}

TEST_CASE("protocol check on the command line: the run and traffic are clean and unchanged") {
  const cli::Out plain = cli::run_ok("--model bert-base --batch 2 --mode finetune");
  const cli::Out checked =
      cli::run_ok("--model bert-base --batch 2 --mode finetune --check-protocol");
  const auto& pc = checked.summary["protocol_check"];
  CHECK(pc["violations"].get<uint64_t>() == 0);
  CHECK(pc["bindings"].get<uint64_t>() > 500);
  CHECK(pc["transactions"].get<uint64_t>() > checked.summary["transactions"].get<uint64_t>());
  CHECK(plain.summary["simulated_time_s"] == checked.summary["simulated_time_s"]);
  CHECK(plain.summary["energy_j"] == checked.summary["energy_j"]);
  CHECK(cli::slurp(plain.dir / "kernels.csv") == cli::slurp(checked.dir / "kernels.csv"));
  cli::fs::remove_all(plain.dir);
  cli::fs::remove_all(checked.dir);

  const cli::fs::path out = cli::fs::temp_directory_path() /
                            ("atleus_traffic_check_" + std::to_string(::getpid()) + ".json");
  const std::string cmd = std::string(ATLEUS_VP_BIN) +
                          " traffic --rate 0.05 --packets 200 --check-protocol --json >" +
                          out.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto j = nlohmann::json::parse(cli::slurp(out));
  cli::fs::remove(out);
  CHECK(j["protocol_check"]["violations"].get<uint64_t>() == 0);
  CHECK(j["protocol_check"]["transactions"].get<uint64_t>() > 0);
}

TEST_CASE("memory.kind external on the command line is bad input naming the key") {
  const cli::Out o =
      cli::run("--model bert-base --batch 1 --mode inference --set memory.kind=external");
  CHECK(o.code == 2);
  CHECK(o.err.find("memory.kind") != std::string::npos);
  CHECK(o.err.find("external") != std::string::npos);
}
