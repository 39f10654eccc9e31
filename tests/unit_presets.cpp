// Every value in a shipped platform preset names its source in a trailing comment, and every
// preset loads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "atleus/platform/platform_loader.hpp"

namespace fs = std::filesystem;

TEST_CASE("every preset value carries a source comment, and every preset loads", "[presets]") {
  const fs::path dir = fs::path(ATLEUS_SOURCE_DIR) / "platform" / "configs";
  int files = 0, values = 0;
  const std::regex has_value(R"(^\s*(-\s|[A-Za-z_][A-Za-z0-9_]*:\s*[^\s#]))");
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      const auto hash = line.find('#');
      const std::string code = line.substr(0, hash);
      if (!std::regex_search(code, has_value)) continue;
      ++values;
      INFO(entry.path().filename().string() << ":" << n << ": " << line);
      REQUIRE(hash != std::string::npos);
      // A comment that says something: at least a few characters besides '#'.
      CHECK(line.size() - hash > 4);
    }
    CHECK_NOTHROW(atleus::load_platform(entry.path().string()));
  }
  CHECK(files >= 4);
  CHECK(values > 100);
}
