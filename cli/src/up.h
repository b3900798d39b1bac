#pragma once

// `driftless up` and `driftless down`: the embedded control plane plus every controller built,
// as child processes of one supervisor, on one data directory.

#include <string>
#include <vector>

namespace driftless::cli {

// driftless up [--data-dir D] [-d] [--port N] [--no-simulate-workloads] [--log-level L]
int up(const std::vector<std::string>& args);
// driftless down [--data-dir D] [--timeout 60s]
int down(const std::vector<std::string>& args);

}  // namespace driftless::cli
