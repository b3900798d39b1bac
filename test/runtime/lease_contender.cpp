// A leader-election candidate in a process of its own, for leader_election_test:
//   lease_contender <kubeconfig> <lease name> <identity>
// Contends for the Lease with the test timings, prints "leading" once it holds it and keeps
// renewing until killed; prints "lost" and exits 1 if leadership is lost.

#include <chrono>
#include <cstdio>
#include <future>
#include <stop_token>

#include "driftless/core/log.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/runtime/leader_election.h"
#include "lease_test_options.h"

namespace {

int contend(const char* kubeconfig, const char* leaseName, const char* identity) {
  namespace core = driftless::core;
  auto config = driftless::kube::loadKubeconfig(kubeconfig);
  config.timeout = std::chrono::seconds(1);  // below the renew deadline
  core::Logger logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
  auto client = driftless::kube::makeClient(config, logger);
  driftless::runtime::LeaderElector elector(
      *client, driftless::test::testLeaseOptions(leaseName, identity), logger);
  std::stop_source never;
  if (!elector.acquire(never.get_token())) return 1;
  std::promise<void> lost;
  elector.startRenewing([&lost] { lost.set_value(); });
  std::puts("leading");
  std::fflush(stdout);
  lost.get_future().wait();
  std::puts("lost");
  std::fflush(stdout);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: lease_contender <kubeconfig> <lease name> <identity>\n");
    return 2;
  }
  try {
    return contend(argv[1], argv[2], argv[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lease_contender: %s\n", e.what());
    return 2;
  }
}
