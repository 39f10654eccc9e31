// `atleus-vp compare DIR1 DIR2 ...`: several runs side by side, normalised to the first.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sc_main/cli_common.hpp"
#include "sc_main/report_html.hpp"

namespace atleus::cli {

namespace fs = std::filesystem;

int run_compare_cmd(const std::vector<std::string>& dirs, const std::string& out) {
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
  const std::string html = render_compare_report(runs);
  const fs::path tmp = out + ".tmp";
  {
    std::ofstream o(tmp);
    o << html;
    if (!o) {
      std::cerr << "atleus-vp: error: " << out << ": cannot write\n";
      return 1;
    }
  }
  fs::rename(tmp, out);
  std::cout << "wrote " << out << "\n";
  return 0;
}

}  // namespace atleus::cli
