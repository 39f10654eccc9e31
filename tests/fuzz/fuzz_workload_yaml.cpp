// libFuzzer target: the workload YAML loader. Every failure must be a WorkloadError.
#include <cstddef>
#include <cstdint>

#include "atleus/workloads/workload_spec.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)atleus::load_workload_yaml(fuzz::as_file(data, size, ".yaml"));
  } catch (const atleus::WorkloadError&) {
  }
  return 0;
}
