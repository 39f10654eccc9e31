// The HTML reports, opened in headless Chromium as a user opens them: `run` writes
// report.html, `compare` writes a side-by-side page. Values shown must be summary.json's.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kChromium = "/usr/bin/chromium";

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path fresh_dir(const std::string& tag) {
  static int n = 0;
  const fs::path d = fs::temp_directory_path() / ("atleus_report_" + std::to_string(::getpid()) +
                                                  "_" + tag + "_" + std::to_string(n++));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

int sh(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void vp(const std::string& args, const fs::path& work) {
  const fs::path err = work / "vp.err";
  const int code = sh(std::string(ATLEUS_VP_BIN) + " " + args + " >/dev/null 2>" + err.string());
  INFO(args << "\n" << slurp(err));
  REQUIRE(code == 0);
}

struct Browser {
  std::string dom, log;
};

// Headless Chromium on a local file: the DOM after scripts ran, and its log (console included).
Browser chromium(const fs::path& html, const std::string& extra, const fs::path& work) {
  INFO("Chromium is needed for the report tests: apt-get install -y chromium");
  REQUIRE(fs::exists(kChromium));
  const fs::path profile = fresh_dir("profile");
  const fs::path out = work / "chromium.out", err = work / "chromium.err";
  const std::string cmd =
      std::string("timeout 180 ") + kChromium +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --disable-dev-shm-usage --enable-logging=stderr --v=0 --user-data-dir=" +
      profile.string() + " " + extra + " file://" + fs::absolute(html).string() + " >" +
      out.string() + " 2>" + err.string();
  const int code = sh(cmd);
  Browser b{slurp(out), slurp(err)};
  INFO(b.log);
  REQUIRE(code == 0);
  fs::remove_all(profile);
  return b;
}

// Console messages and uncaught exceptions reach the log as "INFO:CONSOLE..." lines; the
// reports log nothing, so any such line is a fault.
void check_console_clean(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    INFO(line);
    CHECK(line.find(":CONSOLE") == std::string::npos);
    CHECK(line.find("Uncaught") == std::string::npos);
  }
}

// The opening tag of the element with this id, or "" when there is none.
std::string tag_of(const std::string& dom, const std::string& id) {
  const size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const size_t open = dom.rfind('<', at), close = dom.find('>', at);
  return dom.substr(open, close - open + 1);
}

bool has_id(const std::string& dom, const std::string& id) {
  return !tag_of(dom, id).empty();
}

double data_value(const std::string& dom, const std::string& id) {
  const std::string tag = tag_of(dom, id);
  INFO("element id=" << id);
  REQUIRE(!tag.empty());
  const std::string key = "data-value=\"";
  const size_t a = tag.find(key);
  REQUIRE(a != std::string::npos);
  const size_t b = tag.find('"', a + key.size());
  return std::strtod(tag.substr(a + key.size(), b - a - key.size()).c_str(), nullptr);
}

// The markup of the <svg> element with this id.
std::string svg_of(const std::string& dom, const std::string& id) {
  const std::string tag = tag_of(dom, id);
  INFO("svg id=" << id);
  REQUIRE(tag.rfind("<svg", 0) == 0);
  const size_t start = dom.find(tag);
  const size_t end = dom.find("</svg>", start);
  REQUIRE(end != std::string::npos);
  return dom.substr(start, end - start);
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// Rows of one mode in links.csv or kernels.csv (first column is the mode).
size_t link_rows(const std::string& csv, const std::string& mode) {
  std::istringstream in(csv);
  std::string line;
  size_t n = 0;
  std::getline(in, line);  // header
  while (std::getline(in, line))
    if (line.rfind(mode + ",", 0) == 0) ++n;
  return n;
}

bool is_png(const fs::path& p, uint32_t* w, uint32_t* h) {
  const std::string b = slurp(p);
  if (b.size() < 24 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return false;
  auto be32 = [&](size_t o) {
    return (uint32_t(uint8_t(b[o])) << 24) | (uint32_t(uint8_t(b[o + 1])) << 16) |
           (uint32_t(uint8_t(b[o + 2])) << 8) | uint32_t(uint8_t(b[o + 3]));
  };
  *w = be32(16);  // IHDR follows the signature and the chunk's length and type
  *h = be32(20);
  return true;
}

}  // namespace

TEST_CASE("run writes report.html: headline values, charts and the 3D stack", "[cli][report]") {
  const fs::path work = fresh_dir("run");
  const fs::path dir = work / "out";
  vp("run --quiet --batch 2 --out " + dir.string(), work);
  const fs::path html = dir / "report.html";
  REQUIRE(fs::exists(html));
  const json s = json::parse(slurp(dir / "summary.json"));
  const std::string links = slurp(dir / "links.csv");

  // Self-contained: nothing is fetched from a network.
  const std::string raw = slurp(html);
  for (const char* net : {"src=\"http", "href=\"http", "url(http", "@import", "fetch("})
    CHECK(raw.find(net) == std::string::npos);

  const Browser b = chromium(html, "--dump-dom", work);
  check_console_clean(b.log);
  const std::string& dom = b.dom;
  REQUIRE(dom.find("</html>") != std::string::npos);

  for (const std::string mode : {"finetune", "inference"}) {
    INFO("mode " << mode);
    const json& m = s.at(mode);
    // Exact machine values.
    CHECK(data_value(dom, mode + "-time-per-sequence") ==
          m.at("latency_per_sequence_s").get<double>());
    CHECK(data_value(dom, mode + "-simulated-time") == m.at("simulated_time_s").get<double>());
    CHECK(data_value(dom, mode + "-throughput") ==
          m.at("throughput_sequences_per_s").get<double>());
    CHECK(data_value(dom, mode + "-bottleneck-throughput") ==
          m.at("bottleneck_throughput_sequences_per_s").get<double>());
    CHECK(data_value(dom, mode + "-energy-per-sequence") ==
          m.at("energy_per_sequence_j").get<double>());
    CHECK(data_value(dom, mode + "-energy") == m.at("energy_j").get<double>());
    if (mode == "finetune") {
      CHECK(data_value(dom, mode + "-epoch-time") == m.at("epoch_time_s").get<double>());
      CHECK(data_value(dom, mode + "-epoch-energy") == m.at("epoch_energy_j").get<double>());
    } else {
      CHECK_FALSE(has_id(dom, mode + "-epoch-time"));
    }

    // Energy chart: one bar per block of the breakdown.
    const std::string energy = svg_of(dom, mode + "-energy-chart");
    CHECK(count(energy, "<rect") == m.at("energy_breakdown_j").size());
    // Stage chart: compute, communication and stall segments per stage, plus the legend's 3.
    const std::string stage = svg_of(dom, mode + "-stage-chart");
    CHECK(count(stage, "<rect") == 3 * m.at("pipeline").size() + 3);
    // Stack: one cell per grid position of every tier, one line per link direction.
    size_t positions = 0;
    for (const auto& t : m.at("tiers"))
      positions += t.at("grid")[0].get<size_t>() * t.at("grid")[1].get<size_t>();
    REQUIRE(positions == 64);  // the Atleus preset: 4 tiers of 4x4
    const std::string stack = svg_of(dom, mode + "-stack");
    CHECK(count(stack, "class=\"cell\"") == positions);
    const size_t n_links = link_rows(links, mode);
    CHECK(n_links > 0);
    CHECK(count(stack, "class=\"link ") == n_links);
    CHECK(count(stack, "class=\"link skip\"") > 0);
    CHECK(count(stack, "class=\"link vertical\"") > 0);

    // Warnings, decided here from summary.json.
    const double stat = m.at("energy_breakdown_j").at("static").get<double>();
    CHECK((dom.find("id=\"" + mode + "-warnings\"") != std::string::npos));
    const size_t warn_at = dom.find("id=\"" + mode + "-warnings\"");
    const std::string warns = dom.substr(warn_at, dom.find("</ul>", warn_at) - warn_at);
    CHECK((warns.find("data-kind=\"static-energy\"") != std::string::npos) ==
          (stat > 0.5 * m.at("energy_j").get<double>()));
    std::vector<double> u;
    for (const auto& p : m.at("pipeline")) u.push_back(p.at("max_core_utilisation").get<double>());
    std::sort(u.rbegin(), u.rend());
    CHECK((warns.find("data-kind=\"dominant-stage\"") != std::string::npos) == (u[0] > 2 * u[1]));
    CHECK(warns.find("data-kind=\"weight-reloading\"") == std::string::npos);
    // Kernel table: one row per kernel class of the mode.
    const size_t k_at = dom.find("id=\"" + mode + "-kernels\"");
    REQUIRE(k_at != std::string::npos);
    const std::string ktable = dom.substr(k_at, dom.find("</table>", k_at) - k_at);
    CHECK(count(ktable, "<tr>") == link_rows(slurp(dir / "kernels.csv"), mode) + 1);
    CHECK(has_id(dom, mode + "-noc-table"));
  }

  // A screenshot, as a person would look at it.
  const fs::path png = dir / "report.png";
  const Browser shot =
      chromium(html, "--screenshot=" + png.string() + " --window-size=1400,2400", work);
  check_console_clean(shot.log);
  uint32_t w = 0, h = 0;
  REQUIRE(fs::exists(png));
  CHECK(is_png(png, &w, &h));
  CHECK(w == 1400);
  CHECK(h == 2400);
  CHECK(fs::file_size(png) > 50000);  // a drawn page, not a blank one
}

TEST_CASE("compare: two platforms side by side, values and ratios", "[cli][report]") {
  const fs::path work = fresh_dir("cmp");
  const fs::path a = work / "atleus", b = work / "mesh", out = work / "cmp.html";
  vp("run --quiet --mode inference --batch 2 --out " + a.string(), work);
  vp("run --quiet --platform 3d-mesh --mode inference --batch 2 --out " + b.string(), work);
  vp("compare " + a.string() + " " + b.string() + " --out " + out.string(), work);
  REQUIRE(fs::exists(out));
  const std::vector<json> s = {json::parse(slurp(a / "summary.json")),
                               json::parse(slurp(b / "summary.json"))};
  REQUIRE(s[0].at("mode") == "inference");

  const Browser br = chromium(out, "--dump-dom", work);
  check_console_clean(br.log);
  const std::string& dom = br.dom;

  auto noc = [](const json& m) {
    const json& e = m.at("energy_breakdown_j");
    return e.at("noc_routers").get<double>() + e.at("noc_links").get<double>() +
           e.at("tsv").get<double>();
  };
  const std::vector<std::pair<std::string, std::vector<double>>> metrics = {
      {"time-per-sequence",
       {s[0]["latency_per_sequence_s"].get<double>(),
        s[1]["latency_per_sequence_s"].get<double>()}},
      {"throughput",
       {s[0]["throughput_sequences_per_s"].get<double>(),
        s[1]["throughput_sequences_per_s"].get<double>()}},
      {"energy-per-sequence",
       {s[0]["energy_per_sequence_j"].get<double>(), s[1]["energy_per_sequence_j"].get<double>()}},
      {"mac-share", {s[0]["reram_mac_share"].get<double>(), s[1]["reram_mac_share"].get<double>()}},
      {"noc-energy", {noc(s[0]), noc(s[1])}}};
  for (const auto& [id, v] : metrics) {
    for (size_t i = 0; i < 2; ++i) {
      const std::string e = "cmp-inference-" + id + "-" + std::to_string(i);
      INFO(e);
      CHECK(data_value(dom, e) == Approx(v[i]).epsilon(1e-12));
      CHECK(data_value(dom, e + "-ratio") == Approx(v[i] / v[0]).epsilon(1e-12));
    }
  }
  // The direct values are summary.json's numbers exactly.
  CHECK(data_value(dom, "cmp-inference-throughput-1") ==
        s[1]["throughput_sequences_per_s"].get<double>());
  CHECK(data_value(dom, "cmp-inference-throughput-0-ratio") == 1.0);
  // Same model and batch on both: the MAC share cannot depend on the NoC.
  CHECK(data_value(dom, "cmp-inference-mac-share-1-ratio") == Approx(1.0));
  // Inference runs have no epoch; fine-tuning is absent from both.
  CHECK_FALSE(has_id(dom, "cmp-inference-epoch-time-0"));
  CHECK_FALSE(has_id(dom, "cmp-finetune-chart"));
  // Bars normalised to the first run: two per metric shown.
  const std::string chart = svg_of(dom, "cmp-inference-chart");
  CHECK(count(chart, "<rect") >= 2 * metrics.size());
}

TEST_CASE("sweep.html opens in headless Chromium with no console errors and draws the plot",
          "[report][sweep]") {
  const fs::path work = fresh_dir("sweep");
  {
    std::ofstream f(work / "spec.yaml");
    f << "base:\n  workloads:\n    w: {model: bert-base, mode: inference, batch: 1, seq_len: 32, "
         "layers: 1}\naxes:\n  quant: [M8F8, M8F4]\n  noc.router.flit_bytes: [16, 32]\n";
  }
  vp("sweep " + (work / "spec.yaml").string() + " --out " + (work / "sw").string() + " --jobs 2",
     work);
  const fs::path html = work / "sw" / "sweep.html";
  REQUIRE(fs::exists(html));
  const std::string raw = slurp(html);
  for (const char* net : {"src=\"http", "href=\"http", "url(http", "@import", "fetch("})
    CHECK(raw.find(net) == std::string::npos);
  const Browser b = chromium(html, "--dump-dom", work);
  check_console_clean(b.log);
  const std::string& dom = b.dom;
  REQUIRE(dom.find("</html>") != std::string::npos);
  // Four points in the scatter and in the table, links to each point's report.
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = dom.find(what); at != std::string::npos; at = dom.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count("<circle") == 4);
  CHECK(count("href=\"points/") == 4);
  CHECK(count("<polyline") <= 1);
  fs::remove_all(work);
}

TEST_CASE("compare labels runs by platform and differing keys, or by --label", "[cli][report]") {
  const fs::path work = fresh_dir("labels");
  const std::string args =
      "run --quiet --model bert-base --mode inference --batch 1 --seq-len 32 "
      "--layers 1 --out ";
  vp(args + (work / "a").string(), work);
  vp(args + (work / "b").string() + " --set noc.router.flit_bytes=16", work);
  vp("compare " + (work / "a").string() + " " + (work / "b").string() + " --out " +
         (work / "c.html").string(),
     work);
  const std::string c = slurp(work / "c.html");
  CHECK(c.find("atleus (noc.router.flit_bytes=16)") != std::string::npos);
  vp("compare " + (work / "a").string() + " " + (work / "b").string() +
         " --label base --label narrow --out " + (work / "d.html").string(),
     work);
  const std::string d = slurp(work / "d.html");
  CHECK(d.find(">narrow<") != std::string::npos);
  CHECK(sh(std::string(ATLEUS_VP_BIN) + " compare " + (work / "a").string() + " " +
           (work / "b").string() + " --label one --out " + (work / "e.html").string() +
           " 2>/dev/null") == 2);
  fs::remove_all(work);
}
