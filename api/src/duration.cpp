#include "driftless/api/duration.h"

#include <utility>

namespace driftless::api {

Duration::Duration(core::Nanoseconds value) : text_(core::formatDuration(value)), value_(value) {}

Duration::Duration(std::string_view text) : text_(text), value_(core::parseDuration(text)) {}

std::optional<Duration> Duration::tryParse(std::string_view text) {
  std::optional<core::Nanoseconds> value = core::tryParseDuration(text);
  if (!value) return std::nullopt;
  return Duration(std::string(text), *value);
}

}  // namespace driftless::api
