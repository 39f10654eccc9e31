// Running the atleus-vp executable from a CLI test: one `run` into a fresh temporary folder,
// its exit code, stderr and summary.json.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace cli {

namespace fs = std::filesystem;

struct Out {
  int code = -1;
  std::string err;
  nlohmann::json summary;
  fs::path dir;  // the run's --out folder (left for the test to read)
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline int run_counter = 0;

// `atleus-vp run --quiet --out DIR ARGS`.
inline Out run(const std::string& args) {
  Out o;
  o.dir = fs::temp_directory_path() /
          ("atleus_run_" + std::to_string(::getpid()) + "_" + std::to_string(run_counter++));
  fs::remove_all(o.dir);
  const fs::path err = o.dir.string() + ".err";
  const std::string cmd = std::string(ATLEUS_VP_BIN) + " run --quiet --out " + o.dir.string() +
                          " " + args + " >/dev/null 2>" + err.string();
  const int status = std::system(cmd.c_str());
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.err = slurp(err);
  fs::remove(err);
  if (fs::exists(o.dir / "summary.json"))
    o.summary = nlohmann::json::parse(slurp(o.dir / "summary.json"));
  return o;
}

// Starts `atleus-vp ARGS...` with stdout into `out` and stderr into `err` (one file when they
// are the same path); returns its PID.
inline pid_t start_vp(const std::vector<std::string>& args, const fs::path& out,
                      const fs::path& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = err == out ? o : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv{const_cast<char*>(ATLEUS_VP_BIN)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(ATLEUS_VP_BIN, argv.data());
    _exit(127);
  }
  return pid;
}

// The exit code of `pid`, or 128 + the signal that ended it.
inline int wait_code(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Processes whose parent is `parent` (from /proc).
inline std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> kids;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream st(e.path() / "stat");
    std::string line;
    if (!std::getline(st, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) kids.push_back(std::stoi(name));
  }
  return kids;
}

// `run`, requiring exit code 0.
inline Out run_ok(const std::string& args) {
  Out o = run(args);
  INFO(args << "\n" << o.err);
  REQUIRE(o.code == 0);
  return o;
}

}  // namespace cli
