// atleus-vp probe gemm against SCALE-Sim v2's closed forms, written here independently of the
// model (scalesim/compute/systolic_compute_{os,ws,is}.py): a GEMM out[M][N] = A[M][K] . B[K][N]
// maps to spatial dims Sr x Sc and a temporal dim T,
//   OS: Sr = M, Sc = N, T = K;  WS: Sr = K, Sc = N, T = M;  IS: Sr = K, Sc = M, T = N,
// and runs ceil(Sr / R) x ceil(Sc / C) folds on an R x C array, each of
//   OS: R + C + T - 2 cycles (v2's OS demand matrices: T + C - 1 rows, skewed by R - 1),
//   WS, IS: 2R + C + T - 2 cycles (R cycles of stationary-operand preload first).
// (The SCALE-Sim paper quotes 2R + C + T - 2 for every dataflow; v2's OS code counts R fewer.)
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string read_all(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

Result probe(const std::string& args) {
  static int counter = 0;
  const fs::path base = fs::temp_directory_path() / ("atleus_probe_" + std::to_string(::getpid()) +
                                                     "_" + std::to_string(counter++));
  const std::string cmd = std::string(ATLEUS_VP_BIN) + " probe " + args + " >" + base.string() +
                          ".out 2>" + base.string() + ".err";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_all(base.string() + ".out");
  r.err = read_all(base.string() + ".err");
  fs::remove(base.string() + ".out");
  fs::remove(base.string() + ".err");
  return r;
}

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

uint64_t scalesim_cycles(const std::string& df, uint64_t R, uint64_t C, uint64_t M, uint64_t K,
                         uint64_t N) {
  uint64_t sr, sc, t;
  if (df == "os") {
    sr = M, sc = N, t = K;
  } else if (df == "ws") {
    sr = K, sc = N, t = M;
  } else {
    sr = K, sc = M, t = N;
  }
  const uint64_t fold = (df == "os" ? R : 2 * R) + C + t - 2;
  return ceil_div(sr, R) * ceil_div(sc, C) * fold;
}

}  // namespace

TEST_CASE("probe gemm equals SCALE-Sim v2's closed forms for OS, WS and IS on 10 shapes") {
  struct Shape {
    uint64_t r, c, m, k, n;
    const char* what;
  };
  const Shape shapes[] = {
      {8, 4, 8, 8, 4, "exactly one fold"},
      {8, 4, 64, 64, 64, "square, many folds"},
      {8, 4, 1, 512, 1, "skinny: one output"},
      {8, 4, 1000, 16, 3, "tall and narrow"},
      {8, 4, 9, 5, 13, "partial folds on both edges"},
      {8, 4, 16, 4096, 8, "K much larger than the array"},
      {8, 4, 3, 3, 3, "smaller than the array"},
      {8, 4, 100, 7, 33, "odd sizes"},
      {128, 32, 128, 768, 64, "the Atleus array, a BERT head"},
      {16, 16, 257, 1, 255, "K = 1, one past a fold"},
  };
  for (const auto& s : shapes) {
    for (const std::string df : {"os", "ws", "is"}) {
      const std::string args =
          "gemm --core sa --json --set core_types.sa.rows=" + std::to_string(s.r) +
          " --set core_types.sa.cols=" + std::to_string(s.c) + " --m " + std::to_string(s.m) +
          " --k " + std::to_string(s.k) + " --n " + std::to_string(s.n) + " --dataflow " + df;
      INFO(s.what << ": " << args);
      const Result r = probe(args);
      INFO(r.err);
      REQUIRE(r.code == 0);
      const auto j = nlohmann::json::parse(r.out);
      CHECK(j["compute_cycles"].get<double>() ==
            static_cast<double>(scalesim_cycles(df, s.r, s.c, s.m, s.k, s.n)));
      CHECK(j["cycles"].get<uint64_t>() ==
            j["compute_cycles"].get<uint64_t>() + j["stall_cycles"].get<uint64_t>());
      CHECK(j["macs"].get<uint64_t>() == s.m * s.k * s.n);
      const double util = j["utilisation"].get<double>();
      CHECK(util == Approx(static_cast<double>(s.m * s.k * s.n) /
                           (static_cast<double>(s.r * s.c) * j["cycles"].get<double>())));
      CHECK(j["energy_j"]["pe_mac"].get<double>() > 0);
    }
  }
}

TEST_CASE("probe gemm --topology reads a SCALE-Sim GEMM topology CSV, one row per layer") {
  const fs::path csv = fs::temp_directory_path() / ("atleus_topo_" + std::to_string(::getpid()));
  {
    std::ofstream f(csv);
    f << "Layer name, M, N, K,\nqkv, 128, 2304, 768,\nscores, 128, 128, 64,\nff2, 128, 768, "
         "3072,\n";
  }
  const Result r = probe("gemm --core sa --csv --topology " + csv.string());
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  REQUIRE(rows.size() == 5);  // header, three layers, total
  CHECK(rows[0].rfind("layer,m,n,k,cycles", 0) == 0);
  CHECK(rows[1].rfind("qkv,128,2304,768,", 0) == 0);
  CHECK(rows[4].rfind("total,", 0) == 0);
  // The 128 x 32 OS array: cycles of each layer and their sum.
  const uint64_t q = scalesim_cycles("os", 128, 32, 128, 768, 2304),
                 s = scalesim_cycles("os", 128, 32, 128, 64, 128),
                 f = scalesim_cycles("os", 128, 32, 128, 3072, 768);
  const Result j = probe("gemm --core sa --json --topology " + csv.string());
  REQUIRE(j.code == 0);
  const auto js = nlohmann::json::parse(j.out);
  REQUIRE(js["layers"].size() == 3);
  CHECK(js["layers"][0]["compute_cycles"].get<double>() == q);
  CHECK(js["layers"][1]["compute_cycles"].get<double>() == s);
  CHECK(js["layers"][2]["compute_cycles"].get<double>() == f);
  CHECK(js["total"]["macs"].get<uint64_t>() ==
        128ull * 768 * 2304 + 128ull * 64 * 128 + 128ull * 3072 * 768);
  fs::remove(csv);
}

TEST_CASE("probe gemm: a bad topology row and an unknown core are one-line input errors") {
  const fs::path csv =
      fs::temp_directory_path() / ("atleus_topo_bad_" + std::to_string(::getpid()));
  {
    std::ofstream f(csv);
    f << "Layer name, M, N, K,\nok, 4, 4, 4,\nbad, 4, four, 4,\n";
  }
  const Result r = probe("gemm --core sa --topology " + csv.string());
  CHECK(r.code == 2);
  CHECK(r.err == "atleus-vp: error: " + csv.string() +
                     ":3:8: topology.N: expected a positive integer, got 'four'\n");
  fs::remove(csv);
  const Result u = probe("gemm --core nope --m 1 --k 1 --n 1");
  CHECK(u.code == 2);
  CHECK(u.err.find("no core type named 'nope'") != std::string::npos);
}

TEST_CASE("probe mvm: the ISAAC pipeline's fill plus one interval per further vector") {
  const auto one = nlohmann::json::parse(
      probe("mvm --core reram --d-in 768 --d-out 768 --vectors 1 --json").out);
  const auto many = nlohmann::json::parse(
      probe("mvm --core reram --d-in 768 --d-out 768 --vectors 100 --json").out);
  // 768 rows / 128 = 6 row blocks; 768 columns x 4 cells (8 bits at 2 bits per cell) / 128 = 24.
  CHECK(one["crossbars"].get<double>() == 6 * 24);
  CHECK(one["time_s"].get<double>() == Approx(one["single_vector_ps"].get<double>() * 1e-12));
  CHECK(many["time_s"].get<double>() ==
        Approx((many["single_vector_ps"].get<double>() + 99 * many["interval_ps"].get<double>()) *
               1e-12));
  CHECK(many["energy_total_j"].get<double>() == Approx(100 * one["energy_total_j"].get<double>()));
  CHECK(many["macs"].get<uint64_t>() == 100ull * 768 * 768);
  const Result big = probe("mvm --core reram --d-in 8192 --d-out 8192");
  CHECK(big.code == 2);
  CHECK(big.err.find("tiles; the core has 16") != std::string::npos);
  const Result wrong = probe("mvm --core sa --d-in 8 --d-out 8");
  CHECK(wrong.code == 2);
  CHECK(wrong.err.find("has no closed-form cost for probe mvm") != std::string::npos);
}

TEST_CASE("probe sfu: rows spread over the lanes, one row per lane at a time") {
  auto cycles = [](uint64_t rows) {
    const Result r = probe("sfu --core sa --func softmax --json --rows " + std::to_string(rows) +
                           " --elements " + std::to_string(rows * 128));
    INFO(r.err);
    REQUIRE(r.code == 0);
    return nlohmann::json::parse(r.out);
  };
  // The Atleus SFU has 32 lanes: 33 rows take two rounds, as 64 do.
  const auto r32 = cycles(32), r33 = cycles(33), r64 = cycles(64);
  CHECK(r64["cycles"].get<uint64_t>() == 2 * r32["cycles"].get<uint64_t>());
  CHECK(r33["cycles"].get<uint64_t>() == r64["cycles"].get<uint64_t>());
  CHECK(r32["utilisation"].get<double>() == Approx(1.0));
  CHECK(r33["utilisation"].get<double>() == Approx(33.0 / 64.0));
  CHECK(r33["energy_j"]["sfu"].get<double>() > r32["energy_j"]["sfu"].get<double>());
  const Result bad = probe("sfu --core sa --func softmax --rows 3 --elements 1000");
  CHECK(bad.code == 2);
  CHECK(bad.err ==
        "atleus-vp: error: command line: --elements: must be > 0 and a multiple of "
        "--rows (3)\n");
}

namespace {

// Zero-load packet-model latency and energy of one write, written from the platform's figures:
// tests/data/platforms/tsv-skip-chain.yaml (four tiers of 2 x 1 cores, a 20 GHz NoC) over the
// Atleus preset's router, wire, planar and TSV parameters.
struct Hop {
  std::string kind;  // link leaving the router: planar, vertical, skip ("" at the last router)
  int ports;         // the router's ports: its links, its core, HBM and host ports
};

struct PacketExpect {
  uint64_t latency_ps;
  double router_j, link_j, tsv_j;
};

PacketExpect packet_closed_form(const std::vector<Hop>& hops, uint64_t bytes) {
  const uint64_t cycle = 50;  // 20 GHz
  const uint64_t terminal = 1 * cycle, router = 3 * cycle;
  // Planar: 100 ps/mm x 2.5 mm = 250 ps, 5 cycles. TSV: Elmore 0.69 x (1 kOhm x (37 + 5) fF +
  // ...) = 29 ps, 1 cycle; a skip TSV spans 3 tiers: 0.69 x 1 kOhm x (111 + 5) fF = 80 ps, 2.
  auto link_ps = [&](const std::string& k) -> uint64_t {
    return k == "planar" ? 5 * cycle : k == "vertical" ? 1 * cycle : 2 * cycle;
  };
  // Energy per bit: activity 0.5 x C x 0.9 V^2. Planar 200 fF/mm x 2.5 mm; TSV 37 fF per tier
  // spanned plus the 5 fF receiver.
  auto link_j_per_bit = [](const std::string& k) {
    const double c_ff = k == "planar" ? 200.0 * 2.5 : k == "vertical" ? 37.0 + 5 : 3 * 37.0 + 5;
    return 0.5 * c_ff * 1e-15 * 0.81;
  };
  // Router per bit: a buffer write and read (2 x 7.2 fJ) and a crossbar whose two wires are each
  // P x 256 bits x 0.2 um long at 81 fJ per bit per mm.
  auto router_j_per_bit = [](int ports) {
    return 2 * 7.2e-15 + 81e-15 * 2 * (ports * 256 * 0.2e-3);
  };
  const double bits = bytes * 8.0;
  PacketExpect e{2 * terminal, 0, 0, 0};
  for (const auto& h : hops) {
    e.latency_ps += router;
    e.router_j += bits * router_j_per_bit(h.ports);
    if (h.kind.empty()) continue;
    e.latency_ps += link_ps(h.kind);
    (h.kind == "planar" ? e.link_j : e.tsv_j) += bits * link_j_per_bit(h.kind);
  }
  e.latency_ps += (bytes * 8 + 255) / 256 * cycle;  // 256-bit channels everywhere
  return e;
}

}  // namespace

TEST_CASE("probe packet: the zero-load formula for three site pairs, one across tiers") {
  const std::string chain =
      " --platform " + std::string(ATLEUS_SOURCE_DIR) + "/tests/data/platforms/tsv-skip-chain.yaml";
  // Ports: (0,0,0) planar, vertical, skip, core, host = 5; (0,1,0) planar, skip, core, HBM = 4;
  // (1,0,0) and (2,0,0) planar, vertical, core = 3; (1,1,0), (2,1,0) planar, core = 2;
  // (3,0,0) planar, vertical, skip, core = 4.
  struct Pair {
    std::string from, to;
    uint64_t bytes;
    std::vector<Hop> hops;
    std::vector<std::string> path;
  };
  const std::vector<Pair> pairs = {
      {"1,0,0",
       "2,0,0",
       100,
       {{"vertical", 3}, {"skip", 5}, {"vertical", 4}, {"", 3}},
       {"t1_x0_y0", "t0_x0_y0", "t3_x0_y0", "t2_x0_y0"}},
      {"0,0,0", "0,1,0", 1000, {{"planar", 5}, {"", 4}}, {"t0_x0_y0", "t0_x1_y0"}},
      {"1,1,0",
       "2,1,0",
       64,
       {{"planar", 2}, {"vertical", 3}, {"skip", 5}, {"vertical", 4}, {"planar", 3}, {"", 2}},
       {"t1_x1_y0", "t1_x0_y0", "t0_x0_y0", "t3_x0_y0", "t2_x0_y0", "t2_x1_y0"}},
  };
  for (const auto& p : pairs) {
    const Result r = probe("packet --json" + chain + " --from " + p.from + " --to " + p.to +
                           " --bytes " + std::to_string(p.bytes));
    INFO(p.from << " -> " << p.to << ": " << r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    const PacketExpect e = packet_closed_form(p.hops, p.bytes);
    CHECK(j["hops"].get<unsigned>() == p.hops.size() - 1);
    CHECK(j["path"].get<std::vector<std::string>>() == p.path);
    CHECK(j["time_s"].get<double>() == Approx(e.latency_ps * 1e-12).epsilon(1e-12));
    CHECK(j["cycles"].get<uint64_t>() == e.latency_ps / 50);
    CHECK(j["energy_j"]["router"].get<double>() == Approx(e.router_j).epsilon(1e-12));
    CHECK(j["energy_j"]["link"].get<double>() == Approx(e.link_j).epsilon(1e-12));
    CHECK(j["energy_j"]["tsv"].get<double>() == Approx(e.tsv_j).epsilon(1e-12));
  }
  const Result text = probe("packet" + chain + " --from 0,0,0 --to 0,1,0 --bytes 1000");
  CHECK(text.code == 0);
  CHECK(text.out.find("path: t0_x0_y0 -planar- t0_x1_y0") != std::string::npos);
  const Result nowhere = probe("packet" + chain + " --from 0,0,0 --to 4,0,0 --bytes 8");
  CHECK(nowhere.code == 2);
  CHECK(nowhere.err == "atleus-vp: error: command line: --to: no core site at tier 4, x 0, y 0\n");
  const Result malformed = probe("packet" + chain + " --from 0,0 --to 0,1,0 --bytes 8");
  CHECK(malformed.code == 2);
  CHECK(malformed.err.find("--from: expected a site as TIER,X,Y") != std::string::npos);
  const Result empty = probe("packet" + chain + " --from 0,0,0 --to 0,1,0 --bytes 0");
  CHECK(empty.code == 2);
  CHECK(empty.err == "atleus-vp: error: command line: --bytes: must be > 0\n");
}

TEST_CASE("probe hbm: bursts, time, energy and utilisation from the HBM parameters") {
  // Atleus preset: HBM2, 256 GB/s over 8 channels of 128 bits, burst length 2 (32-byte bursts),
  // 256-byte interleaving, 40 ns access latency, 3.9 pJ per bit moved.
  auto expect = [](uint64_t bytes) {
    std::vector<uint64_t> ch(8, 0);
    for (uint64_t off = 0, c = 0; off < bytes; off += 256, c = (c + 1) % 8)
      ch[c] += std::min<uint64_t>(256, bytes - off);
    uint64_t moved = 0, transfer_ps = 0, touched = 0;
    for (uint64_t b : ch) {
      if (b == 0) continue;
      ++touched;
      const uint64_t rounded = (b + 31) / 32 * 32;
      moved += rounded;
      transfer_ps = std::max(transfer_ps, rounded * 1000 / 32);  // 32 GB/s: 32 B per ns
    }
    return std::vector<double>{double(moved / 32),  double(touched),
                               double(transfer_ps), double(transfer_ps + 40000),
                               moved * 8 * 3.9e-12, bytes / (256e9 * transfer_ps * 1e-12)};
  };
  for (uint64_t bytes : {100ull, 1000ull, 4096ull, 1000000ull}) {
    const Result r = probe("hbm --json --bytes " + std::to_string(bytes));
    INFO(bytes << ": " << r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    const auto e = expect(bytes);
    CHECK(j["bursts"].get<double>() == e[0]);
    CHECK(j["channels_touched"].get<double>() == e[1]);
    CHECK(j["transfer_s"].get<double>() == Approx(e[2] * 1e-12).epsilon(1e-12));
    CHECK(j["time_s"].get<double>() == Approx(e[3] * 1e-12).epsilon(1e-12));
    CHECK(j["energy_j"]["hbm"].get<double>() == Approx(e[4]).epsilon(1e-12));
    CHECK(j["bandwidth_utilisation"].get<double>() == Approx(e[5]).epsilon(1e-12));
  }
  // 4096 B fill every channel with whole bursts: the full peak while transferring.
  CHECK(expect(4096)[5] == Approx(1.0));
  const Result zero = probe("hbm --bytes 0");
  CHECK(zero.code == 2);
  CHECK(zero.err == "atleus-vp: error: command line: --bytes: must be > 0\n");
}
