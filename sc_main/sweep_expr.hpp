// Arithmetic and logical expressions of a sweep spec (`derived` keys and `constraints`),
// evaluated by muParser: + - * / ^, comparisons, && ||, ?:, and its functions (log, sqrt,
// min, max, ...). Variable names are key paths such as `core_types.sa.rows`.
#pragma once

#include <map>
#include <set>
#include <string>

namespace atleus::cli {

class SweepExpression {
 public:
  // Parses `text`; throws std::invalid_argument with muParser's message and the position.
  explicit SweepExpression(std::string text);

  const std::string& text() const { return text_; }
  // The names the expression refers to.
  const std::set<std::string>& variables() const { return variables_; }
  // The value with every variable bound from `values`; a missing one is std::out_of_range,
  // a non-finite result std::domain_error.
  double eval(const std::map<std::string, double>& values) const;

 private:
  std::string text_;
  std::set<std::string> variables_;
};

// A number as a key's value: an integer when it is one, else 10 significant digits.
std::string number_text(double v);

}  // namespace atleus::cli
