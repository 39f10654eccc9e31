// `atleus-vp sweep`: a design-space study. Every point runs as its own `atleus-vp run` process
// into DIR/points/<hash>/, written in a temporary folder and renamed into place when done, so a
// killed sweep leaves only complete points; results.csv, pareto.csv, results.sqlite and
// sweep.html are rebuilt from the points folder.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "atleus/platform/platform_loader.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "sc_main/cli_common.hpp"
#include "sc_main/sha256.hpp"
#include "sc_main/sweep_html.hpp"
#include "sc_main/sweep_spec.hpp"

namespace atleus::cli {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

volatile std::sig_atomic_t g_sweep_signal = 0;

extern "C" void on_sweep_signal(int sig) {
  if (g_sweep_signal == 0) g_sweep_signal = sig;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Writes `text` to `p` through a temporary file renamed into place.
void write_atomic(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

std::string fmt(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
  return q + "\"";
}

// The `run` options of a point as command-line arguments, in a fixed order.
std::vector<std::string> run_args(const SweepPoint& p) {
  std::vector<std::string> a = {"--platform", p.platform};
  for (const auto& s : p.sets) {
    a.push_back("--set");
    a.push_back(s);
  }
  for (const auto& [k, v] : p.run_options) {
    std::string flag = "--" + k;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (k == "allow_reload") {
      if (v == "true") a.push_back(flag);
      continue;
    }
    a.push_back(flag);
    a.push_back(v);
  }
  return a;
}

// The point's identity: the merged platform YAML, the run options and the version.
void resolve(SweepPoint& p) {
  try {
    p.effective_yaml = load_platform(p.platform, p.sets).effective_yaml;
  } catch (const ConfigError& e) {
    p.config_error = e.what();
  }
  std::string id = "platform:\n" + (p.config_error.empty() ? p.effective_yaml : p.config_error);
  id += "run:\n";
  for (const auto& [k, v] : p.run_options) id += k + "=" + v + "\n";
  if (p.retry_with_reload) id += "on_infeasible=retry-with-reload\n";
  id += std::string("version: ") + atleus::version() + "\n";
  p.hash = sha256_hex(id).substr(0, 16);
}

// A metric of a run's summary: a headline name, or a dotted path. Runs of mode `both` give
// their fine-tuning figures for the per-mode names (inference.<name> reaches the other).
bool metric_of(const Json& s, const std::string& name, double* out) {
  const Json* node = nullptr;
  if (name == "area_mm2") {
    node = &s["area_mm2"]["total"];
  } else if (name == "stack_cost_usd") {
    node = &s["stack_cost"]["total_usd"];
  } else if (name.find('.') != std::string::npos) {
    const Json* cur = &s;
    std::stringstream parts(name);
    std::string part;
    while (std::getline(parts, part, '.')) {
      if (!cur->is_object() || !cur->contains(part)) return false;
      cur = &(*cur)[part];
    }
    node = cur;
  } else if (s.contains(name)) {
    node = &s[name];
  } else if (s.contains("finetune") && s["finetune"].contains(name)) {
    node = &s["finetune"][name];
  }
  if (node == nullptr || !node->is_number()) return false;
  *out = node->get<double>();
  return true;
}

struct Row {
  const SweepPoint* point = nullptr;
  std::string status = "pending", reason;
  double wall_s = 0;
  std::map<std::string, double> metrics;
};

struct Sweep {
  SweepSpec spec;
  fs::path out;
  std::vector<SweepPoint> points;
  std::vector<std::string> metric_names;  // headline metrics, then any other objective
};

fs::path point_dir(const Sweep& s, const std::string& hash) {
  return s.out / "points" / hash;
}

// A point is complete when its folder exists (it is renamed into place last) and its status
// is ok or infeasible; errors run again.
bool complete(const Sweep& s, const std::string& hash) {
  const fs::path pj = point_dir(s, hash) / "point.json";
  if (!fs::exists(pj)) return false;
  try {
    const auto j = Json::parse(slurp(pj));
    const std::string st = j["status"].get<std::string>();
    return st == "ok" || st == "infeasible";
  } catch (const std::exception&) {
    return false;
  }
}

Row read_row(const Sweep& s, const SweepPoint& p) {
  Row r;
  r.point = &p;
  const fs::path dir = point_dir(s, p.hash);
  if (!fs::exists(dir / "point.json")) {
    r.status = "pending";
    return r;
  }
  const auto j = Json::parse(slurp(dir / "point.json"));
  r.status = j["status"].get<std::string>();
  r.reason = j.value("reason", std::string());
  r.wall_s = j.value("wall_time_s", 0.0);
  if (r.status == "ok") {
    const auto sum = Json::parse(slurp(dir / "run" / "summary.json"));
    for (const auto& m : s.metric_names) {
      double v = 0;
      if (metric_of(sum, m, &v)) r.metrics[m] = v;
    }
  }
  return r;
}

// Rows of the ok points that no other ok point dominates on the objectives (each distinct
// point once).
std::vector<const Row*> pareto(const Sweep& s, const std::vector<Row>& rows) {
  std::vector<const Row*> ok;
  std::set<std::string> seen;
  for (const auto& r : rows) {
    if (r.status != "ok" || !seen.insert(r.point->hash).second) continue;
    bool has_all = true;
    for (const auto& o : s.spec.objectives) has_all = has_all && r.metrics.count(o.metric);
    if (has_all) ok.push_back(&r);
  }
  auto better_or_equal = [&](const Row* a, const Row* b, bool* strictly) {
    *strictly = false;
    for (const auto& o : s.spec.objectives) {
      const double x = a->metrics.at(o.metric), y = b->metrics.at(o.metric);
      const bool worse = o.maximise ? x < y : x > y;
      if (worse) return false;
      if (x != y) *strictly = true;
    }
    return true;
  };
  std::vector<const Row*> front;
  for (const Row* b : ok) {
    bool dominated = false;
    for (const Row* a : ok) {
      bool strictly = false;
      if (a != b && better_or_equal(a, b, &strictly) && strictly) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(b);
  }
  return front;
}

std::vector<std::string> columns(const Sweep& s) {
  std::vector<std::string> c = {"point", "hash", "workload"};
  for (const auto& a : s.spec.axes) c.push_back(a.name);
  for (const auto& d : s.spec.derived) c.push_back(d.key);
  c.push_back("status");
  c.push_back("reason");
  for (const auto& m : s.metric_names) c.push_back(m);
  c.push_back("wall_time_s");
  return c;
}

std::vector<std::string> cells(const Sweep& s, const Row& r) {
  std::vector<std::string> c = {std::to_string(r.point->index), r.point->hash, r.point->workload};
  for (std::size_t a = 0; a < s.spec.axes.size(); ++a)
    c.push_back(s.spec.axes[a].levels[r.point->levels[a]].label);
  for (const auto& kv : r.point->derived) c.push_back(kv.second);
  c.push_back(r.status);
  c.push_back(r.reason);
  for (const auto& m : s.metric_names) c.push_back(r.metrics.count(m) ? fmt(r.metrics.at(m)) : "");
  c.push_back(r.status == "pending" ? "" : fmt(r.wall_s));
  return c;
}

std::string to_csv(const Sweep& s, const std::vector<const Row*>& rows) {
  std::string out;
  const auto cols = columns(s);
  for (std::size_t i = 0; i < cols.size(); ++i) out += (i ? "," : "") + csv_field(cols[i]);
  out += "\n";
  for (const Row* r : rows) {
    const auto c = cells(s, *r);
    for (std::size_t i = 0; i < c.size(); ++i) out += (i ? "," : "") + csv_field(c[i]);
    out += "\n";
  }
  return out;
}

void sql_exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg + " in: " + sql.substr(0, 80));
  }
}

std::string sql_ident(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// results.sqlite: tables `results` (every point) and `pareto` (the front), the CSVs' columns
// with numbers as REAL, and `sweep` (the spec).
void write_sqlite(const Sweep& s, const std::vector<const Row*>& rows,
                  const std::vector<const Row*>& front) {
  const fs::path final_path = s.out / "results.sqlite";
  const fs::path tmp = final_path.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove(tmp);
  sqlite3* db = nullptr;
  if (sqlite3_open(tmp.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot create " + tmp.string());
  }
  try {
    const auto cols = columns(s);
    const std::size_t first_metric = 5 + s.spec.axes.size() + s.spec.derived.size();
    auto is_real = [&](std::size_t i) { return i >= first_metric; };
    sql_exec(db, "BEGIN");
    sql_exec(db, "CREATE TABLE sweep (spec_file TEXT, spec TEXT, version TEXT)");
    {
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db, "INSERT INTO sweep VALUES (?, ?, ?)", -1, &st, nullptr);
      sqlite3_bind_text(st, 1, s.spec.file.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 2, s.spec.text.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, atleus::version(), -1, SQLITE_TRANSIENT);
      sqlite3_step(st);
      sqlite3_finalize(st);
    }
    for (const char* table : {"results", "pareto"}) {
      std::string create = std::string("CREATE TABLE ") + table + " (";
      std::string insert = std::string("INSERT INTO ") + table + " VALUES (";
      for (std::size_t i = 0; i < cols.size(); ++i) {
        create += (i ? ", " : "") + sql_ident(cols[i]) +
                  (i == 0       ? " INTEGER"
                   : is_real(i) ? " REAL"
                                : " TEXT");
        insert += i ? ", ?" : "?";
      }
      sql_exec(db, create + ")");
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, (insert + ")").c_str(), -1, &st, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
      for (const Row* r : std::string(table) == "results" ? rows : front) {
        const auto c = cells(s, *r);
        for (std::size_t i = 0; i < c.size(); ++i) {
          const int col = static_cast<int>(i) + 1;
          if (i == 0)
            sqlite3_bind_int64(st, col, r->point->index);
          else if (is_real(i) && !c[i].empty())
            sqlite3_bind_double(st, col, std::stod(c[i]));
          else if (is_real(i) || (c[i].empty() && i > 2))
            sqlite3_bind_null(st, col);
          else
            sqlite3_bind_text(st, col, c[i].c_str(), -1, SQLITE_TRANSIENT);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
          throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
        sqlite3_reset(st);
      }
      sqlite3_finalize(st);
    }
    sql_exec(db, "COMMIT");
  } catch (...) {
    sqlite3_close(db);
    fs::remove(tmp);
    throw;
  }
  sqlite3_close(db);
  fs::rename(tmp, final_path);
}

// Rebuilds every results file from the points folder.
void write_results(const Sweep& s) {
  std::vector<Row> rows;
  rows.reserve(s.points.size());
  for (const auto& p : s.points) rows.push_back(read_row(s, p));
  std::vector<const Row*> all;
  for (const auto& r : rows) all.push_back(&r);
  const auto front = pareto(s, rows);
  write_atomic(s.out / "results.csv", to_csv(s, all));
  write_atomic(s.out / "pareto.csv", to_csv(s, front));
  write_sqlite(s, all, front);
  // The page: the same table and the front, in JSON for its script.
  Json table = Json::array();
  std::set<const Row*> on_front(front.begin(), front.end());
  for (const Row* r : all) {
    Json row = Json::array();
    for (const auto& c : cells(s, *r)) row.push_back(c);
    row.push_back(on_front.count(r) ? 1 : 0);
    table.push_back(row);
  }
  Json objectives = Json::array();
  for (const auto& o : s.spec.objectives)
    objectives.push_back({{"metric", o.metric}, {"goal", o.maximise ? "max" : "min"}});
  std::map<std::string, int> counts;
  for (const auto& r : rows) counts[r.status]++;
  const Json page = {{"spec_file", s.spec.file}, {"spec", s.spec.text},
                     {"columns", columns(s)},    {"rows", table},
                     {"objectives", objectives}, {"metrics", s.metric_names},
                     {"counts", counts},         {"version", atleus::version()}};
  write_atomic(s.out / "sweep.html", render_sweep_html(page));
}

std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the atleus-vp executable: " + ec.message());
  return p.string();
}

// Removes temporary point folders left by drivers that are no longer alive.
void remove_stale_temporaries(const fs::path& points) {
  for (const auto& e : fs::directory_iterator(points)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(".tmp-", 0) != 0) continue;
    const auto dash = name.rfind('-');
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + dash + 1));
    if (owner <= 0 || (kill(owner, 0) != 0 && errno == ESRCH)) fs::remove_all(e.path());
  }
}

struct Running {
  std::string hash;
  fs::path tmp;
  std::chrono::steady_clock::time_point start;
  SweepPoint point;
  bool retried = false;      // the second attempt, with --allow-reload
  std::string first_reason;  // why the first attempt was infeasible
};

// The last line of a point's stderr, without the program's name.
std::string last_error_line(const fs::path& tmp) {
  std::istringstream in(slurp(tmp / "stderr.txt"));
  std::string line, reason;
  while (std::getline(in, line))
    if (!line.empty()) reason = line;
  const std::string prefix = "atleus-vp: ";
  if (reason.rfind(prefix, 0) == 0) reason = reason.substr(prefix.size());
  return reason;
}

pid_t start_point(const std::string& exe, const SweepPoint& p, const fs::path& tmp) {
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  std::vector<std::string> args = {exe, "run", "--quiet", "--out", (tmp / "run").string()};
  for (const auto& a : run_args(p)) args.push_back(a);
  write_atomic(tmp / "command.txt", [&] {
    std::string c = "atleus-vp";
    for (std::size_t i = 1; i < args.size(); ++i) c += " " + args[i];
    return c + "\n";
  }());
  const std::string err = (tmp / "stderr.txt").string();
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed driver takes its points with it
    if (getppid() != parent) _exit(1);
    const int devnull = ::open("/dev/null", O_WRONLY);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    if (e >= 0) dup2(e, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  if (pid < 0) throw std::runtime_error("cannot fork");
  return pid;
}

// With on_infeasible: retry-with-reload, an infeasible first attempt starts the second one (with
// --allow-reload) in the same folder and returns its pid; otherwise returns 0.
pid_t maybe_retry(const std::string& exe, Running& r, int status) {
  if (!r.point.retry_with_reload || r.retried || !WIFEXITED(status) ||
      WEXITSTATUS(status) != kExitInfeasible)
    return 0;
  r.retried = true;
  r.first_reason = last_error_line(r.tmp);
  SweepPoint again = r.point;
  again.run_options["allow_reload"] = "true";
  return start_point(exe, again, r.tmp);
}

// Records how a point ended and renames its folder into place.
void finish_point(const Sweep& s, const Running& r, int status) {
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
  std::string st, reason;
  int code = -1;
  if (WIFEXITED(status)) {
    code = WEXITSTATUS(status);
    st = code == 0 ? "ok" : code == kExitInfeasible ? "infeasible" : "error";
  } else {
    st = "error";
    reason = "killed by signal " + std::to_string(WTERMSIG(status));
  }
  if (st != "ok" && reason.empty()) {
    reason = last_error_line(r.tmp);  // the last line of the run's stderr says why
    if (reason.empty()) reason = "exit code " + std::to_string(code);
  }
  if (st == "ok" && r.retried) reason = "ran with --allow-reload after: " + r.first_reason;
  if (st == "ok" && !fs::exists(r.tmp / "run" / "summary.json")) {
    st = "error";
    reason = "the run wrote no summary.json";
  }
  const Json pj = {{"hash", r.hash},
                   {"status", st},
                   {"reason", reason},
                   {"exit_code", code},
                   {"wall_time_s", wall}};
  write_atomic(r.tmp / "point.json", pj.dump(2) + "\n");
  const fs::path dest = point_dir(s, r.hash);
  fs::remove_all(dest);
  fs::rename(r.tmp, dest);
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a command, its stdout captured; returns the exit status (-1 if it did not run).
int run_capture(const std::vector<std::string>& args, std::string* out) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "atleus-vp: cannot run %s\n", args[0].c_str());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out->append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The Slurm backend: one sbatch job array whose tasks run shards of the points through the
// same point runner (`atleus-vp sweep shard`); with --wait, collects when the array ends.
int run_slurm(const Sweep& s, const SweepCliOptions& o,
              const std::vector<const SweepPoint*>& todo) {
  const fs::path dir = fs::absolute(s.out).lexically_normal();
  fs::create_directories(dir / "slurm");
  Json list = Json::array();
  for (const auto* p : todo)
    list.push_back({{"hash", p->hash},
                    {"platform", p->platform},
                    {"sets", p->sets},
                    {"run_options", p->run_options},
                    {"retry_with_reload", p->retry_with_reload}});
  write_atomic(dir / "slurm" / "todo.json", list.dump(1) + "\n");
  if (todo.empty()) {
    write_results(s);
    std::fprintf(stderr, "sweep: every point is complete; nothing submitted\n");
    return 0;
  }
  const std::size_t shards =
      std::min<std::size_t>(todo.size(), o.shards ? o.shards : std::size_t{1000});
  std::string array = "0-" + std::to_string(shards - 1);
  if (o.jobs) array += "%" + std::to_string(o.jobs);
  std::string script = "#!/bin/bash\n";
  script += "#SBATCH --job-name=atleus-sweep\n";
  script += "#SBATCH --array=" + array + "\n";
  script += "#SBATCH --output=" + (dir / "slurm" / "%A_%a.out").string() + "\n";
  script += "#SBATCH --error=" + (dir / "slurm" / "%A_%a.err").string() + "\n";
  script += "exec " + shell_quote(self_exe()) + " sweep shard " + shell_quote(dir.string()) +
            " --index \"$SLURM_ARRAY_TASK_ID\" --count " + std::to_string(shards) + "\n";
  const fs::path script_path = dir / "slurm" / "sweep.sbatch";
  write_atomic(script_path, script);
  std::vector<std::string> cmd = {"sbatch", "--parsable"};
  if (o.wait) cmd.push_back("--wait");
  for (const auto& a : o.slurm_args) cmd.push_back(a);
  cmd.push_back(script_path.string());
  std::fprintf(stderr, "sweep: submitting %zu points as a job array of %zu tasks (%s)\n",
               todo.size(), shards, script_path.c_str());
  std::string out;
  const int rc = run_capture(cmd, &out);
  const std::string job = out.substr(0, out.find_first_of(";\n"));
  if (!o.wait) {
    if (rc != 0) throw std::runtime_error("sbatch failed (exit " + std::to_string(rc) + ")");
    write_results(s);
    std::fprintf(stderr,
                 "sweep: submitted job %s; `atleus-vp sweep collect %s` rebuilds the results "
                 "when it ends\n",
                 job.c_str(), s.out.c_str());
    return 0;
  }
  write_results(s);
  std::size_t ok = 0, infeasible = 0, error = 0, pending = 0;
  for (const auto& p : s.points) {
    const Row r = read_row(s, p);
    ok += r.status == "ok";
    infeasible += r.status == "infeasible";
    error += r.status == "error";
    pending += r.status == "pending";
  }
  std::fprintf(stderr,
               "sweep: job %s ended (sbatch exit %d): %zu points: %zu ok, %zu infeasible, %zu "
               "error, %zu not run; wrote %s/{results.csv,pareto.csv,results.sqlite,"
               "sweep.html}\n",
               job.c_str(), rc, s.points.size(), ok, infeasible, error, pending, s.out.c_str());
  return pending ? 1 : 0;
}

}  // namespace

int run_sweep_cmd(const SweepCliOptions& o) {
  Sweep s;
  s.spec = load_sweep_spec(o.spec);
  s.out = o.out;
  for (const auto& m : headline_metrics()) s.metric_names.push_back(m);
  for (const auto& ob : s.spec.objectives)
    if (!is_known_metric(ob.metric)) s.metric_names.push_back(ob.metric);
  std::vector<SweepPoint> excluded;
  s.points = expand_points(s.spec, &excluded);
  if (!excluded.empty())
    std::fprintf(stderr, "sweep: %zu of %zu points ruled out by the constraints\n", excluded.size(),
                 excluded.size() + s.points.size());
  if (o.max_points > 0 && s.points.size() > o.max_points) {
    std::fprintf(stderr, "sweep: %zu points, running the first %zu (--max-points)\n",
                 s.points.size(), o.max_points);
    s.points.resize(o.max_points);
  }
  for (auto& p : s.points) resolve(p);

  // Distinct points, in design order.
  std::vector<const SweepPoint*> unique;
  {
    std::set<std::string> seen;
    for (const auto& p : s.points)
      if (seen.insert(p.hash).second) unique.push_back(&p);
  }

  if (o.dry_run) {
    std::printf("%zu points, %zu distinct, on %zu workload(s), design %s\n", s.points.size(),
                unique.size(), s.spec.workloads.size(), s.spec.design.c_str());
    for (const auto& p : s.points) {
      std::printf("%4d %s %s", p.index, p.hash.c_str(), p.workload.c_str());
      for (std::size_t a = 0; a < s.spec.axes.size(); ++a)
        std::printf(" %s=%s", s.spec.axes[a].name.c_str(),
                    s.spec.axes[a].levels[p.levels[a]].label.c_str());
      for (const auto& [k, v] : p.derived) std::printf(" %s=%s", k.c_str(), v.c_str());
      const bool done = fs::exists(point_dir(s, p.hash) / "point.json") && complete(s, p.hash);
      std::printf("%s\n", done ? " (complete)" : "");
    }
    return 0;
  }

  // The output folder: a new one, the same spec again, or --resume.
  const fs::path spec_copy = s.out / "spec.yaml";
  if (fs::exists(spec_copy) && !o.resume && slurp(spec_copy) != s.spec.text)
    throw ConfigError(o.out, 0, 0, "",
                      "holds a sweep of another spec: pass --resume to add to it, or choose "
                      "another --out");
  fs::create_directories(s.out / "points");
  write_atomic(spec_copy, s.spec.text);
  Json objectives = Json::array();
  for (const auto& ob : s.spec.objectives)
    objectives.push_back({{"metric", ob.metric}, {"goal", ob.maximise ? "max" : "min"}});
  write_atomic(s.out / "sweep.json",
               Json{{"spec_file", fs::absolute(o.spec).lexically_normal().string()},
                    {"points", s.points.size()},
                    {"objectives", objectives},
                    {"version", atleus::version()}}
                       .dump(2) +
                   "\n");
  remove_stale_temporaries(s.out / "points");

  std::vector<const SweepPoint*> todo;
  std::size_t already = 0;
  for (const auto* p : unique) {
    if (complete(s, p->hash))
      ++already;
    else
      todo.push_back(p);
  }
  const unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::fprintf(stderr,
               "sweep: %zu points (%zu distinct), %zu already complete, %zu to run, %u jobs\n",
               s.points.size(), unique.size(), already, todo.size(), jobs);

  if (o.backend == "slurm") return run_slurm(s, o, todo);

  struct sigaction sa {};
  sa.sa_handler = on_sweep_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

  const std::string exe = self_exe();
  std::map<pid_t, Running> running;
  std::size_t next = 0, done = 0, failed = 0;
  double busy_s = 0;
  const bool tty = isatty(STDERR_FILENO);
  auto progress = [&](bool final_line) {
    const std::size_t left = todo.size() - done;
    std::string eta;
    if (done > 0 && left > 0) {
      const double per = busy_s / done;
      eta = ", ETA " + fmt(static_cast<int>(per * left / jobs + 0.5)) + " s";
    }
    std::fprintf(stderr, "%ssweep: %zu/%zu done, %zu running, %zu failed%s%s", tty ? "\r" : "",
                 done, todo.size(), running.size(), failed, eta.c_str(),
                 tty && !final_line ? "   " : "\n");
  };
  auto stop = [&]() {
    for (auto& [pid, r] : running) kill(pid, SIGKILL);
    for (auto& [pid, r] : running) {
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      std::error_code ec;
      fs::remove_all(r.tmp, ec);
    }
    if (tty) std::fprintf(stderr, "\n");
    std::fprintf(stderr, "sweep: stopped by signal %d; completed points are kept (--resume)\n",
                 static_cast<int>(g_sweep_signal));
    return 128 + static_cast<int>(g_sweep_signal);
  };

  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && running.size() < jobs && !g_sweep_signal) {
      const SweepPoint& p = *todo[next++];
      const fs::path tmp = s.out / "points" / (".tmp-" + p.hash + "-" + std::to_string(::getpid()));
      Running r{p.hash, tmp, std::chrono::steady_clock::now(), p, false, {}};
      running[start_point(exe, p, tmp)] = r;
      if (tty) progress(false);
    }
    if (g_sweep_signal) return stop();
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    Running r = it->second;
    running.erase(it);
    if (const pid_t again = maybe_retry(exe, r, status)) {
      running[again] = r;
      continue;
    }
    busy_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
    finish_point(s, r, status);
    ++done;
    if (!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3))) ++failed;
    progress(false);
  }
  if (g_sweep_signal) return stop();
  if (!todo.empty() && tty) progress(true);
  write_results(s);
  std::size_t ok = 0, infeasible = 0, error = 0;
  for (const auto& p : s.points) {
    const Row r = read_row(s, p);
    ok += r.status == "ok";
    infeasible += r.status == "infeasible";
    error += r.status == "error";
  }
  std::fprintf(stderr,
               "sweep: %zu points: %zu ok, %zu infeasible, %zu error; wrote %s/{results.csv,"
               "pareto.csv,results.sqlite,sweep.html}\n",
               s.points.size(), ok, infeasible, error, s.out.c_str());
  return 0;  // failed points are recorded with their reasons
}

int run_sweep_collect_cmd(const std::string& dir) {
  Sweep s;
  const fs::path spec = fs::path(dir) / "spec.yaml";
  if (!fs::exists(spec)) throw ConfigError(dir, 0, 0, "", "no spec.yaml: not a sweep folder");
  // The spec as the sweep read it, at its original path (relative platform files resolve).
  const std::string text = slurp(spec);
  std::string origin = spec.string();
  if (fs::exists(fs::path(dir) / "sweep.json"))
    origin = Json::parse(slurp(fs::path(dir) / "sweep.json")).value("spec_file", origin);
  s.spec = load_sweep_spec(origin, &text);
  s.out = dir;
  for (const auto& m : headline_metrics()) s.metric_names.push_back(m);
  for (const auto& ob : s.spec.objectives)
    if (!is_known_metric(ob.metric)) s.metric_names.push_back(ob.metric);
  s.points = expand_points(s.spec);
  if (fs::exists(fs::path(dir) / "sweep.json")) {
    const auto j = Json::parse(slurp(fs::path(dir) / "sweep.json"));
    const std::size_t n = j.value("points", s.points.size());
    if (n < s.points.size()) s.points.resize(n);  // --max-points
  }
  for (auto& p : s.points) resolve(p);
  write_results(s);
  std::size_t pending = 0;
  for (const auto& p : s.points) pending += !fs::exists(point_dir(s, p.hash) / "point.json");
  std::fprintf(stderr,
               "sweep collect: %zu points, %zu not run yet; wrote %s/{results.csv,"
               "pareto.csv,results.sqlite,sweep.html}\n",
               s.points.size(), pending, dir.c_str());
  return 0;
}

// One Slurm array task: the points of DIR/slurm/todo.json at positions index, index + count,
// ..., each through the same point runner as the local pool.
int run_sweep_shard_cmd(const std::string& dir, std::size_t index, std::size_t count) {
  Sweep s;
  s.out = dir;
  const auto todo = Json::parse(slurp(fs::path(dir) / "slurm" / "todo.json"));
  const std::string exe = self_exe();
  for (std::size_t i = index; i < todo.size(); i += std::max<std::size_t>(count, 1)) {
    const std::string hash = todo[i]["hash"].get<std::string>();
    if (complete(s, hash)) continue;
    SweepPoint p;
    p.hash = hash;
    p.platform = todo[i]["platform"].get<std::string>();
    p.sets = todo[i]["sets"].get<std::vector<std::string>>();
    p.run_options = todo[i]["run_options"].get<std::map<std::string, std::string>>();
    p.retry_with_reload = todo[i].value("retry_with_reload", false);
    const fs::path tmp = s.out / "points" / (".tmp-" + hash + "-" + std::to_string(::getpid()));
    Running r{hash, tmp, std::chrono::steady_clock::now(), p, false, {}};
    pid_t pid = start_point(exe, p, tmp);
    int status = 0;
    for (;;) {
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      pid = maybe_retry(exe, r, status);
      if (pid == 0) break;
    }
    finish_point(s, r, status);
    std::fprintf(stderr, "point %s done\n", hash.c_str());
  }
  return 0;
}

}  // namespace atleus::cli
