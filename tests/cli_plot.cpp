// scripts/plot.sh on the output of a real run: every chart is a PNG of the configured size,
// reruns give the same bytes, and bad input is refused with exit code 2 and nothing written.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Cmd {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

int counter = 0;

// A scratch folder of this process, new on every call.
fs::path scratch(const std::string& what) {
  const fs::path d = fs::temp_directory_path() / ("atleus_plot_" + std::to_string(::getpid()) +
                                                  "_" + std::to_string(counter++) + "_" + what);
  fs::remove_all(d);
  return d;
}

Cmd shell(const std::string& command) {
  const fs::path log = scratch("log");
  fs::create_directories(log);
  const std::string cmd = command + " >" + (log / "out").string() + " 2>" + (log / "err").string();
  const int status = std::system(cmd.c_str());
  Cmd r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(log / "out");
  r.err = slurp(log / "err");
  fs::remove_all(log);
  return r;
}

const std::string kPlot = std::string(ATLEUS_SOURCE_DIR) + "/scripts/plot.sh";

// plot.sh runs Debian's python3 (the one python3-matplotlib installs into); the project set-up
// (scripts/setup.sh --tests) installs the package, so its absence is a set-up failure.
void require_matplotlib() {
  const Cmd c = shell(
      "PY=/usr/bin/python3; [ -x $PY ] || PY=python3; MPLBACKEND=Agg $PY -c 'import matplotlib'");
  if (c.code != 0)
    FAIL(
        "python3-matplotlib is not installed (scripts/plot.sh needs it): run "
        "scripts/setup.sh --tests or apt-get install python3-matplotlib\n"
        << c.err);
}

// Width and height from the IHDR chunk, which PNG requires right after the 8-byte signature:
// length (4) "IHDR" (4) width (4, big-endian) height (4, big-endian).
bool png_size(const std::string& data, uint32_t& w, uint32_t& h) {
  static const std::string sig("\x89PNG\r\n\x1a\n", 8);
  if (data.size() < 24 || data.compare(0, 8, sig) != 0 || data.compare(12, 4, "IHDR") != 0)
    return false;
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
    return v;
  };
  w = be32(16);
  h = be32(20);
  return true;
}

struct Chart {
  std::string name;
  double width_in, height_in;
};

// The sizes plot_run.py is configured with, at 300 dpi: one paper column is 3.5 in, two 7 in.
const std::vector<Chart> kCharts = {{"energy-breakdown", 3.5, 2.6},
                                    {"stage-breakdown", 3.5, 2.6},
                                    {"kernels", 3.5, 3.6},
                                    {"core-utilisation", 7.0, 2.4},
                                    {"link-utilisation", 7.0, 2.6}};
constexpr double kDpi = 300;

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("plot.sh draws every chart of both modes as PNGs of the configured size", "[cli][plot]") {
  require_matplotlib();
  const fs::path run_dir = scratch("run");
  const Cmd sim =
      shell(std::string(ATLEUS_VP_BIN) + " run --quiet --batch 2 --out " + run_dir.string());
  INFO(sim.err);
  REQUIRE(sim.code == 0);

  const Cmd plot = shell(kPlot + " " + run_dir.string());
  INFO(plot.err);
  REQUIRE(plot.code == 0);
  const fs::path plots = run_dir / "plots";  // the default output folder
  const std::vector<std::string> modes = {"finetune", "inference"};
  CHECK(lines(plot.out) == static_cast<int>(modes.size() * kCharts.size()));

  for (const auto& mode : modes) {
    for (const auto& chart : kCharts) {
      const fs::path png = plots / (mode + "-" + chart.name + ".png");
      INFO(png.string());
      REQUIRE(fs::exists(png));
      CHECK(plot.out.find(png.string() + "\n") != std::string::npos);  // listed on stdout
      const std::string data = slurp(png);
      CHECK(data.size() > 10 * 1024);
      uint32_t w = 0, h = 0;
      REQUIRE(png_size(data, w, h));
      CHECK(w == static_cast<uint32_t>(chart.width_in * kDpi + 0.5));
      CHECK(h == static_cast<uint32_t>(chart.height_in * kDpi + 0.5));
    }
  }

  // --out elsewhere: the same charts, byte for byte.
  const fs::path again = scratch("again");
  const Cmd plot2 = shell(kPlot + " " + run_dir.string() + " --out " + again.string());
  INFO(plot2.err);
  REQUIRE(plot2.code == 0);
  for (const auto& entry : fs::directory_iterator(plots)) {
    INFO(entry.path().string());
    CHECK(slurp(entry.path()) == slurp(again / entry.path().filename()));
  }
  fs::remove_all(run_dir);
  fs::remove_all(again);
}

TEST_CASE("plot.sh: a missing run folder is refused with exit code 2", "[cli][plot]") {
  require_matplotlib();
  const fs::path missing = scratch("missing");
  const Cmd c = shell(kPlot + " " + missing.string());
  CHECK(c.code == 2);
  CHECK(c.out.empty());
  CHECK(lines(c.err) == 1);
  CHECK(c.err.find(missing.string()) != std::string::npos);
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("plot.sh: no summary.json or a malformed one names the file, writes nothing",
          "[cli][plot]") {
  require_matplotlib();
  const fs::path dir = scratch("bad");
  fs::create_directories(dir);
  const fs::path summary = dir / "summary.json";

  SECTION("no summary.json") {}
  SECTION("malformed JSON") {
    std::ofstream(summary) << "{\"mode\": \"inference\",\n \"x\": [1,\n";
  }
  SECTION("summary.json without the per-mode keys") {
    std::ofstream(summary) << "{\"a\": 1}\n";
  }

  const fs::path out = dir / "plots";
  const Cmd c = shell(kPlot + " " + dir.string() + " --out " + out.string());
  CHECK(c.code == 2);
  CHECK(c.out.empty());
  CHECK(lines(c.err) == 1);
  CHECK(c.err.find(summary.string()) != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

TEST_CASE("plot.sh on a sweep folder draws a Pareto plot per pair of objectives", "[cli][plot]") {
  require_matplotlib();
  const fs::path d = scratch("sweep");
  fs::create_directories(d);
  {
    std::ofstream spec(d / "spec.yaml");
    spec << "base:\n  workloads:\n    w: {model: bert-base, mode: inference, batch: 1, "
            "seq_len: 32, layers: 1}\n"
            "axes:\n  core_types.sa.rows: [64, 128]\n  quant: [M8F8, M4F4]\n"
            "objectives: {energy_j: min, simulated_time_s: min, area_mm2: min}\n";
  }
  const Cmd sw = shell(std::string(ATLEUS_VP_BIN) + " sweep " + (d / "spec.yaml").string() +
                       " --out " + (d / "sw").string());
  INFO(sw.err);
  REQUIRE(sw.code == 0);
  const Cmd plot = shell(kPlot + " " + (d / "sw").string());
  INFO(plot.err);
  REQUIRE(plot.code == 0);
  // Three objectives: three pairs, plus the status chart.
  const std::vector<std::string> names = {"pareto-simulated_time_s-vs-energy_j.png",
                                          "pareto-area_mm2-vs-energy_j.png",
                                          "pareto-area_mm2-vs-simulated_time_s.png", "status.png"};
  CHECK(lines(plot.out) == static_cast<int>(names.size()));
  for (const auto& n : names) {
    INFO(n);
    uint32_t w = 0, h = 0;
    const std::string png = slurp(d / "sw" / "plots" / n);
    REQUIRE(png_size(png, w, h));
    CHECK(w == 700);  // 3.5 in at 200 dpi
    CHECK(h == 560);
  }
  // Deterministic: a second drawing is byte-identical.
  const std::string first = slurp(d / "sw" / "plots" / names[0]);
  REQUIRE(shell(kPlot + " " + (d / "sw").string() + " --out " + (d / "again").string()).code == 0);
  CHECK(slurp(d / "again" / names[0]) == first);
  // A sweep folder without its results is one line and exit 2.
  fs::remove(d / "sw" / "results.csv");
  const Cmd bad = shell(kPlot + " " + (d / "sw").string());
  CHECK(bad.code == 2);
  CHECK(lines(bad.err) == 1);
  CHECK(bad.err.find("results.csv") != std::string::npos);
  fs::remove_all(d);
}
