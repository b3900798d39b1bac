#pragma once

// Small helpers shared by the integration tests: a quiet logger, waiting on a condition with a
// deadline (instead of sleeping), and a free TCP port on 127.0.0.1.

#include <chrono>
#include <cstdint>
#include <filesystem>

#include <functional>
#include <string>
#include "driftless/core/temp_dir.h"

#include "driftless/core/log.h"
#include "driftless/kube/client.h"

namespace driftless::test {

// Errors only (tests that expect failures stay readable).
core::Logger quietLogger();
// Polls cond every 10 ms until it holds or timeout passes; returns its last value.
bool eventually(const std::function<bool()>& cond,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));
// A port nothing listens on right now (bind to 0, read it back, close).
std::uint16_t freePort();
// Waits until the server serves gvk (e.g. right after its CRD was created), resetting the
// client's REST mapping while it is unknown; false when the deadline passes.
bool waitForKind(kube::Client& client, const kube::GroupVersionKind& gvk,
                 const std::string& namespace_ = "default");

// A fresh directory under the system temp dir (<prefix>-XXXXXX), removed with its contents.
using TempDir = core::TempDir;

}  // namespace driftless::test
