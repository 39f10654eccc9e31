// The atleus-vp executable, run as a user runs it: describe, traffic, errors and exit codes.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

Run run(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("atleus_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string cmd = std::string(ATLEUS_VP_BIN) + " " + args + " >" + (dir / "out").string() +
                          " 2>" + (dir / "err").string();
  const int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  return r;
}

nlohmann::json run_json(const std::string& args) {
  const Run r = run(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

// Writes a platform file that includes the Atleus preset and adds `body`; returns its path.
std::string platform_file(const std::string& name, const std::string& body) {
  const fs::path dir = fs::temp_directory_path() / ("atleus_cli_cfg_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << "include: " << ATLEUS_SOURCE_DIR << "/platform/configs/atleus.yaml\n" << body;
  return p.string();
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("describe --json: the Atleus system of the paper", "[cli][describe]") {
  const auto j = run_json("describe --json");
  CHECK(j["tiers"].size() == 4);
  CHECK(j["tiers"][0]["kind"] == "systolic");
  for (int t = 1; t < 4; ++t) CHECK(j["tiers"][t]["kind"] == "reram");
  CHECK(j["cores"]["reram"] == 48);
  CHECK(j["cores"]["systolic"] == 16);
  CHECK(j["links"]["vertical"] == 48);
  CHECK(j["links"]["skip"] == 16);
  // A 4x4 mesh has 2*4*3 = 24 links; a path through 16 cores has 15, on each ReRAM tier.
  CHECK(j["links"]["planar"] == 24 + 3 * 15);
  const uint64_t cap8 = 48ull * 16 * 96 * 128 * 128 * 2 / 8;
  CHECK(j["reram_capacity_weights"]["8"].get<uint64_t>() == cap8);
  CHECK(j["reram_capacity_weights"]["4"].get<uint64_t>() == 2 * cap8);
  // Radix 3-6 in the final design (paper section 4): network ports only.
  int routers = 0;
  for (auto& [radix, count] : j["router_radix"].items()) {
    CHECK(std::stoi(radix) >= 3);
    CHECK(std::stoi(radix) <= 6);
    routers += count.get<int>();
  }
  CHECK(routers == 64);
  double sum = 0;
  for (const auto& a : j["area_mm2"]["per_tier"]) sum += a.get<double>();
  CHECK(sum == Approx(j["area_mm2"]["total"].get<double>()));
  // Cores alone: 16 SA cores of 2.55 mm^2 (section 3) and 48 ReRAM cores of 16 tiles, each
  // ISAAC's published components (Table 2: 12 IMAs of 0.01312 mm^2 + 0.21485 mm^2 of tile
  // parts) plus Atleus's dequantisation (2.15% of 0.372 mm^2).
  const double tile = 12 * (0.0096 + 0.00017 + 0.00004 + 0.0002 + 0.00024 + 0.0021 + 0.00077) +
                      0.083 + 0.090 + 0.151 / 4 + 0.0006 + 0.00006 + 0.00024 + 0.0032 +
                      0.0215 * 0.372;
  CHECK(j["area_mm2"]["cores"].get<double>() == Approx(16 * 2.55 + 48 * 16 * tile));
  // Per component per tier: the components add up to the tier's areas.
  for (const auto& t : j["tiers"]) {
    double cores = 0, routers = 0;
    for (auto& [k, c] : t["components"]["cores"].items()) cores += c["area_mm2"].get<double>();
    for (auto& [k, c] : t["components"]["routers"].items()) routers += c["area_mm2"].get<double>();
    CHECK(cores == Approx(t["area_mm2"]["cores"].get<double>()));
    CHECK(routers == Approx(t["area_mm2"]["routers"].get<double>()));
    CHECK(t["components"]["tsv"]["area_mm2"].get<double>() ==
          Approx(t["area_mm2"]["tsv"].get<double>()));
  }
  // ReRAM static power per tier: 16 cores x 16 tiles x ISAAC's clocked parts (27.36 mW).
  CHECK(j["tiers"][1]["components"]["cores"]["input_registers"]["static_power_w"].get<double>() ==
        Approx(16 * 16 * 12 * 1.24e-3));
  CHECK(j["warnings"].empty());
  CHECK(j["cost"]["stack_cost_usd"].get<double>() > 0);
}

TEST_CASE("describe prints a readable summary, presets all describe", "[cli][describe]") {
  const Run r = run("describe");
  CHECK(r.code == 0);
  CHECK(r.out.find("Platform atleus") != std::string::npos);
  CHECK(r.out.find("skip: 16") != std::string::npos);
  for (const char* p : {"3d-mesh", "3d-mesh-skip", "3d-tpu"}) {
    const auto j = run_json(std::string("describe --json --platform ") + p);
    CHECK(j["name"] == p);
  }
  const auto mesh = run_json("describe --json --platform 3d-mesh");
  CHECK(mesh["links"]["planar"] == 4 * 24);
  CHECK(mesh["links"]["skip"] == 0);
  const auto tpu = run_json("describe --json --platform 3d-tpu");
  CHECK(tpu["cores"]["systolic"] == 16);
  // 2x2 tiers: 4 planar links each; 3 x 4 adjacent vertical links + 4 wrap-around links.
  CHECK(tpu["links"]["planar"] == 16);
  CHECK(tpu["links"]["vertical"] == 16);
}

TEST_CASE("overriding a platform parameter with --set", "[cli][describe]") {
  const auto j = run_json("describe --json --set 'tiers[1].grid=[2,2]' --set tiers[1].curve=snake");
  CHECK(j["cores"]["reram"] == 36);
}

TEST_CASE("bad inputs: one line naming file, line and key, exit code 2, nothing on stdout",
          "[cli][errors]") {
  struct Case {
    std::string what, args, expect_in_err;
  };
  const std::vector<Case> cases = {
      {"missing file", "describe --platform /nonexistent/p.yaml",
       "/nonexistent/p.yaml: cannot open"},
      {"syntax error", "describe --platform " + platform_file("syntax.yaml", "tiers: [1, 2\n"),
       // The parser finds the open bracket unclosed at the end of the file.
       "syntax.yaml:3:1: end of sequence flow not found"},
      {"unknown key",
       "describe --platform " +
           platform_file("unknown.yaml", "noc:\n  router:\n    clock_mhzz: 5\n"),
       "unknown.yaml:4:5: noc.router.clock_mhzz: unknown key"},
      {"wrong type",
       "describe --platform " +
           platform_file("type.yaml", "noc:\n  router:\n    flit_bytes: wide\n"),
       "type.yaml:4:17: noc.router.flit_bytes:"},
      {"negative size",
       "describe --platform " +
           platform_file("negative.yaml",
                         "core_types:\n  reram:\n    kind: reram\n    tiles: -4\n"),
       "negative.yaml:5:12: core_types.reram.tiles:"},
      {"link to a missing core",
       "describe --platform " +
           platform_file(
               "link.yaml",
               "vertical:\n  links:\n    - {from: [0, 0, 0], to: [3, 7, 7], kind: skip}\n"),
       "link.yaml:4:"},
      {"unknown flag", "describe --frobnicate", "frobnicate"},
      {"rate out of range", "traffic --rate 3", "--rate"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const Run r = run(c.args);
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(c.expect_in_err) != std::string::npos);
  }
}

TEST_CASE("help and version flags", "[cli]") {
  for (const char* a : {"--help", "describe --help", "traffic --help"}) {
    const Run r = run(a);
    CHECK(r.code == 0);
    CHECK(r.out.find("Usage") != std::string::npos);
  }
  const Run v = run("--version");
  CHECK(v.code == 0);
  CHECK(v.out.find("atleus-vp") != std::string::npos);
}

TEST_CASE("traffic at low load matches the zero-load latency", "[cli][traffic]") {
  const auto j =
      run_json("traffic --platform 3d-mesh --pattern uniform --rate 0.002 --packets 400 --json");
  // 3d-mesh: 1 GHz NoC, 3-cycle routers, 1-cycle links (planar and TSV), 4-flit packets on
  // 1-flit-per-cycle channels. A packet crosses the injection channel, hops+1 routers, hops links
  // and the ejection channel (1 cycle each, noc.packet.terminal_latency_cycles), then its body
  // streams in behind the head.
  const double hops = j["avg_hops"].get<double>();
  const double zero_load = 1.0 + (hops + 1) * 3.0 + hops * 1.0 + 1.0 + 4.0;
  CHECK(j["avg_latency_ns"].get<double>() == Approx(zero_load).epsilon(0.02));
  CHECK(j["avg_latency_ns"].get<double>() >= zero_load);
  // Uniform traffic over 64 cores of a 4x4x4 mesh: mean Manhattan distance between two
  // different nodes = 3 dimensions x (2 x 4 x 5 x 3 / 6 / 16) x 64/63.
  const double mean_1d = 0.0 + (2.0 * (1 * 3 + 2 * 2 + 3 * 1)) / 16.0;  // = 1.25
  CHECK(hops == Approx(3 * mean_1d * 64.0 / 63.0).epsilon(0.03));
  CHECK(j["accepted_rate"].get<double>() == Approx(0.002).epsilon(0.1));
}

TEST_CASE("traffic: latency grows with load and throughput saturates", "[cli][traffic]") {
  double last_latency = 0;
  for (double rate : {0.02, 0.2, 0.5, 0.9}) {
    const auto j = run_json("traffic --platform 3d-mesh --rate " + std::to_string(rate) +
                            " --packets 800 --json");
    const double lat = j["avg_latency_ns"].get<double>();
    INFO("uniform rate " << rate << " latency " << lat);
    CHECK(lat > last_latency);
    last_latency = lat;
  }
  // Transpose concentrates traffic on few links: far past saturation the network delivers
  // well under what is offered, and the delivered rate stops growing with the offered one.
  const auto mid =
      run_json("traffic --platform 3d-mesh --pattern transpose --rate 0.5 --packets 800 --json");
  const auto high =
      run_json("traffic --platform 3d-mesh --pattern transpose --rate 0.9 --packets 800 --json");
  const double off = high["measured_offered_rate"].get<double>();
  const double acc = high["accepted_rate"].get<double>();
  INFO("transpose offered " << off << " accepted " << acc);
  CHECK(acc < 0.6 * off);
  // Offered load grows by 1.8x from 0.5 to 0.9; the delivered rate by far less.
  CHECK(off > 1.7 * mid["measured_offered_rate"].get<double>());
  CHECK(acc < 1.25 * mid["accepted_rate"].get<double>());
}

TEST_CASE("traffic is deterministic", "[cli][traffic]") {
  const Run a = run("traffic --rate 0.05 --packets 200 --pattern transpose --json");
  const Run b = run("traffic --rate 0.05 --packets 200 --pattern transpose --json");
  CHECK(a.code == 0);
  CHECK(a.out == b.out);
}

TEST_CASE("traffic with noc.model flit: same outputs, deterministic, saturates earlier",
          "[cli][traffic][flit]") {
  const std::string args = "traffic --platform 3d-mesh --set noc.model=flit --packet-flits 1 ";
  const Run a = run(args + "--rate 0.05 --packets 300 --pattern uniform-all --json");
  const Run b = run(args + "--rate 0.05 --packets 300 --pattern uniform-all --json");
  INFO(a.err);
  REQUIRE(a.code == 0);
  CHECK(a.out == b.out);
  const auto j = nlohmann::json::parse(a.out);
  CHECK(j["noc_model"] == "flit");
  for (const char* key : {"accepted_rate", "avg_latency_ns", "p50_latency_ns", "p99_latency_ns",
                          "max_latency_ns", "avg_hops", "energy_j", "router_traversals"})
    CHECK(j.contains(key));
  // Far past the flit router's saturation, the cycle-level model accepts clearly less than the
  // packet model, whose channels have unbounded buffers and no virtual channels.
  const auto flit = run_json(args + "--rate 0.95 --packets 600 --json");
  const auto packet = run_json(
      "traffic --platform 3d-mesh --packet-flits 1 --rate 0.95 "
      "--packets 600 --json");
  INFO("flit accepted " << flit["accepted_rate"] << ", packet " << packet["accepted_rate"]);
  CHECK(flit["accepted_rate"].get<double>() < 0.9 * packet["accepted_rate"].get<double>());
}

TEST_CASE("run takes noc.model flit and flow, a bad model fails at the key", "[cli][flit]") {
  // flit and flow are accepted, by --set and in the platform file: what fails is the output
  // folder.
  for (const char* model : {"flit", "flow"}) {
    const Run set = run(std::string("run --set noc.model=") + model + " --out /dev/null/out");
    CHECK(set.code == 2);
    CHECK(set.out.empty());
    CHECK(lines(set.err) == 1);
    CHECK(set.err.find("noc.model") == std::string::npos);
    CHECK(set.err.find("--out") != std::string::npos);
  }
  const Run file = run("run --platform " + platform_file("flit.yaml", "noc:\n  model: flit\n") +
                       " --out /dev/null/out");
  CHECK(file.code == 2);
  CHECK(file.err.find("noc.model") == std::string::npos);
  CHECK(file.err.find("--out") != std::string::npos);
  const Run bad = run("traffic --rate 0.1 --set noc.model=fluid");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("noc.model") != std::string::npos);
}
