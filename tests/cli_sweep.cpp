// `atleus-vp sweep` through the executable: a 3-axis study on two workloads, its Pareto front
// against a brute-force check, resume after kill -9 of the driver, and bad specs.
#include <catch2/catch.hpp>

#include "cli_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using cli::slurp;

fs::path fresh_dir(const std::string& tag) {
  const fs::path d =
      fs::temp_directory_path() / ("atleus_sweep_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct Result {
  int code = -1;
  std::string err;
};

Result sweep(const std::string& args) {
  static int n = 0;
  const fs::path err =
      fs::temp_directory_path() /
      ("atleus_sweep_err_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  const std::string cmd =
      std::string(ATLEUS_VP_BIN) + " sweep " + args + " >/dev/null 2>" + err.string();
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err);
  fs::remove(err);
  return r;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream f(p);
  f << text;
}

// Three axes (array shape as named variants, quantisation, flit width) on two tiny workloads.
const char* kSpec = R"(base:
  platform: atleus
  workloads:
    bert1:
      model: bert-base
      mode: inference
      batch: 1
      seq_len: 64
      layers: 1
    bert2:
      model: bert-base
      mode: inference
      batch: 2
      seq_len: 32
      layers: 1
axes:
  array:
    variants:
      tall: {core_types.sa.rows: 128, core_types.sa.cols: 32}
      square: {core_types.sa.rows: 64, core_types.sa.cols: 64}
  quant: [M8F8, M8F4]
  noc.router.flit_bytes: [16, 32]
objectives:
  energy_per_sequence_j: min
  latency_per_sequence_s: min
  area_mm2: min
)";

using Table = std::vector<std::vector<std::string>>;

// A CSV without quoted commas (the test's rows have none).
Table read_csv(const fs::path& p) {
  Table t;
  std::istringstream in(slurp(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) row.push_back(cell);
    if (!line.empty() && line.back() == ',') row.push_back("");
    t.push_back(row);
  }
  return t;
}

int col(const Table& t, const std::string& name) {
  for (std::size_t i = 0; i < t[0].size(); ++i)
    if (t[0][i] == name) return static_cast<int>(i);
  FAIL("no column " << name);
  return -1;
}

// The table without its wall_time_s column.
std::string without_wall(const Table& t) {
  const int w = col(t, "wall_time_s");
  std::string s;
  for (const auto& r : t) {
    for (std::size_t i = 0; i < r.size(); ++i)
      if (static_cast<int>(i) != w) s += r[i] + ",";
    s += "\n";
  }
  return s;
}

}  // namespace

TEST_CASE("a 3-axis sweep on 2 workloads completes and its Pareto front is right", "[sweep]") {
  const fs::path d = fresh_dir("grid");
  write(d / "spec.yaml", kSpec);
  const Result r =
      sweep((d / "spec.yaml").string() + " --out " + (d / "out").string() + " --jobs 2");
  INFO(r.err);
  REQUIRE(r.code == 0);
  for (const char* f : {"results.csv", "pareto.csv", "results.sqlite", "sweep.html"})
    CHECK(fs::exists(d / "out" / f));
  const Table t = read_csv(d / "out" / "results.csv");
  REQUIRE(t.size() == 1 + 16);
  const int st = col(t, "status"), e = col(t, "energy_per_sequence_j"),
            l = col(t, "latency_per_sequence_s"), a = col(t, "area_mm2"), h = col(t, "hash");
  for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i][st] == "ok");
  // Every distinct point ran once, into its own folder.
  std::map<std::string, int> hashes;
  for (std::size_t i = 1; i < t.size(); ++i) hashes[t[i][h]]++;
  CHECK(hashes.size() == 16);
  int folders = 0;
  for (const auto& entry : fs::directory_iterator(d / "out" / "points")) {
    CHECK(entry.path().filename().string().rfind(".tmp-", 0) != 0);
    CHECK(fs::exists(entry.path() / "run" / "summary.json"));
    ++folders;
  }
  CHECK(folders == 16);
  // The axes move the figures: area by array shape, energy by quantisation.
  std::map<std::string, int> areas;
  for (std::size_t i = 1; i < t.size(); ++i) areas[t[i][a]]++;
  CHECK(areas.size() >= 2);

  // Brute force: a row is on the front iff no row is no worse on all three and better on one.
  std::vector<std::string> expected;
  for (std::size_t i = 1; i < t.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 1; j < t.size() && !dominated; ++j) {
      if (i == j) continue;
      const double ei = std::stod(t[i][e]), ej = std::stod(t[j][e]);
      const double li = std::stod(t[i][l]), lj = std::stod(t[j][l]);
      const double ai = std::stod(t[i][a]), aj = std::stod(t[j][a]);
      dominated = ej <= ei && lj <= li && aj <= ai && (ej < ei || lj < li || aj < ai);
    }
    if (!dominated) expected.push_back(t[i][h]);
  }
  const Table p = read_csv(d / "out" / "pareto.csv");
  std::vector<std::string> got;
  for (std::size_t i = 1; i < p.size(); ++i) got.push_back(p[i][col(p, "hash")]);
  CHECK_FALSE(expected.empty());
  CHECK(got == expected);

  // The database answers the same question.
  const std::string q = "sqlite3 " + (d / "out" / "results.sqlite").string() +
                        " 'SELECT count(*) FROM results WHERE status = \"ok\"; SELECT count(*) "
                        "FROM pareto;' > " +
                        (d / "q.txt").string();
  REQUIRE(std::system(q.c_str()) == 0);
  CHECK(slurp(d / "q.txt") == "16\n" + std::to_string(expected.size()) + "\n");

  // A rerun of the same spec runs nothing and writes the same results.
  const Result again = sweep((d / "spec.yaml").string() + " --out " + (d / "out").string());
  CHECK(again.code == 0);
  CHECK(again.err.find("16 already complete, 0 to run") != std::string::npos);
  CHECK(without_wall(read_csv(d / "out" / "results.csv")) == without_wall(t));
  fs::remove_all(d);
}

TEST_CASE("kill -9 of the sweep driver, then --resume: no completed point runs again",
          "[sweep][resume]") {
  const fs::path d = fresh_dir("resume");
  write(d / "spec.yaml", kSpec);
  // The uninterrupted reference.
  const Result ref =
      sweep((d / "spec.yaml").string() + " --out " + (d / "ref").string() + " --jobs 2");
  REQUIRE(ref.code == 0);

  const fs::path out = d / "out";
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    const std::string spec = (d / "spec.yaml").string(), o = out.string();
    execl(ATLEUS_VP_BIN, ATLEUS_VP_BIN, "sweep", spec.c_str(), "--out", o.c_str(), "--jobs", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  auto completed = [&]() {
    std::map<std::string, fs::file_time_type> m;
    if (!fs::exists(out / "points")) return m;
    for (const auto& e : fs::directory_iterator(out / "points"))
      if (e.path().filename().string().rfind(".tmp-", 0) != 0 &&
          fs::exists(e.path() / "point.json"))
        m[e.path().filename().string()] = fs::last_write_time(e.path() / "point.json");
    return m;
  };
  for (int i = 0; i < 1200 && completed().size() < 5; ++i) usleep(50000);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  const auto before = completed();
  INFO("completed before the kill: " << before.size());
  REQUIRE(before.size() >= 5);
  REQUIRE(before.size() < 16);
  usleep(300000);  // the killed driver's point process dies with it

  const Result r =
      sweep((d / "spec.yaml").string() + " --out " + out.string() + " --resume --jobs 2");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.find(std::to_string(before.size()) + " already complete") != std::string::npos);
  const auto after = completed();
  CHECK(after.size() == 16);
  for (const auto& [hash, time] : before) {
    INFO(hash);
    REQUIRE(after.count(hash));
    CHECK(after.at(hash) == time);  // not rewritten
  }
  for (const auto& e : fs::directory_iterator(out / "points"))
    CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
  CHECK(without_wall(read_csv(out / "results.csv")) ==
        without_wall(read_csv(d / "ref" / "results.csv")));
  CHECK(slurp(out / "pareto.csv").size() > 0);
  CHECK(without_wall(read_csv(out / "pareto.csv")) ==
        without_wall(read_csv(d / "ref" / "pareto.csv")));
  fs::remove_all(d);
}

TEST_CASE("SIGTERM to sweep stops its points, removes their temporary folders, exits 143",
          "[sweep][signal]") {
  const fs::path d = fresh_dir("sigterm");
  write(d / "spec.yaml", kSpec);
  const fs::path out = d / "out";
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    const std::string spec = (d / "spec.yaml").string(), o = out.string();
    execl(ATLEUS_VP_BIN, ATLEUS_VP_BIN, "sweep", spec.c_str(), "--out", o.c_str(), "--jobs", "2",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  auto temporaries = [&]() {
    std::vector<fs::path> t;
    if (fs::exists(out / "points"))
      for (const auto& e : fs::directory_iterator(out / "points"))
        if (e.path().filename().string().rfind(".tmp-", 0) == 0) t.push_back(e.path());
    return t;
  };
  for (int i = 0; i < 400 && temporaries().empty(); ++i) usleep(10000);
  REQUIRE_FALSE(temporaries().empty());
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGTERM);
  CHECK(temporaries().empty());
  // Every point folder left is complete.
  for (const auto& e : fs::directory_iterator(out / "points"))
    CHECK(fs::exists(e.path() / "point.json"));
  fs::remove_all(d);
}

TEST_CASE("identical points run once, designs zip, ofat and random, and a dry run", "[sweep]") {
  const fs::path d = fresh_dir("designs");
  const std::string base = R"(base:
  workloads:
    w: {model: bert-base, mode: inference, batch: 1, seq_len: 32, layers: 1}
axes:
  noc.router.flit_bytes: [32, 16, 32]
  quant: [M8F8, M8F4, M8F8]
)";
  write(d / "zip.yaml", base + "design: zip\n");
  write(d / "ofat.yaml", base + "design: ofat\n");
  write(d / "random.yaml", base + "design: {random: {n: 4, seed: 7}}\n");
  const Result z = sweep((d / "zip.yaml").string() + " --out " + (d / "zip").string());
  INFO(z.err);
  REQUIRE(z.code == 0);
  CHECK(z.err.find("3 points (2 distinct)") != std::string::npos);
  const Table t = read_csv(d / "zip" / "results.csv");
  REQUIRE(t.size() == 4);
  CHECK(t[1][col(t, "hash")] == t[3][col(t, "hash")]);

  const std::string dry = std::string(ATLEUS_VP_BIN) + " sweep --dry-run " +
                          (d / "ofat.yaml").string() + " > " + (d / "ofat.txt").string();
  REQUIRE(std::system(dry.c_str()) == 0);
  CHECK(slurp(d / "ofat.txt").find("5 points") != std::string::npos);  // 1 + 2 + 2
  CHECK_FALSE(fs::exists(d / "sweep"));

  const std::string dry2 = std::string(ATLEUS_VP_BIN) + " sweep --dry-run " +
                           (d / "random.yaml").string() + " > " + (d / "r1.txt").string() + " && " +
                           ATLEUS_VP_BIN + " sweep --dry-run " + (d / "random.yaml").string() +
                           " > " + (d / "r2.txt").string();
  REQUIRE(std::system(dry2.c_str()) == 0);
  CHECK(slurp(d / "r1.txt").find("4 points") != std::string::npos);
  CHECK(slurp(d / "r1.txt") == slurp(d / "r2.txt"));
  fs::remove_all(d);
}

// The points a dry run lists: per line, key=value pairs after the hash and workload.
std::vector<std::map<std::string, std::string>> dry_points(const fs::path& spec,
                                                           const fs::path& out) {
  const std::string cmd = std::string(ATLEUS_VP_BIN) + " sweep --dry-run " + spec.string() + " > " +
                          out.string() + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::vector<std::map<std::string, std::string>> points;
  std::istringstream in(slurp(out));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string w;
    std::map<std::string, std::string> kv;
    while (words >> w)
      if (w.find('=') != std::string::npos)
        kv[w.substr(0, w.find('='))] = w.substr(w.find('=') + 1);
    if (!kv.empty()) points.push_back(kv);
  }
  return points;
}

TEST_CASE("latin designs, ranges, derived keys and constraints", "[sweep]") {
  const fs::path d = fresh_dir("latin");
  const std::string wl =
      "base:\n  workloads:\n    w: {model: bert-base, mode: inference, batch: 1, seq_len: 32, "
      "layers: 1}\n";
  // Latin hypercube: 5 samples of a continuous range fall one in each fifth of it; a list axis
  // of 5 values takes each value once; the same seed gives the same points.
  write(d / "latin.yaml", wl + "axes:\n"
                               "  core_types.sa.clock_mhz: {range: {min: 500.0, max: 1500.0}}\n"
                               "  noc.router.flit_bytes: [8, 16, 32, 64, 128]\n"
                               "design: {latin: {n: 5, seed: 3}}\n");
  const auto pts = dry_points(d / "latin.yaml", d / "latin.txt");
  REQUIRE(pts.size() == 5);
  std::vector<int> strata(5, 0);
  std::map<std::string, int> flits;
  for (const auto& p : pts) {
    const double mhz = std::stod(p.at("core_types.sa.clock_mhz"));
    REQUIRE(mhz >= 500.0);
    REQUIRE(mhz <= 1500.0);
    ++strata[std::min(4, static_cast<int>((mhz - 500.0) / 200.0))];
    ++flits[p.at("noc.router.flit_bytes")];
  }
  CHECK(strata == std::vector<int>(5, 1));
  CHECK(flits.size() == 5);
  CHECK(dry_points(d / "latin.yaml", d / "latin2.txt") == pts);

  // A log range with steps: integers when both bounds are, geometric spacing.
  write(d / "log.yaml", wl + "axes:\n"
                             "  core_types.sa.rows: {range: {min: 16, max: 256, log: true, "
                             "steps: 5}}\n");
  std::vector<std::string> rows;
  for (const auto& p : dry_points(d / "log.yaml", d / "log.txt"))
    rows.push_back(p.at("core_types.sa.rows"));
  CHECK(rows == std::vector<std::string>{"16", "32", "64", "128", "256"});

  // Derived keys follow their inputs; a constraint on keys drops the points a brute-force
  // check drops.
  write(d / "derived.yaml", wl + "axes:\n"
                                 "  core_types.sa.rows: [32, 64, 128]\n"
                                 "  core_types.sa.cols: [32, 64, 128]\n"
                                 "derived:\n"
                                 "  core_types.sa.sfu.lanes: \"core_types.sa.cols / 2\"\n"
                                 "constraints:\n"
                                 "  - \"core_types.sa.rows * core_types.sa.cols <= 4096\"\n");
  const auto dp = dry_points(d / "derived.yaml", d / "derived.txt");
  int kept = 0;
  for (int r : {32, 64, 128})
    for (int c : {32, 64, 128}) kept += r * c <= 4096;
  REQUIRE(static_cast<int>(dp.size()) == kept);
  for (const auto& p : dp) {
    CHECK(std::stoi(p.at("core_types.sa.sfu.lanes")) * 2 == std::stoi(p.at("core_types.sa.cols")));
    CHECK(std::stoi(p.at("core_types.sa.rows")) * std::stoi(p.at("core_types.sa.cols")) <= 4096);
  }

  // A constraint on area: the points kept are those whose described area is within the bound.
  auto area_of = [&](int rows) {
    const fs::path j = d / ("area" + std::to_string(rows) + ".json");
    const std::string cmd = std::string(ATLEUS_VP_BIN) +
                            " describe --json --set core_types.sa.rows=" + std::to_string(rows) +
                            " > " + j.string();
    REQUIRE(std::system(cmd.c_str()) == 0);
    return nlohmann::json::parse(slurp(j))["area_mm2"]["total"].get<double>();
  };
  const double a64 = area_of(64), a128 = area_of(128);
  REQUIRE(a64 < a128);
  write(d / "area.yaml",
        wl + "axes:\n  core_types.sa.rows: [64, 128]\nconstraints:\n  - \"area_mm2 < " +
            std::to_string((a64 + a128) / 2) + "\"\n");
  const auto ap = dry_points(d / "area.yaml", d / "area.txt");
  REQUIRE(ap.size() == 1);
  CHECK(ap[0].at("core_types.sa.rows") == "64");
  CHECK(slurp(d / "area.txt").find("1 of 2 points ruled out by the constraints") !=
        std::string::npos);

  // The derived value is a column of the results, and the point ran with it.
  write(d / "run.yaml", wl + "axes:\n  core_types.sa.cols: [32]\nderived:\n"
                             "  core_types.sa.sfu.lanes: \"core_types.sa.cols / 4\"\n");
  const Result r = sweep((d / "run.yaml").string() + " --out " + (d / "run").string());
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Table t = read_csv(d / "run" / "results.csv");
  REQUIRE(t.size() == 2);
  CHECK(t[1][col(t, "core_types.sa.sfu.lanes")] == "8");
  CHECK(t[1][col(t, "status")] == "ok");
  fs::remove_all(d);
}

TEST_CASE("an infeasible point is recorded as infeasible, not as an error", "[sweep]") {
  const fs::path d = fresh_dir("infeasible");
  write(d / "spec.yaml", R"(base:
  workloads:
    w: {model: bert-large, mode: inference, batch: 1, seq_len: 32, layers: 1}
axes:
  quant: [M8F8, M16F16]
  layers: [1, 24]
)");
  const Result r = sweep((d / "spec.yaml").string() + " --out " + (d / "out").string());
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Table t = read_csv(d / "out" / "results.csv");
  REQUIRE(t.size() == 5);
  const int st = col(t, "status");
  CHECK(t[1][st] == "ok");
  CHECK(t[4][st] == "infeasible");
  CHECK(slurp(d / "out" / "results.csv").find("--allow-reload") != std::string::npos);

  // on_infeasible: retry-with-reload runs it again with weight reloading.
  write(d / "retry.yaml", slurp(d / "spec.yaml") + "on_infeasible: retry-with-reload\n");
  const Result retry = sweep((d / "retry.yaml").string() + " --out " + (d / "retry").string());
  INFO(retry.err);
  REQUIRE(retry.code == 0);
  const Table rt = read_csv(d / "retry" / "results.csv");
  REQUIRE(rt.size() == 5);
  CHECK(rt[4][st] == "ok");
  CHECK(rt[4][col(rt, "reason")].find("ran with --allow-reload") != std::string::npos);
  CHECK(rt[1][col(rt, "energy_j")] == t[1][col(t, "energy_j")]);
  fs::remove_all(d);
}

TEST_CASE("bad sweep specs give one FILE:LINE:COL line and exit 2", "[sweep][errors]") {
  const fs::path d = fresh_dir("bad");
  const std::string wl = "base:\n  workloads:\n    w: {model: bert-base, mode: inference}\n";
  struct Case {
    std::string name, text, where, what;
  };
  const std::vector<Case> cases = {
      {"unknown key", wl + "axis:\n  quant: [M8F8]\n", ":4:1: axis:", "unknown key"},
      {"unknown axis key", wl + "axes:\n  noc.router.flit_byte: [16]\n",
       ":5:3: axes.noc.router.flit_byte:", "did you mean 'flit_bytes'"},
      {"empty axis", wl + "axes:\n  quant: []\n", ":5:", "empty axis"},
      {"unknown metric", wl + "objectives:\n  speed: max\n",
       ":5:3: objectives.speed:", "unknown metric"},
      {"bad design", wl + "design: everything\n", ":4:9: design:", "grid, zip, ofat"},
      {"unknown workload key", "base:\n  workloads:\n    w: {modle: bert-base}\n",
       ":3:9:", "modle"},
      {"non-numeric range", wl + "axes:\n  core_types.sa.rows: {range: {min: a, max: 64}}\n",
       ":5:", "min"},
      {"range without steps", wl + "axes:\n  core_types.sa.rows: {range: {min: 16, max: 64}}\n",
       ":5:", "give steps"},
      {"cyclic derived",
       wl + "derived:\n  core_types.sa.rows: \"core_types.sa.cols\"\n"
            "  core_types.sa.cols: \"core_types.sa.rows * 2\"\n",
       ":", "cyclic derived keys"},
      {"expression syntax", wl + "derived:\n  core_types.sa.rows: \"2 *\"\n",
       ":5:23: derived.core_types.sa.rows:", "'2 *'"},
      {"constraint refers to nothing", wl + "constraints:\n  - \"aera_mm2 <= 400\"\n",
       ":5:5: constraints:", "refers to 'aera_mm2', which nothing in the spec sets"},
      {"constraint without a key", wl + "constraints:\n  - \"1 < 2\"\n",
       ":5:5: constraints:", "refers to no key"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const fs::path spec = d / "bad.yaml";
    write(spec, c.text);
    const Result r = sweep(spec.string() + " --out " + (d / "out").string());
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(spec.string() + c.where) != std::string::npos);
    CHECK(r.err.find(c.what) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(d / "out"));
  }
  fs::remove_all(d);
}

TEST_CASE("the Slurm backend gives the local backend's results", "[sweep][slurm]") {
  const fs::path d = fresh_dir("slurm");
  const std::string cluster = std::string(ATLEUS_SOURCE_DIR) + "/tests/slurm/cluster.sh";
  const int started = std::system((cluster + " start " + (d / "cluster").string() + " > " +
                                   (d / "conf.txt").string() + " 2>" + (d / "cluster.err").string())
                                      .c_str());
  if (WIFEXITED(started) && WEXITSTATUS(started) == 77) {
    WARN("slurm-wlm and munge are not installed (scripts/setup.sh --tests): not tested");
    fs::remove_all(d);
    return;
  }
  // Stops the cluster however the test ends.
  struct Stop {
    std::string cmd;
    fs::path dir;
    ~Stop() {
      if (std::system(cmd.c_str()) == 0) fs::remove_all(dir);
    }
  } stop{cluster + " stop " + (d / "cluster").string(), d};
  INFO(slurp(d / "cluster.err"));
  REQUIRE(started == 0);
  std::string conf = slurp(d / "conf.txt");
  conf.erase(conf.find_last_not_of('\n') + 1);
  write(d / "spec.yaml", kSpec);
  const Result local =
      sweep((d / "spec.yaml").string() + " --out " + (d / "local").string() + " --jobs 2");
  REQUIRE(local.code == 0);
  const std::string cmd = "SLURM_CONF=" + conf + " " + ATLEUS_VP_BIN + " sweep " +
                          (d / "spec.yaml").string() + " --out " + (d / "slurm").string() +
                          " --backend slurm --wait --jobs 2 --shards 4 --slurm-arg=--mem=512 "
                          "> /dev/null 2> " +
                          (d / "slurm.err").string();
  const int status = std::system(cmd.c_str());
  INFO(slurp(d / "slurm.err"));
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(fs::exists(d / "slurm" / "slurm" / "sweep.sbatch"));
  CHECK(without_wall(read_csv(d / "slurm" / "results.csv")) ==
        without_wall(read_csv(d / "local" / "results.csv")));
  CHECK(without_wall(read_csv(d / "slurm" / "pareto.csv")) ==
        without_wall(read_csv(d / "local" / "pareto.csv")));
  // `sweep collect` rebuilds the same table from the points folder.
  fs::remove(d / "slurm" / "results.csv");
  REQUIRE(std::system((std::string(ATLEUS_VP_BIN) + " sweep collect " + (d / "slurm").string() +
                       " 2>/dev/null")
                          .c_str()) == 0);
  CHECK(without_wall(read_csv(d / "slurm" / "results.csv")) ==
        without_wall(read_csv(d / "local" / "results.csv")));
}
