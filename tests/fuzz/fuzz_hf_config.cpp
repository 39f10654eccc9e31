// libFuzzer target: the HuggingFace config.json loader. Every failure must be a WorkloadError.
#include <cstddef>
#include <cstdint>

#include "atleus/workloads/model_spec.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const atleus::ModelSpec m = atleus::load_hf_config(fuzz::as_file(data, size, ".json"));
    m.validate();
  } catch (const atleus::WorkloadError&) {
  }
  return 0;
}
