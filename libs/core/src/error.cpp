#include "driftless/core/error.h"

#include <utility>

namespace driftless::core {

namespace {
std::string formatParseError(const std::string& source, std::size_t line, std::size_t column,
                             const std::string& problem) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + problem;
}
}  // namespace

ParseError::ParseError(std::string source, std::size_t line, std::size_t column,
                       std::string problem)
    : Error(formatParseError(source, line, column, problem)),
      source_(std::move(source)),
      line_(line),
      column_(column),
      problem_(std::move(problem)) {}

TypeError::TypeError(std::string path, std::string message)
    : Error(path.empty() ? message : path + ": " + message), path_(std::move(path)) {}

}  // namespace driftless::core
