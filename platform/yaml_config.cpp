#include "atleus/platform/yaml_config.hpp"

#include "atleus/workloads/yaml_guard.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace atleus {

namespace yaml_detail {

// Which file a subtree came from. A child without an entry in `kids` came from the same place
// as its parent; entries exist only where merging or an override mixed sources. Map children
// are keyed by their key, list items by "[i]".
struct Origin {
  std::string file;
  std::string override_text;  // the `key=value` text when the subtree was set by --set
  std::map<std::string, std::shared_ptr<const Origin>> kids;

  bool has_position() const { return override_text.empty(); }
};

}  // namespace yaml_detail

using yaml_detail::Origin;
using OriginPtr = std::shared_ptr<const Origin>;

namespace {

// Recursion limit for walks over the tree: yaml-cpp accepts an alias to an enclosing node.
constexpr int kMaxDepth = 100;
constexpr const char* kOverrideFile = "--set";
// Include limits: how deep includes nest, how large one file and all files together may be.
constexpr int kMaxIncludeDepth = 32;
constexpr std::size_t kMaxFileBytes = std::size_t{8} << 20;
constexpr std::size_t kMaxTotalBytes = std::size_t{32} << 20;

OriginPtr child_origin(const OriginPtr& parent, const std::string& key) {
  auto it = parent->kids.find(key);
  if (it != parent->kids.end()) return it->second;
  if (parent->kids.empty()) return parent;  // nothing below differs: share the parent's origin
  auto leaf = std::make_shared<Origin>();
  leaf->file = parent->file;
  leaf->override_text = parent->override_text;
  return leaf;
}

std::string index_key(std::size_t index) {
  return "[" + std::to_string(index) + "]";
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

int one_based(int zero_based) {
  return zero_based >= 0 ? zero_based + 1 : 0;
}

[[noreturn]] void raise(const Origin& origin, const YAML::Mark& mark, const std::string& path,
                        const std::string& message) {
  if (!origin.has_position()) {
    throw ConfigError(origin.file, 0, 0, path,
                      message + " (override '" + origin.override_text + "')");
  }
  throw ConfigError(origin.file, one_based(mark.line), one_based(mark.column), path, message);
}

// How a value reads in an error message.
std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (!node.IsScalar()) return "an empty value";
  std::string text = node.Scalar();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  if (node.Tag() == "!") return "the quoted string '" + text + "'";
  return "'" + text + "'";
}

// A plain (unquoted) scalar: quoted text is a string in YAML even when it looks like a number.
bool is_plain_scalar(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() != "!";
}

// YAML 1.2 core-schema integers: [-+]?[0-9]+, 0x[0-9a-fA-F]+, 0o[0-7]+.
enum class IntParse { kOk, kNotInteger, kTooLarge };

IntParse parse_integer(const std::string& text, bool* negative, std::uint64_t* magnitude) {
  std::size_t pos = 0;
  *negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    *negative = text[pos] == '-';
    ++pos;
  }
  int base = 10;
  if (text.compare(pos, 2, "0x") == 0) {
    base = 16;
    pos += 2;
  } else if (text.compare(pos, 2, "0o") == 0) {
    base = 8;
    pos += 2;
  }
  if (pos >= text.size()) return IntParse::kNotInteger;
  const char* first = text.data() + pos;
  const char* last = text.data() + text.size();
  auto result = std::from_chars(first, last, *magnitude, base);
  if (result.ptr != last) return IntParse::kNotInteger;
  if (result.ec == std::errc::result_out_of_range) return IntParse::kTooLarge;
  if (result.ec != std::errc()) return IntParse::kNotInteger;
  return IntParse::kOk;
}

// YAML 1.2 core-schema floats (integers are handled separately).
bool is_float_text(const std::string& text) {
  std::size_t pos = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  const std::string rest = text.substr(pos);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") return true;
  if (pos == 0 && (rest == ".nan" || rest == ".NaN" || rest == ".NAN")) return true;
  auto digits = [&](std::size_t* p) {
    std::size_t start = *p;
    while (*p < text.size() && text[*p] >= '0' && text[*p] <= '9') ++*p;
    return *p - start;
  };
  std::size_t mantissa_digits = digits(&pos);
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    mantissa_digits += digits(&pos);
  }
  if (mantissa_digits == 0) return false;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    if (digits(&pos) == 0) return false;
  }
  return pos == text.size();
}

bool read_text(const std::string& path, std::string* text, std::string* reason) {
  return read_regular_file(path, kMaxFileBytes, text, reason);
}

// YAML::Node's operator= writes through to the node it refers to; rebinding a handle needs
// reset(). Tree therefore rebinds on assignment.
struct Tree {
  YAML::Node node;
  OriginPtr origin;

  Tree(YAML::Node n, OriginPtr o) : node(std::move(n)), origin(std::move(o)) {}
  Tree(const Tree&) = default;
  Tree& operator=(const Tree& other) {
    node.reset(other.node);
    origin = other.origin;
    return *this;
  }
};

struct Entry {
  YAML::Node key;
  YAML::Node value;
  OriginPtr origin;
  std::string name;
};

// The entries of a map with scalar keys, in document order.
std::vector<Entry> entries_of(const Tree& tree) {
  std::vector<Entry> entries;
  for (auto it = tree.node.begin(); it != tree.node.end(); ++it) {
    const std::string name = it->first.Scalar();
    entries.push_back({it->first, it->second, child_origin(tree.origin, name), name});
  }
  return entries;
}

// Maps may only have plain scalar keys, each once.
void check_keys(const YAML::Node& node, const Origin& origin, const std::string& path, int depth) {
  if (depth > kMaxDepth) {
    raise(origin, node.Mark(), path, "nested too deeply (recursive alias?)");
  }
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      check_keys(node[i], origin, path + index_key(i), depth + 1);
    }
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, YAML::Mark> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      raise(origin, it->first.Mark(), path, "map keys must be names, got " + describe(it->first));
    }
    const std::string name = it->first.Scalar();
    auto [previous, inserted] = seen.emplace(name, it->first.Mark());
    if (!inserted) {
      raise(origin, it->first.Mark(), join_path(path, name),
            "duplicate key '" + name + "' (first at line " +
                std::to_string(one_based(previous->second.line)) + ")");
    }
    check_keys(it->second, origin, join_path(path, name), depth + 1);
  }
}

// Deep merge: `over` wins; maps present on both sides merge key by key, anything else is
// replaced. The result reuses the original nodes (so their marks survive) and keeps the
// document order of `base`, followed by the keys only `over` has.
Tree merge(const Tree& base, const Tree& over, int depth) {
  if (!base.node.IsMap() || !over.node.IsMap()) return over;
  if (depth > kMaxDepth) {
    raise(*over.origin, over.node.Mark(), "", "nested too deeply (recursive alias?)");
  }
  const std::vector<Entry> base_entries = entries_of(base);
  const std::vector<Entry> over_entries = entries_of(over);
  auto find = [](const std::vector<Entry>& entries, const std::string& name) {
    return std::find_if(entries.begin(), entries.end(),
                        [&](const Entry& e) { return e.name == name; });
  };

  std::vector<Entry> merged;
  for (const Entry& b : base_entries) {
    auto o = find(over_entries, b.name);
    if (o == over_entries.end()) {
      merged.push_back(b);
    } else if (b.value.IsMap() && o->value.IsMap()) {
      Tree sub = merge({b.value, b.origin}, {o->value, o->origin}, depth + 1);
      merged.push_back({o->key, sub.node, sub.origin, b.name});
    } else {
      merged.push_back(*o);
    }
  }
  for (const Entry& o : over_entries) {
    if (find(base_entries, o.name) == base_entries.end()) merged.push_back(o);
  }

  // Refill `over`'s own map node so the merged map keeps its mark.
  YAML::Node target = over.node;
  for (const Entry& o : over_entries) target.remove(o.key);
  auto origin = std::make_shared<Origin>();
  origin->file = over.origin->file;
  origin->override_text = over.origin->override_text;
  for (const Entry& e : merged) {
    target.force_insert(e.key, e.value);
    origin->kids[e.name] = e.origin;
  }
  return {target, origin};
}

// Loads files and their includes; remembers every file read.
class Loader {
 public:
  Tree load_path(const std::string& path) {
    std::string text, reason;
    if (!read_text(path, &text, &reason)) {
      throw ConfigError(path, 0, 0, "", "cannot open: " + reason);
    }
    return load_text(text, path);
  }

  Tree load_text(const std::string& text, const std::string& name) {
    total_bytes_ += text.size();
    if (total_bytes_ > kMaxTotalBytes) {
      throw ConfigError(
          name, 0, 0, "",
          "the file and its includes exceed " + std::to_string(kMaxTotalBytes) + " bytes together");
    }
    const std::string key = canonical(name);
    chain_.push_back({key, name});
    loaded_.insert(key);
    files_.push_back(name);
    Tree result = parse(text, name);
    chain_.pop_back();
    return result;
  }

  const std::vector<std::string>& files() const { return files_; }

 private:
  struct Link {
    std::string canonical;
    std::string name;
  };

  static std::string canonical(const std::string& path) {
    std::error_code ec;
    auto resolved = std::filesystem::weakly_canonical(path, ec);
    return ec ? std::filesystem::path(path).lexically_normal().string() : resolved.string();
  }

  Tree parse(const std::string& text, const std::string& name) {
    auto origin = std::make_shared<Origin>();
    origin->file = name;
    const YamlProblem problem = check_yaml_text(text);
    if (!problem.ok()) {
      throw ConfigError(name, problem.line, problem.column, problem.key_path, problem.message);
    }
    YAML::Node root;
    try {
      root.reset(YAML::Load(text));
    } catch (const YAML::Exception& e) {
      throw ConfigError(name, one_based(e.mark.line), one_based(e.mark.column), "", e.msg);
    }
    if (root.IsNull()) root.reset(YAML::Node(YAML::NodeType::Map));
    if (!root.IsMap()) {
      raise(*origin, root.Mark(), "", "the top level must be a map of keys, got " + describe(root));
    }
    check_keys(root, *origin, "", 0);

    Tree own{root, origin};
    std::vector<Entry> includes = take_includes(own);
    if (includes.empty()) return own;
    Tree merged{YAML::Node(YAML::NodeType::Map), origin};
    for (const Entry& inc : includes) merged = merge(merged, load_include(inc, name), 0);
    return merge(merged, own, 0);
  }

  // Removes the top-level `include` entry and returns its file names (with their positions).
  std::vector<Entry> take_includes(const Tree& doc) {
    std::vector<Entry> found;
    for (const Entry& e : entries_of(doc)) {
      if (e.name != "include") continue;
      if (e.value.IsScalar()) {
        found.push_back({e.value, e.value, e.origin, "include"});
      } else if (e.value.IsSequence()) {
        for (std::size_t i = 0; i < e.value.size(); ++i) {
          YAML::Node item = e.value[i];
          if (!item.IsScalar()) {
            raise(*e.origin, item.Mark(), "include" + index_key(i),
                  "expected a file name, got " + describe(item));
          }
          found.push_back({item, item, e.origin, "include" + index_key(i)});
        }
      } else {
        raise(*e.origin, e.key.Mark(), "include",
              "expected a file name or a list of file names, got " + describe(e.value));
      }
      YAML::Node root = doc.node;
      root.remove(e.key);
      break;
    }
    return found;
  }

  Tree load_include(const Entry& inc, const std::string& including) {
    namespace fs = std::filesystem;
    const fs::path target(inc.value.Scalar());
    const std::string path =
        target.is_absolute()
            ? target.lexically_normal().string()
            : (fs::path(including).parent_path() / target).lexically_normal().string();
    const std::string key = canonical(path);
    for (std::size_t i = 0; i < chain_.size(); ++i) {
      if (chain_[i].canonical != key) continue;
      std::string cycle;
      for (std::size_t j = i; j < chain_.size(); ++j) cycle += chain_[j].name + " -> ";
      raise(*inc.origin, inc.value.Mark(), inc.name, "include cycle: " + cycle + path);
    }
    if (static_cast<int>(chain_.size()) >= kMaxIncludeDepth) {
      raise(*inc.origin, inc.value.Mark(), inc.name,
            "includes nest deeper than " + std::to_string(kMaxIncludeDepth) + " files");
    }
    // A file reached a second time (two files include it) was merged already: once is enough.
    if (loaded_.count(key) != 0) return {YAML::Node(YAML::NodeType::Map), inc.origin};
    std::string text, reason;
    if (!read_text(path, &text, &reason)) {
      raise(*inc.origin, inc.value.Mark(), inc.name, "cannot open '" + path + "': " + reason);
    }
    return load_text(text, path);
  }

  std::vector<Link> chain_;       // files being loaded, outermost first (for cycle detection)
  std::set<std::string> loaded_;  // canonical paths of every file read
  std::vector<std::string> files_;
  std::size_t total_bytes_ = 0;
};

// One step of an override's key path: a map key or a list index.
struct Step {
  bool is_index;
  std::string key;
  std::size_t index;
};

bool parse_key_path(const std::string& text, std::vector<Step>* steps) {
  std::size_t pos = 0;
  while (true) {
    std::size_t end = text.find_first_of(".[]", pos);
    std::string name = text.substr(pos, end == std::string::npos ? end : end - pos);
    if (name.empty()) return false;
    steps->push_back({false, name, 0});
    pos = end;
    while (pos < text.size() && text[pos] == '[') {
      std::size_t close = text.find(']', pos);
      if (close == std::string::npos || close == pos + 1) return false;
      std::size_t index = 0;
      auto r = std::from_chars(text.data() + pos + 1, text.data() + close, index);
      if (r.ec != std::errc() || r.ptr != text.data() + close) return false;
      steps->push_back({true, "", index});
      pos = close + 1;
    }
    if (pos >= text.size()) return true;
    if (text[pos] != '.') return false;
    ++pos;
  }
}

std::string trim(const std::string& s) {
  const char* space = " \t";
  std::size_t first = s.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

std::string step_path(const std::string& parent, const Step& step) {
  return step.is_index ? parent + index_key(step.index) : join_path(parent, step.key);
}

// Applies one `key.path=value` override to the merged document.
void apply_override(Tree* doc, const std::string& text) {
  const std::size_t eq = text.find('=');
  const std::string key_path = trim(text.substr(0, eq));
  std::vector<Step> steps;
  if (eq == std::string::npos || !parse_key_path(key_path, &steps)) {
    throw ConfigError(kOverrideFile, 0, 0, key_path,
                      "malformed override '" + text + "', expected key.path=value");
  }
  auto fail = [&](const std::string& message) {
    throw ConfigError(kOverrideFile, 0, 0, key_path,
                      "cannot apply override '" + text + "': " + message);
  };
  const YamlProblem problem = check_yaml_text(text.substr(eq + 1));
  if (!problem.ok()) {
    throw ConfigError(kOverrideFile, 0, 0, key_path,
                      "invalid value in override '" + text + "': " + problem.message);
  }
  YAML::Node value;
  try {
    value.reset(YAML::Load(text.substr(eq + 1)));
  } catch (const YAML::Exception& e) {
    throw ConfigError(kOverrideFile, 0, 0, key_path,
                      "invalid value in override '" + text + "': " + e.msg);
  }

  // Walk to the parent of the leaf, which must exist.
  YAML::Node parent = doc->node;
  std::string walked;
  for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
    const Step& step = steps[i];
    YAML::Node next;
    bool found = false;
    if (step.is_index) {
      if (parent.IsSequence() && step.index < parent.size()) {
        next.reset(parent[step.index]);
        found = true;
      }
    } else if (parent.IsMap()) {
      for (auto it = parent.begin(); it != parent.end() && !found; ++it) {
        if (it->first.Scalar() == step.key) {
          next.reset(it->second);
          found = true;
        }
      }
    }
    walked = step_path(walked, step);
    if (!found) fail("'" + walked + "' does not exist");
    parent.reset(next);
  }

  // Set the leaf: replace in place (so the slot keeps its position) or add a new key.
  const Step& leaf = steps.back();
  if (leaf.is_index) {
    if (!parent.IsSequence()) fail("'" + walked + "' is not a list");
    if (leaf.index >= parent.size()) {
      fail("'" + walked + "' has " + std::to_string(parent.size()) + " items");
    }
    YAML::Node slot = parent[leaf.index];
    slot = value;
  } else {
    if (!parent.IsMap() && !parent.IsNull()) {
      fail("'" + walked + "' is not a map (it is " + describe(parent) + ")");
    }
    bool replaced = false;
    if (parent.IsMap()) {
      for (auto it = parent.begin(); it != parent.end() && !replaced; ++it) {
        if (it->first.Scalar() == leaf.key) {
          YAML::Node slot = it->second;
          slot = value;
          replaced = true;
        }
      }
    }
    if (!replaced) parent.force_insert(YAML::Node(leaf.key), value);
  }

  // Record the origin along the path, copying shared origins before changing them.
  auto override_origin = std::make_shared<Origin>();
  override_origin->file = kOverrideFile;
  override_origin->override_text = text;
  std::vector<std::shared_ptr<Origin>> copies{std::make_shared<Origin>(*doc->origin)};
  for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
    const std::string key = steps[i].is_index ? index_key(steps[i].index) : steps[i].key;
    copies.push_back(std::make_shared<Origin>(*child_origin(copies.back(), key)));
  }
  OriginPtr below = override_origin;
  for (std::size_t i = steps.size(); i-- > 0;) {
    const std::string key = steps[i].is_index ? index_key(steps[i].index) : steps[i].key;
    copies[i]->kids[key] = below;
    below = copies[i];
  }
  doc->origin = below;
}

template <typename I>
I to_integer(const ConfigNode& node) {
  const YAML::Node& y = node.yaml();
  bool negative = false;
  std::uint64_t magnitude = 0;
  IntParse parsed = is_plain_scalar(y) && !y.IsNull()
                        ? parse_integer(y.Scalar(), &negative, &magnitude)
                        : IntParse::kNotInteger;
  if (parsed == IntParse::kNotInteger) node.fail("expected an integer, got " + describe(y));
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<I>::max());
  if (negative && magnitude > 0 && !std::numeric_limits<I>::is_signed) {
    node.fail("must be >= 0 (got " + y.Scalar() + ")");
  }
  // The most negative value of a signed type has magnitude max + 1.
  const std::uint64_t limit = negative ? kMax + 1 : kMax;
  if (parsed == IntParse::kTooLarge || magnitude > limit) {
    node.fail("value " + y.Scalar() + " is out of range [" +
              std::to_string(std::numeric_limits<I>::min()) + ", " + std::to_string(kMax) + "]");
  }
  if (!negative) return static_cast<I>(magnitude);
  // Two's-complement negation done in unsigned arithmetic to avoid overflow at the minimum.
  return static_cast<I>(static_cast<std::int64_t>(~magnitude + 1));
}

double to_double(const ConfigNode& node) {
  const YAML::Node& y = node.yaml();
  const std::string text = y.IsScalar() ? y.Scalar() : std::string();
  if (!is_plain_scalar(y) || y.IsNull()) node.fail("expected a number, got " + describe(y));
  bool negative = false;
  std::uint64_t magnitude = 0;
  if (parse_integer(text, &negative, &magnitude) == IntParse::kOk) {
    const double value = static_cast<double>(magnitude);
    return negative ? -value : value;
  }
  if (!is_float_text(text)) node.fail("expected a number, got " + describe(y));
  std::size_t pos = (text[0] == '+' || text[0] == '-') ? 1 : 0;
  const std::string body = text.substr(pos);
  double value = 0.0;
  if (body == ".inf" || body == ".Inf" || body == ".INF" || body == ".nan" || body == ".NaN" ||
      body == ".NAN") {
    node.fail("must be a finite number (got " + text + ")");
  } else {
    auto r = std::from_chars(body.data(), body.data() + body.size(), value);
    if (r.ec == std::errc::result_out_of_range) {
      // from_chars leaves the value alone out of range; strtod tells overflow from underflow.
      value = std::strtod(body.c_str(), nullptr);
      if (std::isinf(value)) node.fail("value " + text + " is out of range for a double");
    }
  }
  return text[0] == '-' ? -value : value;
}

template <typename T>
std::vector<T> to_vector(const ConfigNode& node) {
  if (!node.is_seq()) node.fail("expected a list, got " + describe(node.yaml()));
  std::vector<T> values;
  values.reserve(node.size());
  for (std::size_t i = 0; i < node.size(); ++i) values.push_back(node[i].as<T>());
  return values;
}

std::string format_error(const std::string& file, int line, int column, const std::string& path,
                         const std::string& message) {
  // A flag or a folder of the command line has no file: the key (the flag) leads.
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  if (!out.empty()) out += ": ";
  if (!path.empty()) out += path + ": ";
  return one_line(out + message);
}

ConfigDoc finish(Loader& loader, Tree doc, const std::vector<std::string>& overrides) {
  for (const std::string& text : overrides) apply_override(&doc, text);
  return ConfigDoc(doc.node, doc.origin, loader.files());
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

ConfigError::ConfigError(std::string file, int line, int column, std::string key_path,
                         std::string message)
    : std::runtime_error(format_error(file, line, column, key_path, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_path_(std::move(key_path)),
      message_(std::move(message)) {}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment distance over three rolling rows.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    before.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

// ---------------------------------------------------------------------------------------------

ConfigNode::ConfigNode(YAML::Node node, YAML::Node key, std::string path, OriginPtr origin)
    : node_(std::move(node)),
      key_(std::move(key)),
      path_(std::move(path)),
      origin_(std::move(origin)) {}

ConfigNode& ConfigNode::operator=(const ConfigNode& other) {
  node_.reset(other.node_);
  key_.reset(other.key_);
  path_ = other.path_;
  origin_ = other.origin_;
  return *this;
}

std::size_t ConfigNode::size() const {
  return node_.IsMap() || node_.IsSequence() ? node_.size() : 0;
}

bool ConfigNode::find_entry(const std::string& key, YAML::Node* key_node, YAML::Node* value) const {
  if (!node_.IsMap()) return false;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      key_node->reset(it->first);
      value->reset(it->second);
      return true;
    }
  }
  return false;
}

std::string ConfigNode::child_path(const std::string& key) const {
  return join_path(path_, key);
}

ConfigNode ConfigNode::make_child(const YAML::Node& key_node, const YAML::Node& value,
                                  const std::string& key) const {
  return ConfigNode(value, key_node, child_path(key), child_origin(origin_, key));
}

bool ConfigNode::has(const std::string& key) const {
  YAML::Node k, v;
  return find_entry(key, &k, &v);
}

void ConfigNode::require_map(const char* what) const {
  if (!node_.IsMap()) fail(std::string("expected a map ") + what + ", got " + describe(node_));
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> names;
  if (node_.IsNull()) return names;
  require_map("of keys");
  for (auto it = node_.begin(); it != node_.end(); ++it) names.push_back(it->first.Scalar());
  return names;
}

ConfigNode ConfigNode::child(const std::string& key) const {
  YAML::Node k, v;
  if (find_entry(key, &k, &v)) return make_child(k, v, key);
  if (!node_.IsMap() && !node_.IsNull()) require_map("of keys");
  // Point at the map's own key ("noc:") when there is one: that is where the key belongs.
  const bool at_key = key_.IsDefined() && origin_->has_position();
  fail_at(at_key ? key_.Mark() : mark(), child_path(key), "missing required key");
}

ConfigNode ConfigNode::operator[](std::size_t index) const {
  if (!node_.IsSequence()) fail("expected a list, got " + describe(node_));
  if (index >= node_.size()) {
    fail("index " + std::to_string(index) + " is out of range (the list has " +
         std::to_string(node_.size()) + " items)");
  }
  const std::string key = index_key(index);
  return ConfigNode(node_[index], YAML::Node(YAML::NodeType::Undefined), path_ + key,
                    child_origin(origin_, key));
}

void ConfigNode::expect_keys(std::initializer_list<std::string> allowed) const {
  expect_keys(std::vector<std::string>(allowed));
}

void ConfigNode::expect_keys(const std::vector<std::string>& allowed) const {
  // An empty value (`noc:` or `noc: null`) where a map belongs is a mistake, not "no keys".
  require_map("of keys");
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string name = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string best;
    std::size_t best_distance = 3;
    for (const std::string& candidate : allowed) {
      const std::size_t d = edit_distance(name, candidate);
      if (d < best_distance && d < name.size()) {
        best = candidate;
        best_distance = d;
      }
    }
    std::string message = "unknown key '" + name + "'";
    if (!best.empty()) {
      message += ", did you mean '" + best + "'?";
    } else {
      std::string list;
      for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
      message += " (allowed keys: " + list + ")";
    }
    raise(*child_origin(origin_, name), it->first.Mark(), child_path(name), message);
  }
}

void ConfigNode::fail(const std::string& message) const {
  fail_at(mark(), path_, message);
}

void ConfigNode::fail_key(const std::string& key, const std::string& message) const {
  YAML::Node k, v;
  if (!find_entry(key, &k, &v)) fail_at(mark(), child_path(key), message);
  raise(*child_origin(origin_, key), k.Mark(), child_path(key), message);
}

void ConfigNode::fail_at(const YAML::Mark& mark, const std::string& path,
                         const std::string& message) const {
  raise(*origin_, mark, path, message);
}

const std::string& ConfigNode::file() const {
  return origin_->file;
}

YAML::Mark ConfigNode::mark() const {
  if (!origin_->has_position()) return YAML::Mark::null_mark();
  // An empty value's mark is where the next token starts; its key is the better place.
  if (node_.IsNull() && key_.IsDefined()) return key_.Mark();
  return node_.Mark();
}

int ConfigNode::line() const {
  return one_based(mark().line);
}
int ConfigNode::column() const {
  return one_based(mark().column);
}

template <>
double ConfigNode::as<double>() const {
  return to_double(*this);
}
template <>
std::int64_t ConfigNode::as<std::int64_t>() const {
  return to_integer<std::int64_t>(*this);
}
template <>
std::uint64_t ConfigNode::as<std::uint64_t>() const {
  return to_integer<std::uint64_t>(*this);
}
template <>
unsigned ConfigNode::as<unsigned>() const {
  return to_integer<unsigned>(*this);
}
template <>
int ConfigNode::as<int>() const {
  return to_integer<int>(*this);
}
template <>
bool ConfigNode::as<bool>() const {
  if (is_plain_scalar(node_)) {
    const std::string& s = node_.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  fail("expected true or false, got " + describe(node_));
}
template <>
std::string ConfigNode::as<std::string>() const {
  if (!node_.IsScalar()) {
    fail("expected a string, got " + describe(node_));
  }
  return node_.Scalar();
}
template <>
std::vector<std::int64_t> ConfigNode::as<std::vector<std::int64_t>>() const {
  return to_vector<std::int64_t>(*this);
}
template <>
std::vector<double> ConfigNode::as<std::vector<double>>() const {
  return to_vector<double>(*this);
}
template <>
std::vector<std::string> ConfigNode::as<std::vector<std::string>>() const {
  return to_vector<std::string>(*this);
}

// ---------------------------------------------------------------------------------------------

ConfigDoc::ConfigDoc(YAML::Node root, std::shared_ptr<const yaml_detail::Origin> origin,
                     std::vector<std::string> files)
    : root_(std::move(root)), origin_(std::move(origin)), files_(std::move(files)) {}

ConfigDoc& ConfigDoc::operator=(const ConfigDoc& other) {
  root_.reset(other.root_);
  origin_ = other.origin_;
  files_ = other.files_;
  return *this;
}

ConfigNode ConfigDoc::root() const {
  return ConfigNode(root_, YAML::Node(YAML::NodeType::Undefined), "", origin_);
}

std::string ConfigDoc::to_yaml() const {
  YAML::Emitter out;
  out << root_;
  return std::string(out.c_str()) + "\n";
}

ConfigDoc load_config(const std::string& path, const std::vector<std::string>& overrides) {
  Loader loader;
  Tree doc = loader.load_path(path);
  return finish(loader, doc, overrides);
}

ConfigDoc load_config_text(const std::string& text, const std::string& source_name,
                           const std::vector<std::string>& overrides) {
  Loader loader;
  Tree doc = loader.load_text(text, source_name);
  return finish(loader, doc, overrides);
}

}  // namespace atleus
