// The serving scheduler (platform/serving.hpp) over a step simulator with closed-form costs:
// which steps it asks for (batch and cache lengths), and the times it composes from them.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "atleus/platform/run/serving.hpp"

using namespace atleus;

namespace {

WorkloadSpec spec(unsigned prompt, unsigned gen) {
  WorkloadSpec w;
  w.mode = Mode::kGenerate;
  w.generate.prompt_len = prompt;
  w.generate.gen_len = gen;
  return w;
}

// A prefill of k requests takes p, the j-th request's first token at p (j + 1) / k; a decode
// step of b requests takes d b.
struct Fake {
  double p = 1.0, d = 0.25;
  std::vector<ServeStep> asked;
  StepSimulator sim() {
    return [this](const ServeStep& s) {
      asked.push_back(s);
      StepCost c;
      if (s.prefill) {
        c.time_s = p;
        for (unsigned j = 0; j < s.requests; ++j)
          c.first_token_s.push_back(p * (j + 1) / s.requests);
      } else {
        c.time_s = d * static_cast<double>(s.cache_len.size());
      }
      return c;
    };
  }
};

// Three requests 1e-12 s apart (rate 1e12): they arrive while the first is prefilled.
ServeOptions together(unsigned max_batch) {
  ServeOptions o;
  o.arrival_rate = 1e12;
  o.requests = 3;
  o.max_batch = max_batch;
  o.seed = 1;
  return o;
}

}  // namespace

TEST_CASE("serving: Poisson arrivals are seeded, increasing, with mean gap 1 / rate") {
  const auto a = poisson_arrivals(20000, 4.0, 7), b = poisson_arrivals(20000, 4.0, 7);
  CHECK(a == b);
  CHECK(a != poisson_arrivals(20000, 4.0, 8));
  for (std::size_t i = 1; i < a.size(); ++i) REQUIRE(a[i] > a[i - 1]);
  // The mean of 20000 exponential gaps: 1/4 within 5 standard errors (0.25 / sqrt(20000)).
  CHECK(std::abs(a.back() / 20000 - 0.25) < 5 * 0.25 / std::sqrt(20000.0));
}

TEST_CASE("serving: requests that arrive together are prefilled as they fit, then decoded") {
  // Three requests 1e-12 s apart (rate 1e12): the first finds the platform idle and is
  // prefilled alone; the other two arrive during it and are prefilled together; then the batch
  // of three takes G - 1 = 2 decode steps, over caches of P = 5 and then 6 tokens.
  Fake f;
  const ServeResult r = serve(spec(5, 3), together(3), f.sim());
  REQUIRE(f.asked.size() == 4);
  CHECK(f.asked[0].prefill);
  CHECK(f.asked[0].requests == 1);
  CHECK(f.asked[1].prefill);
  CHECK(f.asked[1].requests == 2);
  CHECK(f.asked[2].cache_len == std::vector<uint64_t>{5, 5, 5});
  CHECK(f.asked[3].cache_len == std::vector<uint64_t>{6, 6, 6});
  CHECK(r.prefills == 2);
  CHECK(r.decode_steps == 2);
  CHECK(r.mean_decode_batch == 3.0);
  const double a0 = r.requests[0].arrival_s;
  CHECK(r.requests[0].first_token_s == Approx(a0 + 1.0));
  CHECK(r.requests[1].first_token_s == Approx(a0 + 1.5));
  CHECK(r.requests[2].first_token_s == Approx(a0 + 2.0));
  CHECK(r.requests[1].admitted_s == Approx(a0 + 1.0));
  for (const auto& q : r.requests) CHECK(q.finish_s == Approx(a0 + 2.0 + 2 * 0.75));
}

TEST_CASE("serving: max_batch bounds the batch and identical steps are simulated once") {
  // One slot: the requests run one after another, each a prefill (1) and 3 steps of 0.25; the
  // second and third wait in the queue for the previous one to finish.
  Fake f;
  const ServeResult r = serve(spec(8, 4), together(1), f.sim());
  CHECK(r.max_decode_batch == 1);
  CHECK(r.decode_steps == 9);
  CHECK(r.prefills == 3);
  CHECK(r.prefills_simulated == 1);
  CHECK(r.decode_steps_simulated == 3);  // caches of 8, 9 and 10 tokens
  CHECK(f.asked.size() == 4);
  const double a0 = r.requests[0].arrival_s;
  for (int i = 0; i < 3; ++i) {
    INFO("request " << i);
    const auto& q = r.requests[static_cast<std::size_t>(i)];
    CHECK(q.admitted_s == Approx(a0 + 1.75 * i));
    CHECK(q.finish_s == Approx(a0 + 1.75 * (i + 1)));
  }
  const auto j = serving_json(r);
  CHECK(j["tpot_s"]["mean"].get<double>() == Approx(0.25));
  CHECK(j["serving"]["queueing_delay_s"]["p99"].get<double>() == Approx(3.5).epsilon(1e-9));
}
