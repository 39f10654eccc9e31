// Serving through the executable (`run --mode generate --arrival-rate R`): continuous batching
// over steps simulated on the platform. An isolated request takes exactly the times of a plain
// single-request generate run; a higher arrival rate raises the tail time per output token and
// the time to first token; the same seed gives the same output, another seed other arrivals.
#include <catch2/catch.hpp>

#include "cli_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// SmolLM2-360M cut to 4 layers, 16-token prompts and 4 tokens each: seconds per run.
const std::string kModel =
    "--mode generate --platform atleus --model smollm2-360m --quant M8F8 --layers 4 "
    "--prompt-len 16 --gen-len 4";

json plain_single() {
  const cli::Out o = cli::run_ok(kModel + " --batch 1");
  fs::remove_all(o.dir);
  return o.summary;
}

std::string rate_text(double r) {
  std::ostringstream s;
  s.precision(17);
  s << r;
  return s.str();
}

json serve_ok(double rate, const std::string& extra) {
  const cli::Out o = cli::run_ok(kModel + " --arrival-rate " + rate_text(rate) + " " + extra);
  CHECK(fs::exists(o.dir / "requests.csv"));
  fs::remove_all(o.dir);
  return o.summary;
}

// Column `name` of a CSV text, as text.
std::vector<std::string> column(const std::string& csv, const std::string& name) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> head;
  {
    std::istringstream h(line);
    std::string c;
    while (std::getline(h, c, ',')) head.push_back(c);
  }
  std::size_t at = 0;
  while (at < head.size() && head[at] != name) ++at;
  REQUIRE(at < head.size());
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string c;
    for (std::size_t i = 0; std::getline(l, c, ','); ++i)
      if (i == at) out.push_back(c);
  }
  return out;
}

}  // namespace

TEST_CASE("serve: an isolated request takes the single-request prefill and decode step times") {
  const json plain = plain_single();
  const double ttft = plain["generate"]["ttft_s"]["mean"].get<double>();
  const double tpot = plain["generate"]["tpot_s"]["mean"].get<double>();
  REQUIRE(ttft > 0);
  REQUIRE(tpot > 0);
  // One request per 1000 request durations on average: the requests never overlap (checked).
  const double rate = 1e-3 / (ttft + 3 * tpot);
  const json s = serve_ok(rate, "--requests 3 --max-batch 4 --seed 5");
  const json& g = s["generate"];
  const json& recs = g["serving"]["records"];
  REQUIRE(recs.size() == 3);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    INFO("request " << i);
    if (i > 0) REQUIRE(recs[i]["arrival_s"].get<double>() > recs[i - 1]["finish_s"].get<double>());
    CHECK(recs[i]["queueing_s"].get<double>() == 0.0);
    CHECK(recs[i]["ttft_s"].get<double>() == Approx(ttft).epsilon(1e-6));
    CHECK(recs[i]["tpot_s"].get<double>() == Approx(tpot).epsilon(1e-6));
    CHECK(recs[i]["mean_decode_batch"].get<double>() == 1.0);
  }
  // Every request alone: one prefill of one request and the same three decode steps for each.
  CHECK(g["serving"]["prefills"].get<int>() == 3);
  CHECK(g["serving"]["prefills_simulated"].get<int>() == 1);
  CHECK(g["serving"]["decode_steps"].get<int>() == 9);
  CHECK(g["serving"]["decode_steps_simulated"].get<int>() == 3);
}

TEST_CASE("serve: p99 TPOT, mean TTFT and queueing rise with the arrival rate") {
  const json plain = plain_single();
  // A lone request's service time S; rates of one request per 5 S and 20 per S.
  const double S = plain["generate"]["ttft_s"]["mean"].get<double>() +
                   3 * plain["generate"]["tpot_s"]["mean"].get<double>();
  const std::string common = "--requests 8 --max-batch 4 --seed 11";
  const json low = serve_ok(0.2 / S, common);
  const json high = serve_ok(20 / S, common);
  const json& gl = low["generate"];
  const json& gh = high["generate"];
  CHECK(gh["tpot_s"]["p99"].get<double>() > gl["tpot_s"]["p99"].get<double>());
  CHECK(gh["ttft_s"]["mean"].get<double>() > gl["ttft_s"]["mean"].get<double>());
  CHECK(gh["serving"]["queueing_delay_s"]["mean"].get<double>() >
        gl["serving"]["queueing_delay_s"]["mean"].get<double>());
  // The other side of the trade: batches form and more tokens come out per second.
  CHECK(gh["serving"]["mean_decode_batch"].get<double>() >
        gl["serving"]["mean_decode_batch"].get<double>());
  CHECK(gh["serving"]["max_decode_batch"].get<int>() <= 4);
  CHECK(gh["tokens_per_s"].get<double>() > gl["tokens_per_s"].get<double>());
  // Every request's four tokens: tokens/s is requests x 4 over the span.
  CHECK(gh["tokens_per_s"].get<double>() ==
        Approx(8 * 4 / gh["serving"]["span_s"].get<double>()).epsilon(1e-12));
}

TEST_CASE("serve: the same seed gives the same output, another seed other arrivals") {
  const fs::path dir = fs::temp_directory_path() / ("atleus_serve_" + std::to_string(::getpid()));
  auto run = [&](int seed) {
    fs::remove_all(dir);
    const std::string cmd = std::string(ATLEUS_VP_BIN) + " run --quiet --out " + dir.string() +
                            " " + kModel +
                            " --arrival-rate 2000 --requests 6 --max-batch 3 --seed " +
                            std::to_string(seed) + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    json s = json::parse(cli::slurp(dir / "summary.json"));
    s.erase("wall_time_s");  // the one figure of the host, not of the simulation
    const std::pair<std::string, std::string> out{s.dump(), cli::slurp(dir / "requests.csv")};
    fs::remove_all(dir);
    return out;
  };
  const auto a = run(3), b = run(3), c = run(4);
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);
  CHECK(column(a.second, "arrival_s") != column(c.second, "arrival_s"));
}

TEST_CASE("serve: --explain-model beside a flag it does not read exits 2 naming the flag") {
  const cli::Out o = cli::run("--model qwen2.5-0.5b --explain-model --prompt-len 8");
  CHECK(o.code == 2);
  // --prompt-len is registered before --out and --quiet, so it is the flag named.
  CHECK_THAT(o.err, Catch::Contains("--prompt-len: --explain-model reads only --model"));
  CHECK_FALSE(fs::exists(o.dir));
}
