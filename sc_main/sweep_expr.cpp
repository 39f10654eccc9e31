#include "sc_main/sweep_expr.hpp"

#include <muParser.h>

#include <cmath>
#include <cstdio>
#include <deque>
#include <stdexcept>

namespace atleus::cli {

namespace {

constexpr const char* kNameChars =
    "0123456789_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// muParser asks for storage of every name it has not been given; the names are what the
// expression refers to.
struct Collector {
  std::set<std::string>* names;
  std::deque<double> storage;  // stable addresses
};

double* collect(const char* name, void* user) {
  auto* c = static_cast<Collector*>(user);
  c->names->insert(name);
  c->storage.push_back(0.0);
  return &c->storage.back();
}

std::string message_of(const mu::Parser::exception_type& e) {
  return e.GetMsg() + " (at character " + std::to_string(e.GetPos() + 1) + ")";
}

}  // namespace

SweepExpression::SweepExpression(std::string text) : text_(std::move(text)) {
  Collector c{&variables_, {}};
  try {
    mu::Parser p;
    p.DefineNameChars(kNameChars);
    p.SetVarFactory(collect, &c);
    p.SetExpr(text_);
    p.GetUsedVar();  // parses, and names every variable
  } catch (const mu::Parser::exception_type& e) {
    throw std::invalid_argument(message_of(e));
  }
}

double SweepExpression::eval(const std::map<std::string, double>& values) const {
  std::map<std::string, double> bound;
  for (const auto& name : variables_) bound[name] = values.at(name);
  double v = 0;
  try {
    mu::Parser p;
    p.DefineNameChars(kNameChars);
    for (auto& [name, value] : bound) p.DefineVar(name, &value);
    p.SetExpr(text_);
    v = p.Eval();
  } catch (const mu::Parser::exception_type& e) {
    throw std::invalid_argument(message_of(e));
  }
  if (!std::isfinite(v)) throw std::domain_error("the value is not finite");
  return v;
}

std::string number_text(double v) {
  if (std::abs(v) < 9.0e15 && v == std::round(v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(v)));
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace atleus::cli
