#pragma once

// Error types of libs/core. This layer reports bad input with exceptions derived from
// core::Error; callers at a controller boundary turn them into conditions and events.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace driftless::core {

// Any error caused by input (malformed documents, wrong types, bad durations or versions).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A syntax error in a JSON or YAML document, with the position it was found at (1-based).
class ParseError : public Error {
 public:
  ParseError(std::string source, std::size_t line, std::size_t column, std::string problem);

  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  [[nodiscard]] std::size_t column() const noexcept { return column_; }
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
  std::string source_;
  std::size_t line_;
  std::size_t column_;
  std::string problem_;
};

// A value of the wrong shape at a path, e.g. decoding `spec.interval` from a number.
class TypeError : public Error {
 public:
  TypeError(std::string path, std::string message);
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace driftless::core
