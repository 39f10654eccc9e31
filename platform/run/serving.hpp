// Serving with continuous batching (`run --mode generate --arrival-rate R`): requests arrive as
// a Poisson process and a scheduler batches them between decode steps, so the latency
// distribution (time to first token, time per output token, queueing) comes out of the
// simulation.
//
// What is simulated and what is composed:
// - Simulated on the platform (one SystemC run each, run_workload): every distinct prefill (the
//   k requests admitted together: a plain `--batch k` generate run, of which each request's
//   first token counts, when its sampling ends) and every distinct decode step
//   (one new token for each request in the batch, each attending over its own cache length). A
//   decode step is measured as the second of two identical chained steps: from the previous
//   step's last token to this step's last token, as a step of a plain generate run is counted.
// - Composed: the serving clock. The scheduler adds the simulated times of the steps one after
//   another; a step with the same kind, batch and cache lengths as an earlier one is simulated
//   once and reused. Steps do not overlap (a decode step needs the previous step's tokens; a
//   prefill starts when the running step ends), so the platform is idle between them only while
//   no request is waiting.
//
// Policy (iteration-level scheduling with prefill first, as Orca and vLLM's default scheduler):
// at every step boundary the requests that have arrived wait in arrival order; when the decode
// batch has room (fewer than max_batch requests) the waiting ones that fit are admitted and
// prefilled together while the running requests wait, then join the batch; otherwise the batch
// takes one decode step. A request leaves the batch with its gen_len-th token. With nothing to
// run the clock moves to the next arrival.
//
// Not modelled: chunked prefill or prefills mixed into decode steps, preemption, paged KV
// caches (each admitted request holds prompt_len + gen_len tokens of cache), prompt and output
// lengths that vary between requests, and energy (the serving figures are times).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "atleus/platform/platform_config.hpp"
#include "atleus/platform/run/run_engine.hpp"
#include "atleus/workloads/workload_spec.hpp"

namespace atleus {

struct ServeOptions {
  double arrival_rate = 0;  // requests per second (Poisson)
  unsigned requests = 0;    // requests that arrive in all
  unsigned max_batch = 0;   // requests in the decode batch at most
  uint64_t seed = 1;        // of the arrival times
  // Optional: called after every step with the requests finished and their total.
  std::function<void(unsigned finished, unsigned total)> progress;
};

// One step the scheduler needs the time of.
struct ServeStep {
  bool prefill = false;
  unsigned requests = 0;            // prefill: requests prefilled together
  std::vector<uint64_t> cache_len;  // decode: per request, sorted: tokens in its KV cache
  bool operator<(const ServeStep& o) const {
    return prefill != o.prefill     ? prefill < o.prefill
           : requests != o.requests ? requests < o.requests
                                    : cache_len < o.cache_len;
  }
};

struct StepCost {
  double time_s = 0;                  // until the platform takes the next step
  std::vector<double> first_token_s;  // prefill: each request's first token, from the start
};

using StepSimulator = std::function<StepCost(const ServeStep&)>;

// Simulates `step` of `spec` (Mode::kGenerate) on the platform in this process (one SystemC
// simulation per process).
StepCost simulate_step(const PlatformConfig& cfg, const WorkloadSpec& spec, const RunOptions& opt,
                       const ServeStep& step);
// A simulator that runs simulate_step() in a child process per call (so one process can
// simulate many steps). A MappingError of the child is rethrown as one; any other failure as
// std::runtime_error.
StepSimulator forked_step_simulator(const PlatformConfig& cfg, const WorkloadSpec& spec,
                                    const RunOptions& opt);

struct ServedRequest {
  int id = 0;
  double arrival_s = 0, admitted_s = 0, first_token_s = 0, finish_s = 0;
  double mean_batch = 0;  // requests in the decode steps it took part in, on average
};

struct ServeResult {
  ServeOptions options;
  unsigned prompt_len = 0, gen_len = 0;
  std::vector<ServedRequest> requests;  // by arrival
  uint64_t decode_steps = 0, prefills = 0;
  uint64_t decode_steps_simulated = 0, prefills_simulated = 0;  // distinct ones
  double mean_decode_batch = 0;
  unsigned max_decode_batch = 0;
};

// Poisson arrival times (seconds from 0) of `n` requests at `rate` per second, from `seed`.
std::vector<double> poisson_arrivals(unsigned n, double rate, uint64_t seed);

// Runs the scheduler over `spec`'s prompt and generation lengths.
ServeResult serve(const WorkloadSpec& spec, const ServeOptions& opt, const StepSimulator& sim);

// summary.json `generate` of a serving run: the distributions and `serving` with the policy,
// the step counts and one record per request.
nlohmann::ordered_json serving_json(const ServeResult& r);
// One line per request: id, arrival, admission, first token, finish, queueing, TTFT, TPOT.
std::string requests_csv(const ServeResult& r);

}  // namespace atleus
