#pragma once

// The day-to-day commands of the flux CLI, in flux's words and output (issue F9): get,
// reconcile, suspend, resume, export, events. They talk to any cluster through the kubeconfig
// (KUBECONFIG, --kubeconfig, --context; -n defaults to flux-system, -A for every namespace).

#include <string>
#include <vector>

namespace driftless::cli {

// Runs `driftless COMMAND ARGS...`; failures print flux's `✗ message` and return non-zero.
int fluxCommand(const std::string& command, const std::vector<std::string>& args);

}  // namespace driftless::cli
