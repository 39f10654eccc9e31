#include "atleus/platform/run/serving.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <deque>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include "atleus/workloads/infeasible.hpp"
#include "atleus/workloads/mapping.hpp"

namespace atleus {

namespace {

// Doubles pass between processes as hexadecimal floats: exact.
std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

// `fd` read to its end.
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return out;
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n > 0)
      done += static_cast<std::size_t>(n);
    else if (errno != EINTR)
      return;
  }
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

}  // namespace

StepCost simulate_step(const PlatformConfig& cfg, const WorkloadSpec& spec, const RunOptions& opt,
                       const ServeStep& step) {
  WorkloadSpec w = spec;
  RunOptions ro = opt;
  ro.progress = nullptr;
  StepCost c;
  if (step.prefill) {
    // A plain generate run of the k requests, of which only the first tokens count: the host
    // announces the requests' work as it does there, so a lone request's prefill takes exactly
    // the time to first token of `--batch 1`.
    w.task.batch = step.requests;
    const RunResult r = run_workload(cfg, w, ro);
    c.first_token_s = r.generate.at("first_token_s").get<std::vector<double>>();
    // The decode batch can go on once the last first token is out.
    c.time_s = *std::max_element(c.first_token_s.begin(), c.first_token_s.end());
    return c;
  }
  w.task.batch = static_cast<unsigned>(step.cache_len.size());
  ro.decode_steps = {step.cache_len, step.cache_len};
  const RunResult r = run_workload(cfg, w, ro);
  c.time_s = r.generate.at("decode_step_time_s").at(1).get<double>();
  return c;
}

StepSimulator forked_step_simulator(const PlatformConfig& cfg, const WorkloadSpec& spec,
                                    const RunOptions& opt) {
  return [cfg, spec, opt](const ServeStep& step) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("serving: cannot create a pipe");
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) _exit(1);
      std::string msg;
      int code = 0;
      try {
        const StepCost c = simulate_step(cfg, spec, opt, step);
        msg = hex(c.time_s);
        for (double t : c.first_token_s) msg += " " + hex(t);
      } catch (const MappingError& e) {
        code = 3;
        msg = e.what();
      } catch (const InfeasibleDesign& e) {
        code = 4;
        msg = e.what();
      } catch (const std::exception& e) {
        code = 1;
        msg = e.what();
      }
      write_all(fds[1], std::to_string(code) + "\n" + msg);
      ::close(fds[1]);
      std::fflush(nullptr);
      _exit(0);
    }
    ::close(fds[1]);
    if (pid < 0) {
      ::close(fds[0]);
      throw std::runtime_error("serving: cannot fork");
    }
    const std::string out = read_all(fds[0]);
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const auto nl = out.find('\n');
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || nl == std::string::npos)
      throw std::runtime_error("serving: the simulation of a step ended abnormally");
    const int code = std::stoi(out.substr(0, nl));
    const std::string body = out.substr(nl + 1);
    if (code == 3) throw MappingError(body);
    if (code == 4) throw InfeasibleDesign(body);
    if (code != 0) throw std::runtime_error(body);
    StepCost c;
    std::istringstream in(body);
    std::string word;
    in >> word;
    c.time_s = std::strtod(word.c_str(), nullptr);
    while (in >> word) c.first_token_s.push_back(std::strtod(word.c_str(), nullptr));
    return c;
  };
}

std::vector<double> poisson_arrivals(unsigned n, double rate, uint64_t seed) {
  // Exponential gaps by inversion from the generator's raw 64-bit words: the same numbers with
  // every standard library (std::exponential_distribution is implementation-defined).
  std::mt19937_64 rng(seed);
  std::vector<double> t;
  double now = 0;
  for (unsigned i = 0; i < n; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
    now += -std::log1p(-u) / rate;
    t.push_back(now);
  }
  return t;
}

namespace {

// The scheduler's state between steps; serve() alternates prefill() and decode() on it.
class ServeLoop {
 public:
  ServeLoop(const WorkloadSpec& spec, const ServeOptions& opt, const StepSimulator& sim)
      : opt_(opt), sim_(sim), P_(spec.generate.prompt_len), G_(spec.generate.gen_len) {
    r_.options = opt;
    r_.prompt_len = P_;
    r_.gen_len = G_;
    arrivals_ = poisson_arrivals(opt.requests, opt.arrival_rate, opt.seed);
    r_.requests.resize(opt.requests);
  }

  ServeResult run() {
    while (finished_ < opt_.requests) {
      while (next_ < arrivals_.size() && arrivals_[next_] <= t_)
        waiting_.push_back(static_cast<int>(next_++));
      if (active_.empty() && waiting_.empty()) {
        t_ = arrivals_[next_];  // idle until the next request arrives
        continue;
      }
      if (!waiting_.empty() && active_.size() < opt_.max_batch)
        prefill();
      else
        decode();
      if (opt_.progress) opt_.progress(finished_, opt_.requests);
    }
    r_.mean_decode_batch =
        r_.decode_steps ? batch_total_ / static_cast<double>(r_.decode_steps) : 0.0;
    return std::move(r_);
  }

 private:
  struct Active {
    int id;
    uint64_t cache_len;  // tokens in its KV cache before this step
    unsigned tokens;     // generated so far
    double batch_sum;
    unsigned steps;
  };

  const StepCost& cost(const ServeStep& s) {
    auto it = cache_.find(s);
    if (it != cache_.end()) return it->second;
    (s.prefill ? r_.prefills_simulated : r_.decode_steps_simulated) += 1;
    return cache_.emplace(s, sim_(s)).first->second;
  }

  void finish(const Active& a, double at) {
    ServedRequest& q = r_.requests[static_cast<std::size_t>(a.id)];
    q.finish_s = at;
    q.mean_batch = a.steps ? a.batch_sum / a.steps : 0.0;
    ++finished_;
  }

  // The waiting requests that fit in the batch, prefilled together.
  void prefill() {
    ServeStep s;
    s.prefill = true;
    s.requests = static_cast<unsigned>(
        std::min<std::size_t>(waiting_.size(), opt_.max_batch - active_.size()));
    const StepCost& c = cost(s);
    ++r_.prefills;
    for (unsigned j = 0; j < s.requests; ++j) {
      const int id = waiting_.front();
      waiting_.pop_front();
      ServedRequest& q = r_.requests[static_cast<std::size_t>(id)];
      q.id = id;
      q.arrival_s = arrivals_[static_cast<std::size_t>(id)];
      q.admitted_s = t_;
      q.first_token_s = t_ + c.first_token_s.at(j);
      // The first token is the prefill's; the first decode step attends over the prompt.
      Active a{id, P_, 1, 0.0, 0};
      if (G_ == 1)
        finish(a, q.first_token_s);
      else
        active_.push_back(a);
    }
    t_ += c.time_s;
  }

  // One token for every request in the batch; those with their G-th token leave.
  void decode() {
    ServeStep s;
    for (const Active& a : active_) s.cache_len.push_back(a.cache_len);
    std::sort(s.cache_len.begin(), s.cache_len.end());
    t_ += cost(s).time_s;
    ++r_.decode_steps;
    const auto b = static_cast<double>(active_.size());
    batch_total_ += b;
    r_.max_decode_batch = std::max(r_.max_decode_batch, static_cast<unsigned>(active_.size()));
    std::vector<Active> still;
    for (Active& a : active_) {
      ++a.cache_len;
      ++a.tokens;
      a.batch_sum += b;
      ++a.steps;
      if (a.tokens == G_)
        finish(a, t_);
      else
        still.push_back(a);
    }
    active_ = std::move(still);
  }

  const ServeOptions& opt_;
  const StepSimulator& sim_;
  const unsigned P_, G_;
  ServeResult r_;
  std::vector<double> arrivals_;
  std::map<ServeStep, StepCost> cache_;
  std::vector<Active> active_;
  std::deque<int> waiting_;
  std::size_t next_ = 0;  // next request to arrive
  unsigned finished_ = 0;
  double t_ = 0, batch_total_ = 0;
};

}  // namespace

ServeResult serve(const WorkloadSpec& spec, const ServeOptions& opt, const StepSimulator& sim) {
  if (opt.arrival_rate <= 0 || !std::isfinite(opt.arrival_rate) || opt.requests == 0 ||
      opt.max_batch == 0)
    throw std::invalid_argument("serve(): arrival rate, requests and max batch must be positive");
  return ServeLoop(spec, opt, sim).run();
}

nlohmann::ordered_json serving_json(const ServeResult& r) {
  using J = nlohmann::ordered_json;
  std::vector<double> ttft, tpot, queue;
  double first_arrival = r.requests.empty() ? 0.0 : r.requests.front().arrival_s, last = 0;
  J records = J::array();
  for (const ServedRequest& q : r.requests) {
    ttft.push_back(q.first_token_s - q.arrival_s);
    queue.push_back(q.admitted_s - q.arrival_s);
    if (r.gen_len > 1) tpot.push_back((q.finish_s - q.first_token_s) / (r.gen_len - 1));
    first_arrival = std::min(first_arrival, q.arrival_s);
    last = std::max(last, q.finish_s);
    records.push_back({{"id", q.id},
                       {"arrival_s", q.arrival_s},
                       {"admitted_s", q.admitted_s},
                       {"first_token_s", q.first_token_s},
                       {"finish_s", q.finish_s},
                       {"queueing_s", q.admitted_s - q.arrival_s},
                       {"ttft_s", q.first_token_s - q.arrival_s},
                       {"tpot_s", r.gen_len > 1 ? tpot.back() : 0.0},
                       {"mean_decode_batch", q.mean_batch}});
  }
  const double span = last - first_arrival;
  const double n = static_cast<double>(r.requests.size());
  J g;
  g["prompt_len"] = r.prompt_len;
  g["gen_len"] = r.gen_len;
  g["requests"] = r.requests.size();
  g["ttft_s"] = distribution(ttft);
  g["tpot_s"] = distribution(tpot);
  g["tokens_per_s"] = span > 0 ? n * r.gen_len / span : 0.0;
  g["requests_per_s"] = span > 0 ? n / span : 0.0;
  J s;
  s["arrival_rate_per_s"] = r.options.arrival_rate;
  s["requests"] = r.options.requests;
  s["max_batch"] = r.options.max_batch;
  s["seed"] = r.options.seed;
  s["policy"] =
      "continuous batching, prefill first: at each step boundary the waiting requests that fit "
      "under max_batch are prefilled together, then join the decode batch; a request leaves "
      "with its last token";
  s["queueing_delay_s"] = distribution(queue);
  s["span_s"] = span;
  s["decode_steps"] = r.decode_steps;
  s["prefills"] = r.prefills;
  s["decode_steps_simulated"] = r.decode_steps_simulated;
  s["prefills_simulated"] = r.prefills_simulated;
  s["mean_decode_batch"] = r.mean_decode_batch;
  s["max_decode_batch"] = r.max_decode_batch;
  s["records"] = records;
  g["serving"] = s;
  return g;
}

std::string requests_csv(const ServeResult& r) {
  std::string out =
      "id,arrival_s,admitted_s,first_token_s,finish_s,queueing_s,ttft_s,tpot_s,mean_decode_batch\n";
  for (const ServedRequest& q : r.requests) {
    const double tpot = r.gen_len > 1 ? (q.finish_s - q.first_token_s) / (r.gen_len - 1) : 0.0;
    out += std::to_string(q.id) + "," + fmt(q.arrival_s) + "," + fmt(q.admitted_s) + "," +
           fmt(q.first_token_s) + "," + fmt(q.finish_s) + "," + fmt(q.admitted_s - q.arrival_s) +
           "," + fmt(q.first_token_s - q.arrival_s) + "," + fmt(tpot) + "," + fmt(q.mean_batch) +
           "\n";
  }
  return out;
}

}  // namespace atleus
