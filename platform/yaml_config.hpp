// Generic YAML configuration reading for the platform loader: files with includes, --set
// overrides, and typed access whose every error names FILE:LINE:COL and the key path.
//
// Covers: loading one YAML file (top level must be a map), top-level `include:` of one file or a
// list of files (relative to the including file, nested at most 32 deep, cycles rejected, a file
// included from two places merged once; regular files of at most 8 MiB, 32 MiB in all), deep merge
// (maps merge key by key, lists and scalars are replaced; included files first, the including file
// last), `key.path=value` overrides (value parsed as YAML), strict typed getters, unknown-key
// checks with "did you mean" suggestions, and errors raised at any node or key. Does not cover:
// schemas (the platform loader says which keys each map accepts), YAML merge keys (`<<`),
// non-scalar map keys. Rejected before loading (workloads/yaml_guard.hpp): a second document, tags,
// NUL bytes, invalid UTF-8, duplicate keys, aliases beyond the expansion budget. Numbers must be
// finite (.inf and .nan are errors).
//
// Positions: every node remembers the file it came from, so an error inside an included file
// points into that file. Values set by an override report file "--set", line 0 and quote the
// override in the message. Lines and columns in errors are 1-based; 0 means "no position".
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace atleus {

// `text` with its line breaks turned into spaces: every user-facing error is one line.
std::string one_line(std::string text);

// One error in a configuration. what() is a single line: `FILE:LINE:COL: KEY.PATH: message`;
// the `:LINE:COL` part is left out when line is 0 and the `KEY.PATH: ` part when the path is
// empty (e.g. `a.yaml: cannot open: No such file or directory`).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string key_path, std::string message);

  const std::string& file() const { return file_; }
  int line() const { return line_; }      // 1-based, 0 if unknown
  int column() const { return column_; }  // 1-based, 0 if unknown
  const std::string& key_path() const { return key_path_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string key_path_;
  std::string message_;
};

namespace yaml_detail {
struct Origin;  // which file a subtree came from (see yaml_config.cpp)
}

// A read-only view of one node of a loaded configuration: the YAML node, its key path from the
// root (`tiers[2].grid`), and the file it came from. Cheap to copy.
class ConfigNode {
 public:
  // Assignment rebinds this view; it never writes into the document (as YAML::Node's would).
  ConfigNode(const ConfigNode&) = default;
  ConfigNode& operator=(const ConfigNode& other);

  // Structure.
  bool is_map() const { return node_.IsMap(); }
  bool is_seq() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_null() const { return node_.IsNull(); }
  std::size_t size() const;                        // entries of a map or list, 0 otherwise
  bool has(const std::string& key) const;          // false unless a map holding `key`
  std::vector<std::string> keys() const;           // document order; an empty value has none
  ConfigNode child(const std::string& key) const;  // error "missing required key" at the
                                                   // key of this map
  ConfigNode operator[](std::size_t index) const;  // list item; error if out of range

  // Typed values. T is one of double, int64_t, uint64_t, unsigned, int, bool, std::string,
  // std::vector<int64_t>, std::vector<double>, std::vector<std::string>. A wrong type, an
  // out-of-range or a negative value for an unsigned T is a ConfigError at the value.
  template <typename T>
  T as() const;
  template <typename T>
  T get(const std::string& key) const {
    return child(key).as<T>();
  }
  // The default applies only when the key is absent; a present key must hold a valid value.
  // T is never deduced from the default: write get_or<unsigned>("adc_bits", 8).
  template <typename T>
  T get_or(const std::string& key, const typename std::common_type<T>::type& fallback) const {
    return has(key) ? child(key).as<T>() : fallback;
  }

  // Schema checks: any key of this map not in `allowed` is an error at that key, with a
  // suggestion when an allowed key is within edit distance 2. An empty value (`noc:` or
  // `noc: null`) is an error: a map is meant.
  void expect_keys(std::initializer_list<std::string> allowed) const;
  void expect_keys(const std::vector<std::string>& allowed) const;

  // Raise a ConfigError at this node, or at `key`'s position in this map (at the map itself if
  // the key is absent); the key path names the key. E.g. after validate() throws ParamError e:
  // node.fail_key(e.field(), e.what()).
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void fail_key(const std::string& key, const std::string& message) const;

  // Where this node is. mark() is yaml-cpp's 0-based mark (-1 if none); line()/column() are
  // 1-based and 0 when there is no position (merged or override-created nodes).
  const std::string& path() const { return path_; }
  const std::string& file() const;
  YAML::Mark mark() const;
  int line() const;
  int column() const;
  const YAML::Node& yaml() const { return node_; }

 private:
  friend class ConfigDoc;
  using OriginPtr = std::shared_ptr<const yaml_detail::Origin>;
  ConfigNode(YAML::Node node, YAML::Node key, std::string path, OriginPtr origin);

  // One entry of this map (key node and value) or false if absent.
  bool find_entry(const std::string& key, YAML::Node* key_node, YAML::Node* value) const;
  ConfigNode make_child(const YAML::Node& key_node, const YAML::Node& value,
                        const std::string& key) const;
  std::string child_path(const std::string& key) const;
  [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& path,
                            const std::string& message) const;
  void require_map(const char* what) const;

  YAML::Node node_;
  YAML::Node key_;  // the key this node was reached by (undefined for list items and the root)
  std::string path_;
  OriginPtr origin_;
};

// The supported value types (defined in yaml_config.cpp).
template <>
double ConfigNode::as<double>() const;
template <>
std::int64_t ConfigNode::as<std::int64_t>() const;
template <>
std::uint64_t ConfigNode::as<std::uint64_t>() const;
template <>
unsigned ConfigNode::as<unsigned>() const;
template <>
int ConfigNode::as<int>() const;
template <>
bool ConfigNode::as<bool>() const;
template <>
std::string ConfigNode::as<std::string>() const;
template <>
std::vector<std::int64_t> ConfigNode::as<std::vector<std::int64_t>>() const;
template <>
std::vector<double> ConfigNode::as<std::vector<double>>() const;
template <>
std::vector<std::string> ConfigNode::as<std::vector<std::string>>() const;

// A loaded configuration: the merged root map plus the files that went into it.
class ConfigDoc {
 public:
  ConfigDoc(YAML::Node root, std::shared_ptr<const yaml_detail::Origin> origin,
            std::vector<std::string> files);
  ConfigDoc(const ConfigDoc&) = default;
  ConfigDoc& operator=(const ConfigDoc& other);  // rebinds, like ConfigNode

  ConfigNode root() const;
  // Every file read, the top file first, then includes in the order they were loaded.
  const std::vector<std::string>& files() const { return files_; }
  // The merged document (overrides applied) as YAML text, e.g. to record the effective config.
  std::string to_yaml() const;

 private:
  YAML::Node root_;
  std::shared_ptr<const yaml_detail::Origin> origin_;
  std::vector<std::string> files_;
};

// Reads `path` (and its includes), then applies `overrides` in order. Each override is
// `key.path=value` with list indices as `tiers[0].grid=[8,8]`; the parent of the leaf must
// exist, the leaf itself may be new. Throws ConfigError.
ConfigDoc load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Same from text in memory; `source_name` is used in errors and includes are relative to its
// directory.
ConfigDoc load_config_text(const std::string& text, const std::string& source_name,
                           const std::vector<std::string>& overrides = {});

// Edit distance (insertions, deletions, substitutions, adjacent transpositions), for the
// "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace atleus
