#include "atleus/platform/version.hpp"

namespace atleus {

const char* version() {
  return ATLEUS_VERSION;
}

}  // namespace atleus
