// Shared by the libFuzzer targets: the input as a file, for loaders that read paths.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

namespace fuzz {

// Writes the input to a per-process temporary file with the given suffix; returns its path.
inline std::string as_file(const uint8_t* data, size_t size, const char* suffix) {
  const std::string path = "/tmp/atleus-fuzz-" + std::to_string(::getpid()) + suffix;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace fuzz
