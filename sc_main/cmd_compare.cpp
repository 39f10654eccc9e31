// `atleus-vp compare DIR1 DIR2 ...`: several runs side by side, normalised to the first.
#include <unistd.h>
#include <algorithm>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "sc_main/cli_common.hpp"
#include "sc_main/report_html.hpp"

namespace atleus::cli {

namespace fs = std::filesystem;

namespace {

// The default label of each run: its platform name, then the --set overrides and workload
// fields that are not the same in every run; the folder name when that still leaves two alike.
std::vector<std::string> default_labels(
    const std::vector<std::pair<std::string, nlohmann::ordered_json>>& runs) {
  std::vector<std::vector<std::string>> facts(runs.size());
  std::map<std::string, std::size_t> seen;  // fact -> runs holding it
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& s = runs[i].second;
    if (s.contains("config") && s["config"].contains("overrides"))
      for (const auto& o : s["config"]["overrides"]) facts[i].push_back(o.get<std::string>());
    if (s.contains("workload") && s["workload"].is_object())
      for (const auto& [k, v] : s["workload"].items())
        facts[i].push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    for (const auto& f : facts[i]) seen[f]++;
  }
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& s = runs[i].second;
    std::string label = s.contains("platform_name") ? s["platform_name"].get<std::string>()
                        : s.contains("platform")    ? s["platform"].get<std::string>()
                                                    : runs[i].first;
    std::string diff;
    for (const auto& f : facts[i])
      if (seen[f] < runs.size()) diff += (diff.empty() ? "" : ", ") + f;
    if (!diff.empty()) label += " (" + diff + ")";
    labels.push_back(label);
  }
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (std::count(labels.begin(), labels.end(), labels[i]) > 1)
      labels[i] += " [" + runs[i].first + "]";
  return labels;
}

}  // namespace

int run_compare_cmd(const std::vector<std::string>& dirs, const std::string& out,
                    const std::vector<std::string>& labels) {
  if (!labels.empty() && labels.size() != dirs.size()) {
    std::cerr << "atleus-vp: error: --label: " << labels.size() << " labels for " << dirs.size()
              << " runs (give one per run, in order)\n";
    return kExitBadInput;
  }
  std::vector<std::pair<std::string, nlohmann::ordered_json>> runs;
  for (const auto& d : dirs) {
    const fs::path p = fs::path(d) / "summary.json";
    std::ifstream f(p);
    if (!f) {
      std::cerr << "atleus-vp: error: " << p.string() << ": cannot open (is " << d
                << " a run folder?)\n";
      return kExitBadInput;
    }
    try {
      runs.emplace_back(
          fs::path(d).filename().string().empty() ? d : fs::path(d).filename().string(),
          nlohmann::ordered_json::parse(f));
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "atleus-vp: error: " << p.string() << ": not valid JSON: " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  const std::vector<std::string> names = labels.empty() ? default_labels(runs) : labels;
  for (std::size_t i = 0; i < runs.size(); ++i) runs[i].first = names[i];
  const std::string html = render_compare_report(runs);
  // Only a regular file is replaced (never a device node or a folder); the page is written
  // beside it and renamed into place.
  std::error_code ec;
  const auto st = fs::status(out, ec);
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    std::cerr << "atleus-vp: error: --out: " << out << ": exists and is not a regular file\n";
    return kExitBadInput;
  }
  const fs::path tmp = out + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream o(tmp);
    o << html;
    o.close();
    if (!o) {
      fs::remove(tmp, ec);
      std::cerr << "atleus-vp: error: --out: " << out << ": cannot write\n";
      return kExitBadInput;
    }
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::remove(tmp, ec);
    std::cerr << "atleus-vp: error: --out: " << out << ": cannot write\n";
    return kExitBadInput;
  }
  std::cout << "wrote " << out << "\n";
  return 0;
}

}  // namespace atleus::cli
