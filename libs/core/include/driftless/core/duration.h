#pragma once

// Go time.Duration parsing and printing (`1m30s`, `10m0s`, `1.5h`, `300ms`).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace driftless::core {

using Nanoseconds = std::chrono::nanoseconds;

// Parses a Go duration string as time.ParseDuration does: an optional sign, then one or more
// decimal numbers each with a unit (ns, us, µs, ms, s, m, h). Returns nullopt on bad syntax or
// overflow.
std::optional<Nanoseconds> tryParseDuration(std::string_view text);
// As tryParseDuration, but throws core::Error with Go's message (`time: invalid duration "x"`).
Nanoseconds parseDuration(std::string_view text);

// Prints as Go's Duration.String(): `1m30s`, `10m0s`, `1h0m0s`, `1.5s`, `300ms`, `0s`.
std::string formatDuration(Nanoseconds d);

}  // namespace driftless::core
