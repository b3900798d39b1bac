#pragma once

// Timestamps as Kubernetes writes them: metav1.Time (RFC 3339, seconds, UTC:
// `2026-11-22T07:00:00Z`) and metav1.MicroTime (`2026-11-22T07:00:00.000000Z`).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace driftless::core {

using SystemTime = std::chrono::system_clock::time_point;

// `2026-11-22T07:00:00Z` (fractions truncated, as metav1.Time marshals).
std::string formatRfc3339(SystemTime t);
// `2026-11-22T07:00:00.123456Z` (metav1.MicroTime).
std::string formatRfc3339Micro(SystemTime t);
// Parses RFC 3339 with an optional fraction and a `Z` or `+hh:mm` offset; nullopt when malformed.
std::optional<SystemTime> parseRfc3339(std::string_view text);

}  // namespace driftless::core
