// The --trace timeline: valid trace-event JSON whose slices never overlap on one core unit and
// add up to that unit's busy time in summary.json.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json load(const fs::path& p) {
  std::ifstream f(p);
  REQUIRE(f.good());
  return json::parse(f);
}

}  // namespace

TEST_CASE("trace.json: slices per core unit never overlap and sum to its busy time", "[trace]") {
  const fs::path dir = fs::temp_directory_path() / ("atleus_trace_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string cmd = std::string(ATLEUS_VP_BIN) +
                          " run --quiet --mode finetune --batch 2 --trace --out " + dir.string() +
                          " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const json trace = load(dir / "trace.json");
  const json summary = load(dir / "summary.json");
  REQUIRE(trace.contains("traceEvents"));

  // Track names from the metadata events: "<core>/<unit>" on the cores process.
  std::map<std::pair<int, int>, std::string> names;
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> slices;
  for (const auto& e : trace["traceEvents"]) {
    REQUIRE(e.contains("ph"));
    REQUIRE(e.contains("pid"));
    if (e["ph"] == "M" && e["name"] == "thread_name")
      names[{e["pid"].get<int>(), e["tid"].get<int>()}] = e["args"]["name"].get<std::string>();
    if (e["ph"] == "X") {
      REQUIRE(e["dur"].get<double>() >= 0);
      REQUIRE(e["ts"].get<double>() >= 0);
      slices[{e["pid"].get<int>(), e["tid"].get<int>()}].emplace_back(e["ts"].get<double>(),
                                                                      e["dur"].get<double>());
    }
  }
  REQUIRE_FALSE(slices.empty());

  // Busy time per core unit from the summary, keyed like the track names.
  std::map<std::string, double> busy_us;
  for (const auto& c : summary["cores"])
    for (const auto& u : c["units"])
      busy_us[c["name"].get<std::string>() + "/" + u["unit"].get<std::string>()] =
          u["busy_s"].get<double>() * 1e6;

  int core_tracks = 0;
  for (auto& [key, sl] : slices) {
    const std::string& name = names[key];
    INFO(name);
    std::sort(sl.begin(), sl.end());
    double total = 0;
    for (std::size_t i = 0; i < sl.size(); ++i) {
      total += sl[i].second;
      // Allow for the microsecond rounding of doubles: 1e-6 us = 1 fs.
      if (i > 0) CHECK(sl[i - 1].first + sl[i - 1].second <= sl[i].first + 1e-6);
    }
    if (busy_us.count(name)) {
      ++core_tracks;
      CHECK(total == Approx(busy_us[name]).epsilon(1e-9));
    }
  }
  // A core's busy time is the union of its units' slices.
  for (const auto& c : summary["cores"]) {
    std::vector<std::pair<double, double>> all;
    for (auto& [key, sl] : slices)
      if (names[key].rfind(c["name"].get<std::string>() + "/", 0) == 0)
        for (const auto& [ts, dur] : sl) all.emplace_back(ts, ts + dur);
    std::sort(all.begin(), all.end());
    double union_us = 0, b = 0, e = -1;
    for (const auto& [s, t] : all) {
      if (s > e) {
        if (e > b) union_us += e - b;
        b = s;
        e = t;
      } else {
        e = std::max(e, t);
      }
    }
    if (e > b) union_us += e - b;
    INFO(c["name"]);
    CHECK(union_us == Approx(c["busy_s"].get<double>() * 1e6).epsilon(1e-9).margin(1e-9));
  }
  // Every unit that worked has a track.
  CHECK(core_tracks == static_cast<int>(busy_us.size()));
  CHECK(core_tracks > 0);
}
