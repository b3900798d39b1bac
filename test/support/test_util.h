#pragma once

// Small helpers shared by the integration tests: a quiet logger, waiting on a condition with a
// deadline (instead of sleeping), and a free TCP port on 127.0.0.1.

#include <chrono>
#include <cstdint>
#include <functional>

#include "driftless/core/log.h"

namespace driftless::test {

// Errors only (tests that expect failures stay readable).
core::Logger quietLogger();
// Polls cond every 10 ms until it holds or timeout passes; returns its last value.
bool eventually(const std::function<bool()>& cond,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));
// A port nothing listens on right now (bind to 0, read it back, close).
std::uint16_t freePort();

}  // namespace driftless::test
