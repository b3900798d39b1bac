#pragma once

// api::Duration: a Go duration field of an API object (metav1.Duration, e.g. `interval: 5m`).
// It keeps the text it was decoded from, so that encoding gives back exactly the same string
// (`5m`, not Go's `5m0s`), and the parsed length of time.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "driftless/core/duration.h"

namespace driftless::api {

class Duration {
 public:
  // Zero (`0s`).
  Duration() = default;
  // From a length of time; the text is Go's Duration.String() of it (`1m30s`).
  explicit Duration(core::Nanoseconds value);
  // From text such as `1m30s`; throws core::Error (`time: invalid duration "x"`) on bad syntax.
  explicit Duration(std::string_view text);

  // As the text constructor, but nullopt on bad syntax.
  static std::optional<Duration> tryParse(std::string_view text);

  // The text as written (or as formatted, for a duration made from nanoseconds).
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] core::Nanoseconds value() const noexcept { return value_; }

  // Equal when the texts are equal (`60s` and `1m` are different values of a field).
  bool operator==(const Duration& other) const noexcept { return text_ == other.text_; }

 private:
  Duration(std::string text, core::Nanoseconds value) : text_(std::move(text)), value_(value) {}

  std::string text_ = "0s";
  core::Nanoseconds value_{0};
};

}  // namespace driftless::api
