// `atleus-vp compare DIR1 DIR2 ...`: several runs side by side, normalised to the first.
#include <unistd.h>
#include <algorithm>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "atleus/workloads/yaml_guard.hpp"
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

constexpr std::size_t kMaxSummaryBytes = std::size_t{256} << 20;

// A JSON library message without its "[json.exception.type_error.302] " prefix.
std::string json_why(const std::exception& e) {
  std::string why = e.what();
  const auto bracket = why.find("] ");
  if (why.rfind("[json.exception", 0) == 0 && bracket != std::string::npos)
    why = why.substr(bracket + 2);
  for (char& c : why)
    if (c == '\n' || c == '\r') c = ' ';
  return why;
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
    std::string text, reason;
    if (!read_regular_file(p.string(), kMaxSummaryBytes, &text, &reason)) {
      std::cerr << "atleus-vp: error: " << p.string() << ": cannot open: " << reason << " (is " << d
                << " a run folder?)\n";
      return kExitBadInput;
    }
    try {
      auto j = nlohmann::ordered_json::parse(text);
      if (!j.is_object() || !j.contains("schema_version"))
        throw std::invalid_argument("not a run summary (no schema_version)");
      runs.emplace_back(
          fs::path(d).filename().string().empty() ? d : fs::path(d).filename().string(),
          std::move(j));
    } catch (const std::exception& e) {
      std::cerr << "atleus-vp: error: " << p.string() << ": not a valid summary: " << json_why(e)
                << "\n";
      return kExitBadInput;
    }
  }
  std::string html;
  try {
    const std::vector<std::string> names = labels.empty() ? default_labels(runs) : labels;
    for (std::size_t i = 0; i < runs.size(); ++i) runs[i].first = names[i];
    html = render_compare_report(runs);
  } catch (const nlohmann::json::exception& e) {
    // A summary.json that parses but lacks what a report reads (edited by hand, another tool).
    std::cerr << "atleus-vp: error: compare: a summary.json lacks what the report reads: "
              << json_why(e) << "\n";
    return kExitBadInput;
  }
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
