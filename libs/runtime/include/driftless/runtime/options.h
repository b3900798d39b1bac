#pragma once

// The flags every Flux controller accepts (fluxcd/pkg/runtime: client, leader election, logger,
// metrics/health addresses, retry delays, jitter, events address, watch scope), parsed once for
// every driftless controller, with Flux's names and defaults.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/runtime/leader_election.h"
#include "driftless/runtime/work_queue.h"

namespace driftless::runtime {

struct RuntimeOptions {
  std::string controllerName;  // e.g. "source-controller"
  std::string metricsAddr = ":8080";
  std::string healthAddr = ":9440";
  std::string eventsAddr;  // --events-addr
  bool enableLeaderElection = false;
  LeaderElectionOptions leaderElection;  // lease name/namespace filled from the controller name
  std::string runtimeNamespace;          // $RUNTIME_NAMESPACE, default flux-system
  bool watchAllNamespaces = true;
  std::string watchLabelSelector;
  int concurrent = 4;
  BackoffOptions backoff;    // --min-retry-delay, --max-retry-delay
  double jitterPercent = 5;  // --interval-jitter-percentage
  std::chrono::milliseconds gracefulShutdownTimeout{30000};
  core::LogLevel logLevel = core::LogLevel::Info;
  core::LogEncoding logEncoding = core::LogEncoding::Json;
  std::string kubeconfig;  // --kubeconfig
  double qps = 50;         // --kube-api-qps
  int burst = 300;         // --kube-api-burst

  // The namespace the cache watches: "" (all) or the runtime namespace.
  [[nodiscard]] std::string watchNamespace() const {
    return watchAllNamespaces ? std::string() : runtimeNamespace;
  }
  [[nodiscard]] core::Logger logger() const;
  // The client configuration: the kubeconfig search order plus QPS/burst.
  [[nodiscard]] kube::RestConfig restConfig() const;
};

// Parses Flux's flags (`--name=value` or `--name value`; booleans also bare). Arguments it does
// not know are returned in `rest` for the controller's own flags. Throws core::Error naming the
// flag on a malformed value.
RuntimeOptions parseRuntimeOptions(const std::string& controllerName,
                                   const std::vector<std::string>& args,
                                   std::vector<std::string>* rest = nullptr,
                                   int defaultConcurrent = 4);

// A controller's own flags (what parseRuntimeOptions left), in the same forms: `--name=value`,
// `--name value`, and `--name` alone for the flags isBoolean accepts (value "true"). handle
// returns false for a flag it does not know. Throws core::Error ("unknown flag: --x", "flag
// needs an argument: --x", "unexpected argument: x").
void parseFlags(
    const std::vector<std::string>& args,
    const std::function<bool(const std::string& name)>& isBoolean,
    const std::function<bool(const std::string& name, const std::string& value)>& handle);

// The usage text of the common flags.
std::string runtimeOptionsUsage();

}  // namespace driftless::runtime
