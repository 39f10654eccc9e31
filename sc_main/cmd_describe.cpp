#include <iostream>

#include "atleus/platform/describe.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

int run_describe(const PlatformOptions& p, bool json) {
  const auto summary = describe_platform(load(p));
  if (json)
    std::cout << to_json(summary).dump(2) << "\n";
  else
    std::cout << to_text(summary);
  return 0;
}

}  // namespace atleus::cli
