#pragma once

// A small Common Expression Language (CEL) evaluator over core::Value, for the expressions Flux
// takes in its APIs (a Provider's commitStatusExpr; later health-check and readiness
// expressions). It covers the language those expressions use: literals, variables, field and
// index selection, `has()`, arithmetic, comparison, logic, `?:`, `in`, lists and maps, and the
// string functions of cel-go's standard library and strings extension (size, contains,
// startsWith, endsWith, lowerAscii, upperAscii, trim, split, join, string(), int()). Variables
// are declared at compile time, so an unknown name is a compile error as in cel-go.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::cel {

struct Node;

class Program {
 public:
  // Parses expression; throws core::Error on a syntax error or a reference to a variable that
  // is not in `variables`.
  static Program compile(std::string_view expression, const std::vector<std::string>& variables);

  // Evaluates with the variables bound; throws core::Error on a runtime error (a missing key,
  // a type mismatch, a division by zero).
  [[nodiscard]] core::Value evaluate(const std::map<std::string, core::Value>& variables) const;

  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  std::string source_;
  std::shared_ptr<const Node> root_;
};

}  // namespace driftless::cel
