// The run's output folder: replaced as a whole, refused when it holds other files, written by
// one run at a time, and left intact or complete when the run is killed at any moment.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"

namespace fs = std::filesystem;
using cli::children_of;
using cli::slurp;
using cli::wait_code;

namespace {

fs::path fresh_dir(const std::string& tag) {
  const fs::path d =
      fs::temp_directory_path() / ("atleus_outdir_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

pid_t start(const std::vector<std::string>& args, const fs::path& log) {
  return cli::start_vp(args, log, log);
}

bool alive(pid_t pid) {
  // A zombie is not running; read its state.
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(st, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && line.size() > close + 2 && line[close + 2] != 'Z';
}

std::set<std::string> names_in(const fs::path& d) {
  std::set<std::string> s;
  if (fs::exists(d))
    for (const auto& e : fs::directory_iterator(d)) s.insert(e.path().filename().string());
  return s;
}

const std::vector<std::string> kSmall = {"--model", "bert-base", "--mode", "inference", "--seq-len",
                                         "64",      "--layers",  "1",      "--quiet"};

std::vector<std::string> run_args(const fs::path& out, int batch) {
  std::vector<std::string> a = {"run", "--out", out.string(), "--batch", std::to_string(batch)};
  a.insert(a.end(), kSmall.begin(), kSmall.end());
  return a;
}

int run_now(const std::vector<std::string>& args, const fs::path& log) {
  return wait_code(start(args, log));
}

}  // namespace

TEST_CASE("a run replaces its output folder as a whole", "[outdir]") {
  const fs::path d = fresh_dir("whole");
  const fs::path out = d / "out";
  auto args = run_args(out, 1);
  args.push_back("--trace");
  REQUIRE(run_now(args, d / "log1") == 0);
  CHECK(names_in(out) == std::set<std::string>{"kernels.csv", "links.csv", "report.html",
                                               "summary.json", "trace.json"});
  REQUIRE(run_now(run_args(out, 2), d / "log2") == 0);
  // The second run did not trace: the first run's trace is gone with the rest of it.
  CHECK(names_in(out) ==
        std::set<std::string>{"kernels.csv", "links.csv", "report.html", "summary.json"});
  CHECK(nlohmann::json::parse(slurp(out / "summary.json"))["sequences"] == 2);
  CHECK(names_in(d) == std::set<std::string>{"log1", "log2", "out"});
  fs::remove_all(d);
}

TEST_CASE("an output folder that is not a run's, or not a folder, is refused", "[outdir]") {
  const fs::path d = fresh_dir("refuse");
  fs::create_directories(d / "mine");
  std::ofstream(d / "mine" / "notes.txt") << "keep me\n";
  CHECK(run_now(run_args(d / "mine", 1), d / "log") == 2);
  CHECK(slurp(d / "log").find("notes.txt") != std::string::npos);
  CHECK(slurp(d / "log").find("--out") != std::string::npos);
  CHECK(slurp(d / "mine" / "notes.txt") == "keep me\n");
  std::ofstream(d / "file") << "x";
  CHECK(run_now(run_args(d / "file", 1), d / "log") == 2);
  CHECK(slurp(d / "log").find("not a folder") != std::string::npos);
  CHECK(names_in(d) == std::set<std::string>{"file", "log", "mine"});
  // compare never replaces what is not a regular file.
  fs::create_directories(d / "dir.html");
  const std::string cmd = std::string(ATLEUS_VP_BIN) + " compare a b --out " +
                          (d / "dir.html").string() + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(fs::is_directory(d / "dir.html"));
  fs::remove_all(d);
}

TEST_CASE("two concurrent runs into one folder: one wins, the other fails naming it", "[outdir]") {
  const fs::path d = fresh_dir("concurrent");
  const fs::path out = d / "out";
  // A run long enough to be caught in the act.
  std::vector<std::string> slow = {"run",    "--out",     out.string(), "--model", "bert-base",
                                   "--mode", "inference", "--batch",    "16",      "--quiet"};
  const pid_t first = start(slow, d / "log1");
  const fs::path lock = d / ".out.atleus-lock";
  for (int i = 0; i < 400 && !fs::exists(lock); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(fs::exists(lock));
  const int second = run_now(run_args(out, 1), d / "log2");
  const std::string err2 = slurp(d / "log2");
  INFO(err2);
  const int code1 = wait_code(first);
  CHECK(code1 == 0);
  CHECK(second == 2);
  CHECK(err2.find("PID " + std::to_string(first)) != std::string::npos);
  CHECK(std::count(err2.begin(), err2.end(), '\n') == 1);
  // One run's files: the first's.
  CHECK(names_in(out) ==
        std::set<std::string>{"kernels.csv", "links.csv", "report.html", "summary.json"});
  CHECK(nlohmann::json::parse(slurp(out / "summary.json"))["sequences"] == 16);
  CHECK(names_in(d) == std::set<std::string>{"log1", "log2", "out"});
  fs::remove_all(d);
}

TEST_CASE(
    "run killed at random moments: no process survives, no temporary folder stays, "
    "the previous result is intact or the new one complete",
    "[outdir][signals]") {
  // ATLEUS_KILL_REPS sets the moments per signal (the acceptance runs 10).
  const char* env = std::getenv("ATLEUS_KILL_REPS");
  const int reps = env ? std::max(1, std::atoi(env)) : 3;
  const fs::path d = fresh_dir("kill");
  const fs::path out = d / "out";
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(run_now(run_args(out, 1), d / "log") == 0);  // the previous result
  // Moments spread over a run's length (and a little past it), whatever the build's speed.
  const auto span_ms =
      1 +
      1.3 *
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937 rng(2026);
  int intact = 0, replaced = 0, previous = 1;
  for (int sig : {SIGINT, SIGTERM, SIGKILL}) {
    for (int rep = 0; rep < reps; ++rep) {
      const int batch = 2 + rep % 3;
      const pid_t pid = start(run_args(out, batch), d / "log");
      // A moment from before the children exist to after the run may have finished.
      std::this_thread::sleep_for(
          std::chrono::milliseconds(rng() % static_cast<unsigned>(span_ms)));
      const std::vector<pid_t> kids = children_of(pid);
      kill(pid, sig);
      const int code = wait_code(pid);
      INFO("signal " << sig << " rep " << rep << " exit " << code << ": " << slurp(d / "log"));
      CHECK((code == 0 || code == 128 + sig));
      for (pid_t k : kids) {
        for (int i = 0; i < 300 && alive(k); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK_FALSE(alive(k));
      }
      // The folder holds one whole run: the previous or the new one.
      REQUIRE(fs::exists(out / "summary.json"));
      CHECK(names_in(out) ==
            std::set<std::string>{"kernels.csv", "links.csv", "report.html", "summary.json"});
      const auto s = nlohmann::json::parse(slurp(out / "summary.json"));
      const int seqs = s["sequences"].get<int>();
      CHECK((seqs == batch || seqs == previous));
      if (seqs == batch && batch != previous)
        ++replaced;
      else
        ++intact;
      previous = seqs;
      // The next run removes what a killed run left, and itself leaves nothing beside.
      REQUIRE(run_now(run_args(d / "other", 1), d / "log") == 0);
      CHECK(names_in(d) == std::set<std::string>{"log", "other", "out"});
    }
  }
  WARN("kill test: " << intact << " previous results intact, " << replaced << " replaced");
  fs::remove_all(d);
}
