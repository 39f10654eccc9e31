#include "atleus/workloads/yaml_guard.hpp"

#include <sys/stat.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace atleus {

namespace {

int one_based(int zero_based) {
  return zero_based >= 0 ? zero_based + 1 : 0;
}

// 1-based line and column of byte `offset`.
void position_of(const std::string& text, std::size_t offset, int* line, int* column) {
  const std::size_t before = std::min(offset, text.size());
  *line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + before, '\n'));
  const std::size_t newline = before == 0 ? std::string::npos : text.rfind('\n', before - 1);
  *column = static_cast<int>(newline == std::string::npos ? before + 1 : before - newline);
}

// Thrown inside the event handler to stop the parser at the first problem.
struct Stop {
  YamlProblem problem;
};

class Guard : public YAML::EventHandler {
 public:
  Guard(const YamlLimits& limits, const std::string& text) : limits_(limits), text_(text) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const std::string path = enter(mark, "");
    leaf(mark, path, anchor, 1, 1, nullptr);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const std::string path = enter(mark, "");
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      fail(mark, path, "an alias to an enclosing node (a structure that contains itself)");
    }
    if (++aliases_ > limits_.max_aliases) {
      fail(mark, path,
           "more than " + std::to_string(limits_.max_aliases) + " alias uses in one file");
    }
    leaf(mark, path, 0, it->second.nodes, it->second.height, nullptr);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const std::string path = enter(mark, tag);
    check_quote_closed(mark, path);
    leaf(mark, path, anchor, 1, 1, &value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, tag, anchor, false);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, tag, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Size {
    std::size_t nodes = 0;
    int height = 0;
  };
  struct Frame {
    bool is_map = false;
    std::string path;
    YAML::anchor_t anchor = 0;
    YAML::Mark mark;
    Size size{1, 1};
    std::size_t items = 0;       // children seen (keys and values count separately in a map)
    std::string key;             // a map's current key
    std::set<std::string> keys;  // a map's keys so far
    std::map<std::string, int> key_lines;
  };

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path,
                         const std::string& message) {
    throw Stop{{one_based(mark.line), one_based(mark.column), path, message}};
  }

  // yaml-cpp accepts a quoted scalar that is never closed when the file ends with a newline
  // (the rest of the file becomes its value); the scalar's own closing quote must exist.
  void check_quote_closed(const YAML::Mark& mark, const std::string& path) {
    std::size_t i = mark.pos >= 0 ? static_cast<std::size_t>(mark.pos) : text_.size();
    if (i < text_.size() && text_[i] == '&') {  // an anchor precedes the scalar
      while (i < text_.size() && !std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
      while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
    }
    if (i >= text_.size() || (text_[i] != '"' && text_[i] != '\'')) return;
    const char quote = text_[i];
    for (++i; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;  // an escape: the next character cannot close the string
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' is an escaped single quote
        } else {
          return;
        }
      }
    }
    fail(mark, path,
         std::string("a ") + (quote == '"' ? "double" : "single") +
             "-quoted string that is never closed (it runs to the end of the file)");
  }

  bool at_key() const {
    return !stack_.empty() && stack_.back().is_map && stack_.back().items % 2 == 0;
  }

  // The path of the node about to start; checks its tag.
  std::string enter(const YAML::Mark& mark, const std::string& tag) {
    std::string path;
    if (!stack_.empty()) {
      const Frame& f = stack_.back();
      if (f.is_map) {
        path = at_key() || f.key.empty() ? f.path : (f.path.empty() ? f.key : f.path + "." + f.key);
      } else {
        path = f.path + "[" + std::to_string(f.items) + "]";
      }
    }
    if (!tag.empty() && tag != "?" && tag != "!") {
      fail(mark, path, "YAML tags are not accepted (got '" + tag + "')");
    }
    return path;
  }

  void count(const YAML::Mark& mark, const std::string& path, const Size& s) {
    total_ += s.nodes;
    if (total_ > limits_.max_nodes) {
      fail(mark, path,
           "the document expands to more than " + std::to_string(limits_.max_nodes) +
               " nodes (aliases counted as copies)");
    }
    if (static_cast<int>(stack_.size()) + s.height > limits_.max_depth) {
      fail(mark, path,
           "nested deeper than " + std::to_string(limits_.max_depth) +
               " levels (aliases counted as copies)");
    }
  }

  // A complete child (scalar, null, alias, or a closed container) of the top frame.
  void leaf(const YAML::Mark& mark, const std::string& path, YAML::anchor_t anchor,
            std::size_t nodes, int height, const std::string* scalar) {
    const Size s{nodes, height};
    count(mark, path, s);
    if (anchor != 0) anchors_[anchor] = s;
    attach(mark, s, scalar);
  }

  void attach(const YAML::Mark& mark, const Size& s, const std::string* scalar) {
    if (stack_.empty()) return;
    Frame& f = stack_.back();
    if (f.is_map && f.items % 2 == 0) {
      f.key = scalar ? *scalar : std::string("?");
      if (scalar) {
        const std::string path = f.path.empty() ? *scalar : f.path + "." + *scalar;
        if (!f.keys.insert(*scalar).second) {
          fail(mark, path,
               "duplicate key '" + *scalar + "' (first at line " +
                   std::to_string(f.key_lines[*scalar]) + ")");
        }
        f.key_lines[*scalar] = one_based(mark.line);
      }
    }
    ++f.items;
    f.size.nodes += s.nodes;
    f.size.height = std::max(f.size.height, s.height + 1);
  }

  void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, bool is_map) {
    const std::string path = enter(mark, tag);
    if (static_cast<int>(stack_.size()) + 1 > limits_.max_depth) {
      fail(mark, path, "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    Frame f;
    f.is_map = is_map;
    f.path = path;
    f.anchor = anchor;
    f.mark = mark;
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    // The container itself was not counted yet; its children were, as they came.
    total_ += 1;
    if (total_ > limits_.max_nodes) {
      fail(f.mark, f.path,
           "the document expands to more than " + std::to_string(limits_.max_nodes) +
               " nodes (aliases counted as copies)");
    }
    if (f.anchor != 0) anchors_[f.anchor] = f.size;
    attach(f.mark, f.size, nullptr);
  }

  const YamlLimits& limits_;
  const std::string& text_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Size> anchors_;
  std::size_t total_ = 0;
  std::size_t aliases_ = 0;
};

// Stops at the first event of a document (used to find a second one).
struct NextDocument : YAML::EventHandler {
  struct Found {};
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& m) override {
    start = m;
    throw Found{};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::size_t find_invalid_utf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned long cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string::npos;
}

YamlProblem check_yaml_text(const std::string& text, const YamlLimits& limits) {
  YamlProblem p;
  if (text.size() > limits.max_bytes) {
    p.message = "the file is larger than " + std::to_string(limits.max_bytes) + " bytes";
    return p;
  }
  const std::size_t nul = text.find('\0');
  if (nul != std::string::npos) {
    position_of(text, nul, &p.line, &p.column);
    p.message = "a NUL byte in the text";
    return p;
  }
  const std::size_t bad = find_invalid_utf8(text);
  if (bad != std::string::npos) {
    position_of(text, bad, &p.line, &p.column);
    p.message = "invalid UTF-8 (byte 0x" + [&] {
      static const char* hex = "0123456789abcdef";
      const auto b = static_cast<unsigned char>(text[bad]);
      return std::string{hex[b >> 4], hex[b & 15]};
    }() + ")";
    return p;
  }
  std::istringstream in(text);
  try {
    YAML::Parser parser(in);
    Guard guard(limits, text);
    if (!parser.HandleNextDocument(guard)) return p;
    // A second document: stop at its first event, which says where it starts.
    NextDocument next;
    try {
      if (!parser.HandleNextDocument(next)) return p;
    } catch (const NextDocument::Found&) {
    }
    p.line = one_based(next.start.line);
    p.column = one_based(next.start.column);
    p.message = "a second YAML document; a file holds exactly one";
    return p;
  } catch (const Stop& s) {
    return s.problem;
  } catch (const YAML::Exception& e) {
    p.line = one_based(e.mark.line);
    p.column = one_based(e.mark.column);
    p.message = e.msg;
    return p;
  }
}

bool read_regular_file(const std::string& path, std::size_t max_bytes, std::string* text,
                       std::string* reason) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *reason = std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *reason = "is a directory";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *reason = "is not a regular file";
    return false;
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    *reason = "is larger than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *reason = errno != 0 ? std::strerror(errno) : "unreadable";
    return false;
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    *reason = "read error";
    return false;
  }
  *text = out.str();
  if (text->size() > max_bytes) {
    *reason = "is larger than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  return true;
}

}  // namespace atleus
