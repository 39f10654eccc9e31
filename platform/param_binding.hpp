// Binds YAML maps to parameter structs field by field: each struct lists its keys once (the
// key is the member's name), the loader rejects unknown keys, reads typed values with their
// positions, and turns a failed validate() into an error at the offending key.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "atleus/models/param_check.hpp"
#include "atleus/platform/yaml_config.hpp"

namespace atleus {

template <typename S>
class FieldTable {
 public:
  using Member = std::variant<double S::*, unsigned S::*, uint64_t S::*, bool S::*, int S::*>;
  struct Custom {
    std::string key;
    std::function<void(S&, const ConfigNode&)> read;  // reads the value node
  };

  FieldTable& add(std::string key, Member m) {
    fields_.push_back({std::move(key), m});
    return *this;
  }
  FieldTable& custom(std::string key, std::function<void(S&, const ConfigNode&)> read) {
    customs_.push_back({std::move(key), std::move(read)});
    return *this;
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& f : fields_) k.push_back(f.key);
    for (const auto& c : customs_) k.push_back(c.key);
    return k;
  }

  // Reads every present key of `node` into `s` (absent keys keep the struct's defaults).
  // Extra allowed keys (read elsewhere) may be given.
  void read(const ConfigNode& node, S& s, const std::vector<std::string>& extra = {}) const {
    auto allowed = keys();
    allowed.insert(allowed.end(), extra.begin(), extra.end());
    node.expect_keys(allowed);
    for (const auto& f : fields_) {
      if (!node.has(f.key)) continue;
      const ConfigNode v = node.child(f.key);
      std::visit(
          [&](auto member) {
            using T = std::remove_reference_t<decltype(s.*member)>;
            s.*member = v.template as<T>();
          },
          f.member);
    }
    for (const auto& c : customs_)
      if (node.has(c.key)) c.read(s, node.child(c.key));
  }

 private:
  struct Field {
    std::string key;
    Member member;
  };
  std::vector<Field> fields_;
  std::vector<Custom> customs_;
};

// Runs validate() and reports a ParamError at the key it names. A field "a.b" names key b of
// the nested map a.
template <typename S>
void validate_at(const ConfigNode& node, const S& s) {
  try {
    s.validate();
  } catch (const ParamError& e) {
    ConfigNode at = node;
    std::string field = e.field();
    for (auto dot = field.find('.'); dot != std::string::npos; dot = field.find('.')) {
      const std::string head = field.substr(0, dot);
      if (!at.has(head)) break;
      at = at.child(head);
      field = field.substr(dot + 1);
    }
    at.fail_key(field, e.what());
  }
}

// Reads `node` through `table` into `s` (keys in `extra` are left to the caller) and validates.
template <typename S>
void read_validated(const ConfigNode& node, const FieldTable<S>& table, S& s,
                    const std::vector<std::string>& extra = {}) {
  table.read(node, s, extra);
  validate_at(node, s);
}

}  // namespace atleus
