// A valid design that cannot do what is asked of it: a die larger than its wafer, a stack whose
// yield rounds to nothing. The command line answers it with exit code 3, as it does a workload
// that does not fit (MappingError).
#pragma once

#include <stdexcept>

namespace atleus {

class InfeasibleDesign : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace atleus
