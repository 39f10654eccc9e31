// The library's version, as the CMake project states it.
#pragma once

namespace atleus {

const char* version();

}  // namespace atleus
