// Checks YAML text before it is loaded, so that hostile or mistyped input fails fast with a
// position instead of running away: the platform loader (platform/yaml_config.hpp) and the
// workload loader (workload_spec.hpp) both read through it. Pure C++ (no SystemC).
//
// Rejected, each with the 1-based line and column and the key path where it happens:
//   - text larger than the size limit, NUL bytes, invalid UTF-8 (names end up in JSON outputs);
//   - a second document in one file (`---` after the first: it would be silently ignored);
//   - tags (`!foo`, `!!str`): the loaders give every key its own type;
//   - duplicate keys in one map;
//   - aliases whose expansion exceeds the budget: in all, the document expanded (every alias
//     counted as a copy of what it names) may hold at most `max_nodes` nodes, `max_aliases`
//     alias uses and be at most `max_depth` levels deep. An alias bomb (a few nested anchors
//     that expand to billions of nodes) thus fails after reading, before any walk over it.
#pragma once

#include <cstddef>
#include <string>

namespace atleus {

struct YamlLimits {
  std::size_t max_bytes = std::size_t{8} << 20;  // 8 MiB of text per file
  std::size_t max_nodes = 2000000;               // nodes after alias expansion
  std::size_t max_aliases = 20000;               // alias uses
  int max_depth = 64;                            // nesting after alias expansion
};

// What went wrong and where; ok() when nothing did. Lines and columns are 1-based (0: none).
struct YamlProblem {
  int line = 0;
  int column = 0;
  std::string key_path;  // e.g. "tiers[2].grid"; empty at the top level
  std::string message;
  bool ok() const { return message.empty(); }
};

// Checks `text` against `limits`; syntax errors yaml-cpp reports are returned as problems too.
YamlProblem check_yaml_text(const std::string& text, const YamlLimits& limits = {});

// Offset of the first byte that is not valid UTF-8 (overlong forms, surrogates and code points
// above U+10FFFF included), or std::string::npos.
std::size_t find_invalid_utf8(const std::string& text);

// Reads a regular file of at most `max_bytes` bytes. On failure returns false with a reason
// ("is a directory", "is not a regular file", "is larger than 8388608 bytes", strerror text).
bool read_regular_file(const std::string& path, std::size_t max_bytes, std::string* text,
                       std::string* reason);

}  // namespace atleus
